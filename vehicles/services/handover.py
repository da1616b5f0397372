"""Handing a vehicle over and taking it back: eligibility, inspections, the deposit."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from cases.models import Beneficiary
from cases.services.contacts import note_contact_of_cases
from organizations.errors import DomainError
from organizations.models import Membership

from ..checklists import AM_LICENCE_KINDS, AM_REQUIRED_FROM_BIRTH_YEAR, MINIMUM_AGE_AM, VehicleKind
from ..formats import french_amount
from ..models import Accessory, Inspection, Loan, MaintenancePlan, MaintenanceRecord, Vehicle
from .common import (
    by_user,
    check_accessories,
    check_fleet_staff,
    check_inspection,
    forget_contract,
    lock_loan,
    lock_vehicle,
    refresh_vehicle_status,
    save_photos,
    today,
)

Status = Loan.Status
Deposit = Loan.DepositStatus
Licence = Beneficiary.DrivingLicence


class NotEligible(DomainError):
    """The vehicle cannot leave: ``problems`` lists every reason, in French."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        message = (
            self.problems[0]
            if len(self.problems) == 1
            else "Le véhicule ne peut pas partir : " + " ".join(self.problems)
        )
        super().__init__(message, code="not_eligible")


# --- Check-out --------------------------------------------------------------------------------


def _licence_problems(person: Beneficiary, vehicle: Vehicle, on: date) -> list[str]:
    licence = person.get_driving_licence_display()
    kind = vehicle.get_kind_display().lower()
    if vehicle.kind == VehicleKind.CAR and person.driving_licence != Licence.LICENCE_B:
        return [
            f"Permis B requis pour une voiture : le dossier de {person.full_name} indique "
            f"« {licence} ». Mettez le dossier à jour si la personne a son permis."
        ]
    if vehicle.kind not in AM_LICENCE_KINDS:
        return []
    age = person.age(on)
    if age is None:
        return [
            f"Date de naissance inconnue : il faut avoir {MINIMUM_AGE_AM} ans ou plus pour "
            f"conduire un {kind}. Complétez le dossier de {person.full_name}."
        ]
    if age < MINIMUM_AGE_AM:
        return [
            f"{person.full_name} a {age} ans : il faut en avoir {MINIMUM_AGE_AM} pour un {kind}."
        ]
    if person.birth_date.year >= AM_REQUIRED_FROM_BIRTH_YEAR and person.driving_licence not in (
        Licence.LICENCE_B,
        Licence.OTHER,
    ):
        return [
            f"Permis AM (ou permis B) requis pour un {kind} quand on est né·e à partir de "
            f"{AM_REQUIRED_FROM_BIRTH_YEAR} : le dossier de {person.full_name} indique "
            f"« {licence} »."
        ]
    return []


def eligibility_problems(
    loan: Loan, *, on: date | None = None, deposit_at_hand: bool = False
) -> list[str]:
    """Every reason why the vehicle of a reserved loan cannot leave today, in French.

    ``deposit_at_hand`` leaves out a deposit not yet received (the check-out form collects it).
    """
    day = on or today()
    vehicle, person = loan.vehicle, loan.case.beneficiary
    problems: list[str] = []
    if day < loan.start_date:
        problems.append(
            f"Le prêt commence le {loan.start_date:%d/%m/%Y} : le véhicule ne peut pas partir "
            "avant. Prolongez ou refaites la réservation pour l'avancer."
        )
    if day >= loan.end_date:
        problems.append(
            f"La réservation se terminait le {loan.end_date:%d/%m/%Y} : annulez-la ou prolongez-la."
        )
    if vehicle.status == Vehicle.Status.RETIRED:
        problems.append("Ce véhicule est retiré du parc.")
    problems += _licence_problems(person, vehicle, day)
    if vehicle.is_motorised or vehicle.insurance_expiry:
        if vehicle.insurance_expiry is None:
            problems.append(
                "L'assurance du véhicule n'est pas renseignée : indiquez sa date de fin "
                "dans la fiche du véhicule."
            )
        elif not vehicle.insurance_valid_until(loan.end_date):
            problems.append(
                f"L'assurance du véhicule prend fin le {vehicle.insurance_expiry:%d/%m/%Y}, "
                f"avant le retour prévu le {loan.end_date:%d/%m/%Y}."
            )
    if loan.deposit_status == Deposit.PENDING and not deposit_at_hand:
        problems.append(
            f"La caution de {french_amount(loan.deposit_amount)} n'a pas été encaissée."
        )
    stays = MaintenanceRecord.objects.filter(vehicle=vehicle).overlapping(day, loan.end_date)
    if vehicle.status == Vehicle.Status.MAINTENANCE or stays.exists():
        problems.append("Le véhicule est en entretien pendant la période du prêt.")
    for plan in MaintenancePlan.objects.filter(vehicle=vehicle).due_by(day).order_by("label"):
        problems.append(
            f"Entretien « {plan.label} » à faire avant tout nouveau prêt : enregistrez-le "
            "dans la fiche du véhicule."
        )
    if Loan.objects.filter(vehicle=vehicle).out().exclude(pk=loan.pk).exists():
        problems.append("Le véhicule n'est pas encore rentré du prêt précédent.")
    return problems


