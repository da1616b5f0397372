"""The action plan: goals broken into actions that lift barriers."""

from __future__ import annotations

import uuid
from datetime import date

from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from organizations.models import Membership, Organization

from .cases import Case
from .diagnostics import CaseBarrier


class GoalQuerySet(models.QuerySet):
    def for_organization(self, organization: Organization) -> GoalQuerySet:
        return self.filter(case__organization=organization)


class Goal(models.Model):
    """A goal of the action plan (e.g. « Obtenir le permis B avant la prise de poste »)."""

    class Status(models.TextChoices):
        OPEN = "open", "En cours"
        ACHIEVED = "achieved", "Atteint"
        ABANDONED = "abandoned", "Abandonné"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(
        Case, verbose_name="accompagnement", on_delete=models.CASCADE, related_name="goals"
    )
    title = models.CharField("objectif", max_length=200)
    description = models.TextField("précisions", blank=True)
    status = models.CharField("statut", max_length=10, choices=Status.choices, default=Status.OPEN)
    target_date = models.DateField("échéance", null=True, blank=True)
    position = models.PositiveSmallIntegerField("ordre", default=0)
    created_at = models.DateTimeField(default=timezone.now)

    objects = GoalQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["created_at"])

    class Meta:
        verbose_name = "objectif"
        verbose_name_plural = "objectifs"
        ordering = ["position", "created_at"]

    def __str__(self) -> str:
        return self.title


class ActionQuerySet(models.QuerySet):
    def for_organization(self, organization: Organization) -> ActionQuerySet:
        return self.filter(goal__case__organization=organization)

    def pending(self) -> ActionQuerySet:
        return self.filter(status__in=Action.PENDING_STATUSES)

    def overdue(self, today: date | None = None) -> ActionQuerySet:
        return self.pending().filter(due_date__lt=today or date.today())


class Action(models.Model):
    """A step of the plan, with a status and a due date."""

    class Status(models.TextChoices):
        PLANNED = "planned", "Prévue"
        IN_PROGRESS = "in_progress", "En cours"
        STANDBY = "standby", "En attente"
        DONE = "done", "Réalisée"
        ABANDONED = "abandoned", "Abandonnée"
        CANCELLED = "cancelled", "Annulée"

    PENDING_STATUSES = (Status.PLANNED, Status.IN_PROGRESS, Status.STANDBY)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    goal = models.ForeignKey(
        Goal, verbose_name="objectif", on_delete=models.CASCADE, related_name="actions"
    )
    title = models.CharField("action", max_length=200)
    status = models.CharField(
        "statut", max_length=12, choices=Status.choices, default=Status.PLANNED
    )
    due_date = models.DateField("échéance", null=True, blank=True)
    done_on = models.DateField("réalisée le", null=True, blank=True)
    responsible = models.ForeignKey(
        Membership,
        verbose_name="responsable",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    barriers = models.ManyToManyField(
        CaseBarrier, verbose_name="freins travaillés", blank=True, related_name="actions"
    )
    comment = models.TextField("commentaire", blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ActionQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["created_at"], m2m_fields=[barriers])

    class Meta:
        verbose_name = "action"
        verbose_name_plural = "actions"
        ordering = ["due_date", "created_at"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_pending(self) -> bool:
        return self.status in self.PENDING_STATUSES
