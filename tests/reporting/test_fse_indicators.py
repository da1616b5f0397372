"""The FSE+ indicators: each count reconciled with an independent SQL query, and the rules of
the research notes (one status at entry, age at entry, 4-week and 6-month windows, refusals)."""

import datetime as dt

import pytest
from django.db import connection

from cases.models import Situation
from organizations.models import FundingAgreement
from reporting.fse import COMPUTATIONS, NOT_APPLICABLE, NOT_COMPUTED, Computation, fse_table
from reporting.models import FsePlusIndicator
from reporting.periods import Period
from reporting.scopes import agreement_scope, platform_scope
from tests.cases.factories import BeneficiaryFactory
from tests.factories import TerritoryFactory
from tests.reporting.fse_world import fse_agreement, participant

D = dt.date
PERIOD = Period(D(2026, 1, 1), D(2026, 12, 31))
SEXES = ("F", "M", "X", "U")


def table(agreement, period=PERIOD, *, suppress=False):
    return {
        (r.code, r.detail): r
        for r in fse_table(agreement_scope(agreement), period, suppress=suppress)
    }


def counts(row) -> dict[str, int]:
    return {cell.key: cell.value for cell in row.cells}


# --- An independent reading, in SQL ---------------------------------------------------------

# The participation of a person in an agreement: entry from the first case, exit from the last.
FIRST = """NOT EXISTS (
    SELECT 1 FROM cases_case_funding_agreements fa2
    JOIN cases_case c2 ON c2.id = fa2.case_id
    JOIN cases_participation p2 ON p2.case_id = c2.id
    WHERE fa2.fundingagreement_id = {fa}.fundingagreement_id
      AND c2.beneficiary_id = {c}.beneficiary_id
      AND (p2.entry_date < {p}.entry_date OR (p2.entry_date = {p}.entry_date AND c2.id < {c}.id))
)"""
LAST = """NOT EXISTS (
    SELECT 1 FROM cases_case_funding_agreements fa3
    JOIN cases_case c3 ON c3.id = fa3.case_id
    JOIN cases_participation p3 ON p3.case_id = c3.id
    WHERE fa3.fundingagreement_id = {fa}.fundingagreement_id
      AND c3.beneficiary_id = {c}.beneficiary_id
      AND (p3.entry_date > {p}.entry_date OR (p3.entry_date = {p}.entry_date AND c3.id > {c}.id))
)"""

ENTRANTS_SQL = f"""
SELECT p.sex, COUNT(*) FROM cases_case_funding_agreements fa
JOIN cases_case c ON c.id = fa.case_id
JOIN cases_participation p ON p.case_id = c.id
WHERE fa.fundingagreement_id = %s AND p.entry_date >= %s AND p.entry_date <= %s
  AND {FIRST.format(fa="fa", c="c", p="p")} AND ({{condition}})
GROUP BY p.sex
"""

# The last case's exit or follow-up, with the first case's participation (sex, status at entry).
LAST_CASE_SQL = f"""
FROM cases_case_funding_agreements fa
JOIN cases_case c ON c.id = fa.case_id
JOIN cases_participation pl ON pl.case_id = c.id
JOIN cases_case_funding_agreements faf ON faf.fundingagreement_id = fa.fundingagreement_id
JOIN cases_case cf ON cf.id = faf.case_id AND cf.beneficiary_id = c.beneficiary_id
JOIN cases_participation pf ON pf.case_id = cf.id
{{join}}
WHERE fa.fundingagreement_id = %s
  AND {LAST.format(fa="fa", c="c", p="pl")}
  AND {FIRST.format(fa="faf", c="cf", p="pf")}
"""

LEAVERS_SQL = (
    "SELECT pf.sex, e.exit_date, e.filled_on "
    + LAST_CASE_SQL.format(join="JOIN cases_exitquestionnaire e ON e.case_id = c.id")
    + " AND e.exit_date >= %s AND e.exit_date <= %s AND ({condition})"
)
FOLLOWED_SQL = (
    "SELECT pf.sex, COUNT(*) "
    + LAST_CASE_SQL.format(join="JOIN cases_followup f ON f.case_id = c.id AND f.kind = 'm6'")
    + " AND f.done_on >= %s AND f.done_on <= %s AND f.reached AND ({condition}) GROUP BY pf.sex"
)

