"""The fleet: vehicles, the accessories lent with them, solidarity tariffs and maintenance."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from pathlib import PurePosixPath

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from organizations.models import FundingAgreement, Membership, Organization, Site

from ..checklists import MOTORISED, VehicleKind

FLEET_ROLES = (Membership.Role.ADMIN, Membership.Role.ADVISOR)


def _upload_path(instance, filename: str, folder: str) -> str:
    suffix = PurePosixPath(filename).suffix.lower()[:8]
    return f"vehicles/{instance.organization_id}/{folder}/{uuid.uuid4().hex}{suffix}"


def vehicle_photo_path(instance: Vehicle, filename: str) -> str:
    return _upload_path(instance, filename, "photos")


# --- Vehicles ---------------------------------------------------------------------------------


class VehicleQuerySet(models.QuerySet):
    def for_organization(self, organization: Organization) -> VehicleQuerySet:
        return self.filter(organization=organization)

    def visible_to(self, membership: Membership) -> VehicleQuerySet:
        """The fleet of the member's platform, for its admins and advisors only."""
        if membership.role not in FLEET_ROLES:
            return self.none()
        return self.for_organization(membership.organization)

    def in_service(self) -> VehicleQuerySet:
        return self.exclude(status=Vehicle.Status.RETIRED)

    def insurance_expiring_by(self, day: date) -> VehicleQuerySet:
        return self.in_service().filter(insurance_expiry__isnull=False, insurance_expiry__lte=day)

    def with_list_data(self) -> VehicleQuerySet:
        return self.select_related("site")


class Vehicle(models.Model):
    """A bike, scooter or car of a platform's fleet."""

    Kind = VehicleKind

    class Status(models.TextChoices):
        AVAILABLE = "available", "Disponible"
        RESERVED = "reserved", "Réservé"
        ON_LOAN = "on_loan", "En prêt"
        MAINTENANCE = "maintenance", "En entretien"
        RETIRED = "retired", "Retiré du parc"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        Organization, verbose_name="plateforme", on_delete=models.CASCADE, related_name="vehicles"
    )
    site = models.ForeignKey(
        Site,
        verbose_name="site",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="vehicles",
    )
    code = models.CharField(
        "numéro de parc", max_length=30, help_text="Le repère du véhicule dans le parc : VAE-03…"
    )
    kind = models.CharField("type", max_length=20, choices=VehicleKind.choices)
    make = models.CharField("marque", max_length=80)
    model_name = models.CharField("modèle", max_length=80, blank=True)
    plate = models.CharField("immatriculation", max_length=20, blank=True)
    frame_number = models.CharField(
        "numéro de cadre ou de série",
        max_length=40,
        blank=True,
        help_text="Numéro gravé sur le cadre, ou numéro VIN d'un véhicule à moteur.",
    )
    marking = models.CharField(
        "marquage antivol", max_length=40, blank=True, help_text="Bicycode ou autre marquage."
    )
    status = models.CharField(
        "statut", max_length=12, choices=Status.choices, default=Status.AVAILABLE, db_index=True
    )
    insurer = models.CharField("assureur", max_length=120, blank=True)
    policy_number = models.CharField("numéro de contrat d'assurance", max_length=60, blank=True)
    insurance_expiry = models.DateField("assurance valable jusqu'au", null=True, blank=True)
    odometer_km = models.PositiveIntegerField("compteur (km)", default=0)
    acquired_on = models.DateField("date d'acquisition", null=True, blank=True)
    acquisition_value = models.DecimalField(
        "valeur d'acquisition (€)", max_digits=10, decimal_places=2, null=True, blank=True
    )
    photo = models.ImageField("photo", upload_to=vehicle_photo_path, blank=True)
    daily_fee = models.DecimalField(
        "tarif journalier (€)",
        max_digits=8,
        decimal_places=2,
        default=Decimal("0.00"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    monthly_fee = models.DecimalField(
        "tarif mensuel (€)",
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text="Facturé par période de 30 jours commencée.",
    )
    deposit_amount = models.DecimalField(
        "caution (€)",
        max_digits=8,
        decimal_places=2,
        default=Decimal("0.00"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    notes = models.TextField("remarques", blank=True)
    retired_on = models.DateField("retiré le", null=True, blank=True)
    insurance_reminded_for = models.DateField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField("créé le", default=timezone.now)

    objects = VehicleQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["created_at", "insurance_reminded_for"])

    class Meta:
        verbose_name = "véhicule"
        verbose_name_plural = "véhicules"
        ordering = ["kind", "code", "id"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "code"], name="vehicle_unique_code"),
        ]
        indexes = [models.Index(fields=["organization", "kind", "status"])]

    def __str__(self) -> str:
        return f"{self.code} — {self.label}"

    @property
    def label(self) -> str:
        return " ".join(part for part in (self.make, self.model_name) if part)

    @property
    def identifier(self) -> str:
        """The identifier printed on the vehicle: plate, else marking, else frame number."""
        return self.plate or self.marking or self.frame_number

    @property
    def is_motorised(self) -> bool:
        return self.kind in MOTORISED

    def insurance_valid_until(self, day: date) -> bool:
        return self.insurance_expiry is not None and self.insurance_expiry >= day


# --- Accessories ------------------------------------------------------------------------------


class AccessoryQuerySet(models.QuerySet):
    def for_organization(self, organization: Organization) -> AccessoryQuerySet:
        return self.filter(organization=organization)

    def active(self) -> AccessoryQuerySet:
        return self.filter(is_active=True)


class Accessory(models.Model):
    """A helmet, lock, child seat, charger or battery lent with a vehicle."""

    class Kind(models.TextChoices):
        HELMET = "helmet", "Casque"
        LOCK = "lock", "Antivol"
        CHILD_SEAT = "child_seat", "Siège enfant"
        CHARGER = "charger", "Chargeur"
        BATTERY = "battery", "Batterie"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        Organization,
        verbose_name="plateforme",
        on_delete=models.CASCADE,
        related_name="vehicle_accessories",
    )
    kind = models.CharField("type", max_length=12, choices=Kind.choices)
    label = models.CharField("désignation", max_length=120, blank=True)
    serial_number = models.CharField("numéro de série", max_length=60, blank=True)
    vehicle = models.ForeignKey(
        Vehicle,
        verbose_name="véhicule habituel",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="accessories",
        help_text="Le véhicule avec lequel cet accessoire est prêté d'habitude.",
    )
    is_active = models.BooleanField("en service", default=True)
    notes = models.CharField("remarques", max_length=250, blank=True)

    objects = AccessoryQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "accessoire"
        verbose_name_plural = "accessoires"
        ordering = ["kind", "label", "serial_number", "id"]

    def __str__(self) -> str:
        name = self.label or self.get_kind_display()
        return f"{name} ({self.serial_number})" if self.serial_number else name


