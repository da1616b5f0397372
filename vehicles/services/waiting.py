"""The waiting list: people who wait for a kind of vehicle when none is free."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone

from cases.models import Case
from organizations.errors import DomainError
from organizations.models import Membership

from ..checklists import VehicleKind
from ..models import WaitingListEntry
from .common import by_user, check_case_open, check_fleet_staff, check_site, today

# --- Waiting list -----------------------------------------------------------------------------


@transaction.atomic
def add_to_waiting_list(
    *,
    case: Case,
    kind: str,
    wanted_from: date,
    wanted_until: date,
    by: Membership,
    site=None,
    notes: str = "",
) -> WaitingListEntry:
    """Put the person on the waiting list for a kind of vehicle when none is free."""
    check_fleet_staff(by, case.organization_id)
    check_case_open(case)
    if kind not in VehicleKind.values:
        raise DomainError("Choisissez un type de véhicule.", field="kind")
    if wanted_until <= wanted_from:
        raise DomainError(
            "La date de retour souhaitée doit être après la date de départ.",
            field="wanted_until",
        )
    if wanted_from < today():
        raise DomainError("La date de départ souhaitée est déjà passée.", field="wanted_from")
    check_site(site, case.organization_id)
    if WaitingListEntry.objects.waiting().filter(case=case, kind=kind).exists():
        raise DomainError(
            "Cette personne attend déjà ce type de véhicule.", field="kind", code="duplicate"
        )
    entry = WaitingListEntry(
        organization_id=case.organization_id,
        case=case,
        kind=kind,
        site=site,
        wanted_from=wanted_from,
        wanted_until=wanted_until,
        notes=notes.strip()[:250],
        created_by=by.user,
    )
    by_user(by, entry)
    entry.save()
    return entry


@transaction.atomic
def cancel_waiting_entry(entry: WaitingListEntry, *, by: Membership) -> WaitingListEntry:
    check_fleet_staff(by, entry.organization_id)
    entry = WaitingListEntry.objects.select_for_update().get(pk=entry.pk)
    if entry.status != WaitingListEntry.Status.WAITING:
        raise DomainError("Cette personne n'est plus sur la liste d'attente.")
    entry.status = WaitingListEntry.Status.CANCELLED
    entry.closed_at = timezone.now()
    by_user(by, entry)
    entry.save(update_fields=["status", "closed_at"])
    return entry
