"""A person's pathway (accompagnement) at one platform, and its lifecycle log."""

from __future__ import annotations

import uuid
from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from organizations.models import FundingAgreement, Membership, Organization, Site

from .beneficiaries import Beneficiary


class CaseStatus(models.TextChoices):
    INTAKE = "intake", "Accueil"
    DIAGNOSTIC = "diagnostic", "Diagnostic"
    PLAN = "plan", "Plan d'action"
    IN_PROGRESS = "in_progress", "En cours"
    ON_HOLD = "on_hold", "En pause"
    CLOSING = "closing", "Sortie en cours"
    CLOSED = "closed", "Clôturé"
    FOLLOW_UP = "follow_up", "Suivi post-sortie"
    ARCHIVED = "archived", "Archivé"


# An anonymised person's case may still be brought to its end (so it stops counting as active),
# never reopened nor put back to work.
ANONYMISED_ENDINGS = frozenset({CaseStatus.CLOSING, CaseStatus.CLOSED, CaseStatus.ARCHIVED})

# Allowed transitions: from -> {to: French label of the action}.
TRANSITIONS: dict[str, dict[str, str]] = {
    CaseStatus.INTAKE: {
        CaseStatus.DIAGNOSTIC: "Commencer le diagnostic",
        CaseStatus.CLOSING: "Préparer la sortie",
    },
    CaseStatus.DIAGNOSTIC: {
        CaseStatus.PLAN: "Construire le plan d'action",
        CaseStatus.CLOSING: "Préparer la sortie",
    },
    CaseStatus.PLAN: {
        CaseStatus.IN_PROGRESS: "Démarrer l'accompagnement",
        CaseStatus.CLOSING: "Préparer la sortie",
    },
    CaseStatus.IN_PROGRESS: {
        CaseStatus.ON_HOLD: "Mettre en pause",
        CaseStatus.CLOSING: "Préparer la sortie",
    },
    CaseStatus.ON_HOLD: {
        CaseStatus.IN_PROGRESS: "Reprendre l'accompagnement",
        CaseStatus.CLOSING: "Préparer la sortie",
    },
    CaseStatus.CLOSING: {
        CaseStatus.CLOSED: "Clôturer",
        CaseStatus.IN_PROGRESS: "Annuler la sortie",
    },
    CaseStatus.CLOSED: {
        CaseStatus.FOLLOW_UP: "Passer en suivi post-sortie",
        CaseStatus.ARCHIVED: "Archiver",
        CaseStatus.IN_PROGRESS: "Rouvrir l'accompagnement",
    },
    CaseStatus.FOLLOW_UP: {
        CaseStatus.ARCHIVED: "Archiver",
        CaseStatus.IN_PROGRESS: "Rouvrir l'accompagnement",
    },
    CaseStatus.ARCHIVED: {},
}

OPEN_STATUSES = (
    CaseStatus.INTAKE,
    CaseStatus.DIAGNOSTIC,
    CaseStatus.PLAN,
    CaseStatus.IN_PROGRESS,
    CaseStatus.ON_HOLD,
    CaseStatus.CLOSING,
)


class CaseQuerySet(models.QuerySet):
    def for_organization(self, organization: Organization) -> CaseQuerySet:
        return self.filter(organization=organization)

    def visible_to(self, membership: Membership) -> CaseQuerySet:
        """Cases a platform member may open; coaches only reach cases through their sessions."""
        qs = self.for_organization(membership.organization)
        if membership.role == Membership.Role.COACH:
            return qs.filter(
                Q(registrations__workshop__coach=membership) | Q(appointments__staff=membership)
            ).distinct()
        return qs

    def open(self) -> CaseQuerySet:
        return self.filter(status__in=OPEN_STATUSES)

    def active_between(self, start: date, end: date) -> CaseQuerySet:
        """Cases whose pathway overlaps [start, end]."""
        return self.filter(opened_on__lte=end).filter(
            Q(closed_on__isnull=True) | Q(closed_on__gte=start)
        )

    def followed_by(self, membership: Membership) -> CaseQuerySet:
        return self.filter(advisor=membership)

    def with_list_data(self) -> CaseQuerySet:
        return self.select_related("beneficiary", "advisor__user", "site")