EMPLOYED = "('job_permanent', 'job_short', 'job_subsidised', 'self_employed')"
ENTRY_CONDITIONS = {
    ("EECO01", ""): "1 = 1",
    ("EECO02", ""): "p.labour_market_status IN ('unemployed', 'long_term_unemployed')",
    ("EECO03", ""): "p.labour_market_status = 'long_term_unemployed' "
    "OR (p.labour_market_status = 'unemployed' AND p.long_term_unemployed)",
    ("EECO04", ""): "p.labour_market_status IN ('inactive', 'in_training')",
    ("EECO05", ""): "p.labour_market_status = 'employed'",
    ("EECO06", ""): "p.age_at_entry < 18",
    ("EECO07", ""): "p.age_at_entry >= 18 AND p.age_at_entry <= 29",
    ("EECO08", ""): "p.age_at_entry >= 55",
    ("EECO08", "unknown"): "p.age_at_entry IS NULL",
    ("EECO09", ""): "p.isced_band = '0-2'",
    ("EECO10", ""): "p.isced_band = '3-4'",
    ("EECO11", ""): "p.isced_band = '5-8'",
    ("EECO11", "unknown"): "p.isced_band = ''",
    ("EECO17", ""): "p.is_rural",
    ("EECO17", "unknown"): "p.is_rural IS NULL",
}
for code, column in (
    ("EECO12", "disability"),
    ("EECO13", "third_country_national"),
    ("EECO14", "foreign_background"),
    ("EECO15", "minority"),
    ("EECO16", "homeless"),
):
    ENTRY_CONDITIONS[(code, "")] = f"p.{column} = 'yes'"
    ENTRY_CONDITIONS[(code, "declined")] = f"p.{column} = 'declined'"
    ENTRY_CONDITIONS[(code, "not_asked")] = f"p.{column} = ''"
EXIT_CONDITIONS = {
    ("EECR01", ""): "e.situation = 'job_search'",
    ("EECR02", ""): "e.situation = 'training'",
    ("EECR03", ""): "e.qualification_gained",
    ("EECR04", ""): f"e.situation IN {EMPLOYED}",
}
FOLLOW_UP_CONDITIONS = {
    ("EECR05", ""): f"f.situation IN {EMPLOYED}",
    ("EECR06", ""): "pf.labour_market_status = 'employed' AND f.improved_situation",
}


def _params(agreement, period):
    agreement_id = FundingAgreement._meta.pk.get_db_prep_value(agreement.pk, connection)
    return [agreement_id, period.start.isoformat(), period.end.isoformat()]


def _by_sex(pairs) -> dict[str, int]:
    found = dict.fromkeys(SEXES, 0)
    for sex, n in pairs:
        found[sex] += n
    found["total"] = sum(found.values())
    return found


def _as_date(value) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


def sql_counts(agreement, period) -> dict[tuple[str, str], dict[str, int]]:
    found = {}
    agreement_id, start, end = _params(agreement, period)
    with connection.cursor() as cursor:
        for key, condition in ENTRY_CONDITIONS.items():
            cursor.execute(ENTRANTS_SQL.format(condition=condition), [agreement_id, start, end])
            found[key] = _by_sex(cursor.fetchall())
        for key, condition in EXIT_CONDITIONS.items():
            cursor.execute(LEAVERS_SQL.format(condition=condition), [agreement_id, start, end])
            found[key] = _by_sex(
                (sex, 1)
                for sex, exit_date, filled_on in cursor.fetchall()
                if (_as_date(filled_on) - _as_date(exit_date)).days <= 28
            )
        for key, condition in FOLLOW_UP_CONDITIONS.items():
            cursor.execute(FOLLOWED_SQL.format(condition=condition), [agreement_id, start, end])
            found[key] = _by_sex(cursor.fetchall())
    return found


