"""Build the catalogue's matching profile from a person's file (the catalogue knows no one)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from catalog.matching import Profile

from .models import Beneficiary, Case


def profile_for(
    beneficiary: Beneficiary,
    *,
    on: date,
    job_or_training_start: date | None = None,
    distance_to_work_km: Decimal | int | None = None,
) -> Profile:
    """The person's commune, age and situation as the catalogue's criteria read them."""
    return Profile(
        commune=beneficiary.commune,
        age=beneficiary.age(on),
        labour_market_status=beneficiary.labour_market_status or None,
        # The file records these benefits as yes/no: an unticked box means "does not receive".
        receives_rsa=beneficiary.receives_rsa,
        receives_ass=beneficiary.receives_ass,
        receives_aah=beneficiary.receives_aah,
        is_qpv_resident=beneficiary.is_qpv_resident,
        is_rural=beneficiary.is_rural,
        driving_licence=beneficiary.driving_licence or None,
        job_or_training_start=job_or_training_start,
        distance_to_work_km=distance_to_work_km,
    )


def profile_for_case(
    case: Case, *, on: date, distance_to_work_km: Decimal | int | None = None
) -> Profile:
    """The profile of the case's person, with the case's job or training start date."""
    return profile_for(
        case.beneficiary,
        on=on,
        job_or_training_start=case.job_start_date,
        distance_to_work_km=distance_to_work_km,
    )


def profile_for_beneficiary(beneficiary: Beneficiary, *, on: date) -> Profile:
    """The person's profile, with the start date of their most recent open case, if any."""
    case = (
        Case.objects.filter(beneficiary=beneficiary)
        .open()
        .exclude(job_start_date=None)
        .order_by("-opened_on", "-created_at")
        .first()
    )
    return profile_for(
        beneficiary, on=on, job_or_training_start=case.job_start_date if case else None
    )
