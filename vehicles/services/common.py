"""Checks and helpers the fleet and loan operations share."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction
from django.utils import timezone

from cases.models import Case
from cases.services.access import check_not_anonymised
from organizations.errors import DomainError
from organizations.models import Membership, Site

from ..checklists import damage_checklist, energy_label
from ..models import Accessory, Inspection, InspectionPhoto, Loan, MaintenanceRecord, Vehicle

Role = Membership.Role
FLEET_ROLES = (Role.ADMIN, Role.ADVISOR)


def today() -> date:
    return timezone.localdate()


def check_fleet_staff(by: Membership, organization_id) -> None:
    """Refuse an actor who is not an admin or advisor of the platform that owns the row."""
    if by.organization_id != organization_id or by.role not in FLEET_ROLES or not by.is_active:
        raise DomainError(
            "Seuls les conseiller·es et administrateur·rices de la plateforme peuvent gérer "
            "le parc de véhicules et les prêts.",
            code="forbidden",
        )


def check_fleet_admin(by: Membership, organization_id) -> None:
    if by.organization_id != organization_id or by.role != Role.ADMIN or not by.is_active:
        raise DomainError(
            "Seul·e un·e administrateur·rice de la plateforme peut modifier les tarifs solidaires.",
            code="forbidden",
        )


def check_site(site: Site | None, organization_id) -> None:
    if site is not None and site.organization_id != organization_id:
        raise DomainError("Ce site n'appartient pas à votre plateforme.", field="site")


def by_user(by: Membership, *rows: models.Model) -> None:
    """Record the acting user in the history rows written by the next saves."""
    for row in rows:
        row._history_user = by.user


def lock_vehicle(vehicle: Vehicle) -> Vehicle:
    """Lock the vehicle row: every operation that books or moves it runs one at a time."""
    return Vehicle.objects.select_for_update().get(pk=vehicle.pk)


def refresh_vehicle_status(vehicle: Vehicle, *, on: date | None = None) -> Vehicle:
    """Derive the vehicle's status from its loans and garage stays (a retired one stays so)."""
    if vehicle.status == Vehicle.Status.RETIRED:
        return vehicle
    day = on or today()
    loans = Loan.objects.filter(vehicle=vehicle)
    if loans.out().exists():
        status = Vehicle.Status.ON_LOAN
    elif MaintenanceRecord.objects.filter(vehicle=vehicle).ongoing(day).exists():
        status = Vehicle.Status.MAINTENANCE
    elif loans.filter(status=Loan.Status.RESERVED, end_date__gt=day).exists():
        status = Vehicle.Status.RESERVED
    else:
        status = Vehicle.Status.AVAILABLE
    if status != vehicle.status:
        vehicle.status = status
        vehicle.save(update_fields=["status"])
    return vehicle


def check_accessories(accessories: Iterable[Accessory], loan: Loan) -> list[Accessory]:
    chosen = list(accessories)
    for accessory in chosen:
        if accessory.organization_id != loan.organization_id or not accessory.is_active:
            raise DomainError(
                f"L'accessoire « {accessory} » n'est pas en service dans votre plateforme.",
                field="accessories",
            )
    if chosen and Loan.objects.out().exclude(pk=loan.pk).filter(accessories__in=chosen).exists():
        raise DomainError(
            "Un accessoire choisi est déjà prêté avec un autre véhicule : rendez-le d'abord.",
            field="accessories",
        )
    return chosen


def check_inspection(
    vehicle: Vehicle, *, energy_level: int | None, damages: Iterable[str]
) -> list[str]:
    known = {code for code, _ in damage_checklist(vehicle.kind)}
    codes = list(dict.fromkeys(damages))
    unknown = [code for code in codes if code not in known]
    if unknown:
        raise DomainError(
            f"Élément inconnu dans la liste de contrôle : {', '.join(unknown)}.", field="damages"
        )
    if energy_level is not None and not 0 <= energy_level <= 100:
        raise DomainError("Le niveau se note de 0 à 100 %.", field="energy_level")
    if energy_level is None and energy_label(vehicle.kind):
        raise DomainError(
            f"Indiquez le {energy_label(vehicle.kind).lower()}.", field="energy_level"
        )
    return codes


def save_photos(inspection: Inspection, photos: Iterable[UploadedFile]) -> None:
    for photo in photos:
        row = InspectionPhoto(organization_id=inspection.organization_id, inspection=inspection)
        row.image.save(photo.name, photo, save=False)
        row.save()


def lock_loan(loan: Loan) -> Loan:
    return (
        Loan.objects.select_for_update(of=("self",))
        .select_related("case__beneficiary", "solidarity_pricing__agreement")
        .get(pk=loan.pk)
    )


def check_case_open(case: Case) -> None:
    check_not_anonymised(beneficiary_id=case.beneficiary_id)
    if not case.is_open:
        raise DomainError(
            f"Cet accompagnement est « {case.get_status_display().lower()} » : rouvrez-le avant "
            "de prêter un véhicule.",
            code="case_closed",
        )


def forget_contract(loan: Loan) -> None:
    """Drop the printed contract (it no longer matches); its file goes once committed."""
    old = loan.contract.name
    loan.contract = ""
    loan.contract_generated_at = None
    if old:
        storage = loan.contract.storage
        transaction.on_commit(lambda: storage.delete(old), robust=True)