# --- The world ------------------------------------------------------------------------------


@pytest.fixture
def agreement(platform_a, departement):
    return fse_agreement(platform_a, departement)


@pytest.fixture
def varied(agreement, platform_a):
    """Participations of every kind, inside and outside the period, and cases not to count."""
    rural = TerritoryFactory(code="02691", name="Saint-Quentin", is_rural=False)
    participant(agreement, sex="F", age=17, status="inactive", isced="0-2", commune=rural)
    participant(agreement, sex="F", age=18, status="in_training", isced="0-2", rural=True)
    participant(agreement, sex="M", age=29, status="unemployed", long_term=True, rural=True)
    participant(agreement, sex="M", age=30, status="long_term_unemployed", isced="5-8")
    participant(agreement, sex="X", age=55, status="employed", isced="")
    participant(agreement, sex="U", age=None, status="employed", isced="5-8", rural=False)
    participant(agreement, sex="F", age=40, status="employed", long_term=True)  # not DELD
    participant(
        agreement,
        sex="F",
        answers={"disability": "yes", "minority": "declined", "homeless": "no"},
        asked_on=D(2026, 3, 2),
    )
    participant(
        agreement,
        sex="M",
        answers={"disability": "declined", "third_country_national": "yes", "homeless": "yes"},
        asked_on=D(2026, 3, 2),
    )
    participant(agreement, sex="M", answers={"foreign_background": "yes", "minority": "yes"})
    participant(
        agreement,
        sex="X",
        answers={
            "third_country_national": "declined",
            "foreign_background": "declined",
            "homeless": "declined",
        },
    )
    # Leavers: in the window, at its last day, after it, and before the period.
    participant(
        agreement, entry=D(2025, 9, 1), exit_on=D(2026, 2, 1), situation=Situation.JOB_SEARCH
    )
    participant(
        agreement,
        sex="M",
        entry=D(2025, 10, 1),
        exit_on=D(2026, 4, 10),
        filled_on=D(2026, 5, 8),
        situation=Situation.TRAINING,
        qualification=True,
    )
    participant(
        agreement,
        entry=D(2025, 10, 1),
        exit_on=D(2026, 4, 10),
        filled_on=D(2026, 5, 9),
        situation=Situation.JOB_PERMANENT,
    )
    participant(
        agreement, entry=D(2025, 3, 1), exit_on=D(2025, 6, 1), situation=Situation.SELF_EMPLOYED
    )
    participant(
        agreement,
        sex="X",
        entry=D(2026, 2, 1),
        exit_on=D(2026, 6, 1),
        situation=Situation.JOB_SHORT,
    )
    # Six-month follow-ups done during the period.
    participant(
        agreement,
        status="employed",
        entry=D(2025, 1, 5),
        exit_on=D(2025, 7, 1),
        follow_up_on=D(2026, 1, 10),
        follow_up_situation=Situation.JOB_PERMANENT,
        improved=True,
    )
    participant(
        agreement,
        sex="M",
        status="unemployed",
        entry=D(2025, 1, 5),
        exit_on=D(2025, 7, 1),
        follow_up_on=D(2026, 1, 10),
        follow_up_situation=Situation.JOB_SUBSIDISED,
        improved=True,  # not employed at entry: never an improved situation
    )
    participant(
        agreement,
        status="employed",
        entry=D(2025, 1, 5),
        exit_on=D(2025, 7, 1),
        follow_up_on=D(2026, 1, 10),
        reached=False,
        improved=True,
    )
    # Entered before the period, or at another platform's or agreement's expense.
    participant(agreement, entry=D(2025, 12, 31))
    participant(None, platform=platform_a, entry=D(2026, 5, 5))
    participant(fse_agreement(platform_a), entry=D(2026, 5, 5))
    return agreement


