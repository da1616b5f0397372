"""The FSE+ participation of a case: taken from the person's file when the case opens,
kept in step while the entry is being recorded, corrected explicitly after that."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from django.db import transaction

from cases.models import Answer, Beneficiary, Case, CaseStatus, FollowUp, Participation
from organizations.errors import DomainError
from organizations.models import Membership

from .access import check_caseworker

# While a case is at these steps its entry is still being recorded: edits of the person's
# file flow into the participation. Later, the participation keeps the situation at entry.
ENTRY_STEPS = (CaseStatus.INTAKE, CaseStatus.DIAGNOSTIC)

SENSITIVE_FIELDS = (
    "disability",
    "third_country_national",
    "foreign_background",
    "minority",
    "homeless",
)
EDITABLE_FIELDS = (
    "sex",
    "age_at_entry",
    "labour_market_status",
    "long_term_unemployed",
    "isced_band",
    "receives_rsa",
    "receives_ass",
    "receives_aah",
    "has_rqth",
    "is_qpv_resident",
    *SENSITIVE_FIELDS,
    "sensitive_questions_asked_on",
)


def entry_values(beneficiary: Beneficiary, entry_date: date) -> dict[str, Any]:
    """The person's situation on the entry date, as the participation records it."""
    commune = beneficiary.commune if beneficiary.commune_id else None
    return {
        "entry_date": entry_date,
        "sex": beneficiary.sex,
        "age_at_entry": beneficiary.age(entry_date),
        "labour_market_status": beneficiary.labour_market_status,
        "long_term_unemployed": beneficiary.is_long_term_unemployed(entry_date),
        "isced_band": beneficiary.isced_band,
        "receives_rsa": beneficiary.receives_rsa,
        "receives_ass": beneficiary.receives_ass,
        "receives_aah": beneficiary.receives_aah,
        "has_rqth": beneficiary.has_rqth,
        "is_qpv_resident": beneficiary.is_qpv_resident,
        "commune": commune,
        "is_rural": commune.is_rural if commune else None,
    }


def asks_improved_situation(follow_up: FollowUp) -> bool:
    """Whether the follow-up asks « situation professionnelle améliorée » (FSE+ EECR06): at six
    months, of a person who was employed at entry."""
    return (
        follow_up.kind == FollowUp.Kind.MONTH_6
        and Participation.objects.filter(
            case_id=follow_up.case_id, labour_market_status=Beneficiary.LabourMarketStatus.EMPLOYED
        ).exists()
    )


def record_participation(case: Case) -> Participation:
    """Create the case's participation from the person's file (called when the case opens)."""
    values = entry_values(case.beneficiary, case.opened_on)
    # A recognised disability (RQTH, AAH) is a registered fact, not an inference.
    disability = (
        Answer.YES
        if case.beneficiary.has_rqth or case.beneficiary.receives_aah
        else Answer.NOT_ASKED
    )
    return Participation.objects.create(
        organization_id=case.organization_id, case=case, disability=disability, **values
    )


def refresh_entry_participations(beneficiary: Beneficiary) -> int:
    """Carry a corrected file into the participations of cases still at their entry."""
    participations = Participation.objects.filter(
        case__beneficiary=beneficiary, case__status__in=ENTRY_STEPS
    ).select_related("case")
    count = 0
    for participation in participations:
        values = entry_values(beneficiary, participation.case.opened_on)
        for field, value in values.items():
            setattr(participation, field, value)
        participation.save(update_fields=[*values, "updated_at"])
        count += 1
    return count


@transaction.atomic
def update_participation(
    participation: Participation, *, by: Membership, data: Mapping[str, Any]
) -> Participation:
    """Correct the situation at entry, or record the answers to the sensitive questions."""
    check_caseworker(by, participation.organization_id)
    participation = Participation.objects.select_for_update().get(pk=participation.pk)
    values = {field: data[field] for field in EDITABLE_FIELDS if field in data}
    age = values.get("age_at_entry")
    if age is not None and not 14 <= age <= 99:
        raise DomainError(
            "L'âge à l'entrée doit être compris entre 14 et 99 ans.", field="age_at_entry"
        )
    answered = any(values.get(field) for field in SENSITIVE_FIELDS)
    if answered and not values.get("sensitive_questions_asked_on"):
        values["sensitive_questions_asked_on"] = participation.sensitive_questions_asked_on or (
            participation.entry_date
        )
    asked_on = values.get("sensitive_questions_asked_on")
    if asked_on and asked_on < participation.entry_date:
        raise DomainError(
            "Les questions ne peuvent pas avoir été posées avant l'entrée.",
            field="sensitive_questions_asked_on",
        )
    for field, value in values.items():
        setattr(participation, field, value)
    participation._history_user = by.user
    participation.save(update_fields=[*values, "updated_at"])
    return participation
