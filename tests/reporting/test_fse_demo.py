"""The FSE+ side of the demo: consents for most people, declined answers, improved situations,
and an FSE+ page that opens on it."""

import pytest
from django.urls import reverse

from cases.models import Answer, ConsentRecord, FollowUp, Participation
from organizations import demo
from organizations.models import FundingAgreement, Membership
from tests.conftest import client_for
from tests.organizations.test_seed_demo import demo_territories  # noqa: F401 - fixture


@pytest.fixture
def seeded(demo_territories):  # noqa: F811 - the fixture imported above
    demo.run_demo_steps(seed=7, size="small")
    return list(demo.demo_platforms().order_by("slug"))


def test_most_demo_people_consent_to_the_fse_collection_and_some_decline_questions(seeded):
    for platform in seeded:
        people = platform.beneficiaries.count()
        consents = ConsentRecord.objects.for_organization(platform).filter(
            scope=ConsentRecord.Scope.FSE_REPORTING
        )
        in_force = consents.in_force().count()
        assert 0.7 * people <= in_force < people
        participations = Participation.objects.for_organization(platform)
        assert participations.filter(minority=Answer.DECLINED).exists()
        assert participations.filter(disability=Answer.NOT_ASKED).exists()
        assert participations.filter(sensitive_questions_asked_on__isnull=False).exists()
    assert ConsentRecord.objects.filter(
        scope=ConsentRecord.Scope.FSE_REPORTING, withdrawn_on__isnull=False
    ).exists()
    improved = FollowUp.objects.filter(kind=FollowUp.Kind.MONTH_6, improved_situation=True)
    assert improved.exists()
    assert not improved.exclude(case__participation__labour_market_status="employed").exists()


def test_the_fse_page_and_export_open_on_the_demo_data(seeded):
    agreement = FundingAgreement.objects.get(is_fse_plus=True)
    admin = Membership.objects.get(organization=agreement.organization, role="admin")
    client = client_for(admin)

    page = client.get(reverse("fse:indicators"))
    export = client.get(reverse("fse:export"), {"convention": agreement.pk})

    assert page.status_code == 200
    rows = {(r.code, r.detail): r for r in page.context["rows"]}
    assert rows[("EECO01", "")].total.value > 0
    assert rows[("EECO15", "declined")].total.value > 0
    assert page.context["export"].without_consent > 0
    assert export.status_code == 200
    assert export.content.decode("utf-8").count("\r\n") == len(page.context["export"].rows) + 1
