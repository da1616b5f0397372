"""Referrals: a referrer organisation sends a person to a mobility platform and follows the outcome.

Two-sided records: the referrer organisation (``sender_organization``) and the platform
responsible now (``organization``) each see the referral through ``visible_to(membership)``,
each with its own fields (see ``referrals/sharing.py`` for what a referrer may read).
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.db.models import Exists, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.functional import cached_property
from simple_history.models import HistoricalRecords

from cases.models import Appointment, Barrier, Beneficiary, Case, ConsentRecord
from cases.retention import ANONYMISED_LABEL
from organizations.models import Membership, Organization, Territory

DEFAULT_EXPIRY_DAYS = 30
DEFAULT_REMINDER_DAYS = 7

# The wording the referrer attests to; stored with each referral as it was when sent.
CONSENT_TEXT = (
    "La personne a donné son accord pour être orientée vers cette plateforme de mobilité et "
    "pour que les informations de cette prescription lui soient transmises."
)


class ReferralStatus(models.TextChoices):
    DRAFT = "draft", "Brouillon"
    SENT = "sent", "Envoyée"
    IN_REVIEW = "in_review", "En cours d'examen"
    ON_HOLD = "on_hold", "En attente"
    ACCEPTED = "accepted", "Acceptée"
    REFUSED = "refused", "Refusée"
    EXPIRED = "expired", "Expirée"
    WITHDRAWN = "withdrawn", "Retirée"
    CANCELLED = "cancelled", "Annulée (personne non venue)"


# Waiting for the platform's decision (the inbox).
PENDING_STATUSES = (ReferralStatus.SENT, ReferralStatus.IN_REVIEW, ReferralStatus.ON_HOLD)
# Every status the platform may see (a draft is the referrer's alone).
SUBMITTED_STATUSES = tuple(s for s in ReferralStatus if s != ReferralStatus.DRAFT)


class RefusalReason(models.TextChoices):
    OUT_OF_TERRITORY = "out_of_territory", "La personne habite hors du territoire couvert"
    NOT_ELIGIBLE = "not_eligible", "La personne ne relève pas des publics accompagnés"
    NO_MOBILITY_NEED = "no_mobility_need", "Pas de besoin de mobilité identifié"
    NO_CAPACITY = "no_capacity", "Plus de place pour le moment"
    UNREACHABLE = "unreachable", "Personne injoignable"
    PERSON_DECLINED = "person_declined", "La personne ne souhaite pas être accompagnée"
    DUPLICATE = "duplicate", "Prescription en double"
    OTHER = "other", "Autre motif"


class ReferralQuerySet(models.QuerySet):
    def visible_to(self, membership: Membership) -> ReferralQuerySet:
        """Referrals a member may open: sent by their organisation, or addressed to it now."""
        organization = membership.organization
        if organization.kind == Organization.Kind.REFERRER:
            return self.filter(sender_organization=organization)
        if organization.kind == Organization.Kind.PLATFORM:
            if membership.role not in (Membership.Role.ADMIN, Membership.Role.ADVISOR):
                return self.none()
            return self.filter(organization=organization, status__in=SUBMITTED_STATUSES)
        return self.none()

    def sent_by(self, organization: Organization) -> ReferralQuerySet:
        return self.filter(sender_organization=organization)

    def received_by(self, organization: Organization) -> ReferralQuerySet:
        return self.filter(organization=organization, status__in=SUBMITTED_STATUSES)

    def pending(self) -> ReferralQuerySet:
        return self.filter(status__in=PENDING_STATUSES)

    def by_urgency(self) -> ReferralQuerySet:
        """Job start first, then training start, then job interview; oldest waiting first."""
        return self.annotate(
            deadline=Coalesce("job_start_on", "training_start_on", "job_interview_on")
        ).order_by(models.F("deadline").asc(nulls_last=True), "received_at", "id")

    def with_follow_up(self, now) -> ReferralQuerySet:
        """Add what a referrer may know of the case (next appointment, exit situation) and
        whether the person's consent to share it is in force (see ``referrals/sharing.py``)."""
        next_appointment = (
            Appointment.objects.filter(
                case=OuterRef("case"), status=Appointment.Status.PLANNED, starts_at__gte=now
            )
            .order_by("starts_at")
            .values("starts_at")[:1]
        )
        return self.select_related("case__exit").annotate(
            next_appointment_at=Subquery(next_appointment),
            follow_up_consent=Exists(
                ConsentRecord.objects.in_force().filter(
                    beneficiary__cases=OuterRef("case"),
                    scope=ConsentRecord.Scope.SHARE_WITH_REFERRER,
                )
            ),
        )

    def waiting_since(self, day: date) -> ReferralQuerySet:
        """Sent referrals with no answer yet, received on or before ``day``."""
        return self.filter(status=ReferralStatus.SENT, received_at__date__lte=day)


