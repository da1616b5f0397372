"""What a case accumulates: aid applications, documents, notes, exit and follow-ups."""

from __future__ import annotations

import uuid
from datetime import date

from django.conf import settings
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from organizations.models import Organization

from .cases import Case


class AidApplicationQuerySet(models.QuerySet):
    def for_organization(self, organization: Organization) -> AidApplicationQuerySet:
        return self.filter(case__organization=organization)

    def awaiting_answer(self) -> AidApplicationQuerySet:
        return self.filter(status=AidApplication.Status.SUBMITTED)


class AidApplication(models.Model):
    """A request for a mobility aid made with the person (catalogue aid or free text)."""

    class Status(models.TextChoices):
        DRAFT = "draft", "En préparation"
        SUBMITTED = "submitted", "Déposée, réponse attendue"
        GRANTED = "granted", "Accordée"
        PARTIALLY_GRANTED = "partial", "Accordée en partie"
        REFUSED = "refused", "Refusée"
        CANCELLED = "cancelled", "Abandonnée"
        PAID = "paid", "Versée"

    DECIDED = (Status.GRANTED, Status.PARTIALLY_GRANTED, Status.REFUSED, Status.PAID)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(
        Case,
        verbose_name="accompagnement",
        on_delete=models.CASCADE,
        related_name="aid_applications",
    )
    aid = models.ForeignKey(
        "catalog.Aid",
        verbose_name="aide du catalogue",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    aid_name = models.CharField("aide", max_length=200)
    funder_name = models.CharField("financeur de l'aide", max_length=200, blank=True)
    status = models.CharField("statut", max_length=10, choices=Status.choices, default=Status.DRAFT)
    amount_requested = models.DecimalField(
        "montant demandé (€)", max_digits=9, decimal_places=2, null=True, blank=True
    )
    amount_granted = models.DecimalField(
        "montant accordé (€)", max_digits=9, decimal_places=2, null=True, blank=True
    )
    submitted_on = models.DateField("déposée le", null=True, blank=True)
    decided_on = models.DateField("décision le", null=True, blank=True)
    comment = models.TextField("commentaire", blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = AidApplicationQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["created_at"])

    class Meta:
        verbose_name = "demande d'aide"
        verbose_name_plural = "demandes d'aide"
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount_requested__isnull=True)
                | models.Q(amount_requested__gte=0),
                name="aid_amount_requested_positive",
            ),
            models.CheckConstraint(
                condition=models.Q(amount_granted__isnull=True) | models.Q(amount_granted__gte=0),
                name="aid_amount_granted_positive",
            ),
        ]

    def __str__(self) -> str:
        return self.aid_name


def document_path(instance: Document, filename: str) -> str:
    # The stored name never carries the person's file name, which may hold personal data.
    return f"cases/{instance.case.organization_id}/{instance.case_id}/{uuid.uuid4().hex}"


class DocumentQuerySet(models.QuerySet):
    def for_organization(self, organization: Organization) -> DocumentQuerySet:
        return self.filter(case__organization=organization)


class Document(models.Model):
    """A file attached to a case (identity, proof of address, contract, attestation…)."""

    class Kind(models.TextChoices):
        IDENTITY = "identity", "Pièce d'identité"
        ADDRESS = "address", "Justificatif de domicile"
        LICENCE = "licence", "Permis ou attestation de code"
        EMPLOYMENT = "employment", "Contrat de travail ou promesse d'embauche"
        INCOME = "income", "Justificatif de ressources"
        AID = "aid", "Dossier ou décision d'aide"
        OTHER = "other", "Autre"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(
        Case, verbose_name="accompagnement", on_delete=models.CASCADE, related_name="documents"
    )
    kind = models.CharField("type", max_length=12, choices=Kind.choices, default=Kind.OTHER)
    file = models.FileField("fichier", upload_to=document_path, max_length=250)
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

    objects = DocumentQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["uploaded_at"])

    class Meta:
        verbose_name = "document"
        verbose_name_plural = "documents"
        ordering = ["-uploaded_at"]

    def __str__(self) -> str:
        return self.original_name


class NoteQuerySet(models.QuerySet):
    def for_organization(self, organization: Organization) -> NoteQuerySet:
        return self.filter(case__organization=organization)


