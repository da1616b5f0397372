"""The fleet: vehicles, accessories, solidarity tariffs, maintenance and incidents."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from organizations.errors import DomainError
from organizations.models import FundingAgreement, Membership, Organization

from ..checklists import VehicleKind
from ..models import (
    Accessory,
    Incident,
    Loan,
    MaintenancePlan,
    MaintenanceRecord,
    SolidarityPricing,
    Vehicle,
)
from .common import (
    by_user,
    check_fleet_admin,
    check_fleet_staff,
    check_site,
    lock_vehicle,
    refresh_vehicle_status,
    today,
)

VEHICLE_FIELDS = (
    "site",
    "code",
    "kind",
    "make",
    "model_name",
    "plate",
    "frame_number",
    "marking",
    "insurer",
    "policy_number",
    "insurance_expiry",
    "odometer_km",
    "acquired_on",
    "acquisition_value",
    "photo",
    "daily_fee",
    "monthly_fee",
    "deposit_amount",
    "notes",
)


# --- Vehicles ---------------------------------------------------------------------------------


def _check_vehicle(organization_id, data: dict[str, Any], *, exclude=None) -> None:
    check_site(data.get("site"), organization_id)
    if data.get("kind") not in VehicleKind.values:
        raise DomainError("Choisissez le type de véhicule.", field="kind")
    code = (data.get("code") or "").strip()
    if not code:
        raise DomainError("Donnez un numéro de parc au véhicule.", field="code")
    same_code = Vehicle.objects.filter(organization_id=organization_id, code__iexact=code)
    if exclude is not None:
        same_code = same_code.exclude(pk=exclude.pk)
    if same_code.exists():
        raise DomainError(
            f"Le numéro de parc « {code} » est déjà utilisé par un autre véhicule.", field="code"
        )


@transaction.atomic
def create_vehicle(*, organization: Organization, by: Membership, data: dict[str, Any]) -> Vehicle:
    """Add a vehicle to the platform's fleet."""
    check_fleet_staff(by, organization.pk)
    _check_vehicle(organization.pk, data)
    vehicle = Vehicle(organization=organization)
    for name in VEHICLE_FIELDS:
        if name in data:
            setattr(vehicle, name, data[name])
    vehicle.code = vehicle.code.strip()
    by_user(by, vehicle)
    vehicle.save()
    return vehicle


@transaction.atomic
def update_vehicle(vehicle: Vehicle, *, by: Membership, data: dict[str, Any]) -> Vehicle:
    """Change a vehicle's description; its status follows its loans and garage stays."""
    check_fleet_staff(by, vehicle.organization_id)
    vehicle = lock_vehicle(vehicle)
    merged = {name: getattr(vehicle, name) for name in VEHICLE_FIELDS} | data
    _check_vehicle(vehicle.organization_id, merged, exclude=vehicle)
    if merged["kind"] != vehicle.kind and Loan.objects.filter(vehicle=vehicle).exists():
        raise DomainError(
            "Ce véhicule a déjà été prêté : son type ne peut plus changer.", field="kind"
        )
    if merged["odometer_km"] < vehicle.odometer_km:
        raise DomainError(
            f"Le compteur ne peut pas reculer : il indique déjà {vehicle.odometer_km} km.",
            field="odometer_km",
        )
    for name in VEHICLE_FIELDS:
        setattr(vehicle, name, merged[name])
    vehicle.code = vehicle.code.strip()
    by_user(by, vehicle)
    vehicle.save()
    return vehicle


@transaction.atomic
def retire_vehicle(vehicle: Vehicle, *, by: Membership, on: date | None = None) -> Vehicle:
    """Take a vehicle out of the fleet for good (sold, stolen, beyond repair)."""
    check_fleet_staff(by, vehicle.organization_id)
    vehicle = lock_vehicle(vehicle)
    day = on or today()
    pending = Loan.objects.filter(vehicle=vehicle).blocking().order_by("start_date").first()
    if pending is not None:
        raise DomainError(
            f"Ce véhicule a encore un prêt « {pending.get_status_display().lower()} » (du "
            f"{pending.start_date:%d/%m/%Y} au {pending.end_date:%d/%m/%Y}) : enregistrez son "
            "retour ou annulez-le d'abord.",
            code="pending_loans",
        )
    vehicle.status = Vehicle.Status.RETIRED
    vehicle.retired_on = day
    by_user(by, vehicle)
    vehicle.save(update_fields=["status", "retired_on"])
    return vehicle


