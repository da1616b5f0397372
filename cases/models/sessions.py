"""Individual appointments, collective workshops, attendance and skill progress."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from organizations.models import Membership, Organization, Site

from .cases import Case


class AppointmentQuerySet(models.QuerySet):
    def for_organization(self, organization: Organization) -> AppointmentQuerySet:
        return self.filter(organization=organization)

    def visible_to(self, membership: Membership) -> AppointmentQuerySet:
        qs = self.for_organization(membership.organization)
        if membership.role == Membership.Role.COACH:
            return qs.filter(staff=membership)
        return qs

    def on_day(self, day) -> AppointmentQuerySet:
        return self.filter(starts_at__date=day)


class Appointment(models.Model):
    """An individual appointment between a staff member and a person."""

    class Kind(models.TextChoices):
        INTAKE = "intake", "Premier accueil"
        DIAGNOSTIC = "diagnostic", "Diagnostic mobilité"
        FOLLOW_UP = "follow_up", "Entretien de suivi"
        ACCOMPANIMENT = "accompaniment", "Accompagnement sur un trajet"
        DRIVING_LESSON = "driving_lesson", "Leçon de conduite"
        OTHER = "other", "Autre"

    class Status(models.TextChoices):
        PLANNED = "planned", "Prévu"
        DONE = "done", "Honoré"
        CANCELLED = "cancelled", "Annulé"
        NO_SHOW = "no_show", "Absence non excusée"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        Organization, verbose_name="plateforme", on_delete=models.CASCADE, related_name="+"
    )
    case = models.ForeignKey(
        Case,
        verbose_name="accompagnement",
        on_delete=models.CASCADE,
        related_name="appointments",
    )
    staff = models.ForeignKey(
        Membership,
        verbose_name="avec",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="appointments",
    )
    site = models.ForeignKey(
        Site,
        verbose_name="site",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    kind = models.CharField("objet", max_length=16, choices=Kind.choices, default=Kind.FOLLOW_UP)
    starts_at = models.DateTimeField("début")
    duration_minutes = models.PositiveSmallIntegerField("durée (minutes)", default=60)
    location = models.CharField("lieu", max_length=200, blank=True)
    status = models.CharField(
        "statut", max_length=10, choices=Status.choices, default=Status.PLANNED
    )
    notes = models.TextField("compte rendu", blank=True)

    objects = AppointmentQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "rendez-vous"
        verbose_name_plural = "rendez-vous"
        ordering = ["starts_at", "id"]
        indexes = [models.Index(fields=["organization", "starts_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.starts_at:%d/%m/%Y %H:%M}"


class Curriculum(models.TextChoices):
    BIKE_SCHOOL = "velo_ecole", "Vélo-école"
    HIGHWAY_CODE = "code_route", "Code de la route"
    PUBLIC_TRANSPORT = "bus_train", "Bus et train"
    BUDGET = "budget", "Budget mobilité"
    MOBILITY = "mobility", "Atelier mobilité"
    OTHER = "other", "Autre atelier"


class WorkshopQuerySet(models.QuerySet):
    def for_organization(self, organization: Organization) -> WorkshopQuerySet:
        return self.filter(organization=organization)

    def visible_to(self, membership: Membership) -> WorkshopQuerySet:
        qs = self.for_organization(membership.organization)
        if membership.role == Membership.Role.COACH:
            return qs.filter(coach=membership)
        return qs

    def upcoming(self, now) -> WorkshopQuerySet:
        return self.filter(ends_at__gte=now).exclude(status=Workshop.Status.CANCELLED)


class Workshop(models.Model):
    """A collective session (vélo-école, code de la route, bus and train…) run by a coach."""

    Kind = Curriculum

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Programmée"
        DONE = "done", "Réalisée"
        CANCELLED = "cancelled", "Annulée"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        Organization,
        verbose_name="plateforme",
        on_delete=models.CASCADE,
        related_name="workshops",
    )
    site = models.ForeignKey(
        Site,
        verbose_name="site",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="workshops",
    )
    coach = models.ForeignKey(
        Membership,
        verbose_name="animé par",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="workshops",
    )
    kind = models.CharField("type d'atelier", max_length=12, choices=Curriculum.choices)
    title = models.CharField("intitulé", max_length=200)
    description = models.TextField("programme", blank=True)
    starts_at = models.DateTimeField("début")
    ends_at = models.DateTimeField("fin")
    capacity = models.PositiveSmallIntegerField("places", default=8)
    status = models.CharField(
        "statut", max_length=10, choices=Status.choices, default=Status.SCHEDULED
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = WorkshopQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["created_at"])

    class Meta:
        verbose_name = "atelier"
        verbose_name_plural = "ateliers"
        ordering = ["starts_at", "id"]
        indexes = [models.Index(fields=["organization", "starts_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="workshop_ends_after_start"
            ),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="workshop_capacity_min"),
        ]

    def __str__(self) -> str:
        return f"{self.title} — {self.starts_at:%d/%m/%Y}"

    @property
    def duration_hours(self) -> float:
        return (self.ends_at - self.starts_at).total_seconds() / 3600


class RegistrationQuerySet(models.QuerySet):
    def for_organization(self, organization: Organization) -> RegistrationQuerySet:
        return self.filter(workshop__organization=organization)

    def confirmed(self) -> RegistrationQuerySet:
        return self.filter(status=Registration.Status.CONFIRMED)

    def waitlisted(self) -> RegistrationQuerySet:
        return self.filter(status=Registration.Status.WAITLISTED)


class Registration(models.Model):
    """A person's seat (or place on the waiting list) in a workshop, and their attendance."""

    class Status(models.TextChoices):
        CONFIRMED = "confirmed", "Inscrit·e"
        WAITLISTED = "waitlisted", "Liste d'attente"
        CANCELLED = "cancelled", "Désinscrit·e"

    class Attendance(models.TextChoices):
        PRESENT = "present", "Présent·e"
        ABSENT = "absent", "Absent·e"
        EXCUSED = "excused", "Excusé·e"
        NO_SHOW = "no_show", "Absence non prévenue"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    workshop = models.ForeignKey(
        Workshop, verbose_name="atelier", on_delete=models.CASCADE, related_name="registrations"
    )
    case = models.ForeignKey(
        Case,
        verbose_name="accompagnement",
        on_delete=models.CASCADE,
        related_name="registrations",
    )
    status = models.CharField(
        "inscription", max_length=10, choices=Status.choices, default=Status.CONFIRMED
    )
    attendance = models.CharField("présence", max_length=8, choices=Attendance.choices, blank=True)
    registered_at = models.DateTimeField("inscrit·e le", default=timezone.now)
    attendance_taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="présence notée par",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = RegistrationQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["registered_at"])

    class Meta:
        verbose_name = "inscription à un atelier"
        verbose_name_plural = "inscriptions aux ateliers"
        ordering = ["registered_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["workshop", "case"], name="registration_unique")
        ]

    def __str__(self) -> str:
        return f"{self.case.beneficiary} — {self.workshop}"