@transaction.atomic
def check_out(
    loan: Loan,
    *,
    by: Membership,
    odometer_km: int,
    energy_level: int | None,
    damages: Iterable[str] = (),
    comments: str = "",
    photos: Iterable[UploadedFile] = (),
    accessories: Iterable[Accessory] | None = None,
    deposit_received: bool = False,
) -> Loan:
    """Hand the vehicle over after the departure inspection; refuse with every reason why not."""
    check_fleet_staff(by, loan.organization_id)
    vehicle = lock_vehicle(loan.vehicle)
    loan = lock_loan(loan)
    loan.vehicle = vehicle
    if loan.status != Status.RESERVED:
        raise DomainError(
            f"Ce prêt est « {loan.get_status_display().lower()} » : seul un véhicule réservé "
            "peut partir.",
            code="not_reserved",
        )
    day = today()
    if odometer_km < vehicle.odometer_km:
        raise DomainError(
            f"Le compteur indique {odometer_km} km, moins que les {vehicle.odometer_km} km déjà "
            "relevés sur ce véhicule : vérifiez le relevé.",
            field="odometer_km",
            code="odometer_backwards",
        )
    codes = check_inspection(vehicle, energy_level=energy_level, damages=damages)
    fields = ["status", "checked_out_at", "checked_out_by"]
    if deposit_received and loan.deposit_status == Deposit.PENDING:
        loan.deposit_status = Deposit.HELD
        loan.deposit_received_on = day
        fields += ["deposit_status", "deposit_received_on"]
    problems = eligibility_problems(loan, on=day)
    if problems:
        raise NotEligible(problems)
    lent = check_accessories(loan.accessories.all() if accessories is None else accessories, loan)
    if accessories is not None:
        loan.accessories.set(lent)

    inspection = Inspection(
        organization_id=loan.organization_id,
        loan=loan,
        kind=Inspection.Kind.CHECK_OUT,
        odometer_km=odometer_km,
        energy_level=energy_level,
        damages=codes,
        comments=comments.strip(),
        performed_by=by.user,
    )
    by_user(by, inspection, loan, vehicle)
    inspection.save()
    inspection.accessories_present.set(lent)
    loan.status = Status.ACTIVE
    loan.checked_out_at = timezone.now()
    loan.checked_out_by = by.user
    # The contract signed at the handover prints the departure inspection: print it anew.
    forget_contract(loan)
    loan.save(update_fields=[*fields, "contract", "contract_generated_at"])
    vehicle.odometer_km = odometer_km
    vehicle.status = Vehicle.Status.ON_LOAN
    vehicle.save(update_fields=["odometer_km", "status"])
    note_contact_of_cases(case_ids=[loan.case_id], on=day)  # the person came for the vehicle
    save_photos(inspection, photos)
    return loan


# --- Check-in ---------------------------------------------------------------------------------