# --- Accessories ------------------------------------------------------------------------------


@transaction.atomic
def save_accessory(
    *,
    organization: Organization,
    by: Membership,
    kind: str,
    accessory: Accessory | None = None,
    label: str = "",
    serial_number: str = "",
    vehicle: Vehicle | None = None,
    is_active: bool = True,
    notes: str = "",
) -> Accessory:
    """Create or change an accessory of the fleet."""
    check_fleet_staff(by, organization.pk)
    if accessory is not None and accessory.organization_id != organization.pk:
        raise DomainError("Cet accessoire n'appartient pas à votre plateforme.")
    if kind not in Accessory.Kind.values:
        raise DomainError("Choisissez le type d'accessoire.", field="kind")
    if vehicle is not None and vehicle.organization_id != organization.pk:
        raise DomainError("Ce véhicule n'appartient pas à votre plateforme.", field="vehicle")
    accessory = accessory or Accessory(organization=organization)
    accessory.kind = kind
    accessory.label = label.strip()
    accessory.serial_number = serial_number.strip()
    accessory.vehicle = vehicle
    accessory.is_active = is_active
    accessory.notes = notes.strip()
    by_user(by, accessory)
    accessory.save()
    return accessory


# --- Solidarity tariffs -----------------------------------------------------------------------


@transaction.atomic
def save_solidarity_pricing(
    *,
    organization: Organization,
    by: Membership,
    agreement: FundingAgreement,
    label: str,
    daily_fee: Decimal,
    max_days: int,
    pricing: SolidarityPricing | None = None,
    is_active: bool = True,
) -> SolidarityPricing:
    """Create or change a solidarity tariff funded by one of the platform's agreements."""
    check_fleet_admin(by, organization.pk)
    if pricing is not None and pricing.organization_id != organization.pk:
        raise DomainError("Ce tarif n'appartient pas à votre plateforme.")
    if agreement.organization_id != organization.pk:
        raise DomainError(
            "Cette convention n'est pas portée par votre plateforme.", field="agreement"
        )
    if daily_fee < 0:
        raise DomainError("Le prix par jour ne peut pas être négatif.", field="daily_fee")
    if max_days < 1:
        raise DomainError("La durée maximale compte au moins un jour.", field="max_days")
    pricing = pricing or SolidarityPricing(organization=organization)
    pricing.agreement = agreement
    pricing.label = label.strip()
    pricing.daily_fee = daily_fee
    pricing.max_days = max_days
    pricing.is_active = is_active
    by_user(by, pricing)
    pricing.save()
    return pricing


# --- Maintenance ------------------------------------------------------------------------------


def _schedule_next(plan: MaintenancePlan, done_on: date | None, done_km: int) -> None:
    """Set the next due date and mileage from the last maintenance done."""
    plan.last_done_on = done_on
    plan.last_done_km = done_km
    plan.next_due_on = (
        done_on + timedelta(days=plan.interval_days) if done_on and plan.interval_days else None
    )
    plan.next_due_km = done_km + plan.interval_km if plan.interval_km else None
    plan.reminded_for = None


