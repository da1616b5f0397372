"""Every indicator reconciles with an independent SQL query on the same rows.

The engine reads rows through the ORM into pandas; these queries are written by hand against
the tables, in SQL that SQLite and PostgreSQL both run. A third column of truth, the values
worked out by hand from tests/reporting/world.py, guards against a query and the engine being
wrong together.
"""

from __future__ import annotations

import datetime as dt
import statistics
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from cases.models import Case
from reporting.engine import compute
from reporting.scopes import agreement_scope, platform_scope
from tests.reporting import world as w

PERIOD = w.PERIOD


@pytest.fixture
def world(db):
    return w.build()


def uuid_param(value):
    return Case._meta.pk.get_db_prep_value(value, connection)


def day(value: dt.date):
    return connection.ops.adapt_datefield_value(value)


def moment(value: dt.datetime):
    return connection.ops.adapt_datetimefield_value(value)


def sql(query: str, params: list):
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchall()


def scalar(query: str, params: list):
    value = sql(query, params)[0][0]
    return 0 if value is None else value


def bounds():
    first, after = PERIOD.aware_bounds()
    return moment(first), moment(after)


ACTIVE = """
    c.organization_id = %s AND c.opened_on <= %s AND (c.closed_on IS NULL OR c.closed_on >= %s)
"""


def active_params(org):
    return [uuid_param(org.pk), day(PERIOD.end), day(PERIOD.start)]


# --- One SQL query per indicator -----------------------------------------------------------


def people_accompanied(org):
    return scalar(
        f"SELECT COUNT(DISTINCT c.beneficiary_id) FROM cases_case c WHERE {ACTIVE}",
        active_params(org),
    )


def latest_participations(org, column):
    """Count people whose latest active case's participation has ``column`` true."""
    rows = sql(
        f"""SELECT c.beneficiary_id, c.opened_on, c.id, p.{column} FROM cases_case c
            JOIN cases_participation p ON p.case_id = c.id WHERE {ACTIVE}""",
        active_params(org),
    )
    latest = {}
    for person, _opened, _case_id, flag in sorted(rows, key=lambda r: (str(r[1]), str(r[2]))):
        latest[person] = flag
    return latest


def flag_count(column):
    def count(org):
        return sum(1 for flag in latest_participations(org, column).values() if flag)

    return count


def people_under_26(org):
    ages = latest_participations(org, "age_at_entry").values()
    return sum(1 for age in ages if age is not None and age < 26)


def new_entries(org):
    return scalar(
        "SELECT COUNT(*) FROM cases_case WHERE organization_id = %s AND opened_on >= %s "
        "AND opened_on <= %s",
        [uuid_param(org.pk), day(PERIOD.start), day(PERIOD.end)],
    )


def exits(org):
    return scalar(
        "SELECT COUNT(*) FROM cases_case WHERE organization_id = %s AND closed_on >= %s "
        "AND closed_on <= %s",
        [uuid_param(org.pk), day(PERIOD.start), day(PERIOD.end)],
    )


def active_cases(org):
    return scalar(
        "SELECT COUNT(*) FROM cases_case WHERE organization_id = %s AND opened_on <= %s "
        "AND (closed_on IS NULL OR closed_on > %s)",
        [uuid_param(org.pk), day(PERIOD.end), day(PERIOD.end)],
    )


def mean_duration(org):
    rows = sql(
        "SELECT opened_on, closed_on FROM cases_case WHERE organization_id = %s "
        "AND closed_on >= %s AND closed_on <= %s",
        [uuid_param(org.pk), day(PERIOD.start), day(PERIOD.end)],
    )
    days = [(dt.date.fromisoformat(str(b)) - dt.date.fromisoformat(str(a))).days for a, b in rows]
    return round(statistics.fmean(days), 1)


ARRIVALS = """
    SELECT t.referral_id, t.at FROM referrals_referraltransition t
    WHERE t.kind = 'send' AND t.organization_id = %s AND t.at >= %s AND t.at < %s
"""


def referrals_received(org):
    return len(sql(ARRIVALS, [uuid_param(org.pk), *bounds()]))


def referral_acceptance_rate(org):
    arrived = [r[0] for r in sql(ARRIVALS, [uuid_param(org.pk), *bounds()])]
    outcomes = {}
    for referral_id in arrived:
        kinds = [
            k
            for (k,) in sql(
                "SELECT kind FROM referrals_referraltransition WHERE referral_id = %s "
                "AND kind IN ('accept', 'refuse') ORDER BY at DESC",
                [referral_id],
            )
        ]
        if kinds:
            outcomes[referral_id] = kinds[0]
    accepted = sum(1 for k in outcomes.values() if k == "accept")
    return round(100 * accepted / len(outcomes), 1)


