"""Loans of vehicles to the people a platform accompanies, with their inspections and incidents.

A loan occupies its vehicle over the half-open period [start_date, end_date): the person takes
the vehicle on ``start_date`` and brings it back on ``end_date``, when the next person may take
it. On PostgreSQL an exclusion constraint (migration 0002) forbids two reserved, active or
overdue loans of one vehicle whose periods overlap; the services check the same rule with the
vehicle row locked, which is the guarantee on SQLite.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from organizations.models import Membership, Organization, Site

from ..checklists import VehicleKind, damage_labels
from .fleet import FLEET_ROLES, Accessory, SolidarityPricing, Vehicle, _upload_path


def contract_path(instance: Loan, filename: str) -> str:
    return _upload_path(instance, filename, "contracts")


def inspection_photo_path(instance: InspectionPhoto, filename: str) -> str:
    return _upload_path(instance, filename, "inspections")


class LoanStatus(models.TextChoices):
    RESERVED = "reserved", "Réservé"
    ACTIVE = "active", "En cours"
    OVERDUE = "overdue", "En retard"
    RETURNED = "returned", "Rendu"
    CANCELLED = "cancelled", "Annulé"


# The loans that hold their vehicle over their period (the exclusion constraint's condition).
BLOCKING_STATUSES = (LoanStatus.RESERVED, LoanStatus.ACTIVE, LoanStatus.OVERDUE)
OUT_STATUSES = (LoanStatus.ACTIVE, LoanStatus.OVERDUE)
NO_DOUBLE_BOOKING = "loan_no_double_booking"


class LoanQuerySet(models.QuerySet):
    def for_organization(self, organization: Organization) -> LoanQuerySet:
        return self.filter(organization=organization)

    def visible_to(self, membership: Membership) -> LoanQuerySet:
        if membership.role not in FLEET_ROLES:
            return self.none()
        return self.for_organization(membership.organization)

    def blocking(self) -> LoanQuerySet:
        return self.filter(status__in=BLOCKING_STATUSES)

    def out(self) -> LoanQuerySet:
        """Loans whose vehicle is with the person right now."""
        return self.filter(status__in=OUT_STATUSES)

    def overlapping(self, start: date, end: date) -> LoanQuerySet:
        """Loans whose half-open period meets [start, end)."""
        return self.filter(start_date__lt=end, end_date__gt=start)

    def overdue(self, today: date) -> LoanQuerySet:
        """Loans not brought back although their return day has passed."""
        return self.out().filter(end_date__lt=today)

    def ending_between(self, first: date, last: date) -> LoanQuerySet:
        return self.out().filter(end_date__gte=first, end_date__lte=last)

    def with_list_data(self) -> LoanQuerySet:
        return self.select_related("vehicle", "case__beneficiary", "case__advisor__user")


class Loan(models.Model):
    """A vehicle lent to the person of a case over [start_date, end_date)."""

    Status = LoanStatus

    class PricingMode(models.TextChoices):
        DAILY = "daily", "Tarif journalier"
        MONTHLY = "monthly", "Tarif mensuel"
        SOLIDARITY = "solidarity", "Tarif solidaire (convention)"

    class DepositStatus(models.TextChoices):
        NONE = "none", "Sans caution"
        PENDING = "pending", "À encaisser"
        HELD = "held", "Encaissée"
        RETURNED = "returned", "Restituée"
        RETAINED = "retained", "Retenue"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        Organization, verbose_name="plateforme", on_delete=models.CASCADE, related_name="loans"
    )
    vehicle = models.ForeignKey(
        Vehicle, verbose_name="véhicule", on_delete=models.PROTECT, related_name="loans"
    )
    case = models.ForeignKey(
        "cases.Case",
        verbose_name="accompagnement",
        on_delete=models.PROTECT,
        related_name="vehicle_loans",
    )
    start_date = models.DateField("départ le")
    end_date = models.DateField(
        "retour prévu le", help_text="Le véhicule peut repartir avec une autre personne ce jour-là."
    )
    status = models.CharField(
        "statut",
        max_length=10,
        choices=LoanStatus.choices,
        default=LoanStatus.RESERVED,
        db_index=True,
    )
    pricing_mode = models.CharField(
        "tarification", max_length=10, choices=PricingMode.choices, default=PricingMode.DAILY
    )
    daily_fee = models.DecimalField(
        "tarif journalier (€)", max_digits=8, decimal_places=2, default=Decimal("0.00")
    )
    monthly_fee = models.DecimalField(
        "tarif mensuel (€)", max_digits=8, decimal_places=2, null=True, blank=True
    )
    solidarity_pricing = models.ForeignKey(
        SolidarityPricing,
        verbose_name="tarif solidaire",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="loans",
    )
    price_total = models.DecimalField(
        "prix du prêt (€)", max_digits=10, decimal_places=2, default=Decimal("0.00")
    )
    deposit_amount = models.DecimalField(
        "caution (€)", max_digits=8, decimal_places=2, default=Decimal("0.00")
    )
    deposit_status = models.CharField(
        "caution", max_length=10, choices=DepositStatus.choices, default=DepositStatus.NONE
    )
    deposit_received_on = models.DateField("caution encaissée le", null=True, blank=True)
    deposit_retained_amount = models.DecimalField(
        "montant retenu (€)", max_digits=8, decimal_places=2, default=Decimal("0.00")
    )
    deposit_retained_reason = models.CharField("motif de la retenue", max_length=250, blank=True)
    deposit_settled_on = models.DateField("caution soldée le", null=True, blank=True)
    accessories = models.ManyToManyField(
        Accessory, verbose_name="accessoires prêtés", blank=True, related_name="loans"
    )
    contract = models.FileField("contrat de prêt", upload_to=contract_path, blank=True)
    contract_generated_at = models.DateTimeField("contrat édité le", null=True, blank=True)
    checked_out_at = models.DateTimeField("remis le", null=True, blank=True)
    checked_out_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="remis par",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    returned_at = models.DateTimeField("rendu le", null=True, blank=True)
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="retour enregistré par",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    cancelled_at = models.DateTimeField("annulé le", null=True, blank=True)
    cancel_reason = models.CharField("motif d'annulation", max_length=250, blank=True)
    notes = models.TextField("remarques", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="réservé par",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField("réservé le", default=timezone.now)
    reminded_ending_on = models.DateField(null=True, blank=True, editable=False)
    reminded_overdue_on = models.DateField(null=True, blank=True, editable=False)

    objects = LoanQuerySet.as_manager()
    history = HistoricalRecords(
        excluded_fields=["created_at", "reminded_ending_on", "reminded_overdue_on"],
        m2m_fields=[accessories],
    )

    class Meta:
        verbose_name = "prêt de véhicule"
        verbose_name_plural = "prêts de véhicules"
        ordering = ["-start_date", "-created_at"]
        indexes = [
            models.Index(fields=["organization", "status"]),
            models.Index(fields=["vehicle", "start_date", "end_date"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gt=models.F("start_date")), name="loan_period_not_empty"
            ),
            # NO_DOUBLE_BOOKING, an exclusion constraint, exists on PostgreSQL only: see the
            # migration 0002_no_double_booking (SQLite has no such constraint).
        ]

    def __str__(self) -> str:
        return f"{self.vehicle.code} — du {self.start_date:%d/%m/%Y} au {self.end_date:%d/%m/%Y}"

    @property
    def days(self) -> int:
        return (self.end_date - self.start_date).days

    @property
    def last_day(self) -> date:
        """The last day the person has the vehicle (the day before the return day)."""
        return self.end_date - timedelta(days=1)

    @property
    def is_out(self) -> bool:
        return self.status in OUT_STATUSES

    @property
    def is_blocking(self) -> bool:
        return self.status in BLOCKING_STATUSES

    @property
    def funding_agreement(self):
        return self.solidarity_pricing.agreement if self.solidarity_pricing_id else None

    @property
    def deposit_retained(self) -> bool:
        return self.deposit_status == self.DepositStatus.RETAINED

    def occupied_until(self, today: date) -> date:
        """The day the vehicle is free again, counting an overdue loan as out until tomorrow."""
        if self.status == LoanStatus.RETURNED and self.returned_at:
            return max(timezone.localdate(self.returned_at), self.start_date + timedelta(days=1))
        if self.status == LoanStatus.OVERDUE:
            return max(self.end_date, today + timedelta(days=1))
        return self.end_date


class LoanExtension(models.Model):
    """A change of the return day of a loan, with the price before and after."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    loan = models.ForeignKey(Loan, on_delete=models.CASCADE, related_name="extensions")
    previous_end_date = models.DateField("retour prévu auparavant le")
    new_end_date = models.DateField("nouveau retour prévu le")
    reason = models.CharField("motif", max_length=250, blank=True)
    price_before = models.DecimalField("prix avant (€)", max_digits=10, decimal_places=2)
    price_after = models.DecimalField("prix après (€)", max_digits=10, decimal_places=2)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="par",
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    at = models.DateTimeField("le", default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "prolongation"
        verbose_name_plural = "prolongations"
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.previous_end_date:%d/%m/%Y} → {self.new_end_date:%d/%m/%Y}"