@transaction.atomic
def save_maintenance_plan(
    *,
    vehicle: Vehicle,
    by: Membership,
    label: str,
    interval_days: int | None = None,
    interval_km: int | None = None,
    after_each_loan: bool = False,
    last_done_on: date | None = None,
    last_done_km: int | None = None,
    is_active: bool = True,
    plan: MaintenancePlan | None = None,
) -> MaintenancePlan:
    """Create or change a maintenance plan; its next due date and mileage follow from it."""
    check_fleet_staff(by, vehicle.organization_id)
    if plan is not None and plan.vehicle_id != vehicle.pk:
        raise DomainError("Ce plan d'entretien concerne un autre véhicule.")
    if not (interval_days or interval_km or after_each_loan):
        raise DomainError(
            "Indiquez une fréquence : tous les N jours, tous les N km, ou après chaque prêt.",
            field="interval_days",
        )
    if last_done_on and last_done_on > today():
        raise DomainError(
            "Le dernier entretien ne peut pas être dans le futur.", field="last_done_on"
        )
    if not label.strip():
        raise DomainError("Nommez l'entretien.", field="label")
    # A plan already due after a loan stays due until the maintenance is recorded.
    due_after_loan = (
        plan.next_due_on
        if plan is not None and plan.after_each_loan and after_each_loan and not last_done_on
        else None
    )
    plan = plan or MaintenancePlan(organization_id=vehicle.organization_id, vehicle=vehicle)
    done_on = last_done_on or plan.last_done_on or (today() if interval_days else None)
    done_km = next(
        km for km in (last_done_km, plan.last_done_km, vehicle.odometer_km) if km is not None
    )
    plan.label = label.strip()
    plan.interval_days = interval_days or None
    plan.interval_km = interval_km or None
    plan.after_each_loan = after_each_loan
    plan.is_active = is_active
    _schedule_next(plan, done_on, done_km)
    if due_after_loan and (plan.next_due_on is None or due_after_loan < plan.next_due_on):
        plan.next_due_on = due_after_loan
    by_user(by, plan)
    plan.save()
    return plan


def _check_stay(vehicle: Vehicle, start_date: date, end_date: date | None) -> None:
    if end_date is not None and end_date < start_date:
        raise DomainError("La date de fin doit être le jour de début ou après.", field="end_date")
    if end_date is not None and end_date > today():
        raise DomainError(
            "La date de fin ne peut pas être dans le futur : laissez-la vide tant que le "
            "véhicule est au garage.",
            field="end_date",
        )
    if start_date <= today() and Loan.objects.filter(vehicle=vehicle).out().exists():
        raise DomainError(
            "Le véhicule est en prêt : enregistrez son retour avant de l'envoyer au garage.",
            field="start_date",
            code="on_loan",
        )


def _complete(record: MaintenanceRecord, vehicle: Vehicle, by: Membership) -> None:
    if record.odometer_km and record.odometer_km > vehicle.odometer_km:
        vehicle.odometer_km = record.odometer_km
        by_user(by, vehicle)
        vehicle.save(update_fields=["odometer_km"])
    if record.plan_id and record.end_date:
        plan = MaintenancePlan.objects.select_for_update().get(pk=record.plan_id)
        _schedule_next(plan, record.end_date, record.odometer_km or vehicle.odometer_km)
        by_user(by, plan)
        plan.save()


@transaction.atomic
def record_maintenance(
    *,
    vehicle: Vehicle,
    by: Membership,
    label: str,
    start_date: date,
    end_date: date | None = None,
    plan: MaintenancePlan | None = None,
    garage: str = "",
    cost: Decimal | None = None,
    odometer_km: int | None = None,
    notes: str = "",
) -> MaintenanceRecord:
    """Record a garage stay: done (with an end date) or under way (the vehicle is immobilised)."""
    check_fleet_staff(by, vehicle.organization_id)
    vehicle = lock_vehicle(vehicle)
    if plan is not None and plan.vehicle_id != vehicle.pk:
        raise DomainError("Ce plan d'entretien concerne un autre véhicule.", field="plan")
    _check_stay(vehicle, start_date, end_date)
    if cost is not None and cost < 0:
        raise DomainError("Le coût ne peut pas être négatif.", field="cost")
    record = MaintenanceRecord(
        organization_id=vehicle.organization_id,
        vehicle=vehicle,
        plan=plan,
        label=label.strip() or (plan.label if plan else ""),
        garage=garage.strip(),
        start_date=start_date,
        end_date=end_date,
        cost=cost,
        odometer_km=odometer_km,
        notes=notes.strip(),
        recorded_by=by.user,
    )
    if not record.label:
        raise DomainError("Indiquez l'intervention.", field="label")
    by_user(by, record)
    record.save()
    _complete(record, vehicle, by)
    refresh_vehicle_status(vehicle)
    return record