def referral_first_answer_days(org):
    delays = []
    for referral_id, arrived in sql(ARRIVALS, [uuid_param(org.pk), *bounds()]):
        answers = sql(
            "SELECT at FROM referrals_referraltransition WHERE referral_id = %s AND kind IN "
            "('start_review', 'hold', 'accept', 'refuse', 'transfer') ORDER BY at",
            [referral_id],
        )
        if answers:
            first = _moment(answers[0][0]) - _moment(arrived)
            delays.append(first.total_seconds() / 86400)
    return round(statistics.median(delays), 1)


def _moment(value):
    if isinstance(value, str):
        return dt.datetime.fromisoformat(value).replace(tzinfo=dt.UTC)
    return value


def diagnostics_done(org):
    return scalar(
        "SELECT COUNT(*) FROM cases_diagnostic d JOIN cases_case c ON c.id = d.case_id "
        "WHERE c.organization_id = %s AND d.done_on >= %s AND d.done_on <= %s",
        [uuid_param(org.pk), day(PERIOD.start), day(PERIOD.end)],
    )


def people_with_barriers(org):
    return scalar(
        "SELECT COUNT(DISTINCT c.beneficiary_id) FROM cases_diagnosticitem i "
        "JOIN cases_diagnostic d ON d.id = i.diagnostic_id JOIN cases_case c ON c.id = d.case_id "
        "WHERE c.organization_id = %s AND d.kind = 'entry' AND i.severity > 0 "
        "AND d.done_on >= %s AND d.done_on <= %s",
        [uuid_param(org.pk), day(PERIOD.start), day(PERIOD.end)],
    )


def barrier_change(org):
    cases = [
        r[0]
        for r in sql(
            "SELECT DISTINCT d.case_id FROM cases_diagnostic d "
            "JOIN cases_case c ON c.id = d.case_id WHERE c.organization_id = %s "
            "AND d.kind = 'exit' AND d.done_on >= %s AND d.done_on <= %s",
            [uuid_param(org.pk), day(PERIOD.start), day(PERIOD.end)],
        )
    ]
    present = lifted = 0
    for case_id in cases:
        entry = dict(
            sql(
                "SELECT i.barrier_id, i.severity FROM cases_diagnosticitem i "
                "WHERE i.diagnostic_id = "
                "(SELECT id FROM cases_diagnostic WHERE case_id = %s AND kind = 'entry' "
                "ORDER BY done_on, created_at LIMIT 1)",
                [case_id],
            )
        )
        exit_ = dict(
            sql(
                "SELECT i.barrier_id, i.severity FROM cases_diagnosticitem i "
                "WHERE i.diagnostic_id = "
                "(SELECT id FROM cases_diagnostic WHERE case_id = %s AND kind = 'exit' "
                "ORDER BY done_on DESC, created_at DESC LIMIT 1)",
                [case_id],
            )
        )
        for barrier, severity in entry.items():
            if severity > 0:
                present += 1
                lifted += exit_.get(barrier, 0) == 0
    return round(100 * lifted / present, 1)


WORKSHOPS_HELD = """
    FROM cases_workshop w WHERE w.organization_id = %s AND w.status = 'done'
    AND w.starts_at >= %s AND w.starts_at < %s
"""


def workshops_held(org):
    return scalar(f"SELECT COUNT(*) {WORKSHOPS_HELD}", [uuid_param(org.pk), *bounds()])


def workshop_hours(org):
    rows = sql(f"SELECT w.starts_at, w.ends_at {WORKSHOPS_HELD}", [uuid_param(org.pk), *bounds()])
    return round(sum((_moment(b) - _moment(a)).total_seconds() for a, b in rows) / 3600, 1)


SEATS = """
    FROM cases_registration r JOIN cases_workshop w ON w.id = r.workshop_id
    JOIN cases_case c ON c.id = r.case_id
    WHERE w.organization_id = %s AND w.status = 'done' AND w.starts_at >= %s AND w.starts_at < %s
    AND r.status = 'confirmed'
"""


def workshop_participants(org):
    return scalar(
        f"SELECT COUNT(DISTINCT c.beneficiary_id) {SEATS} AND r.attendance = 'present'",
        [uuid_param(org.pk), *bounds()],
    )


def attendance_rate(org):
    noted = scalar(
        f"SELECT COUNT(*) {SEATS} AND r.attendance <> ''", [uuid_param(org.pk), *bounds()]
    )
    present = scalar(
        f"SELECT COUNT(*) {SEATS} AND r.attendance = 'present'", [uuid_param(org.pk), *bounds()]
    )
    return round(100 * present / noted, 1)


def appointments_held(org):
    return scalar(
        "SELECT COUNT(*) FROM cases_appointment WHERE organization_id = %s AND "
        "status = 'done' AND starts_at >= %s AND starts_at < %s",
        [uuid_param(org.pk), *bounds()],
    )