class WaitingListEntryQuerySet(models.QuerySet):
    def for_organization(self, organization: Organization) -> WaitingListEntryQuerySet:
        return self.filter(organization=organization)

    def visible_to(self, membership: Membership) -> WaitingListEntryQuerySet:
        if membership.role not in FLEET_ROLES:
            return self.none()
        return self.for_organization(membership.organization)

    def waiting(self) -> WaitingListEntryQuerySet:
        return self.filter(status=WaitingListEntry.Status.WAITING)


class WaitingListEntry(models.Model):
    """A person waiting for a kind of vehicle when none is free over the wanted period."""

    class Status(models.TextChoices):
        WAITING = "waiting", "En attente"
        SERVED = "served", "Véhicule réservé"
        CANCELLED = "cancelled", "Retiré de la liste"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        Organization, verbose_name="plateforme", on_delete=models.CASCADE, related_name="+"
    )
    case = models.ForeignKey(
        "cases.Case",
        verbose_name="accompagnement",
        on_delete=models.CASCADE,
        related_name="vehicle_waiting_entries",
    )
    kind = models.CharField("type de véhicule", max_length=20, choices=VehicleKind.choices)
    site = models.ForeignKey(
        Site,
        verbose_name="site souhaité",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    wanted_from = models.DateField("à partir du")
    wanted_until = models.DateField("retour souhaité le")
    status = models.CharField(
        "statut", max_length=10, choices=Status.choices, default=Status.WAITING, db_index=True
    )
    loan = models.ForeignKey(
        Loan,
        verbose_name="prêt",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    notes = models.CharField("remarques", max_length=250, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="inscrit par",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField("inscrit le", default=timezone.now)
    closed_at = models.DateTimeField("sorti de la liste le", null=True, blank=True)

    objects = WaitingListEntryQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["created_at"])

    class Meta:
        verbose_name = "inscription en liste d'attente"
        verbose_name_plural = "liste d'attente"
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(wanted_until__gt=models.F("wanted_from")),
                name="waiting_entry_period_not_empty",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} à partir du {self.wanted_from:%d/%m/%Y}"


class Inspection(models.Model):
    """The état des lieux at check-out or check-in: mileage, energy, damages, photos."""

    class Kind(models.TextChoices):
        CHECK_OUT = "check_out", "Départ"
        CHECK_IN = "check_in", "Retour"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        Organization, verbose_name="plateforme", on_delete=models.CASCADE, related_name="+"
    )
    loan = models.ForeignKey(Loan, on_delete=models.CASCADE, related_name="inspections")
    kind = models.CharField("état des lieux", max_length=10, choices=Kind.choices)
    odometer_km = models.PositiveIntegerField("compteur (km)", default=0)
    energy_level = models.PositiveSmallIntegerField(
        "niveau de carburant ou de charge (%)",
        null=True,
        blank=True,
        validators=[MaxValueValidator(100)],
    )
    damages = models.JSONField(
        "éléments abîmés",
        default=list,
        blank=True,
        help_text="Codes de la liste de contrôle du type de véhicule.",
    )
    accessories_present = models.ManyToManyField(
        Accessory, verbose_name="accessoires présents", blank=True, related_name="+"
    )
    comments = models.TextField("observations", blank=True)
    performed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="fait par",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    performed_at = models.DateTimeField("fait le", default=timezone.now)

    history = HistoricalRecords(m2m_fields=[accessories_present])

    class Meta:
        verbose_name = "état des lieux"
        verbose_name_plural = "états des lieux"
        ordering = ["performed_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["loan", "kind"], name="inspection_once_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {timezone.localtime(self.performed_at):%d/%m/%Y}"

    def damage_labels(self, kind: str) -> list[str]:
        return damage_labels(kind, self.damages)


class InspectionPhoto(models.Model):
    """A photo taken during an inspection."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        Organization, verbose_name="plateforme", on_delete=models.CASCADE, related_name="+"
    )
    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField("photo", upload_to=inspection_photo_path)
    uploaded_at = models.DateTimeField("ajoutée le", default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "photo d'état des lieux"
        verbose_name_plural = "photos d'état des lieux"
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return f"Photo {self.uploaded_at:%d/%m/%Y}"


class IncidentQuerySet(models.QuerySet):
    def for_organization(self, organization: Organization) -> IncidentQuerySet:
        return self.filter(organization=organization)


class Incident(models.Model):
    """Damage, theft, accident or traffic fine, its cost and who bears it."""

    class Kind(models.TextChoices):
        DAMAGE = "damage", "Dégât"
        THEFT = "theft", "Vol"
        ACCIDENT = "accident", "Accident"
        FINE = "fine", "Amende"

    class BorneBy(models.TextChoices):
        UNDECIDED = "", "À déterminer"
        PLATFORM = "platform", "La plateforme"
        BENEFICIARY = "beneficiary", "La personne"
        INSURANCE = "insurance", "L'assurance"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        Organization, verbose_name="plateforme", on_delete=models.CASCADE, related_name="+"
    )
    vehicle = models.ForeignKey(
        Vehicle, verbose_name="véhicule", on_delete=models.CASCADE, related_name="incidents"
    )
    loan = models.ForeignKey(
        Loan,
        verbose_name="prêt",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="incidents",
    )
    kind = models.CharField("nature", max_length=10, choices=Kind.choices)
    occurred_on = models.DateField("survenu le")
    description = models.TextField("description")
    reference = models.CharField(
        "référence",
        max_length=80,
        blank=True,
        help_text="Numéro de l'avis de contravention ou de la déclaration de sinistre.",
    )
    cost = models.DecimalField(
        "coût (€)",
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    borne_by = models.CharField(
        "à la charge de", max_length=12, choices=BorneBy.choices, blank=True
    )
    resolved_on = models.DateField("réglé le", null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="saisi par",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField("saisi le", default=timezone.now)

    objects = IncidentQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["created_at"])

    class Meta:
        verbose_name = "incident"
        verbose_name_plural = "incidents"
        ordering = ["-occurred_on", "-created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} du {self.occurred_on:%d/%m/%Y}"
