"""The catalogue of mobility aids and services, shared by every organisation.

The catalogue knows no beneficiary: eligibility is described by structured criteria that
``catalog.matching`` checks against a plain profile that other apps build.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from organizations.models import Membership, Organization, Territory

from . import taxonomies

DEFAULT_STALE_AFTER_DAYS = 365


def stale_after_days() -> int:
    """Return CATALOG_STALE_AFTER_DAYS: after so many days without a check, an aid is stale."""
    return int(getattr(settings, "CATALOG_STALE_AFTER_DAYS", DEFAULT_STALE_AFTER_DAYS))


# --- Profile vocabularies (the values of cases.Beneficiary, which the catalogue cannot import) --


class LabourMarketStatus(models.TextChoices):
    UNEMPLOYED = "unemployed", "Demandeur·se d'emploi"
    LONG_TERM_UNEMPLOYED = "long_term_unemployed", "Demandeur·se d'emploi de longue durée"
    INACTIVE = "inactive", "Inactif·ve"
    EMPLOYED = "employed", "En emploi (y compris indépendant)"
    IN_TRAINING = "in_training", "En formation"


class LicenceStatus(models.TextChoices):
    NONE = "none", "Aucun permis"
    LEARNING_CODE = "learning_code", "Code en cours d'apprentissage"
    CODE_OBTAINED = "code_obtained", "Code obtenu"
    LICENCE_B = "licence_b", "Permis B"
    SUSPENDED = "suspended", "Permis suspendu ou annulé"
    OTHER = "other", "Autre catégorie (AM, A1, A2…)"


class Benefit(models.TextChoices):
    RSA = "rsa", "RSA"
    ASS = "ass", "ASS"
    AAH = "aah", "AAH"


# --- Validators of the JSON lists ------------------------------------------------------------


def _validate_list(value: Any, allowed: dict[str, str], what: str) -> None:
    if not isinstance(value, list):
        raise ValidationError(f"Liste de {what} attendue.", code="not_a_list")
    unknown = [str(item) for item in value if item not in allowed]
    if unknown:
        raise ValidationError(
            f"Valeur inconnue pour les {what} : {', '.join(unknown)}.", code="unknown_value"
        )
    if len(set(value)) != len(value):
        raise ValidationError(f"Une valeur est répétée dans les {what}.", code="repeated_value")


def validate_thematiques(value: Any) -> None:
    _validate_list(value, taxonomies.thematique_labels(), "thématiques")


def validate_publics(value: Any) -> None:
    _validate_list(value, taxonomies.public_labels(), "publics")
    if taxonomies.ALL_PUBLICS in value and len(value) > 1:
        raise ValidationError(
            "« Tous publics » ne se combine pas avec d'autres publics : décochez l'un ou l'autre.",
            code="all_publics",
        )


def validate_labour_market_statuses(value: Any) -> None:
    _validate_list(value, dict(LabourMarketStatus.choices), "situations")


def validate_licence_statuses(value: Any) -> None:
    _validate_list(value, dict(LicenceStatus.choices), "situations de permis")


def validate_benefits(value: Any) -> None:
    _validate_list(value, dict(Benefit.choices), "minima sociaux")


# --- Aids ------------------------------------------------------------------------------------


class AidQuerySet(models.QuerySet):
    def published(self) -> AidQuerySet:
        return self.filter(status=Aid.Status.PUBLISHED)

    def visible_to(self, membership: Membership) -> AidQuerySet:
        """Published aids, plus every aid the member's organisation owns (all for staff)."""
        if membership.user.is_staff:
            return self
        return self.filter(Q(status=Aid.Status.PUBLISHED) | Q(owner=membership.organization))

    def active_on(self, day: date) -> AidQuerySet:
        return self.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=day)).filter(
            Q(valid_until__isnull=True) | Q(valid_until__gte=day)
        )

    def not_expired(self, day: date) -> AidQuerySet:
        return self.filter(Q(valid_until__isnull=True) | Q(valid_until__gte=day))

    def covering(self, commune: Territory) -> AidQuerySet:
        """Aids whose coverage holds the commune itself, its EPCI, département or region."""
        ids = [
            pk
            for pk in (commune.pk, commune.epci_id, commune.departement_id, commune.region_id)
            if pk
        ]
        covered = Aid.coverage.through.objects.filter(territory_id__in=ids).values("aid_id")
        return self.filter(Q(nationwide=True) | Q(id__in=covered))

    def with_thematique(self, value: str) -> AidQuerySet:
        # Values are taxonomy slugs: their quoted form is found in the JSON text on every backend
        # (SQLite has no JSON containment lookup).
        return self.filter(thematiques__icontains=f'"{value}"')

    def with_public(self, value: str) -> AidQuerySet:
        return self.filter(publics__icontains=f'"{value}"')

    def stale(self, today: date) -> AidQuerySet:
        """Published aids not verified for CATALOG_STALE_AFTER_DAYS days (or never)."""
        limit = today - timedelta(days=stale_after_days())
        return self.published().filter(
            Q(last_verified_on__isnull=True) | Q(last_verified_on__lt=limit)
        )

    def with_list_data(self) -> AidQuerySet:
        return self.select_related("provider", "owner").prefetch_related("coverage")