def appointment_hours(org):
    minutes = scalar(
        "SELECT SUM(duration_minutes) FROM cases_appointment WHERE organization_id = %s "
        "AND status = 'done' AND starts_at >= %s AND starts_at < %s",
        [uuid_param(org.pk), *bounds()],
    )
    return round(minutes / 60, 1)


def _lent_loans(org):
    rows = sql(
        "SELECT l.start_date, l.end_date, l.status, l.returned_at, c.beneficiary_id, l.vehicle_id "
        "FROM vehicles_loan l JOIN cases_case c ON c.id = l.case_id WHERE l.organization_id = %s "
        "AND l.status IN ('active', 'overdue', 'returned') AND l.start_date <= %s",
        [uuid_param(org.pk), day(PERIOD.end)],
    )
    loans = []
    for start, end, status, returned_at, person, vehicle in rows:
        start, end = dt.date.fromisoformat(str(start)), dt.date.fromisoformat(str(end))
        if status == "returned":
            back = _moment(returned_at).astimezone(ZoneInfo("Europe/Paris")).date()
            until = max(back, start + dt.timedelta(days=1))
        elif status == "overdue":
            until = max(end, w.TODAY + dt.timedelta(days=1))
        else:
            until = end
        if until > PERIOD.start:
            loans.append((start, until, person, vehicle))
    return loans


def loans_started(org):
    return sum(1 for start, *_ in _lent_loans(org) if start >= PERIOD.start)


def people_with_loan(org):
    return len({person for *_, person, _ in _lent_loans(org)})


def loan_days(org):
    return sum(
        max((min(until, PERIOD.stop) - max(start, PERIOD.start)).days, 0)
        for start, until, *_ in _lent_loans(org)
    )


def fleet_occupancy(org):
    vehicles = scalar(
        "SELECT COUNT(*) FROM vehicles_vehicle WHERE organization_id = %s", [uuid_param(org.pk)]
    )
    return round(100 * loan_days(org) / (vehicles * PERIOD.days), 1)


def loan_renewals(org):
    return scalar(
        "SELECT COUNT(*) FROM vehicles_loanextension e JOIN vehicles_loan l ON "
        "l.id = e.loan_id WHERE l.organization_id = %s AND e.at >= %s AND e.at < %s",
        [uuid_param(org.pk), *bounds()],
    )


AIDS = (
    "FROM cases_aidapplication a JOIN cases_case c ON c.id = a.case_id WHERE c.organization_id = %s"
)


def aid_applications(org):
    return scalar(
        f"SELECT COUNT(*) {AIDS} AND a.submitted_on >= %s AND a.submitted_on <= %s",
        [uuid_param(org.pk), day(PERIOD.start), day(PERIOD.end)],
    )


def aid_amount_granted(org):
    total = scalar(
        f"SELECT SUM(a.amount_granted) {AIDS} AND a.decided_on >= %s AND a.decided_on <= %s "
        "AND a.status IN ('granted', 'partial', 'paid')",
        [uuid_param(org.pk), day(PERIOD.start), day(PERIOD.end)],
    )
    return round(float(total), 2)


EXITS = """
    FROM cases_exitquestionnaire q JOIN cases_case c ON c.id = q.case_id
    WHERE c.organization_id = %s AND c.closed_on >= %s AND c.closed_on <= %s
"""


def exit_params(org):
    return [uuid_param(org.pk), day(PERIOD.start), day(PERIOD.end)]


def exit_situation(org):
    return scalar(f"SELECT COUNT(*) {EXITS}", exit_params(org))


def positive_exit_rate(org):
    positive = scalar(
        f"SELECT COUNT(*) {EXITS} AND q.situation IN ('job_permanent', 'job_short', "
        "'job_subsidised', 'self_employed', 'training')",
        exit_params(org),
    )
    return round(100 * positive / exit_situation(org), 1)


def licence_gained(org):
    return scalar(f"SELECT COUNT(*) {EXITS} AND q.licence_gained = %s", [*exit_params(org), True])


def mobility_autonomy(org):
    return scalar(
        f"SELECT COUNT(*) {EXITS} AND q.mobility_autonomy = %s", [*exit_params(org), True]
    )


FOLLOW_UPS = """
    FROM cases_followup f JOIN cases_case c ON c.id = f.case_id
    WHERE c.organization_id = %s AND f.kind = 'm6' AND f.done_on >= %s AND f.done_on <= %s
"""


def follow_up_6_months(org):
    return scalar(f"SELECT COUNT(*) {FOLLOW_UPS}", exit_params(org))


