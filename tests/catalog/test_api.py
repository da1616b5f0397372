"""The aids API: public read with coverage filters, profile and beneficiary matching (scoped)."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from catalog.models import Aid
from tests.cases.factories import BeneficiaryFactory, CaseFactory

from .factories import AidFactory

LIST = reverse("api:aid-list")
MATCH = reverse("api:aid-match")


def test_anyone_reads_the_published_aids_without_logging_in(client, places):
    AidFactory(name="Permis", coverage=[places.hdf], min_age=18)
    AidFactory(name="Brouillon", coverage=[places.hdf], status=Aid.Status.DRAFT)
    AidFactory(name="Close", coverage=[places.hdf], valid_until=dt.date(2020, 1, 1))

    response = client.get(LIST)

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    row = body["results"][0]
    assert row["name"] == "Permis"
    assert row["criteria"] == ["Âge : 18 ans ou plus"]
    assert row["coverage"] == [{"level": "region", "code": "32", "name": "Hauts-de-France"}]


def test_the_commune_filter_follows_coverage_inheritance(client, places):
    AidFactory(name="Régionale", coverage=[places.hdf])
    AidFactory(name="Métropole", coverage=[places.mel])
    AidFactory(name="Arras", coverage=[places.arras])
    AidFactory(name="Nationale", nationwide=True)
    names = [row["name"] for row in client.get(LIST, {"commune": "59512"}).json()["results"]]
    assert names == ["Métropole", "Nationale", "Régionale"]


def test_an_unknown_commune_filter_answers_400_in_french(client, places):
    response = client.get(LIST, {"commune": "99999"})
    assert response.status_code == 400
    assert response.json() == {"commune": ["Commune inconnue : « 99999 ». Indiquez le code INSEE."]}


def test_thematique_and_public_filters(client, places):
    AidFactory(name="Permis", coverage=[places.hdf], thematiques=["mobilite--preparer-un-permis"],
               publics=["jeunes"])  # fmt: skip
    AidFactory(name="Bus", coverage=[places.hdf],
               thematiques=["mobilite--mobilite-douce-partagee-collective"],
               publics=["demandeurs-emploi", "jeunes"])  # fmt: skip
    by_theme = client.get(LIST, {"thematique": "mobilite--preparer-un-permis"}).json()
    assert [r["name"] for r in by_theme["results"]] == ["Permis"]
    by_public = client.get(LIST, {"public": "demandeurs-emploi"}).json()
    assert [r["name"] for r in by_public["results"]] == ["Bus"]
    assert client.get(LIST, {"public": "jeunes"}).json()["count"] == 2
    assert client.get(LIST, {"thematique": "mobilite--voler"}).status_code == 400


def test_an_aid_detail_gives_the_structured_criteria(client, places):
    aid = AidFactory(coverage=[places.mel], required_benefits=["rsa"], qpv_only=True)
    body = client.get(reverse("api:aid-detail", args=[aid.id])).json()
    assert body["eligibility"]["required_benefits"] == ["rsa"]
    assert body["eligibility"]["qpv_only"] is True
    assert body["description"] == aid.description


def test_an_unpublished_aid_is_not_found_even_for_its_owner(client, login, adele, places):
    aid = AidFactory(owner=adele.organization, coverage=[places.mel], status=Aid.Status.DRAFT)
    url = reverse("api:aid-detail", args=[aid.id])
    assert client.get(url).status_code == 404
    assert login(adele).get(url).status_code == 404


def test_the_public_list_query_count_does_not_grow(client, places, django_assert_num_queries):
    AidFactory(coverage=[places.hdf])
    with django_assert_num_queries(3):  # count, aids with providers, coverage
        client.get(LIST)
    for _ in range(5):
        AidFactory(coverage=[places.mel, places.arras], provider=None)
    with django_assert_num_queries(3):
        assert client.get(LIST).json()["count"] == 6


# --- Matching a profile ------------------------------------------------------------------------


@pytest.mark.cross_tenant("api:aid-match")
def test_a_member_matches_a_profile_and_sees_no_unpublished_entry(login, remi, basile, places):
    AidFactory(name="Permis des jeunes", coverage=[places.hdf], max_age=25)
    AidFactory(name="Brouillon de B", owner=basile.organization, coverage=[places.hdf],
               status=Aid.Status.DRAFT)  # fmt: skip
    AidFactory(name="Trop jeune", coverage=[places.hdf], min_age=30)

    response = login(remi).post(
        MATCH, {"commune": "59350", "age": 22}, content_type="application/json"
    )

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    result = body["results"][0]
    assert result["aid"]["name"] == "Permis des jeunes"
    assert result["met"] == ["Habite Lille (Hauts-de-France)", "Âge : 22 ans (25 ans au plus)"]
    assert result["unknown"] == []


def test_a_profile_with_an_unknown_commune_is_refused(login, remi, places):
    response = login(remi).post(MATCH, {"commune": "00000"}, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["commune"] == [
        "Commune inconnue : « 00000 ». Indiquez le code INSEE à 5 caractères."
    ]


@pytest.mark.role_check("api:aid-match")
def test_matching_a_profile_needs_an_account(client, places):
    response = client.post(MATCH, {"commune": "59350"}, content_type="application/json")
    assert response.status_code == 401


# --- Matching a beneficiary (cases) ------------------------------------------------------------


@pytest.fixture
def helene(alice, places):
    person = BeneficiaryFactory(
        organization=alice.organization, first_name="Hélène", commune=places.lille,
        birth_date=dt.date.today().replace(year=dt.date.today().year - 22),
        receives_rsa=True, labour_market_status="unemployed",
    )  # fmt: skip
    CaseFactory(beneficiary=person, job_start_date=dt.date.today() + dt.timedelta(days=10))
    return person


def _aids_url(person) -> str:
    return reverse("api:beneficiary-aids", args=[person.id])


def test_an_advisor_gets_the_aids_of_a_person_and_the_read_is_logged(login, alice, helene, places):
    AidFactory(name="Aide RSA reprise", coverage=[places.nord], required_benefits=["rsa"],
               requires_job_or_training_start=True, max_days_before_start=15)  # fmt: skip
    AidFactory(name="Aide ASS", coverage=[places.nord], required_benefits=["ass"])

    body = login(alice).get(_aids_url(helene)).json()

    assert [r["aid"]["name"] for r in body["results"]] == ["Aide RSA reprise"]
    assert "Perçoit RSA" in body["results"][0]["met"]
    assert helene.access_logs.get().kind == "api"


@pytest.mark.cross_tenant("api:beneficiary-aids")
def test_another_platform_gets_404_on_a_person_aids(login, chloe, helene):
    assert login(chloe).get(_aids_url(helene)).status_code == 404


def test_a_person_id_that_is_no_uuid_answers_404_in_json(login, alice):
    for bad in ("null", "12.5"):
        response = login(alice).get(f"/api/v1/beneficiaries/{bad}/aids/")

        assert response.status_code == 404
        assert response.json() == {"detail": "Introuvable."}


@pytest.mark.role_check("api:beneficiary-aids")
def test_coaches_referrers_and_funders_cannot_match_a_person(login, bob, remi, fanny, helene):
    for member in (bob, remi, fanny):
        assert login(member).get(_aids_url(helene)).status_code == 403
    assert Client().get(_aids_url(helene)).status_code == 401