@pytest.mark.django_db
def test_every_count_reconciles_with_an_independent_sql_query(varied):
    rows = table(varied)
    expected = sql_counts(varied, PERIOD)

    computed = {key: counts(row) for key, row in rows.items() if row.cells}
    assert computed == expected
    # The world exercises every indicator, so that a wrong reading cannot pass unseen.
    empty = sorted(key for key, cells in expected.items() if cells["total"] == 0)
    assert empty == []


@pytest.mark.django_db
def test_the_total_is_unemployed_plus_inactive_plus_employed_for_each_sex(varied):
    rows = table(varied)

    for key, _ in (*((s, s) for s in SEXES), ("total", "total")):
        parts = sum(counts(rows[(code, "")])[key] for code in ("EECO02", "EECO04", "EECO05"))
        assert counts(rows[("EECO01", "")])[key] == parts
    assert [counts(rows[(c, "")])["total"] for c in ("EECO01", "EECO02", "EECO04", "EECO05")] == [
        12,
        7,
        2,
        3,
    ]


@pytest.mark.django_db
def test_a_refusal_is_counted_apart_and_never_as_no(agreement):
    participant(agreement, answers={"disability": "declined"})
    participant(agreement, answers={"disability": "no"})
    participant(agreement, answers={"disability": "yes"})
    participant(agreement)  # never asked

    rows = table(agreement)

    assert counts(rows[("EECO12", "")])["total"] == 1
    assert counts(rows[("EECO12", "declined")])["total"] == 1
    assert counts(rows[("EECO12", "not_asked")])["total"] == 1
    assert rows[("EECO12", "declined")].label_fr == "dont non renseigné : ne souhaite pas répondre"


@pytest.mark.django_db
def test_results_on_leaving_count_only_within_four_weeks_of_the_exit(agreement):
    exit_on = D(2026, 6, 1)
    participant(
        agreement,
        exit_on=exit_on,
        filled_on=exit_on + dt.timedelta(days=27),
        situation=Situation.JOB_PERMANENT,
    )
    participant(
        agreement,
        exit_on=exit_on,
        filled_on=exit_on + dt.timedelta(days=28),
        situation=Situation.JOB_PERMANENT,
    )
    participant(
        agreement,
        exit_on=exit_on,
        filled_on=exit_on + dt.timedelta(days=29),
        situation=Situation.JOB_PERMANENT,
    )

    rows = table(agreement)

    assert counts(rows[("EECR04", "")])["total"] == 2


@pytest.mark.django_db
def test_the_age_is_the_age_on_the_entry_date(agreement, alice):
    from cases.services import lifecycle

    # 29 on entry, 30 since: counted among the 18-29 of the year they entered.
    person = BeneficiaryFactory(
        organization=agreement.organization, birth_date=D(1996, 4, 1), sex="M"
    )
    case = lifecycle.open_case(
        beneficiary=person, by=alice, opened_on=D(2026, 3, 31), funding_agreements=[agreement]
    )

    rows = table(agreement)

    assert case.participation.age_at_entry == 29
    assert counts(rows[("EECO07", "")]) == {"F": 0, "M": 1, "X": 0, "U": 0, "total": 1}


@pytest.mark.django_db
def test_a_person_who_comes_back_to_the_same_agreement_keeps_one_participation(agreement):
    person = BeneficiaryFactory(organization=agreement.organization, sex="F")
    participant(
        agreement,
        person=person,
        entry=D(2026, 2, 2),
        status="unemployed",
        exit_on=D(2026, 3, 2),
        situation=Situation.JOB_SEARCH,
    )
    participant(
        agreement,
        person=person,
        entry=D(2026, 5, 4),
        status="employed",
        exit_on=D(2026, 9, 1),
        situation=Situation.JOB_PERMANENT,
    )

    rows = table(agreement)

    # Entry from the first case (unemployed), exit from the last (employed).
    assert counts(rows[("EECO01", "")])["total"] == 1
    assert counts(rows[("EECO02", "")])["total"] == 1
    assert counts(rows[("EECO05", "")])["total"] == 0
    assert counts(rows[("EECR01", "")])["total"] == 0
    assert counts(rows[("EECR04", "")])["total"] == 1