def employed_6_months(org):
    return scalar(
        f"SELECT COUNT(*) {FOLLOW_UPS} AND f.reached = %s AND f.situation IN "
        "('job_permanent', 'job_short', 'job_subsidised', 'self_employed')",
        [*exit_params(org), True],
    )


# (indicator code, independent query, value worked out by hand from the world)
RECONCILED = [
    ("people_accompanied", people_accompanied, 5),
    ("people_rsa", flag_count("receives_rsa"), 2),
    ("people_long_term_unemployed", flag_count("long_term_unemployed"), 1),
    ("people_rqth", flag_count("has_rqth"), 1),
    ("people_qpv", flag_count("is_qpv_resident"), 1),
    ("people_rural", flag_count("is_rural"), 1),
    ("people_under_26", people_under_26, 1),
    ("new_entries", new_entries, 3),
    ("exits", exits, 2),
    ("active_cases", active_cases, 3),
    ("mean_duration", mean_duration, 109.0),
    ("referrals_received", referrals_received, 3),
    ("referral_acceptance_rate", referral_acceptance_rate, 50.0),
    ("referral_first_answer_days", referral_first_answer_days, 6.0),
    ("diagnostics_done", diagnostics_done, 4),
    ("people_with_barriers", people_with_barriers, 2),
    ("barrier_change", barrier_change, 50.0),
    ("workshops_held", workshops_held, 2),
    ("workshop_hours", workshop_hours, 4.5),
    ("workshop_participants", workshop_participants, 2),
    ("attendance_rate", attendance_rate, 60.0),
    ("appointments_held", appointments_held, 2),
    ("appointment_hours", appointment_hours, 2.5),
    ("loans_started", loans_started, 2),
    ("people_with_loan", people_with_loan, 3),
    ("loan_days", loan_days, 52),
    ("fleet_occupancy", fleet_occupancy, 14.4),
    ("loan_renewals", loan_renewals, 1),
    ("aid_applications", aid_applications, 3),
    ("aid_amount_granted", aid_amount_granted, 450.5),
    ("exit_situation", exit_situation, 2),
    ("positive_exit_rate", positive_exit_rate, 100.0),
    ("licence_gained", licence_gained, 1),
    ("mobility_autonomy", mobility_autonomy, 1),
    ("follow_up_6_months", follow_up_6_months, 1),
    ("employed_6_months", employed_6_months, 1),
]


def test_every_indicator_has_a_reconciliation():
    from reporting.indicators import REGISTRY

    assert {code for code, *_ in RECONCILED} == set(REGISTRY)


def test_every_indicator_equals_its_sql_count_and_the_value_worked_out_by_hand(world):
    report = compute(platform_scope(world.platform), PERIOD, suppress=False, today=w.TODAY)
    mismatches = []
    for code, query, by_hand in RECONCILED:
        engine_value, sql_value = report[code].value, query(world.platform)
        if not engine_value == sql_value == by_hand:
            mismatches.append(f"{code}: moteur {engine_value}, SQL {sql_value}, attendu {by_hand}")
    assert mismatches == []


def test_sex_and_site_breakdowns_equal_their_sql_counts(world):
    report = compute(platform_scope(world.platform), PERIOD, suppress=False, today=w.TODAY)
    result = report["people_accompanied"]
    expected = dict(
        sql(
            f"""SELECT p.sex, COUNT(DISTINCT c.beneficiary_id) FROM cases_case c
                JOIN cases_participation p ON p.case_id = c.id WHERE {ACTIVE} GROUP BY p.sex""",
            active_params(world.platform),
        )
    )
    shown = {c.key: c.value for c in result.breakdown("sex").cells if c.value}
    assert shown == expected == {"F": 2, "M": 2, "X": 1}
    sites = {c.label: c.value for c in result.breakdown("site").cells}
    assert sites == {"Antenne de Fives": 2, "Garage solidaire": 2, "Non renseigné": 1}
    assert sum(c.value for c in result.breakdown("age_band").cells) == result.value


def test_agreement_scope_counts_only_the_cases_it_funds(world):
    report = compute(agreement_scope(world.agreement), PERIOD, suppress=False, today=w.TODAY)
    funded = scalar(
        "SELECT COUNT(DISTINCT c.beneficiary_id) FROM cases_case c JOIN "
        "cases_case_funding_agreements f ON f.case_id = c.id WHERE f.fundingagreement_id = %s "
        "AND c.opened_on <= %s AND (c.closed_on IS NULL OR c.closed_on >= %s)",
        [uuid_param(world.agreement.pk), day(PERIOD.end), day(PERIOD.start)],
    )
    assert report["people_accompanied"].value == funded == 3
    # c1 and c3 left in the period; c2's bike loan and aid are the agreement's.
    assert report["exits"].value == 2
    assert report["loans_started"].value == 2  # c2's bike and c3's car
    assert report["aid_amount_granted"].value == 300.0
