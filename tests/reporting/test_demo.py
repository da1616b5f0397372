"""The demo: the funder finds its agreement's report ready, and its figures open."""

import pytest
from django.urls import reverse

from organizations import demo
from organizations.models import FundingAgreement, Membership
from reporting.models import ReportJob
from tests.conftest import client_for
from tests.organizations.test_seed_demo import demo_territories  # noqa: F401 - fixture
from tests.reporting.pdfcheck import is_pdf_a_3b


@pytest.fixture
def seeded(demo_territories):  # noqa: F811 - the fixture imported above
    demo.run_demo_steps(seed=7, size="small")


def test_the_demo_funder_downloads_its_agreements_report(seeded):
    funder = Membership.objects.select_related("user", "organization").get(
        organization__slug=demo.FOUNDATION_FUNDER["slug"], role=Membership.Role.FUNDER
    )
    job = ReportJob.objects.get(organization=funder.organization)
    assert job.status == ReportJob.Status.DONE and job.suppressed
    agreement = FundingAgreement.objects.get(pk=job.scope_code.split(":")[1])
    assert agreement.funder == funder.organization
    client = client_for(funder)
    page = client.get(reverse("reporting:agreements")).content.decode()
    assert agreement.organization.name in page
    response = client.get(reverse("reporting:report_download", args=[job.pk]))
    assert is_pdf_a_3b(b"".join(response.streaming_content))


def test_the_demo_platforms_statistics_and_observatory_open(seeded):
    for platform in demo.demo_platforms():
        advisor = (
            Membership.objects.filter(organization=platform, role=Membership.Role.ADVISOR)
            .select_related("user", "organization")
            .first()
        )
        client = client_for(advisor)
        response = client.get(reverse("reporting:dashboard"))
        assert response.status_code == 200
        assert response.context["report"]["people_accompanied"].value > 0
        assert client.get(reverse("reporting:observatory")).status_code == 200