class Referral(models.Model):
    """A prescription: a person sent by a referrer organisation to a mobility platform."""

    Status = ReferralStatus

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        Organization,
        verbose_name="plateforme destinataire",
        on_delete=models.CASCADE,
        related_name="received_referrals",
        limit_choices_to={"kind": "platform"},
        help_text="La plateforme qui a la prescription en charge aujourd'hui.",
    )
    original_platform = models.ForeignKey(
        Organization,
        verbose_name="plateforme d'origine",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"kind": "platform"},
        help_text="Renseignée quand la prescription a été transférée : la première destinataire.",
    )
    sender_organization = models.ForeignKey(
        Organization,
        verbose_name="prescripteur",
        on_delete=models.CASCADE,
        related_name="sent_referrals",
        limit_choices_to={"kind": "referrer"},
    )
    sender = models.ForeignKey(
        Membership,
        verbose_name="prescripteur·rice",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="sent_referrals",
    )
    status = models.CharField(
        "statut",
        max_length=10,
        choices=ReferralStatus.choices,
        default=ReferralStatus.DRAFT,
        db_index=True,
    )

    # The person
    first_name = models.CharField("prénom", max_length=150, blank=True)
    last_name = models.CharField("nom", max_length=150, blank=True)
    sex = models.CharField(
        "sexe", max_length=1, choices=Beneficiary.Sex.choices, default=Beneficiary.Sex.NOT_STATED
    )
    birth_date = models.DateField("date de naissance", null=True, blank=True)
    email = models.EmailField("e-mail", blank=True)
    phone = models.CharField("téléphone", max_length=30, blank=True)
    address = models.CharField("adresse", max_length=250, blank=True)
    postcode = models.CharField("code postal", max_length=5, blank=True)
    commune = models.ForeignKey(
        Territory,
        verbose_name="commune de résidence",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"level": "commune"},
    )
    france_travail_id = models.CharField("identifiant France Travail", max_length=20, blank=True)

    # Situation
    labour_market_status = models.CharField(
        "situation professionnelle",
        max_length=24,
        choices=Beneficiary.LabourMarketStatus.choices,
        default=Beneficiary.LabourMarketStatus.UNEMPLOYED,
    )
    receives_rsa = models.BooleanField("bénéficiaire du RSA", default=False)
    driving_licence = models.CharField(
        "permis de conduire",
        max_length=16,
        choices=Beneficiary.DrivingLicence.choices,
        default=Beneficiary.DrivingLicence.NONE,
    )
    has_car_access = models.BooleanField("dispose d'une voiture", default=False)
    has_two_wheeler_access = models.BooleanField("dispose d'un deux-roues motorisé", default=False)
    has_bike_access = models.BooleanField("dispose d'un vélo", default=False)
    barriers = models.ManyToManyField(
        Barrier, verbose_name="freins observés", blank=True, related_name="+"
    )
    barriers_comment = models.TextField(
        "précisions sur les freins",
        blank=True,
        help_text="Ce que vous avez observé, sans information médicale.",
    )

    # Objective and urgency
    objective = models.TextField(
        "objectif",
        blank=True,
        help_text="Le projet de la personne : emploi, formation, démarches, trajets à faire.",
    )
    job_interview_on = models.DateField("date d'entretien d'embauche", null=True, blank=True)
    job_start_on = models.DateField("date de prise de poste", null=True, blank=True)
    training_start_on = models.DateField("date d'entrée en formation", null=True, blank=True)
    employer_commune = models.ForeignKey(
        Territory,
        verbose_name="commune de l'employeur ou de la formation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"level": "commune"},
    )
    working_hours = models.CharField(
        "horaires de travail",
        max_length=200,
        blank=True,
        help_text="Par exemple : horaires décalés de 5 h à 13 h, week-ends.",
    )

    # Consent
    consent_given_on = models.DateField("date de l'accord de la personne", null=True, blank=True)
    consent_text = models.TextField("texte de l'attestation", blank=True)
    share_follow_up_with_referrer = models.BooleanField(
        "la personne accepte que la plateforme transmette le suivi de son accompagnement au "
        "prescripteur",
        default=False,
        help_text="Date d'entrée, prochain rendez-vous, situation à la sortie.",
    )
    share_diagnostic_with_referrer = models.BooleanField(
        "la personne accepte que la synthèse du diagnostic soit transmise au prescripteur",
        default=False,
    )
    coverage_override_reason = models.CharField(
        "raison de l'orientation hors territoire", max_length=500, blank=True
    )

    # Workflow
    on_hold_reason = models.CharField("motif de la mise en attente", max_length=500, blank=True)
    refusal_reason = models.CharField(
        "motif du refus", max_length=20, choices=RefusalReason.choices, blank=True
    )
    refusal_comment = models.TextField("message au prescripteur", blank=True)
    share_reason_with_person = models.BooleanField(
        "le motif peut être communiqué à la personne", default=False
    )
    case = models.ForeignKey(
        Case,
        verbose_name="accompagnement",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="referrals",
    )
    created_at = models.DateTimeField("créée le", default=timezone.now)
    updated_at = models.DateTimeField("modifiée le", auto_now=True)
    sent_at = models.DateTimeField("envoyée le", null=True, blank=True)
    received_at = models.DateTimeField(
        "reçue le",
        null=True,
        blank=True,
        help_text="Arrivée chez la plateforme actuelle (envoi, transfert ou réouverture).",
    )
    first_answered_at = models.DateTimeField("première réponse le", null=True, blank=True)
    decided_at = models.DateTimeField("décision le", null=True, blank=True)
    closed_at = models.DateTimeField("terminée le", null=True, blank=True)
    reminded_at = models.DateTimeField("dernière relance le", null=True, blank=True)
    outcome_notified_at = models.DateTimeField(
        "résultat de sortie traité le",
        null=True,
        blank=True,
        editable=False,
        help_text="Le résultat de sortie a été envoyé au prescripteur (ou ne pouvait pas l'être, "
        "faute d'accord de la personne).",
    )
    anonymised_at = models.DateTimeField("anonymisée le", null=True, blank=True)

    objects = ReferralQuerySet.as_manager()
    history = HistoricalRecords(
        excluded_fields=["updated_at", "reminded_at", "outcome_notified_at"],
        m2m_fields=[barriers],
    )

    class Meta:
        verbose_name = "prescription"
        verbose_name_plural = "prescriptions"
        ordering = ["-created_at", "id"]
        indexes = [
            models.Index(fields=["organization", "status"]),
            models.Index(fields=["sender_organization", "status"]),
            models.Index(fields=["organization", "received_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.full_name or 'Prescription'} → {self.organization}"

    @property
    def full_name(self) -> str:
        if self.anonymised_at is not None:
            return ANONYMISED_LABEL
        return f"{self.first_name} {self.last_name.upper()}".strip()

    @property
    def list_name(self) -> str:
        """Last name first, as the inboxes sort people."""
        if self.anonymised_at is not None:
            return ANONYMISED_LABEL
        return f"{self.last_name.upper()} {self.first_name}".strip()

    @property
    def is_draft(self) -> bool:
        return self.status == ReferralStatus.DRAFT

    @property
    def is_pending(self) -> bool:
        return self.status in PENDING_STATUSES

    @property
    def was_transferred(self) -> bool:
        return self.original_platform_id is not None

    @property
    def deadline_date(self) -> date | None:
        return self.job_start_on or self.training_start_on or self.job_interview_on

    def waiting_days(self, now=None) -> int | None:
        """Days since the platform received it, while it waits for a decision."""
        if self.received_at is None or not self.is_pending:
            return None
        return ((now or timezone.now()) - self.received_at).days

    def expires_on(self, expiry_days: int) -> date | None:
        if self.status != ReferralStatus.SENT or self.received_at is None:
            return None
        return timezone.localdate(self.received_at) + timedelta(days=expiry_days)

    @property
    def case_exit(self):
        """The exit questionnaire of the linked case, if the case is closed."""
        if self.case_id is None:
            return None
        try:
            return self.case.exit
        except ObjectDoesNotExist:
            return None

    @property
    def outcome_summary(self) -> str:
        """The end of the pathway: exit date and situation (a referrer reads it only through
        ``follow_up``, which applies the person's consent)."""
        exit = self.case_exit
        if exit is None:
            return ""
        return f"Sortie le {exit.exit_date:%d/%m/%Y} : {exit.get_situation_display()}"

    @cached_property
    def follow_up(self):
        """What the referrer may read of the case now (``referrals/sharing.py``)."""
        from .sharing import follow_up_for

        return follow_up_for(self)

    def is_sender_side(self, membership: Membership) -> bool:
        return membership.organization_id == self.sender_organization_id

    def is_platform_side(self, membership: Membership) -> bool:
        return membership.organization_id == self.organization_id

    def can_be_withdrawn_by(self, membership: Membership) -> bool:
        return self.is_sender_side(membership) and self.is_pending


class ReferralTransitionQuerySet(models.QuerySet):
    def for_platform(self, organization: Organization) -> ReferralTransitionQuerySet:
        return self.filter(organization=organization)


class ReferralTransition(models.Model):
    """One step of a referral's workflow: who did it, when, from which status to which."""

    class Kind(models.TextChoices):
        SEND = "send", "Envoi"
        START_REVIEW = "start_review", "Examen"
        HOLD = "hold", "Mise en attente"
        RESUME = "resume", "Reprise de l'examen"
        ACCEPT = "accept", "Acceptation"
        REFUSE = "refuse", "Refus"
        EXPIRE = "expire", "Expiration"
        WITHDRAW = "withdraw", "Retrait"
        TRANSFER = "transfer", "Transfert"
        CANCEL = "cancel", "Annulation"
        REOPEN = "reopen", "Réouverture"

    id = models.BigAutoField(primary_key=True)
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="transitions")
    kind = models.CharField("étape", max_length=12, choices=Kind.choices)
    from_status = models.CharField("de", max_length=10, choices=ReferralStatus.choices, blank=True)
    to_status = models.CharField("vers", max_length=10, choices=ReferralStatus.choices)
    organization = models.ForeignKey(
        Organization,
        verbose_name="plateforme en charge",
        on_delete=models.CASCADE,
        related_name="+",
    )
    to_organization = models.ForeignKey(
        Organization,
        verbose_name="transférée à",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="par",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Vide : étape automatique (expiration).",
    )
    by_organization = models.ForeignKey(
        Organization,
        verbose_name="pour",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    at = models.DateTimeField("le", default=timezone.now)
    comment = models.CharField("commentaire", max_length=500, blank=True)

    objects = ReferralTransitionQuerySet.as_manager()

    class Meta:
        verbose_name = "étape de la prescription"
        verbose_name_plural = "étapes des prescriptions"
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.at:%d/%m/%Y %H:%M})"


def attachment_path(instance: Attachment, filename: str) -> str:
    # The stored name never carries the person's file name, which may hold personal data.
    referral = instance.referral
    return f"referrals/{referral.sender_organization_id}/{referral.pk}/{uuid.uuid4().hex}"


class AttachmentQuerySet(models.QuerySet):
    def visible_to(self, membership: Membership) -> AttachmentQuerySet:
        return self.filter(referral__in=Referral.objects.visible_to(membership))


class Attachment(models.Model):
    """A file the referrer joins to a referral (CV, job promise, training certificate…)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    referral = models.ForeignKey(
        Referral,
        verbose_name="prescription",
        on_delete=models.CASCADE,
        related_name="attachments",
    )
    file = models.FileField("fichier", upload_to=attachment_path, max_length=250)
    original_name = models.CharField("nom du fichier", max_length=250)
    content_type = models.CharField("format", max_length=100)
    size = models.PositiveIntegerField("taille (octets)")
    description = models.CharField("description", max_length=250, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="déposé par",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    uploaded_at = models.DateTimeField("déposé le", default=timezone.now)

    objects = AttachmentQuerySet.as_manager()

    class Meta:
        verbose_name = "pièce jointe"
        verbose_name_plural = "pièces jointes"
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name


class MessageQuerySet(models.QuerySet):
    def visible_to(self, membership: Membership) -> MessageQuerySet:
        return self.filter(referral__in=Referral.objects.visible_to(membership))


class Message(models.Model):
    """A message of the thread between the referrer and the platform about one referral."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    referral = models.ForeignKey(
        Referral, verbose_name="prescription", on_delete=models.CASCADE, related_name="messages"
    )
    author = models.ForeignKey(
        Membership,
        verbose_name="auteur·rice",
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    author_organization = models.ForeignKey(
        Organization, verbose_name="organisation", on_delete=models.CASCADE, related_name="+"
    )
    body = models.TextField("message")
    created_at = models.DateTimeField("écrit le", default=timezone.now)

    objects = MessageQuerySet.as_manager()

    class Meta:
        verbose_name = "message"
        verbose_name_plural = "messages"
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.body[:60]


class IdempotencyRecord(models.Model):
    """An API creation already answered: same key and same body get the same answer again."""

    id = models.BigAutoField(primary_key=True)
    sender_organization = models.ForeignKey(
        Organization, verbose_name="organisation", on_delete=models.CASCADE, related_name="+"
    )
    key = models.CharField("clé d'idempotence", max_length=255)
    request_hash = models.CharField("empreinte de la requête", max_length=64)
    referral = models.ForeignKey(
        Referral, verbose_name="prescription créée", on_delete=models.CASCADE, related_name="+"
    )
    response_status = models.PositiveSmallIntegerField("code de réponse", default=201)
    response_body = models.JSONField("réponse", default=dict)
    created_at = models.DateTimeField("le", default=timezone.now)

    class Meta:
        verbose_name = "requête idempotente"
        verbose_name_plural = "requêtes idempotentes"
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["sender_organization", "key"], name="idempotency_unique_key"
            )
        ]

    def __str__(self) -> str:
        return self.key