@transaction.atomic
def check_in(
    loan: Loan,
    *,
    by: Membership,
    odometer_km: int,
    energy_level: int | None,
    damages: Iterable[str] = (),
    comments: str = "",
    photos: Iterable[UploadedFile] = (),
    accessories_returned: Iterable[Accessory] = (),
    deposit_retained_amount: Decimal = Decimal("0"),
    deposit_retained_reason: str = "",
) -> Loan:
    """Take the vehicle back after the return inspection, and settle the deposit."""
    check_fleet_staff(by, loan.organization_id)
    vehicle = lock_vehicle(loan.vehicle)
    loan = lock_loan(loan)
    loan.vehicle = vehicle
    if loan.status == Status.RESERVED:
        raise DomainError(
            "Ce véhicule n'est pas encore parti : enregistrez d'abord la remise avec l'état des "
            "lieux de départ, puis le retour.",
            code="not_checked_out",
        )
    if loan.status not in (Status.ACTIVE, Status.OVERDUE):
        raise DomainError(
            f"Ce prêt est « {loan.get_status_display().lower()} » : son retour ne peut plus "
            "être enregistré.",
            code="not_out",
        )
    departure = loan.inspections.filter(kind=Inspection.Kind.CHECK_OUT).first()
    minimum = departure.odometer_km if departure else vehicle.odometer_km
    if odometer_km < minimum:
        raise DomainError(
            f"Le compteur indique {odometer_km} km au retour, moins que les {minimum} km "
            "relevés au départ : vérifiez le relevé.",
            field="odometer_km",
            code="odometer_backwards",
        )
    codes = check_inspection(vehicle, energy_level=energy_level, damages=damages)
    day = today()
    fields = ["status", "returned_at", "checked_in_by"]
    fields += _settle_deposit(loan, deposit_retained_amount, deposit_retained_reason, day)
    lent = {accessory.pk: accessory for accessory in loan.accessories.all()}
    returned = [a for a in accessories_returned if a.pk in lent]

    inspection = Inspection(
        organization_id=loan.organization_id,
        loan=loan,
        kind=Inspection.Kind.CHECK_IN,
        odometer_km=odometer_km,
        energy_level=energy_level,
        damages=codes,
        comments=comments.strip(),
        performed_by=by.user,
    )
    by_user(by, inspection, loan, vehicle)
    inspection.save()
    inspection.accessories_present.set(returned)
    loan.status = Status.RETURNED
    loan.returned_at = timezone.now()
    loan.checked_in_by = by.user
    loan.save(update_fields=fields)
    vehicle.odometer_km = odometer_km
    vehicle.save(update_fields=["odometer_km"])
    for plan in MaintenancePlan.objects.filter(vehicle=vehicle, after_each_loan=True).active():
        if plan.next_due_on is None or plan.next_due_on > day:
            plan.next_due_on = day
            plan.reminded_for = None
            by_user(by, plan)
            plan.save(update_fields=["next_due_on", "reminded_for"])
    refresh_vehicle_status(vehicle, on=day)
    note_contact_of_cases(case_ids=[loan.case_id], on=day)  # the person brought it back
    save_photos(inspection, photos)
    return loan


def _settle_deposit(loan: Loan, retained: Decimal, reason: str, day: date) -> list[str]:
    retained = retained or Decimal("0")
    if loan.deposit_status != Deposit.HELD:
        if retained > 0:
            raise DomainError(
                "Aucune caution n'a été encaissée pour ce prêt : rien ne peut être retenu.",
                field="deposit_retained_amount",
            )
        return []
    if retained < 0 or retained > loan.deposit_amount:
        raise DomainError(
            f"La retenue doit être comprise entre 0 et {french_amount(loan.deposit_amount)}.",
            field="deposit_retained_amount",
        )
    if retained > 0 and not reason.strip():
        raise DomainError(
            "Indiquez le motif de la retenue sur la caution.", field="deposit_retained_reason"
        )
    loan.deposit_status = Deposit.RETAINED if retained > 0 else Deposit.RETURNED
    loan.deposit_retained_amount = retained
    loan.deposit_retained_reason = reason.strip()[:250] if retained > 0 else ""
    loan.deposit_settled_on = day
    return [
        "deposit_status",
        "deposit_retained_amount",
        "deposit_retained_reason",
        "deposit_settled_on",
    ]


# --- Contract ---------------------------------------------------------------------------------


@transaction.atomic
def store_contract(loan: Loan, *, by: Membership) -> Loan:
    """Print the loan contract to PDF and keep it with the loan (replacing an older one)."""
    from ..contract import load_for_contract, render_contract_pdf

    check_fleet_staff(by, loan.organization_id)
    locked = Loan.objects.select_for_update().select_related("vehicle").get(pk=loan.pk)
    if locked.status == Status.CANCELLED:
        raise DomainError("Cette réservation est annulée : elle n'a pas de contrat.")
    pdf = render_contract_pdf(load_for_contract(locked))
    old = locked.contract.name
    name = f"contrat-{locked.vehicle.code}-{locked.start_date:%Y%m%d}.pdf"
    locked.contract.save(name, ContentFile(pdf), save=False)
    locked.contract_generated_at = timezone.now()
    by_user(by, locked)
    locked.save(update_fields=["contract", "contract_generated_at"])
    if old:
        storage = locked.contract.storage
        transaction.on_commit(lambda: storage.delete(old), robust=True)
    return locked