class Case(models.Model):
    """An accompagnement: one person's pathway at one platform."""

    Status = CaseStatus

    class Origin(models.TextChoices):
        DIRECT = "direct", "Venue directe"
        REFERRAL = "referral", "Prescription"

    class ExitReason(models.TextChoices):
        GOALS_MET = "goals_met", "Objectifs atteints"
        JOB_OR_TRAINING = "job_or_training", "Emploi ou formation obtenu"
        DROPPED_OUT = "dropped_out", "Abandon, plus de nouvelles"
        MOVED = "moved", "Déménagement"
        REORIENTED = "reoriented", "Réorientation vers une autre structure"
        NOT_ELIGIBLE = "not_eligible", "Ne relève plus du dispositif"
        OTHER = "other", "Autre motif"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        Organization, verbose_name="plateforme", on_delete=models.CASCADE, related_name="cases"
    )
    beneficiary = models.ForeignKey(
        Beneficiary, verbose_name="personne", on_delete=models.PROTECT, related_name="cases"
    )
    status = models.CharField(
        "statut",
        max_length=12,
        choices=CaseStatus.choices,
        default=CaseStatus.INTAKE,
        db_index=True,
    )
    advisor = models.ForeignKey(
        Membership,
        verbose_name="conseiller·e",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="cases",
    )
    site = models.ForeignKey(
        Site,
        verbose_name="site",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="cases",
    )
    funding_agreements = models.ManyToManyField(
        FundingAgreement, verbose_name="conventions", blank=True, related_name="cases"
    )
    origin = models.CharField(
        "origine", max_length=10, choices=Origin.choices, default=Origin.DIRECT
    )
    origin_detail = models.CharField(
        "précision sur l'origine",
        max_length=200,
        blank=True,
        help_text="Par exemple : bouche-à-oreille, partenaire, employeur.",
    )
    objective = models.TextField(
        "objectif de la personne",
        blank=True,
        help_text="Le projet professionnel ou de mobilité, dans les mots de la personne.",
    )
    job_start_date = models.DateField(
        "date de prise de poste ou d'entrée en formation", null=True, blank=True
    )
    opened_on = models.DateField("date d'entrée")
    closed_on = models.DateField("date de sortie", null=True, blank=True)
    exit_reason = models.CharField(
        "motif de sortie", max_length=16, choices=ExitReason.choices, blank=True
    )
    on_hold_reason = models.CharField("motif de la pause", max_length=250, blank=True)
    created_at = models.DateTimeField("créé le", default=timezone.now)
    updated_at = models.DateTimeField("modifié le", auto_now=True)

    objects = CaseQuerySet.as_manager()
    history = HistoricalRecords(
        excluded_fields=["created_at", "updated_at"], m2m_fields=[funding_agreements]
    )

    class Meta:
        verbose_name = "accompagnement"
        verbose_name_plural = "accompagnements"
        ordering = ["-opened_on", "-created_at"]
        indexes = [
            models.Index(fields=["organization", "status"]),
            models.Index(fields=["organization", "opened_on"]),
            models.Index(fields=["organization", "advisor"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True) | Q(closed_on__gte=models.F("opened_on")),
                name="case_exit_after_entry",
            )
        ]

    def __str__(self) -> str:
        return f"{self.beneficiary} — {self.opened_on:%d/%m/%Y}"

    def allowed_transitions(self) -> dict[str, str]:
        transitions = TRANSITIONS.get(self.status, {})
        if self.beneficiary.is_anonymised:
            return {s: label for s, label in transitions.items() if s in ANONYMISED_ENDINGS}
        return transitions

    def can_move_to(self, status: str) -> bool:
        return status in self.allowed_transitions()

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class CaseTransitionQuerySet(models.QuerySet):
    def for_organization(self, organization: Organization) -> CaseTransitionQuerySet:
        return self.filter(case__organization=organization)


class CaseTransition(models.Model):
    """One step of a case's lifecycle, with who made it and when."""

    id = models.BigAutoField(primary_key=True)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField("de", max_length=12, choices=CaseStatus.choices, blank=True)
    to_status = models.CharField("vers", max_length=12, choices=CaseStatus.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="par",
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    at = models.DateTimeField("le", default=timezone.now)
    comment = models.CharField("commentaire", max_length=500, blank=True)

    objects = CaseTransitionQuerySet.as_manager()

    class Meta:
        verbose_name = "changement de statut"
        verbose_name_plural = "changements de statut"
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.get_from_status_display()} → {self.get_to_status_display()}"
