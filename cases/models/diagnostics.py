"""Barrier taxonomy, mobility diagnostics and the barriers of a case over time."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from organizations.models import Organization

from .cases import Case


class BarrierCategoryQuerySet(models.QuerySet):
    def available_to(self, organization: Organization) -> BarrierCategoryQuerySet:
        """Shared categories plus the platform's own."""
        return self.filter(Q(organization__isnull=True) | Q(organization=organization))


class BarrierCategory(models.Model):
    """A family of barriers (financial, equipment, skills and licence, …)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        Organization,
        verbose_name="plateforme",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text="Vide : catégorie commune à toutes les plateformes.",
    )
    code = models.SlugField("code", max_length=40)
    label = models.CharField("libellé", max_length=120)
    is_health = models.BooleanField(
        "relève de la santé",
        default=False,
        help_text="Catégories larges uniquement : jamais de diagnostic médical en texte libre.",
    )
    position = models.PositiveSmallIntegerField("ordre", default=0)

    objects = BarrierCategoryQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "catégorie de freins"
        verbose_name_plural = "catégories de freins"
        ordering = ["position", "label"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "code"],
                name="barrier_category_unique_code",
                condition=Q(organization__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["code"],
                name="barrier_category_unique_code_shared",
                condition=Q(organization__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return self.label


class BarrierQuerySet(models.QuerySet):
    def available_to(self, organization: Organization) -> BarrierQuerySet:
        return self.filter(
            Q(organization__isnull=True) | Q(organization=organization), is_active=True
        )


class Barrier(models.Model):
    """One barrier to mobility in the taxonomy (e.g. « Pas de permis B »)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        Organization,
        verbose_name="plateforme",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text="Vide : frein commun à toutes les plateformes.",
    )
    category = models.ForeignKey(
        BarrierCategory,
        verbose_name="catégorie",
        on_delete=models.PROTECT,
        related_name="barriers",
    )
    code = models.SlugField("code", max_length=60)
    label = models.CharField("libellé", max_length=160)
    description = models.CharField("aide à la saisie", max_length=300, blank=True)
    is_active = models.BooleanField("actif", default=True)
    position = models.PositiveSmallIntegerField("ordre", default=0)

    objects = BarrierQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "frein"
        verbose_name_plural = "freins"
        ordering = ["category__position", "position", "label"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "code"],
                name="barrier_unique_code",
                condition=Q(organization__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["code"],
                name="barrier_unique_code_shared",
                condition=Q(organization__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return self.label


class Severity(models.IntegerChoices):
    NONE = 0, "Pas de frein"
    LIGHT = 1, "Frein léger"
    MODERATE = 2, "Frein important"
    MAJOR = 3, "Frein bloquant"


class DiagnosticQuerySet(models.QuerySet):
    def for_organization(self, organization: Organization) -> DiagnosticQuerySet:
        return self.filter(case__organization=organization)


class Diagnostic(models.Model):
    """A scored assessment of a person's barriers at one moment of the pathway."""

    class Kind(models.TextChoices):
        ENTRY = "entry", "Diagnostic d'entrée"
        INTERMEDIATE = "intermediate", "Point d'étape"
        EXIT = "exit", "Diagnostic de sortie"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(
        Case, verbose_name="accompagnement", on_delete=models.CASCADE, related_name="diagnostics"
    )
    kind = models.CharField("type", max_length=12, choices=Kind.choices, default=Kind.ENTRY)
    done_on = models.DateField("réalisé le")
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="réalisé par",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    score = models.PositiveSmallIntegerField("score", default=0)
    summary = models.TextField(
        "synthèse",
        blank=True,
        help_text="Ne notez aucune information médicale : seules les catégories de santé comptent.",
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = DiagnosticQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["created_at"])

    class Meta:
        verbose_name = "diagnostic mobilité"
        verbose_name_plural = "diagnostics mobilité"
        ordering = ["done_on", "created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} du {self.done_on:%d/%m/%Y}"

    @property
    def max_score(self) -> int:
        return Severity.MAJOR * self.items.count()


class DiagnosticItem(models.Model):
    """The severity of one barrier in one diagnostic."""

    id = models.BigAutoField(primary_key=True)
    diagnostic = models.ForeignKey(Diagnostic, on_delete=models.CASCADE, related_name="items")
    barrier = models.ForeignKey(
        Barrier, verbose_name="frein", on_delete=models.PROTECT, related_name="+"
    )
    severity = models.PositiveSmallIntegerField(
        "intensité", choices=Severity.choices, default=Severity.NONE
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = "frein évalué"
        verbose_name_plural = "freins évalués"
        ordering = ["barrier__category__position", "barrier__position"]
        constraints = [
            models.UniqueConstraint(
                fields=["diagnostic", "barrier"], name="diagnostic_item_unique_barrier"
            )
        ]

    def __str__(self) -> str:
        return f"{self.barrier} : {self.get_severity_display()}"


class CaseBarrierQuerySet(models.QuerySet):
    def for_organization(self, organization: Organization) -> CaseBarrierQuerySet:
        return self.filter(case__organization=organization)

    def current(self) -> CaseBarrierQuerySet:
        return self.exclude(status=CaseBarrier.Status.LIFTED)


class CaseBarrier(models.Model):
    """A barrier a person faces, followed until it is lifted (history keeps its course)."""

    class Status(models.TextChoices):
        OPEN = "open", "Identifié"
        BEING_WORKED = "being_worked", "En cours de levée"
        LIFTED = "lifted", "Levé"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(
        Case, verbose_name="accompagnement", on_delete=models.CASCADE, related_name="barriers"
    )
    barrier = models.ForeignKey(
        Barrier, verbose_name="frein", on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField("statut", max_length=14, choices=Status.choices, default=Status.OPEN)
    severity = models.PositiveSmallIntegerField(
        "intensité à l'identification", choices=Severity.choices, default=Severity.MODERATE
    )
    identified_on = models.DateField("identifié le")
    lifted_on = models.DateField("levé le", null=True, blank=True)

    objects = CaseBarrierQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "frein de la personne"
        verbose_name_plural = "freins de la personne"
        ordering = ["barrier__category__position", "barrier__position"]
        constraints = [
            models.UniqueConstraint(fields=["case", "barrier"], name="case_barrier_unique")
        ]

    def __str__(self) -> str:
        return f"{self.barrier} ({self.get_status_display()})"