class ReferralSettingsQuerySet(models.QuerySet):
    def for_organization(self, organization: Organization) -> ReferralSettingsQuerySet:
        return self.filter(organization=organization)


class ReferralSettings(models.Model):
    """A platform's delays: when an unanswered referral expires, when to remind the team."""

    id = models.BigAutoField(primary_key=True)
    organization = models.OneToOneField(
        Organization,
        verbose_name="plateforme",
        on_delete=models.CASCADE,
        related_name="referral_settings",
        limit_choices_to={"kind": "platform"},
    )
    expiry_days = models.PositiveSmallIntegerField(
        "délai d'expiration (jours)",
        default=DEFAULT_EXPIRY_DAYS,
        help_text="Une prescription envoyée restée sans réponse expire après ce délai.",
    )
    reminder_days = models.PositiveSmallIntegerField(
        "relance après (jours)",
        default=DEFAULT_REMINDER_DAYS,
        help_text="L'équipe est relancée par e-mail quand une prescription attend depuis ce délai.",
    )

    objects = ReferralSettingsQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "réglages des prescriptions"
        verbose_name_plural = "réglages des prescriptions"
        constraints = [
            models.CheckConstraint(condition=Q(expiry_days__gte=1), name="referral_expiry_min"),
            models.CheckConstraint(condition=Q(reminder_days__gte=1), name="referral_reminder_min"),
        ]

    def __str__(self) -> str:
        return f"Réglages des prescriptions — {self.organization}"