class Note(models.Model):
    """A free-text note of the accompaniment, visible to the platform's advisors."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(
        Case, verbose_name="accompagnement", on_delete=models.CASCADE, related_name="notes"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="auteur",
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    body = models.TextField("note")
    created_at = models.DateTimeField("écrite le", default=timezone.now)

    objects = NoteQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["created_at"])

    class Meta:
        verbose_name = "note"
        verbose_name_plural = "notes"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.body[:60]


class Situation(models.TextChoices):
    """Situation of a person at exit or follow-up, as FSE+ result indicators count it."""

    JOB_PERMANENT = "job_permanent", "Emploi durable (CDI, CDD de 6 mois ou plus)"
    JOB_SHORT = "job_short", "Emploi de moins de 6 mois (CDD, intérim)"
    JOB_SUBSIDISED = "job_subsidised", "Emploi aidé ou structure d'insertion (SIAE)"
    SELF_EMPLOYED = "self_employed", "Création d'entreprise, travail indépendant"
    TRAINING = "training", "Formation qualifiante ou certifiante"
    JOB_SEARCH = "job_search", "En recherche d'emploi"
    INACTIVE = "inactive", "Inactif·ve (santé, famille…)"
    UNKNOWN = "unknown", "Situation inconnue"
    OTHER = "other", "Autre"


EMPLOYED_SITUATIONS = (
    Situation.JOB_PERMANENT,
    Situation.JOB_SHORT,
    Situation.JOB_SUBSIDISED,
    Situation.SELF_EMPLOYED,
)


class ExitQuestionnaireQuerySet(models.QuerySet):
    def for_organization(self, organization: Organization) -> ExitQuestionnaireQuerySet:
        return self.filter(case__organization=organization)


class ExitQuestionnaire(models.Model):
    """The person's situation within four weeks of leaving the pathway."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.OneToOneField(
        Case, verbose_name="accompagnement", on_delete=models.CASCADE, related_name="exit"
    )
    exit_date = models.DateField("date de sortie")
    situation = models.CharField("situation à la sortie", max_length=16, choices=Situation.choices)
    qualification_gained = models.BooleanField("qualification obtenue", default=False)
    licence_gained = models.BooleanField("permis ou code obtenu", default=False)
    mobility_autonomy = models.BooleanField(
        "se déplace de façon autonome pour son projet", default=False
    )
    comment = models.TextField("commentaire", blank=True)
    filled_on = models.DateField("renseigné le")
    filled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="renseigné par",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = ExitQuestionnaireQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "questionnaire de sortie"
        verbose_name_plural = "questionnaires de sortie"

    def __str__(self) -> str:
        return f"Sortie du {self.exit_date:%d/%m/%Y}"

    @property
    def is_employed(self) -> bool:
        return self.situation in EMPLOYED_SITUATIONS


class FollowUpQuerySet(models.QuerySet):
    def for_organization(self, organization: Organization) -> FollowUpQuerySet:
        return self.filter(case__organization=organization)

    def due(self, today: date | None = None) -> FollowUpQuerySet:
        return self.filter(done_on__isnull=True, due_on__lte=today or date.today())


class FollowUp(models.Model):
    """A contact with the person three or six months after the exit."""

    class Kind(models.TextChoices):
        MONTH_3 = "m3", "Suivi à 3 mois"
        MONTH_6 = "m6", "Suivi à 6 mois"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(
        Case, verbose_name="accompagnement", on_delete=models.CASCADE, related_name="follow_ups"
    )
    kind = models.CharField("échéance", max_length=2, choices=Kind.choices)
    due_on = models.DateField("à faire le")
    done_on = models.DateField("réalisé le", null=True, blank=True)
    reached = models.BooleanField("personne jointe", null=True, blank=True)
    situation = models.CharField("situation", max_length=16, choices=Situation.choices, blank=True)
    improved_situation = models.BooleanField(
        "situation professionnelle améliorée",
        null=True,
        blank=True,
        help_text=(
            "Pour une personne en emploi à l'entrée : emploi plus stable, temps plein, poste "
            "plus qualifié ou promotion (indicateur FSE+)."
        ),
    )
    comment = models.TextField("commentaire", blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="réalisé par",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = FollowUpQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "suivi post-sortie"
        verbose_name_plural = "suivis post-sortie"
        ordering = ["due_on"]
        constraints = [
            models.UniqueConstraint(fields=["case", "kind"], name="follow_up_unique_kind")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.due_on:%d/%m/%Y})"
