"""Build FSE+ participations for the tests: a case with its participation, its agreement, its
exit questionnaire, its 6-month follow-up and the person's FSE+ consent, in one call."""

from __future__ import annotations

import datetime as dt

from cases.models import (
    Answer,
    Beneficiary,
    Case,
    ConsentRecord,
    ExitQuestionnaire,
    FollowUp,
    Participation,
    Situation,
)
from organizations.models import FundingAgreement, Organization, Territory
from tests.cases.factories import BeneficiaryFactory, CaseFactory, ConsentRecordFactory
from tests.factories import FundingAgreementFactory

YEAR = dt.date(2026, 1, 1), dt.date(2026, 12, 31)


def fse_agreement(platform: Organization, funder: Organization | None = None, **kwargs):
    values = {"organization": platform, "is_fse_plus": True, "programme": "Mobilité FSE+ 2026"}
    if funder is not None:
        values["funder"] = funder
    return FundingAgreementFactory(**{**values, **kwargs})


def participant(
    agreement: FundingAgreement | None,
    *,
    platform: Organization | None = None,
    person: Beneficiary | None = None,
    entry: dt.date = dt.date(2026, 3, 2),
    sex: str = "F",
    age: int | None = 35,
    status: str = "unemployed",
    long_term: bool = False,
    isced: str = "3-4",
    commune: Territory | None = None,
    rural: bool | None = None,
    answers: dict[str, str] | None = None,
    asked_on: dt.date | None = None,
    exit_on: dt.date | None = None,
    filled_on: dt.date | None = None,
    situation: str = Situation.JOB_SEARCH,
    qualification: bool = False,
    follow_up_on: dt.date | None = None,
    reached: bool = True,
    follow_up_situation: str = Situation.JOB_PERMANENT,
    improved: bool | None = None,
    consent: str | None = "in_force",
) -> Case:
    """A case of ``agreement`` with its participation; ``consent`` is in_force, withdrawn,
    refused or None (never asked)."""
    platform = platform or agreement.organization
    if person is None:
        person = BeneficiaryFactory(organization=platform, sex=sex)
    case = CaseFactory(
        beneficiary=person,
        opened_on=entry,
        status=Case.Status.CLOSED if exit_on else Case.Status.IN_PROGRESS,
        closed_on=exit_on,
        exit_reason=Case.ExitReason.GOALS_MET if exit_on else "",
    )
    if agreement is not None:
        case.funding_agreements.add(agreement)
    # The factory took the situation from the file; these tests state it exactly instead.
    Participation.objects.filter(case=case).delete()
    Participation.objects.create(
        organization=platform,
        case=case,
        entry_date=entry,
        sex=sex,
        age_at_entry=age,
        labour_market_status=status,
        long_term_unemployed=long_term,
        isced_band=isced,
        commune=commune,
        is_rural=rural,
        sensitive_questions_asked_on=asked_on,
        **{field: Answer(value) for field, value in (answers or {}).items()},
    )
    if exit_on:
        ExitQuestionnaire.objects.create(
            case=case,
            exit_date=exit_on,
            situation=situation,
            qualification_gained=qualification,
            filled_on=filled_on or exit_on,
        )
    if follow_up_on:
        FollowUp.objects.create(
            case=case,
            kind=FollowUp.Kind.MONTH_6,
            due_on=follow_up_on,
            done_on=follow_up_on,
            reached=reached,
            situation=follow_up_situation if reached else Situation.UNKNOWN,
            improved_situation=improved,
        )
    if (
        consent is not None
        and not ConsentRecord.objects.filter(
            beneficiary=person, scope=ConsentRecord.Scope.FSE_REPORTING
        ).exists()
    ):
        ConsentRecordFactory(
            beneficiary=person,
            scope=ConsentRecord.Scope.FSE_REPORTING,
            given=consent != "refused",
            given_on=entry,
            withdrawn_on=entry + dt.timedelta(days=10) if consent == "withdrawn" else None,
        )
    return case