class Aid(models.Model):
    """A mobility aid or service: who offers it, where, to whom, and how to ask for it."""

    class Kind(models.TextChoices):
        FINANCIAL = "financial", "Aide financière"
        LICENCE = "licence", "Aide au permis de conduire"
        TRANSPORT_PASS = "transport_pass", "Réduction sur les transports"
        VEHICLE_LOAN = "vehicle_loan", "Prêt ou location solidaire de véhicule"
        REPAIR = "repair", "Réparation, garage solidaire"
        CYCLING_SCHOOL = "cycling_school", "Vélo-école"
        CARPOOLING = "carpooling", "Covoiturage, transport solidaire"
        ADVICE = "advice", "Conseil en mobilité"
        OTHER = "other", "Autre service"

    class Status(models.TextChoices):
        DRAFT = "draft", "Brouillon"
        PROPOSED = "proposed", "Proposée, à relire"
        PUBLISHED = "published", "Publiée"
        ARCHIVED = "archived", "Archivée"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField("nom", max_length=150)
    description = models.TextField(
        "présentation", help_text="Ce que l'aide apporte, en phrases courtes et simples."
    )
    kind = models.CharField("type", max_length=16, choices=Kind.choices)
    provider = models.ForeignKey(
        Organization,
        verbose_name="organisme (dans Mobicase)",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    provider_name = models.CharField(
        "organisme",
        max_length=200,
        blank=True,
        help_text="Qui accorde l'aide : Région, Département, France Travail, CAF, commune…",
    )
    thematiques = models.JSONField(
        "thématiques", default=list, blank=True, validators=[validate_thematiques]
    )
    publics = models.JSONField("publics", default=list, blank=True, validators=[validate_publics])
    nationwide = models.BooleanField("toute la France", default=False)
    coverage = models.ManyToManyField(
        Territory,
        verbose_name="territoires couverts",
        blank=True,
        related_name="+",
        help_text="Régions, départements, EPCI ou communes ; une région couvre ses communes.",
    )
    # The coverage as text, kept by the services so that each history row shows it.
    coverage_label = models.TextField("territoires couverts (texte)", blank=True, editable=False)
    min_age = models.PositiveSmallIntegerField("âge minimum", null=True, blank=True)
    max_age = models.PositiveSmallIntegerField("âge maximum", null=True, blank=True)
    labour_market_statuses = models.JSONField(
        "situations admises",
        default=list,
        blank=True,
        validators=[validate_labour_market_statuses],
        help_text="Aucune case cochée : toutes les situations.",
    )
    required_benefits = models.JSONField(
        "minima sociaux exigés",
        default=list,
        blank=True,
        validators=[validate_benefits],
        help_text="La personne doit percevoir l'un des minima cochés ; aucun : pas de condition.",
    )
    qpv_only = models.BooleanField("réservée aux habitants des QPV", default=False)
    rural_only = models.BooleanField("réservée aux habitants des communes rurales", default=False)
    licence_statuses = models.JSONField(
        "situations de permis admises",
        default=list,
        blank=True,
        validators=[validate_licence_statuses],
        help_text="Aucune case cochée : pas de condition de permis.",
    )
    requires_job_or_training_start = models.BooleanField(
        "suppose une prise de poste ou une entrée en formation", default=False
    )
    max_days_before_start = models.PositiveSmallIntegerField(
        "délai maximal avant la prise de poste (jours)",
        null=True,
        blank=True,
        help_text="Par exemple 30 : la demande se fait au plus tôt 30 jours avant le début.",
    )
    max_days_after_start = models.PositiveSmallIntegerField(
        "délai maximal après la prise de poste (jours)",
        null=True,
        blank=True,
        help_text="Par exemple 30 : la demande se fait au plus tard 30 jours après le début.",
    )
    min_distance_km = models.PositiveSmallIntegerField(
        "distance domicile-travail minimale (km)", null=True, blank=True
    )
    other_conditions = models.TextField(
        "autres conditions",
        blank=True,
        help_text="Conditions que Mobicase ne vérifie pas (ressources, justificatifs…).",
    )
    amount_text = models.CharField(
        "montant ou tarif", max_length=250, blank=True, help_text="Par exemple : jusqu'à 1 000 €."
    )
    amount_max = models.DecimalField(
        "montant maximal (€)", max_digits=9, decimal_places=2, null=True, blank=True
    )
    valid_from = models.DateField("valable à partir du", null=True, blank=True)
    valid_until = models.DateField("valable jusqu'au", null=True, blank=True)
    how_to_apply = models.TextField("comment faire la demande", blank=True)
    url = models.URLField("lien pour faire la demande", max_length=500, blank=True)
    contact_email = models.EmailField("e-mail de contact", blank=True)
    contact_phone = models.CharField("téléphone de contact", max_length=30, blank=True)
    source = models.CharField(
        "source de l'information",
        max_length=250,
        blank=True,
        help_text="Où l'information a été vérifiée : règlement, site de l'organisme, appel…",
    )
    source_url = models.URLField("lien vers la source", max_length=500, blank=True)
    last_verified_on = models.DateField("vérifiée le", null=True, blank=True)
    owner = models.ForeignKey(
        Organization,
        verbose_name="organisation qui tient la fiche",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="catalog_aids",
    )
    status = models.CharField(
        "statut", max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    external_id = models.CharField(
        "identifiant data·inclusion", max_length=200, blank=True, db_index=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="créée par",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField("créée le", default=timezone.now)
    updated_at = models.DateTimeField("modifiée le", auto_now=True)

    objects = AidQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["created_at", "updated_at"])

    class Meta:
        verbose_name = "aide à la mobilité"
        verbose_name_plural = "aides à la mobilité"
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True)
                | Q(valid_until__isnull=True)
                | Q(valid_until__gte=models.F("valid_from")),
                name="aid_validity_ordered",
                violation_error_message="La fin de validité précède son début.",
            ),
            models.CheckConstraint(
                condition=Q(min_age__isnull=True)
                | Q(max_age__isnull=True)
                | Q(max_age__gte=models.F("min_age")),
                name="aid_age_range_ordered",
                violation_error_message="L'âge minimum dépasse l'âge maximum.",
            ),
            models.CheckConstraint(
                condition=Q(amount_max__isnull=True) | Q(amount_max__gte=0),
                name="aid_amount_positive",
                violation_error_message="Un montant ne peut pas être négatif.",
            ),
            models.UniqueConstraint(
                fields=["external_id"],
                condition=~Q(external_id=""),
                name="aid_unique_external_id",
                violation_error_message="Une autre fiche a déjà cet identifiant data·inclusion.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.valid_from and self.valid_until and self.valid_until < self.valid_from:
            errors["valid_until"] = (
                f"La fin de validité ({self.valid_until:%d/%m/%Y}) précède son début "
                f"({self.valid_from:%d/%m/%Y}) : corrigez l'une des deux dates."
            )
        if self.min_age is not None and self.max_age is not None and self.min_age > self.max_age:
            errors["min_age"] = (
                f"L'âge minimum ({self.min_age} ans) dépasse l'âge maximum ({self.max_age} ans) : "
                "aucune personne ne pourrait en bénéficier."
            )
        if self.min_age is not None and self.min_age > 120:
            errors["min_age"] = "Indiquez un âge minimum réaliste (120 ans au plus)."
        if self.max_age is not None and self.max_age > 120:
            errors["max_age"] = "Indiquez un âge maximum réaliste (120 ans au plus)."
        has_delay = self.max_days_before_start is not None or self.max_days_after_start is not None
        if has_delay and not self.requires_job_or_training_start:
            errors["requires_job_or_training_start"] = (
                "Un délai autour de la prise de poste suppose ce critère : cochez « suppose une "
                "prise de poste ou une entrée en formation », ou videz les délais."
            )
        if not self.provider_id and not (self.provider_name or "").strip():
            errors["provider_name"] = "Indiquez l'organisme qui accorde l'aide ou rend le service."
        if len((self.description or "").strip()) < 5:
            errors["description"] = "Présentez l'aide en une phrase au moins."
        if errors:
            raise ValidationError(errors)

    @property
    def provider_label(self) -> str:
        return self.provider.name if self.provider_id else self.provider_name

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    def is_stale_on(self, today: date) -> bool:
        if self.status != self.Status.PUBLISHED:
            return False
        if self.last_verified_on is None:
            return True
        return self.last_verified_on < today - timedelta(days=stale_after_days())

    @property
    def is_stale(self) -> bool:
        return self.is_stale_on(timezone.localdate())

    def is_active_on(self, day: date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_until is None or self.valid_until >= day
        )

    def thematique_labels(self) -> list[str]:
        labels = taxonomies.thematique_labels()
        return [labels.get(value, value) for value in self.thematiques]

    def public_labels(self) -> list[str]:
        labels = taxonomies.public_labels()
        return [labels.get(value, value) for value in self.publics]

    def coverage_labels(self) -> list[str]:
        """Name the territories covered, with their level (uses the prefetched coverage)."""
        if self.nationwide:
            return ["Toute la France"]
        level_names = dict(Territory.Level.choices)
        rows = sorted(self.coverage.all(), key=lambda t: (LEVEL_ORDER[t.level], t.name))
        return [
            str(t) if t.level == Territory.Level.COMMUNE else f"{t.name} ({level_names[t.level]})"
            for t in rows
        ]

    def criteria_labels(self) -> list[str]:
        """Describe every eligibility condition in French, checked ones first."""
        from .matching import describe_criteria

        return describe_criteria(self)

    def amount_display(self) -> str:
        if self.amount_text:
            return self.amount_text
        if self.amount_max is not None:
            return f"Jusqu'à {format_euros(self.amount_max)}"
        return ""


LEVEL_ORDER = {
    Territory.Level.REGION: 0,
    Territory.Level.DEPARTEMENT: 1,
    Territory.Level.EPCI: 2,
    Territory.Level.COMMUNE: 3,
}


def format_euros(amount: Decimal) -> str:
    """Return 1234.5 as « 1 234,50 € » (whole euros without decimals)."""
    whole = amount == amount.to_integral_value()
    text = f"{amount:,.0f}" if whole else f"{amount:,.2f}"
    return text.replace(",", "\u202f").replace(".", ",") + " €"


# --- Change proposals ------------------------------------------------------------------------


class ChangeProposalQuerySet(models.QuerySet):
    def pending(self) -> ChangeProposalQuerySet:
        return self.filter(status=ChangeProposal.Status.PENDING)

    def visible_to(self, membership: Membership) -> ChangeProposalQuerySet:
        """Proposals made by the member's organisation or on the aids it owns (all for staff)."""
        if membership.user.is_staff:
            return self
        organization = membership.organization
        return self.filter(Q(organization=organization) | Q(aid__owner=organization))

    def to_review_by(self, membership: Membership) -> ChangeProposalQuerySet:
        """Pending proposals this member may accept or refuse."""
        pending = self.pending()
        if membership.user.is_staff:
            return pending
        if membership.role != Membership.Role.ADMIN:
            return pending.none()
        return pending.filter(aid__owner=membership.organization)


class ChangeProposal(models.Model):
    """A change to a catalogue entry suggested by a member, waiting for the owner's review."""

    class Status(models.TextChoices):
        PENDING = "pending", "À relire"
        ACCEPTED = "accepted", "Acceptée"
        REJECTED = "rejected", "Refusée"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    aid = models.ForeignKey(
        Aid, verbose_name="aide", on_delete=models.CASCADE, related_name="proposals"
    )
    organization = models.ForeignKey(
        Organization,
        verbose_name="proposée par l'organisation",
        on_delete=models.CASCADE,
        related_name="+",
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="proposée par",
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    changes = models.JSONField("modifications proposées", default=dict)
    comment = models.TextField("message pour la relecture", blank=True)
    status = models.CharField(
        "statut", max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    created_at = models.DateTimeField("proposée le", default=timezone.now)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="relue par",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reviewed_at = models.DateTimeField("relue le", null=True, blank=True)
    review_comment = models.TextField("réponse de la relecture", blank=True)

    objects = ChangeProposalQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "proposition de modification"
        verbose_name_plural = "propositions de modification"
        ordering = ["-created_at", "id"]

    def __str__(self) -> str:
        return f"Modification de « {self.aid} » ({self.created_at:%d/%m/%Y})"

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING


# --- Who may do what -------------------------------------------------------------------------

PROPOSER_ROLES = (Membership.Role.ADMIN, Membership.Role.ADVISOR, Membership.Role.COACH)


def can_propose(membership: Membership) -> bool:
    """Platform members (and Mobicase staff) may add entries and suggest changes."""
    if membership.user.is_staff:
        return True
    return (
        membership.organization.kind == Organization.Kind.PLATFORM
        and membership.role in PROPOSER_ROLES
    )


def can_review(aid: Aid, membership: Membership) -> bool:
    """The owner organisation's admin, or Mobicase staff, publish and accept changes."""
    if membership.user.is_staff:
        return True
    return aid.owner_id == membership.organization_id and membership.role == Membership.Role.ADMIN


def can_edit_directly(aid: Aid, membership: Membership) -> bool:
    """Reviewers edit at once; the owner's other members edit an entry not yet published."""
    if can_review(aid, membership):
        return True
    return (
        aid.owner_id == membership.organization_id
        and aid.status in (Aid.Status.DRAFT, Aid.Status.PROPOSED)
        and can_propose(membership)
    )
