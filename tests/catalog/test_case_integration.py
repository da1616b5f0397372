"""On a case's Aides tab: the catalogue aids the person matches, and an application started
from one of them."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from cases.catalog_profile import profile_for, profile_for_case
from cases.models import AidApplication, Beneficiary, Case
from catalog.models import Aid
from tests.cases.factories import BeneficiaryFactory, CaseFactory

from .factories import AidFactory

TODAY = dt.date.today()


@pytest.fixture
def case(alice, places) -> Case:
    person = BeneficiaryFactory(
        organization=alice.organization, first_name="Karima", last_name="Benali",
        commune=places.roubaix, birth_date=TODAY.replace(year=TODAY.year - 24),
        labour_market_status=Beneficiary.LabourMarketStatus.UNEMPLOYED, receives_rsa=True,
        driving_licence=Beneficiary.DrivingLicence.CODE_OBTAINED,
    )  # fmt: skip
    return CaseFactory(
        beneficiary=person, advisor=alice, status=Case.Status.IN_PROGRESS,
        job_start_date=TODAY + dt.timedelta(days=7),
    )  # fmt: skip


@pytest.fixture
def licence_grant(places) -> Aid:
    return AidFactory(
        name="Aide régionale au permis B", kind=Aid.Kind.LICENCE, coverage=[places.hdf],
        min_age=18, max_age=30, licence_statuses=["none", "learning_code", "code_obtained"],
        provider_name="Région Hauts-de-France", amount_text="Jusqu'à 1 000 €",
        amount_max=Decimal("1000"), how_to_apply="Dossier en ligne.",
    )  # fmt: skip


def tab(case) -> str:
    return reverse("cases:case_aids", args=[case.id])


def prepare(case, aid) -> str:
    return reverse("cases:aid_prepare", args=[case.id, aid.id])


def test_the_profile_comes_from_the_file_and_the_case(case, places):
    profile = profile_for_case(case, on=TODAY, distance_to_work_km=12)
    assert profile.commune == places.roubaix
    assert profile.age == 24
    assert profile.labour_market_status == "unemployed"
    assert (profile.receives_rsa, profile.receives_ass) == (True, False)
    assert profile.is_qpv_resident is None  # unknown in the file: stays unknown
    assert profile.rural is False
    assert profile.driving_licence == "code_obtained"
    assert profile.job_or_training_start == case.job_start_date
    assert profile.distance_to_work_km == 12
    assert profile_for(case.beneficiary, on=TODAY).job_or_training_start is None


def test_an_advisor_sees_the_aids_the_person_matches_with_their_criteria(
    login, alice, case, places, licence_grant
):
    AidFactory(name="Aide pour les plus de 55 ans", coverage=[places.hdf], min_age=55)
    AidFactory(name="Tarif QPV", coverage=[places.mel], qpv_only=True)

    html = login(alice).get(tab(case)).content.decode()

    assert "Aides du catalogue pour Karima" in html
    assert "Aide régionale au permis B" in html
    assert "Âge : 24 ans (de 18 à 30 ans)" in html
    assert "Permis : code obtenu" in html
    assert "Aide pour les plus de 55 ans" not in html
    # The QPV flag is not in the file: the aid shows, to check.
    assert "Tarif QPV" in html and "Habite un quartier prioritaire de la ville (QPV)" in html


def test_a_distance_typed_on_the_tab_refines_the_matches(login, alice, case, places):
    AidFactory(name="Aide aux longs trajets", coverage=[places.hdf], min_distance_km=30)
    client = login(alice)
    assert "Aide aux longs trajets" in client.get(tab(case)).content.decode()
    assert (
        "Aide aux longs trajets" not in client.get(tab(case), {"distance": "10"}).content.decode()
    )
    html = client.get(tab(case), {"distance": "42"}).content.decode()
    assert "Trajet domicile-travail ou formation de 42 km (au moins 30 km)" in html


def test_an_advisor_starts_an_application_prefilled_from_the_aid(login, alice, case, licence_grant):
    response = login(alice).post(prepare(case, licence_grant))

    application = AidApplication.objects.get(case=case)
    assert response.url == reverse("cases:aid_edit", args=[case.id, application.id])
    assert application.aid == licence_grant
    assert application.aid_name == "Aide régionale au permis B"
    assert application.funder_name == "Région Hauts-de-France"
    assert application.amount_requested == Decimal("1000")
    assert application.status == AidApplication.Status.DRAFT
    assert "Dossier en ligne." in application.comment
    assert application.history.get().history_user == alice.user


def test_a_second_application_for_the_same_aid_is_refused_and_the_tab_says_so(
    login, alice, case, licence_grant
):
    client = login(alice)
    client.post(prepare(case, licence_grant))
    response = client.post(prepare(case, licence_grant), follow=True)
    html = response.content.decode()
    assert "existe déjà pour cet accompagnement" in html
    assert "Demande en cours" in html
    assert AidApplication.objects.filter(case=case).count() == 1


@pytest.mark.cross_tenant("cases:aid_prepare")
def test_another_platform_gets_404_and_unpublished_aids_cannot_be_used(
    login, alice, chloe, basile, case, licence_grant, places
):
    assert login(chloe).post(prepare(case, licence_grant)).status_code == 404
    draft = AidFactory(owner=basile.organization, coverage=[places.hdf], status=Aid.Status.DRAFT)
    assert login(alice).post(prepare(case, draft)).status_code == 404
    assert not AidApplication.objects.exists()


@pytest.mark.role_check("cases:aid_prepare")
def test_coaches_referrers_and_funders_cannot_start_an_application(
    login, bob, remi, fanny, case, licence_grant
):
    for member in (bob, remi, fanny):
        assert login(member).post(prepare(case, licence_grant)).status_code == 403
    assert login(bob).get(tab(case)).status_code == 403
    assert not AidApplication.objects.exists()


def test_the_tab_query_count_does_not_grow_with_the_catalogue(login, alice, case, places):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(alice)
    AidFactory(coverage=[places.hdf])

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(tab(case)).status_code == 200
        return len(queries)

    baseline = count()
    for _ in range(5):
        AidFactory(coverage=[places.mel, places.nord], min_age=18)
    assert count() == baseline