@pytest.mark.django_db
def test_a_person_in_two_agreements_is_two_participants_for_their_funder(platform_a, departement):
    from reporting.scopes import funder_scope

    first, second = fse_agreement(platform_a, departement), fse_agreement(platform_a, departement)
    person = BeneficiaryFactory(organization=platform_a, sex="M")
    participant(first, person=person, entry=D(2026, 2, 2))
    participant(second, person=person, entry=D(2026, 2, 9))

    rows = fse_table(funder_scope(departement, [first, second]), PERIOD, suppress=False)

    assert next(r for r in rows if r.code == "EECO01").total.value == 2


@pytest.mark.django_db
def test_without_an_agreement_each_case_is_a_participation(platform_a):
    person = BeneficiaryFactory(organization=platform_a)
    participant(None, platform=platform_a, person=person, entry=D(2026, 2, 2))
    participant(None, platform=platform_a, person=person, entry=D(2026, 6, 2))

    rows = fse_table(platform_scope(platform_a), PERIOD, suppress=False)

    assert next(r for r in rows if r.code == "EECO01").total.value == 2


@pytest.mark.django_db
def test_results_six_months_later_come_from_the_follow_ups_done_in_the_period(agreement):
    participant(
        agreement,
        status="employed",
        entry=D(2025, 1, 5),
        exit_on=D(2025, 6, 1),
        follow_up_on=D(2025, 12, 31),
        improved=True,
    )
    participant(
        agreement,
        status="employed",
        entry=D(2025, 1, 5),
        exit_on=D(2025, 7, 1),
        follow_up_on=D(2026, 1, 2),
        improved=True,
    )

    rows = table(agreement)

    assert counts(rows[("EECR05", "")])["total"] == 1
    assert counts(rows[("EECR06", "")])["total"] == 1


# --- Labels and codes come from the data ----------------------------------------------------


@pytest.mark.django_db
def test_entity_indicators_are_not_applicable_and_unknown_codes_not_computed(agreement):
    FsePlusIndicator.objects.create(
        code="EECO99",
        kind="output",
        label_en="New",
        label_fr="Nouvel indicateur",
        unit="participants",
        position=999,
    )

    rows = table(agreement)

    assert rows[("EECO18", "")].note == NOT_APPLICABLE == "sans objet"
    assert rows[("EECO19", "")].note == NOT_APPLICABLE
    assert rows[("EECO99", "")].note == NOT_COMPUTED == "non calculé"
    assert rows[("EECO99", "")].cells == ()


@pytest.mark.django_db
def test_labels_come_from_the_data_and_an_inactive_code_is_not_shown(agreement):
    FsePlusIndicator.objects.filter(code="EECO15").update(is_active=False)
    FsePlusIndicator.objects.filter(code="EECO01").update(label_fr="Participants (libellé AG)")

    rows = table(agreement)

    assert ("EECO15", "") not in rows and ("EECO15", "declined") not in rows
    assert rows[("EECO01", "")].label_fr == "Participants (libellé AG)"
    assert rows[("EECO01", "")].is_confirmed is False
    assert rows[("EECO02", "")].is_confirmed is True


@pytest.mark.django_db
def test_every_computation_names_a_code_of_the_reference_list():
    codes = set(FsePlusIndicator.objects.values_list("code", flat=True))

    assert set(COMPUTATIONS) <= codes
    assert {c for c, comp in COMPUTATIONS.items() if isinstance(comp, Computation)} == codes - {
        "EECO18",
        "EECO19",
    }


@pytest.mark.django_db
def test_every_labour_market_status_falls_in_exactly_one_fse_status():
    from catalog.models import LabourMarketStatus
    from reporting.fse import FSE_STATUS

    assert set(FSE_STATUS) == set(LabourMarketStatus.values)
    assert set(FSE_STATUS.values()) == {"unemployed", "inactive", "employed"}