@transaction.atomic
def finish_maintenance(
    record: MaintenanceRecord,
    *,
    by: Membership,
    end_date: date,
    cost: Decimal | None = None,
    odometer_km: int | None = None,
    notes: str = "",
) -> MaintenanceRecord:
    """Bring the vehicle back from the garage: it may be lent again from ``end_date``."""
    check_fleet_staff(by, record.organization_id)
    vehicle = lock_vehicle(record.vehicle)
    record = MaintenanceRecord.objects.select_for_update().get(pk=record.pk)
    if record.end_date is not None:
        raise DomainError("Cet entretien est déjà terminé.")
    _check_stay_end(record, end_date)
    if cost is not None and cost < 0:
        raise DomainError("Le coût ne peut pas être négatif.", field="cost")
    record.end_date = end_date
    record.cost = cost if cost is not None else record.cost
    record.odometer_km = odometer_km if odometer_km is not None else record.odometer_km
    if notes.strip():
        record.notes = "\n".join(part for part in (record.notes, notes.strip()) if part)
    by_user(by, record)
    record.save(update_fields=["end_date", "cost", "odometer_km", "notes"])
    _complete(record, vehicle, by)
    refresh_vehicle_status(vehicle)
    return record


def _check_stay_end(record: MaintenanceRecord, end_date: date) -> None:
    if end_date < record.start_date:
        raise DomainError(
            f"Le véhicule est au garage depuis le {record.start_date:%d/%m/%Y} : la fin ne peut "
            "pas être avant.",
            field="end_date",
        )
    if end_date > today():
        raise DomainError("La date de fin ne peut pas être dans le futur.", field="end_date")


# --- Incidents --------------------------------------------------------------------------------


def _check_incident(vehicle: Vehicle, loan: Loan | None, data: dict[str, Any]) -> None:
    if loan is not None and loan.vehicle_id != vehicle.pk:
        raise DomainError("Ce prêt concerne un autre véhicule.", field="loan")
    if data["kind"] not in Incident.Kind.values:
        raise DomainError("Choisissez la nature de l'incident.", field="kind")
    if data["occurred_on"] > today():
        raise DomainError("L'incident ne peut pas être dans le futur.", field="occurred_on")
    if not (data.get("description") or "").strip():
        raise DomainError("Décrivez ce qui s'est passé.", field="description")
    if data.get("cost") is not None and data["cost"] < 0:
        raise DomainError("Le coût ne peut pas être négatif.", field="cost")
    if data.get("borne_by", "") not in Incident.BorneBy.values:
        raise DomainError("Indiquez qui prend le coût en charge.", field="borne_by")


INCIDENT_FIELDS = (
    "kind",
    "occurred_on",
    "description",
    "reference",
    "cost",
    "borne_by",
    "resolved_on",
)


@transaction.atomic
def record_incident(
    *, vehicle: Vehicle, by: Membership, loan: Loan | None = None, data: dict[str, Any]
) -> Incident:
    """Record damage, a theft, an accident or a traffic fine on a vehicle (and its loan)."""
    check_fleet_staff(by, vehicle.organization_id)
    _check_incident(vehicle, loan, data)
    incident = Incident(
        organization_id=vehicle.organization_id,
        vehicle=vehicle,
        loan=loan,
        recorded_by=by.user,
        created_at=timezone.now(),
    )
    for name in INCIDENT_FIELDS:
        if name in data:
            setattr(incident, name, data[name])
    incident.description = incident.description.strip()
    by_user(by, incident)
    incident.save()
    return incident


@transaction.atomic
def update_incident(incident: Incident, *, by: Membership, data: dict[str, Any]) -> Incident:
    """Complete an incident: its cost, who bears it, when it was settled."""
    check_fleet_staff(by, incident.organization_id)
    incident = Incident.objects.select_for_update().select_related("vehicle").get(pk=incident.pk)
    merged = {name: getattr(incident, name) for name in INCIDENT_FIELDS} | data
    _check_incident(incident.vehicle, incident.loan, merged)
    for name in INCIDENT_FIELDS:
        setattr(incident, name, merged[name])
    by_user(by, incident)
    incident.save()
    return incident