# --- Solidarity tariffs -----------------------------------------------------------------------


class SolidarityPricingQuerySet(models.QuerySet):
    def for_organization(self, organization: Organization) -> SolidarityPricingQuerySet:
        return self.filter(organization=organization)

    def active(self) -> SolidarityPricingQuerySet:
        return self.filter(is_active=True)


class SolidarityPricing(models.Model):
    """A low daily price paid by the person, the rest funded by a funding agreement."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        Organization,
        verbose_name="plateforme",
        on_delete=models.CASCADE,
        related_name="solidarity_pricings",
    )
    agreement = models.ForeignKey(
        FundingAgreement,
        verbose_name="convention",
        on_delete=models.PROTECT,
        related_name="solidarity_pricings",
    )
    label = models.CharField(
        "nom du tarif", max_length=120, help_text="Par exemple : « Voiture 1 € par jour »."
    )
    daily_fee = models.DecimalField(
        "prix par jour payé par la personne (€)",
        max_digits=8,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
    )
    max_days = models.PositiveIntegerField(
        "durée maximale (jours)",
        validators=[MinValueValidator(1), MaxValueValidator(730)],
        help_text="Prolongations comprises.",
    )
    is_active = models.BooleanField("proposé", default=True)

    objects = SolidarityPricingQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "tarif solidaire"
        verbose_name_plural = "tarifs solidaires"
        ordering = ["label", "id"]

    def __str__(self) -> str:
        return self.label


# --- Maintenance ------------------------------------------------------------------------------


class MaintenancePlanQuerySet(models.QuerySet):
    def for_organization(self, organization: Organization) -> MaintenancePlanQuerySet:
        return self.filter(organization=organization)

    def active(self) -> MaintenancePlanQuerySet:
        return self.filter(is_active=True)

    def due_by(self, day: date) -> MaintenancePlanQuerySet:
        """Active plans whose next date has come, or whose vehicle reached the next mileage."""
        return self.active().filter(
            Q(next_due_on__lte=day)
            | Q(next_due_km__isnull=False, vehicle__odometer_km__gte=models.F("next_due_km"))
        )


class MaintenancePlan(models.Model):
    """A recurring maintenance: every N days, every N km, or after each loan."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        Organization, verbose_name="plateforme", on_delete=models.CASCADE, related_name="+"
    )
    vehicle = models.ForeignKey(
        Vehicle,
        verbose_name="véhicule",
        on_delete=models.CASCADE,
        related_name="maintenance_plans",
    )
    label = models.CharField("entretien", max_length=120, help_text="Révision, freins, pneus…")
    interval_days = models.PositiveIntegerField(
        "tous les (jours)", null=True, blank=True, validators=[MinValueValidator(1)]
    )
    interval_km = models.PositiveIntegerField(
        "tous les (km)", null=True, blank=True, validators=[MinValueValidator(1)]
    )
    after_each_loan = models.BooleanField("après chaque prêt", default=False)
    last_done_on = models.DateField("dernier entretien le", null=True, blank=True)
    last_done_km = models.PositiveIntegerField("au compteur (km)", null=True, blank=True)
    next_due_on = models.DateField("prochain entretien le", null=True, blank=True)
    next_due_km = models.PositiveIntegerField("prochain entretien à (km)", null=True, blank=True)
    is_active = models.BooleanField("actif", default=True)
    reminded_for = models.DateField(
        "rappel envoyé pour l'échéance du", null=True, blank=True, editable=False
    )

    objects = MaintenancePlanQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "plan d'entretien"
        verbose_name_plural = "plans d'entretien"
        ordering = ["label", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(interval_days__isnull=False)
                | Q(interval_km__isnull=False)
                | Q(after_each_loan=True),
                name="maintenance_plan_has_a_trigger",
            )
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def rule(self) -> str:
        parts = []
        if self.interval_days:
            parts.append(f"tous les {self.interval_days} jours")
        if self.interval_km:
            parts.append(f"tous les {self.interval_km:,} km".replace(",", "\u202f"))
        if self.after_each_loan:
            parts.append("après chaque prêt")
        return ", ".join(parts)

    def is_due(self, day: date, odometer_km: int) -> bool:
        if not self.is_active:
            return False
        if self.next_due_on is not None and self.next_due_on <= day:
            return True
        return self.next_due_km is not None and odometer_km >= self.next_due_km


