"""Reservations and loans: reserve, cancel, extend, mark overdue (handover.py: check-out/in).

Every operation locks the vehicle row first, so that two advisors booking the same vehicle at the
same moment are served one after the other: the second sees the first's loan and gets a conflict.
On PostgreSQL the exclusion constraint ``loan_no_double_booking`` backs the check up; its
violation is turned into the same ``ConflictError`` (HTTP 409).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from cases.models import Case
from organizations.errors import ConflictError, DomainError
from organizations.models import Membership

from ..formats import CENT
from ..models import (
    NO_DOUBLE_BOOKING,
    Accessory,
    Loan,
    LoanExtension,
    MaintenanceRecord,
    SolidarityPricing,
    Vehicle,
    WaitingListEntry,
)
from .common import (
    by_user,
    check_accessories,
    check_case_open,
    check_fleet_staff,
    forget_contract,
    lock_loan,
    lock_vehicle,
    refresh_vehicle_status,
    today,
)

Status = Loan.Status
Deposit = Loan.DepositStatus
MAX_LOAN_DAYS = 366
MONTH_DAYS = 30


def overlap_message(start: date | None = None, end: date | None = None) -> str:
    period = f" du {start:%d/%m/%Y} au {end:%d/%m/%Y}" if start and end else " sur cette période"
    return (
        f"Ce véhicule est déjà réservé{period} : choisissez une autre période ou un autre véhicule."
    )


# --- Pricing ----------------------------------------------------------------------------------


def compute_price(
    *,
    mode: str,
    start_date: date,
    end_date: date,
    daily_fee: Decimal,
    monthly_fee: Decimal | None = None,
    solidarity_pricing: SolidarityPricing | None = None,
) -> Decimal:
    """Price [start_date, end_date): by the day, by started 30-day period, or solidarity."""
    days = (end_date - start_date).days
    if mode == Loan.PricingMode.SOLIDARITY:
        if solidarity_pricing is None:
            raise DomainError("Choisissez le tarif solidaire.", field="solidarity_pricing")
        price = solidarity_pricing.daily_fee * days
    elif mode == Loan.PricingMode.MONTHLY:
        if monthly_fee is None:
            raise DomainError(
                "Ce véhicule n'a pas de tarif mensuel : choisissez le tarif journalier.",
                field="pricing_mode",
            )
        price = monthly_fee * -(-days // MONTH_DAYS)
    else:
        price = daily_fee * days
    return Decimal(price).quantize(CENT)


def _check_solidarity(
    pricing: SolidarityPricing, *, case: Case, start_date: date, end_date: date
) -> None:
    """The tariff must be offered, fund this case, and cover the period within its maximum."""
    agreement = pricing.agreement
    if pricing.organization_id != case.organization_id or not pricing.is_active:
        raise DomainError(
            "Ce tarif solidaire n'est pas proposé par votre plateforme.",
            field="solidarity_pricing",
        )
    if not case.funding_agreements.filter(pk=agreement.pk).exists():
        raise DomainError(
            f"La convention « {agreement.programme} » ne finance pas cet accompagnement : "
            "rattachez-la d'abord à l'accompagnement.",
            field="solidarity_pricing",
        )
    days = (end_date - start_date).days
    if days > pricing.max_days:
        latest = start_date + timedelta(days=pricing.max_days)
        raise DomainError(
            f"Le tarif solidaire « {pricing.label} » est limité à {pricing.max_days} jours par "
            f"la convention : le retour doit avoir lieu le {latest:%d/%m/%Y} au plus tard.",
            field="end_date",
            code="beyond_agreement_max",
        )
    if start_date < agreement.start_date or end_date - timedelta(days=1) > agreement.end_date:
        raise DomainError(
            f"La convention « {agreement.programme} » court du "
            f"{agreement.start_date:%d/%m/%Y} au {agreement.end_date:%d/%m/%Y} : le prêt doit "
            "tenir dans cette période.",
            field="end_date",
            code="beyond_agreement_max",
        )


# --- Shared checks ----------------------------------------------------------------------------


def _check_period(start_date: date, end_date: date, *, on: date) -> None:
    if end_date <= start_date:
        raise DomainError("La date de retour doit être après la date de départ.", field="end_date")
    if start_date < on:
        raise DomainError("La date de départ est déjà passée.", field="start_date")
    if (end_date - start_date).days > MAX_LOAN_DAYS:
        raise DomainError("Un prêt dure un an au plus.", field="end_date")


def find_overlap(
    vehicle: Vehicle, start: date, end: date, *, exclude: Loan | None = None
) -> Loan | None:
    loans = Loan.objects.filter(vehicle=vehicle).blocking().overlapping(start, end)
    if exclude is not None:
        loans = loans.exclude(pk=exclude.pk)
    return loans.order_by("start_date").first()


def _check_no_overlap(
    vehicle: Vehicle, start: date, end: date, *, exclude: Loan | None = None
) -> None:
    other = find_overlap(vehicle, start, end, exclude=exclude)
    if other is not None:
        raise ConflictError(
            overlap_message(other.start_date, other.end_date), code="double_booking"
        )


def _check_no_garage_stay(vehicle: Vehicle, start: date, end: date) -> None:
    stay = (
        MaintenanceRecord.objects.filter(vehicle=vehicle)
        .overlapping(start, end)
        .order_by("start_date")
        .first()
    )
    if stay is not None:
        until = f" jusqu'au {stay.end_date:%d/%m/%Y}" if stay.end_date else ""
        raise DomainError(
            f"Le véhicule est immobilisé pour « {stay.label} » à partir du "
            f"{stay.start_date:%d/%m/%Y}{until} : choisissez d'autres dates.",
            code="maintenance",
        )


def _save_guarded(loan: Loan, **kwargs) -> None:
    """Save the loan; a violation of the no-double-booking constraint becomes a conflict."""
    try:
        with transaction.atomic():
            loan.save(**kwargs)
    except IntegrityError as error:
        if NO_DOUBLE_BOOKING in str(error):
            raise ConflictError(overlap_message(), code="double_booking") from error
        raise


# --- Reserve and cancel -----------------------------------------------------------------------


@transaction.atomic
def reserve(
    *,
    case: Case,
    vehicle: Vehicle,
    start_date: date,
    end_date: date,
    by: Membership,
    pricing_mode: str = Loan.PricingMode.DAILY,
    solidarity_pricing: SolidarityPricing | None = None,
    deposit_amount: Decimal | None = None,
    accessories: Iterable[Accessory] = (),
    notes: str = "",
) -> Loan:
    """Book a vehicle of the platform for the person of a case over [start_date, end_date)."""
    check_fleet_staff(by, case.organization_id)
    if vehicle.organization_id != case.organization_id:
        raise DomainError(
            "Ce véhicule n'appartient pas à votre plateforme.",
            field="vehicle",
            code="foreign_vehicle",
        )
    check_case_open(case)
    _check_period(start_date, end_date, on=today())
    if pricing_mode not in Loan.PricingMode.values:
        raise DomainError("Choisissez une tarification.", field="pricing_mode")
    if pricing_mode == Loan.PricingMode.SOLIDARITY:
        if solidarity_pricing is None:
            raise DomainError("Choisissez le tarif solidaire.", field="solidarity_pricing")
        _check_solidarity(solidarity_pricing, case=case, start_date=start_date, end_date=end_date)
    else:
        solidarity_pricing = None
    if deposit_amount is not None and deposit_amount < 0:
        raise DomainError("La caution ne peut pas être négative.", field="deposit_amount")

    vehicle = lock_vehicle(vehicle)
    if vehicle.status == Vehicle.Status.RETIRED:
        raise DomainError("Ce véhicule est retiré du parc.", field="vehicle")
    _check_no_garage_stay(vehicle, start_date, end_date)
    _check_no_overlap(vehicle, start_date, end_date)

    deposit = vehicle.deposit_amount if deposit_amount is None else deposit_amount
    loan = Loan(
        organization_id=case.organization_id,
        vehicle=vehicle,
        case=case,
        start_date=start_date,
        end_date=end_date,
        pricing_mode=pricing_mode,
        daily_fee=vehicle.daily_fee,
        monthly_fee=vehicle.monthly_fee,
        solidarity_pricing=solidarity_pricing,
        deposit_amount=deposit,
        deposit_status=Deposit.PENDING if deposit > 0 else Deposit.NONE,
        notes=notes.strip(),
        created_by=by.user,
    )
    loan.price_total = compute_price(
        mode=pricing_mode,
        start_date=start_date,
        end_date=end_date,
        daily_fee=loan.daily_fee,
        monthly_fee=loan.monthly_fee,
        solidarity_pricing=solidarity_pricing,
    )
    chosen = check_accessories(accessories, loan)
    by_user(by, loan)
    _save_guarded(loan)
    loan.accessories.set(chosen)
    _serve_waiting_entries(case, vehicle.kind, loan, by)
    refresh_vehicle_status(vehicle)
    return loan


def _serve_waiting_entries(case: Case, kind: str, loan: Loan, by: Membership) -> None:
    for entry in WaitingListEntry.objects.waiting().filter(case=case, kind=kind):
        entry.status = WaitingListEntry.Status.SERVED
        entry.loan = loan
        entry.closed_at = timezone.now()
        by_user(by, entry)
        entry.save(update_fields=["status", "loan", "closed_at"])


@transaction.atomic
def cancel(loan: Loan, *, by: Membership, reason: str) -> Loan:
    """Cancel a reservation before the vehicle has left."""
    check_fleet_staff(by, loan.organization_id)
    vehicle = lock_vehicle(loan.vehicle)
    loan = lock_loan(loan)
    if loan.status != Status.RESERVED:
        raise DomainError(
            f"Ce prêt est « {loan.get_status_display().lower()} » : seule une réservation dont "
            "le véhicule n'est pas parti peut être annulée.",
            code="not_cancellable",
        )
    if not reason.strip():
        raise DomainError("Indiquez le motif de l'annulation.", field="reason")
    loan.status = Status.CANCELLED
    loan.cancelled_at = timezone.now()
    loan.cancel_reason = reason.strip()[:250]
    by_user(by, loan)
    loan.save(update_fields=["status", "cancelled_at", "cancel_reason"])
    refresh_vehicle_status(vehicle)
    return loan


# --- Extend -----------------------------------------------------------------------------------


@transaction.atomic
def extend(loan: Loan, *, new_end_date: date, by: Membership, reason: str = "") -> Loan:
    """Move the return day later, within the agreement's maximum and the vehicle's bookings."""
    check_fleet_staff(by, loan.organization_id)
    vehicle = lock_vehicle(loan.vehicle)
    loan = lock_loan(loan)
    loan.vehicle = vehicle
    if not loan.is_blocking:
        raise DomainError(
            f"Ce prêt est « {loan.get_status_display().lower()} » : il ne peut plus être prolongé.",
            code="not_extendable",
        )
    if new_end_date <= loan.end_date:
        raise DomainError(
            f"La nouvelle date de retour doit être après le {loan.end_date:%d/%m/%Y}.",
            field="new_end_date",
        )
    if new_end_date <= today():
        raise DomainError(
            "La nouvelle date de retour doit être dans le futur.", field="new_end_date"
        )
    if (new_end_date - loan.start_date).days > MAX_LOAN_DAYS:
        raise DomainError("Un prêt dure un an au plus.", field="new_end_date")
    if loan.solidarity_pricing_id:
        try:
            _check_solidarity(
                loan.solidarity_pricing,
                case=loan.case,
                start_date=loan.start_date,
                end_date=new_end_date,
            )
        except DomainError as error:
            error.field = "new_end_date"
            raise
    if loan.is_out and vehicle.is_motorised and not vehicle.insurance_valid_until(new_end_date):
        expiry = vehicle.insurance_expiry
        until = f"prend fin le {expiry:%d/%m/%Y}" if expiry else "n'est pas renseignée"
        raise DomainError(
            f"L'assurance du véhicule {until} : elle ne couvre pas la prolongation.",
            field="new_end_date",
        )
    _check_no_garage_stay(vehicle, loan.end_date, new_end_date)
    _check_no_overlap(vehicle, loan.end_date, new_end_date, exclude=loan)

    price_before = loan.price_total
    previous_end = loan.end_date
    loan.end_date = new_end_date
    loan.price_total = compute_price(
        mode=loan.pricing_mode,
        start_date=loan.start_date,
        end_date=new_end_date,
        daily_fee=loan.daily_fee,
        monthly_fee=loan.monthly_fee,
        solidarity_pricing=loan.solidarity_pricing,
    )
    fields = ["end_date", "price_total", "status", "contract", "contract_generated_at"]
    if loan.status == Status.OVERDUE:
        loan.status = Status.ACTIVE
    forget_contract(loan)
    by_user(by, loan)
    _save_guarded(loan, update_fields=fields)
    extension = LoanExtension(
        loan=loan,
        previous_end_date=previous_end,
        new_end_date=new_end_date,
        reason=reason.strip()[:250],
        price_before=price_before,
        price_after=loan.price_total,
        by=by.user,
    )
    by_user(by, extension)
    extension.save()
    return loan


# --- Scheduled --------------------------------------------------------------------------------


@transaction.atomic
def mark_overdue(*, on: date | None = None) -> list[Loan]:
    """Mark as overdue the loans whose return day has passed without a check-in."""
    day = on or today()
    late = list(Loan.objects.filter(status=Status.ACTIVE, end_date__lt=day).select_for_update())
    for loan in late:
        loan.status = Status.OVERDUE
        loan.save(update_fields=["status"])
    return late