class SkillQuerySet(models.QuerySet):
    def available_to(self, organization: Organization) -> SkillQuerySet:
        return self.filter(Q(organization__isnull=True) | Q(organization=organization))


class Skill(models.Model):
    """A skill of a curriculum assessed on a scale (vélo-école level, mock code test score)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        Organization,
        verbose_name="plateforme",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    curriculum = models.CharField("parcours", max_length=12, choices=Curriculum.choices)
    code = models.SlugField("code", max_length=60)
    label = models.CharField("compétence", max_length=160)
    scale_max = models.PositiveSmallIntegerField(
        "note maximale", default=4, help_text="4 pour les niveaux de vélo-école, 40 pour le code."
    )
    pass_mark = models.PositiveSmallIntegerField("seuil de réussite", null=True, blank=True)
    position = models.PositiveSmallIntegerField("ordre", default=0)

    objects = SkillQuerySet.as_manager()

    class Meta:
        verbose_name = "compétence"
        verbose_name_plural = "compétences"
        ordering = ["curriculum", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "code"],
                name="skill_unique_code",
                condition=Q(organization__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["code"],
                name="skill_unique_code_shared",
                condition=Q(organization__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return self.label


class SkillAssessmentQuerySet(models.QuerySet):
    def for_organization(self, organization: Organization) -> SkillAssessmentQuerySet:
        return self.filter(case__organization=organization)


class SkillAssessment(models.Model):
    """A level or score reached on a skill, on a given day."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(
        Case,
        verbose_name="accompagnement",
        on_delete=models.CASCADE,
        related_name="skill_assessments",
    )
    skill = models.ForeignKey(
        Skill, verbose_name="compétence", on_delete=models.PROTECT, related_name="+"
    )
    workshop = models.ForeignKey(
        Workshop,
        verbose_name="atelier",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="skill_assessments",
    )
    value = models.PositiveSmallIntegerField("niveau ou note")
    assessed_on = models.DateField("évalué le")
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="évalué par",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = SkillAssessmentQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "évaluation de compétence"
        verbose_name_plural = "évaluations de compétences"
        ordering = ["assessed_on", "id"]

    def __str__(self) -> str:
        return f"{self.skill} : {self.value}/{self.skill.scale_max}"