class MaintenanceRecordQuerySet(models.QuerySet):
    def for_organization(self, organization: Organization) -> MaintenanceRecordQuerySet:
        return self.filter(organization=organization)

    def overlapping(self, start: date, end: date) -> MaintenanceRecordQuerySet:
        """Records that keep the vehicle in the garage during part of [start, end)."""
        return self.filter(start_date__lt=end).filter(
            Q(end_date__isnull=True) | Q(end_date__gt=start)
        )

    def ongoing(self, day: date) -> MaintenanceRecordQuerySet:
        return self.overlapping(day, date.fromordinal(day.toordinal() + 1))


class MaintenanceRecord(models.Model):
    """A stay at the garage: what was done, where, for how much; [start, end) like a loan."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        Organization, verbose_name="plateforme", on_delete=models.CASCADE, related_name="+"
    )
    vehicle = models.ForeignKey(
        Vehicle,
        verbose_name="véhicule",
        on_delete=models.CASCADE,
        related_name="maintenance_records",
    )
    plan = models.ForeignKey(
        MaintenancePlan,
        verbose_name="plan d'entretien",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="records",
    )
    label = models.CharField("intervention", max_length=200)
    garage = models.CharField("garage ou atelier", max_length=200, blank=True)
    start_date = models.DateField("immobilisé à partir du")
    end_date = models.DateField(
        "disponible de nouveau le",
        null=True,
        blank=True,
        help_text="Vide tant que le véhicule est au garage.",
    )
    cost = models.DecimalField(
        "coût (€)",
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    odometer_km = models.PositiveIntegerField("compteur (km)", null=True, blank=True)
    notes = models.TextField("remarques", blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="saisi par",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField("saisi le", default=timezone.now)

    objects = MaintenanceRecordQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["created_at"])

    class Meta:
        verbose_name = "entretien réalisé"
        verbose_name_plural = "entretiens réalisés"
        ordering = ["-start_date", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="maintenance_record_period_ordered",
            )
        ]

    def __str__(self) -> str:
        return f"{self.label} ({self.start_date:%d/%m/%Y})"

    @property
    def is_open(self) -> bool:
        return self.end_date is None
