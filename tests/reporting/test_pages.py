"""The statistics pages, the funder portal, the activity report jobs, the observatory and the
platform's exports: what each reader sees, and what another tenant or role never does."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from cases.models import AccessLog
from organizations.models import Membership, SecurityEvent
from reporting.models import ReportJob
from tests.conftest import _member, client_for
from tests.factories import SiteFactory
from tests.reporting import world as w
from tests.reporting.pdfcheck import is_pdf_a_3b, text_of

Role = Membership.Role
HALF_YEAR = {"start": "2026-01-01", "end": "2026-06-30"}


@pytest.fixture
def world(db):
    return w.build()


@pytest.fixture
def advisor(world):
    return _member("alice@msl.example.org", "Alice", world.platform, Role.ADVISOR)


@pytest.fixture
def admin(world):
    return _member("adele@msl.example.org", "Adèle", world.platform, Role.ADMIN)


@pytest.fixture
def coach(world):
    return _member("bob@msl.example.org", "Bob", world.platform, Role.COACH)


@pytest.fixture
def other_advisor(world):
    return _member("chloe@rmp.example.org", "Chloé", world.other, Role.ADVISOR)


@pytest.fixture
def funder_member(world):
    return _member("fanny@cd59.example.org", "Fanny", world.funder, Role.FUNDER)


@pytest.fixture
def other_funder(db):
    from tests.factories import OrganizationFactory

    region = OrganizationFactory(name="Région Hauts-de-France", slug="region-hdf", funder=True)
    return _member("regis@hdf.example.org", "Régis", region, Role.FUNDER)


def agreement_scope_code(world) -> str:
    return f"agreement:{world.agreement.pk}"


# --- Statistics page -----------------------------------------------------------------------


def test_an_advisor_reads_the_platforms_figures_with_charts(advisor):
    response = client_for(advisor).get(reverse("reporting:dashboard"), HALF_YEAR)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Mobilité Solidaire Lille" in page
    result = response.context["report"]["people_accompanied"]
    assert result.display == "5"
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="chart"' in page
    assert "Produire le bilan d'activité (PDF)" in page


def test_the_platforms_page_keeps_a_constant_number_of_queries(
    advisor, django_assert_max_num_queries
):
    client = client_for(advisor)
    client.get(reverse("reporting:dashboard"), HALF_YEAR)  # warm the session
    with django_assert_max_num_queries(45):
        client.get(reverse("reporting:dashboard"), HALF_YEAR)


def test_a_wrong_period_is_explained_in_french(advisor):
    response = client_for(advisor).get(
        reverse("reporting:dashboard"), {"start": "2026-06-30", "end": "2026-01-01"}
    )
    assert response.status_code == 200
    assert "La fin de la période doit suivre son début." in response.content.decode()


@pytest.mark.cross_tenant("reporting:dashboard")
def test_another_platform_gets_404_on_the_agreement_or_site_of_a(other_advisor, world):
    client = client_for(other_advisor)
    site = SiteFactory(organization=world.platform)
    for scope in (agreement_scope_code(world), f"site:{site.pk}"):
        response = client.get(reverse("reporting:dashboard"), {"scope": scope})
        assert response.status_code == 404, scope
    response = client.get(reverse("reporting:dashboard"), HALF_YEAR)
    assert "Mobilité Solidaire Lille" not in response.content.decode()


@pytest.mark.role_check("reporting:dashboard")
def test_a_coach_gets_403_on_the_platforms_figures(coach):
    response = client_for(coach).get(reverse("reporting:dashboard"), {"scope": "platform"})
    assert response.status_code == 403
    response = Client().get(reverse("reporting:dashboard"))
    assert response.status_code == 302 and "/compte/connexion/" in response["Location"]


# --- Funder portal -------------------------------------------------------------------------


@pytest.mark.cross_tenant("reporting:agreements")
def test_a_funder_lists_only_its_agreements(funder_member, other_funder, world):
    response = client_for(funder_member).get(reverse("reporting:agreements"))
    assert response.status_code == 200
    assert "Mobilité vers l&#x27;emploi" in response.content.decode()
    response = client_for(other_funder).get(reverse("reporting:agreements"))
    assert "Mobilité vers l&#x27;emploi" not in response.content.decode()


@pytest.mark.role_check("reporting:agreements")
def test_platform_members_get_403_on_the_funder_portal(advisor):
    assert client_for(advisor).get(reverse("reporting:agreements")).status_code == 403


def test_a_funder_reads_its_agreement_without_a_name_and_small_counts_hidden(funder_member, world):
    scope = agreement_scope_code(world)
    response = client_for(funder_member).get(reverse("reporting:dashboard"), {"scope": scope})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Secret statistique" in page
    assert response.context["report"]["people_accompanied"].display == "< 5"
    for case in world.cases.values():
        assert case.beneficiary.last_name not in page
        assert case.beneficiary.birth_date is None or (
            case.beneficiary.birth_date.strftime("%d/%m/%Y") not in page
        )


def test_another_funder_gets_404_on_the_agreement(other_funder, world):
    response = client_for(other_funder).get(
        reverse("reporting:dashboard"), {"scope": agreement_scope_code(world)}
    )
    assert response.status_code == 404


# --- Activity report jobs ------------------------------------------------------------------


def _request_report(client, data, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(reverse("reporting:report_create"), data)


@pytest.mark.cross_tenant(
    "reporting:report_create", "reporting:report_job", "reporting:report_download"
)
def test_a_report_belongs_to_the_organisation_that_asked(
    advisor, other_advisor, world, django_capture_on_commit_callbacks
):
    client = client_for(advisor)
    response = _request_report(
        client, {"scope": "platform", **HALF_YEAR}, django_capture_on_commit_callbacks
    )
    job = ReportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "reporting:report_job", args=[job.pk]
    )
    assert job.status == ReportJob.Status.DONE
    other = client_for(other_advisor)
    assert other.get(reverse("reporting:report_job", args=[job.pk])).status_code == 404
    assert other.get(reverse("reporting:report_download", args=[job.pk])).status_code == 404
    response = other.post(
        reverse("reporting:report_create"), {"scope": agreement_scope_code(world), **HALF_YEAR}
    )
    assert response.status_code == 404


@pytest.mark.role_check(
    "reporting:report_create", "reporting:report_job", "reporting:report_download"
)
def test_a_coach_may_not_ask_for_the_platforms_report(
    advisor, coach, django_capture_on_commit_callbacks
):
    response = client_for(coach).post(
        reverse("reporting:report_create"), {"scope": "platform", **HALF_YEAR}
    )
    assert response.status_code == 403
    _request_report(
        client_for(advisor), {"scope": "platform", **HALF_YEAR}, django_capture_on_commit_callbacks
    )
    job = ReportJob.objects.get()
    # A coach of the same platform does not read the platform's report either.
    assert client_for(coach).get(reverse("reporting:report_job", args=[job.pk])).status_code == 403
    download = reverse("reporting:report_download", args=[job.pk])
    assert client_for(coach).get(download).status_code == 403
    assert Client().get(download).status_code == 302


def test_the_report_job_shows_its_progress_then_the_pdf(
    advisor, django_capture_on_commit_callbacks
):
    client = client_for(advisor)
    response = client.post(reverse("reporting:report_create"), {"scope": "platform", **HALF_YEAR})
    job = ReportJob.objects.get()
    assert job.status == ReportJob.Status.QUEUED  # the task runs once the request commits
    page = client.get(reverse("reporting:report_job", args=[job.pk]), HTTP_HX_REQUEST="true")
    assert 'hx-trigger="every 2s"' in page.content.decode()
    _request_report(client, {"scope": "platform", **HALF_YEAR}, django_capture_on_commit_callbacks)
    job = ReportJob.objects.filter(status=ReportJob.Status.DONE).get()
    page = client.get(reverse("reporting:report_job", args=[job.pk])).content.decode()
    assert "Télécharger le bilan (PDF)" in page
    pdf = b"".join(
        client.get(reverse("reporting:report_download", args=[job.pk])).streaming_content
    )
    assert pdf.startswith(b"%PDF-") and is_pdf_a_3b(pdf)
    assert response.status_code == 302


def test_a_funder_report_asked_on_a_free_period_is_refused_in_french(funder_member, world):
    response = client_for(funder_member).post(
        reverse("reporting:report_create"), {"scope": agreement_scope_code(world), **HALF_YEAR}
    )
    assert response.status_code == 302
    assert ReportJob.objects.count() == 0


# --- Observatory ---------------------------------------------------------------------------


@pytest.mark.cross_tenant(
    "reporting:observatory", "reporting:observatory_csv", "reporting:observatory_xlsx"
)
def test_the_observatory_shows_other_platforms_only_as_suppressed_aggregates(other_advisor, world):
    client = client_for(other_advisor)
    response = client.get(
        reverse("reporting:observatory"), {"territory": "departement:59", "year": 2026}
    )
    assert response.status_code == 200
    view = response.context["view"]
    # A's three people of Lille (c1, c3 and the person of c5/c6) are too few to be shown.
    assert view.totals["people"].display == "< 5" and view.totals["people"].value is None
    page = response.content.decode()
    for case in world.cases.values():
        assert case.beneficiary.last_name not in page
    csv_rows = list(
        csv.reader(
            io.StringIO(
                client.get(
                    reverse("reporting:observatory_csv"),
                    {"territory": "departement:59", "year": 2026},
                ).content.decode("utf-8-sig")
            ),
            delimiter=";",
        )
    )
    assert csv_rows[0] == ["rubrique", "libellé", "code", "indicateur", "valeur", "valeur affichée"]
    for row in csv_rows[1:]:
        if row[3] in ("Personnes accompagnées", "Entrées", "Sorties") and row[4]:
            assert not 0 < int(row[4]) < 5, row
    book = load_workbook(
        io.BytesIO(
            client.get(
                reverse("reporting:observatory_xlsx"), {"territory": "departement:59", "year": 2026}
            ).content
        )
    )
    assert book.active["A3"].value == "rubrique"


@pytest.mark.role_check(
    "reporting:observatory", "reporting:observatory_csv", "reporting:observatory_xlsx"
)
def test_the_observatory_needs_a_login_and_is_open_to_every_role(coach, funder_member):
    for name in (
        "reporting:observatory",
        "reporting:observatory_csv",
        "reporting:observatory_xlsx",
    ):
        response = Client().get(reverse(name))
        assert response.status_code == 302 and "/compte/connexion/" in response["Location"]
    assert client_for(coach).get(reverse("reporting:observatory")).status_code == 200
    assert client_for(funder_member).get(reverse("reporting:observatory")).status_code == 200


def test_an_unknown_territory_is_404(coach):
    response = client_for(coach).get(reverse("reporting:observatory"), {"territory": "region:99"})
    assert response.status_code == 404


def test_a_territory_hidden_in_its_parents_table_stays_hidden_on_its_own_page(coach, world):
    client = client_for(coach)
    region = client.get(reverse("reporting:observatory"), {"territory": "region:32", "year": 2026})
    rows = {r.key: r for r in region.context["view"].rows}
    nord = client.get(
        reverse("reporting:observatory"), {"territory": "departement:59", "year": 2026}
    )
    for measure in ("people", "entries", "exits"):
        in_parent = rows["59"].cells[measure]
        on_page = nord.context["view"].totals[measure]
        assert bool(in_parent.hidden) == bool(on_page.hidden), measure
        assert in_parent.display == on_page.display


# --- Exports -------------------------------------------------------------------------------


@pytest.mark.cross_tenant("reporting:exports", "reporting:export_download")
def test_an_export_holds_only_the_platforms_own_rows_and_is_logged(admin, world):
    client = client_for(admin)
    assert client.get(reverse("reporting:exports")).status_code == 200
    response = client.get(
        reverse("reporting:export_download"),
        {"table": "accompagnements", "format": "csv", **HALF_YEAR},
    )
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:3] == ["identifiant", "nom", "prénom"]
    assert {r[0] for r in rows[1:]} == {
        str(world.cases[k].pk) for k in ("c1", "c2", "c3", "c6", "c7")
    }
    assert (
        SecurityEvent.objects.filter(kind=SecurityEvent.Kind.EXPORT, user=admin.user).count() == 1
    )
    assert AccessLog.objects.filter(kind=AccessLog.Kind.EXPORT, user=admin.user).count() == 5
    other_admin = _member("basile@rmp.example.org", "Basile", world.other, Role.ADMIN)
    theirs = client_for(other_admin).get(
        reverse("reporting:export_download"),
        {"table": "accompagnements", "format": "csv", **HALF_YEAR},
    )
    their_ids = {
        r[0] for r in csv.reader(io.StringIO(theirs.content.decode("utf-8-sig")), delimiter=";")
    }
    assert not their_ids & {str(case.pk) for case in world.cases.values()}
    assert len(their_ids) == 2  # the header and B's own case
    for table in ("seances", "prets"):
        response = client.get(
            reverse("reporting:export_download"), {"table": table, "format": "xlsx", **HALF_YEAR}
        )
        sheet = load_workbook(io.BytesIO(response.content)).active
        names = {
            sheet.cell(row=i, column=6 if table == "seances" else 3).value
            for i in range(2, sheet.max_row + 1)
        }
        assert world.cases["c2"].beneficiary.last_name in names


@pytest.mark.role_check("reporting:exports", "reporting:export_download")
def test_exports_need_the_export_right(advisor, coach):
    page = client_for(advisor).get(reverse("reporting:exports")).content.decode()
    assert "demande le droit d'export" in page
    response = client_for(advisor).get(
        reverse("reporting:export_download"), {"table": "prets", "format": "csv"}
    )
    assert response.status_code == 403
    assert client_for(coach).get(reverse("reporting:exports")).status_code == 403


def test_exports_keep_a_constant_number_of_queries(admin, django_assert_max_num_queries):
    client = client_for(admin)
    for table in ("accompagnements", "seances", "prets"):
        with django_assert_max_num_queries(16):
            client.get(
                reverse("reporting:export_download"), {"table": table, "format": "csv", **HALF_YEAR}
            )


def test_a_bad_export_request_is_explained_in_french(admin):
    response = client_for(admin).get(
        reverse("reporting:export_download"), {"table": "nope", "format": "csv"}
    )
    assert response.status_code == 400
    assert "Sélectionnez un choix valide" in response.content.decode()


def test_pdftotext_reads_the_report(advisor, django_capture_on_commit_callbacks, tmp_path):
    client = client_for(advisor)
    _request_report(client, {"scope": "platform", **HALF_YEAR}, django_capture_on_commit_callbacks)
    job = ReportJob.objects.get()
    pdf = b"".join(
        client.get(reverse("reporting:report_download", args=[job.pk])).streaming_content
    )
    text = text_of(pdf, tmp_path)
    assert "Bilan d'activité" in text and "Mobilité Solidaire Lille" in text
    assert "Annexe : méthode et définitions" in text


def test_the_funders_list_reads_each_agreement_as_its_own_page_does_in_constant_queries(
    funder_member, world, django_assert_max_num_queries
):
    from reporting.engine import compute
    from reporting.periods import Period
    from reporting.scopes import agreement_scope
    from tests.factories import FundingAgreementFactory

    client = client_for(funder_member)
    with django_assert_max_num_queries(16) as one:
        client.get(reverse("reporting:agreements"))
    for year in (2024, 2025):
        second = FundingAgreementFactory(
            organization=world.other,
            funder=world.funder,
            programme=f"Convention {year}",
            start_date=w.d(1, 1, year),
            end_date=w.d(12, 31, year),
        )
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = client.get(reverse("reporting:agreements"))
    rows = {row["agreement"].pk: row["report"] for row in response.context["rows"]}
    assert len(rows) == 3
    own = compute(
        agreement_scope(world.agreement),
        Period(world.agreement.start_date, world.agreement.end_date),
        suppress=True,
        codes=("people_accompanied", "new_entries", "exits", "positive_exit_rate"),
    )
    listed = rows[world.agreement.pk]
    assert [r.display for r in listed.results] == [r.display for r in own.results]
    assert rows[second.pk]["people_accompanied"].display == "0"
