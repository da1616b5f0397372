"""A retention run anonymises exactly the files past the limit, and every indicator of the
reports gives the same totals before and after (they read the participations and the records,
never the identity)."""

import datetime as dt

from django.utils import timezone

from cases.models import Beneficiary, Case
from organizations import demo
from organizations.models import FundingAgreement
from privacy import services
from reporting.engine import compute
from reporting.periods import Period
from reporting.scopes import agreement_scope, platform_scope, territory_scope
from tests.organizations.test_seed_demo import demo_territories  # noqa: F401 - fixture


def every_report(today: dt.date) -> dict:
    periods = [
        Period(dt.date(year, 1, 1), dt.date(year, 12, 31))
        for year in range(today.year - 3, today.year + 1)
    ]
    periods.append(Period(today - dt.timedelta(days=4 * 365), today))
    scopes = [platform_scope(p) for p in demo.demo_platforms().order_by("slug")]
    scopes += [
        agreement_scope(a)
        for a in FundingAgreement.objects.select_related("organization", "funder").order_by("pk")
    ]
    scopes.append(territory_scope(None))
    return {
        (scope.code, str(period), suppress): [
            r.as_dict() for r in compute(scope, period, suppress=suppress, today=today).results
        ]
        for scope in scopes
        for period in periods
        for suppress in (False, True)
    }


def test_a_retention_run_anonymises_exactly_the_files_past_the_limit_and_keeps_the_totals(
    demo_territories,  # noqa: F811
):
    demo.run_demo_steps(seed=42, size="small")
    today = timezone.localdate()
    due = set(services.people_due(today).values_list("pk", flat=True))
    assert due, "the demo has files past the limit"
    counted_cases = Case.objects.filter(
        beneficiary__in=due, opened_on__gte=today - dt.timedelta(days=4 * 365)
    )
    assert counted_cases.exists(), "the anonymised people are counted in the reports compared"
    names = {
        pk: (first, last, birth)
        for pk, first, last, birth in Beneficiary.objects.filter(pk__in=due).values_list(
            "pk", "first_name", "last_name", "birth_date"
        )
    }
    before = every_report(today)

    report = services.apply_retention(today=today)

    anonymised = set(
        Beneficiary.objects.filter(anonymised_at__isnull=False).values_list("pk", flat=True)
    )
    assert anonymised == due and report.people == len(due)
    for person in Beneficiary.objects.filter(pk__in=due):
        assert (person.first_name, person.last_name, person.birth_date) != names[person.pk]
        assert person.birth_date is None and person.email == "" and person.phone == ""
    after = every_report(today)
    assert after == before
    assert services.apply_retention(today=today).people == 0