class NotificationPreference(models.Model):
    """What a member wants to receive by e-mail about referrals (everything unless opted out)."""

    id = models.BigAutoField(primary_key=True)
    membership = models.OneToOneField(
        Membership,
        verbose_name="appartenance",
        on_delete=models.CASCADE,
        related_name="referral_notifications",
    )
    new_referrals = models.BooleanField(
        "nouvelles prescriptions reçues",
        default=True,
        help_text="Plateformes : un e-mail à chaque prescription reçue ou transférée.",
    )
    status_changes = models.BooleanField(
        "changements de statut",
        default=True,
        help_text="Un e-mail quand une prescription que vous suivez change de statut.",
    )
    messages = models.BooleanField("nouveaux messages", default=True)
    reminders = models.BooleanField(
        "relances",
        default=True,
        help_text="Plateformes : un rappel quand des prescriptions attendent une réponse.",
    )
    daily_digest = models.BooleanField(
        "récapitulatif quotidien",
        default=False,
        help_text="Un seul e-mail par jour qui résume l'activité de la veille.",
    )
    last_digest_on = models.DateField("dernier récapitulatif le", null=True, blank=True)

    class Meta:
        verbose_name = "préférence de notification"
        verbose_name_plural = "préférences de notification"

    def __str__(self) -> str:
        return f"Notifications — {self.membership}"
