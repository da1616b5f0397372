"""`/api/v1/stats/`: what the caller may see of the indicators, suppressed outside."""

from __future__ import annotations

import pytest
from django.test import Client

from organizations.models import Membership
from tests.conftest import _member, client_for
from tests.factories import SiteFactory
from tests.reporting import world as w

STATS = "/api/v1/stats/"
HALF_YEAR = {"start": "2026-01-01", "end": "2026-06-30"}


@pytest.fixture
def world(db):
    return w.build()


@pytest.fixture
def advisor(world) -> Membership:
    return _member("alice@msl.example.org", "Alice", world.platform, Membership.Role.ADVISOR)


@pytest.fixture
def coach(world) -> Membership:
    return _member("bob@msl.example.org", "Bob", world.platform, Membership.Role.COACH)


@pytest.fixture
def other_advisor(world) -> Membership:
    return _member("chloe@rmp.example.org", "Chloé", world.other, Membership.Role.ADVISOR)


@pytest.fixture
def funder_member(world) -> Membership:
    return _member("fanny@cd59.example.org", "Fanny", world.funder, Membership.Role.FUNDER)


def indicators(response) -> dict:
    return {item["code"]: item for item in response.json()["indicators"]}


def test_a_platform_advisor_reads_the_platforms_figures_to_the_unit(advisor):
    response = client_for(advisor).get(STATS, {**HALF_YEAR, "scope": "platform"})
    assert response.status_code == 200
    body = response.json()
    assert body["scope"] == {
        "code": "platform",
        "label": "Mobilité Solidaire Lille",
        "kind": "platform",
    }
    assert body["period"] == HALF_YEAR
    assert body["suppressed"] is False
    people = indicators(response)["people_accompanied"]
    assert people["value"] == 5
    assert people["label"] == "Personnes accompagnées"
    assert people["definition"].startswith("Personnes dont un accompagnement")
    sex = next(b for b in people["breakdowns"] if b["code"] == "sex")
    assert {c["key"]: c["value"] for c in sex["cells"]} == {"F": 2, "M": 2, "X": 1, "U": 0}


def test_without_scope_a_platform_member_gets_the_platform_over_the_current_year(advisor):
    response = client_for(advisor).get(STATS)
    assert response.status_code == 200
    body = response.json()
    assert body["scope"]["code"] == "platform"
    assert body["period"]["start"].endswith("-01-01") and body["period"]["end"].endswith("-12-31")


def test_indicators_can_be_picked(advisor):
    response = client_for(advisor).get(STATS, {**HALF_YEAR, "indicator": ["exits", "new_entries"]})
    assert [i["code"] for i in response.json()["indicators"]] == ["exits", "new_entries"]


def test_bad_parameters_get_a_french_400(advisor):
    client = client_for(advisor)
    response = client.get(STATS, {"start": "01/01/2026"})
    assert response.status_code == 400
    assert "AAAA-MM-JJ" in str(response.json())
    response = client.get(STATS, {"start": "2026-06-30", "end": "2026-01-01"})
    assert response.status_code == 400
    assert response.json()["detail"] == "La fin de la période précède son début."
    response = client.get(STATS, {"indicator": "nope"})
    assert response.status_code == 400
    assert "Indicateur inconnu" in str(response.json())


def test_a_funder_reads_its_agreement_suppressed_and_only_over_fixed_periods(funder_member, world):
    client = client_for(funder_member)
    agreement = world.agreement
    scope = f"agreement:{agreement.pk}"
    response = client.get(STATS, {"scope": scope, **HALF_YEAR})
    assert response.status_code == 400
    assert "secret statistique" in response.json()["detail"]
    response = client.get(
        STATS, {"scope": scope, "start": agreement.start_date, "end": agreement.end_date}
    )
    assert response.status_code == 200
    assert response.json()["suppressed"] is True
    people = indicators(response)["people_accompanied"]
    assert people["value"] is None and people["display"] == "< 5" and people["suppressed"]


def test_without_scope_a_funder_gets_all_its_agreements_together(funder_member):
    response = client_for(funder_member).get(STATS)
    assert response.status_code == 200
    assert response.json()["scope"]["kind"] == "funder"


@pytest.mark.cross_tenant("api:stats")
def test_another_platform_gets_404_on_the_agreement_and_site_of_a(other_advisor, world):
    client = client_for(other_advisor)
    site = SiteFactory(organization=world.platform)
    for scope in (f"agreement:{world.agreement.pk}", f"site:{site.pk}", "agreement:nope"):
        response = client.get(STATS, {"scope": scope})
        assert response.status_code == 404, scope
        assert response.json()["detail"] == "Introuvable."
    # Its own platform scope is its own figures, never A's.
    response = client.get(STATS, {**HALF_YEAR, "scope": "platform"})
    assert indicators(response)["people_accompanied"]["value"] == 1


@pytest.mark.role_check("api:stats")
def test_a_coach_gets_403_on_the_platform_figures_and_anonymous_401(coach):
    response = client_for(coach).get(STATS, {"scope": "platform"})
    assert response.status_code == 403
    assert "statistiques" in response.json()["detail"]
    assert Client().get(STATS).status_code == 401


def test_the_observatory_is_open_to_every_member_suppressed(coach):
    response = client_for(coach).get(
        STATS, {"scope": "territory:departement:59", "start": "2026-01-01", "end": "2026-12-31"}
    )
    assert response.status_code == 200
    assert response.json()["suppressed"] is True
    assert response.json()["scope"]["label"] == "Département : Nord"


@pytest.mark.cross_tenant("api:stats-scopes")
def test_the_scope_list_names_only_what_the_caller_may_read(advisor, other_advisor, world):
    codes = [s["code"] for s in client_for(advisor).get("/api/v1/stats/scopes/").json()["results"]]
    assert codes[0] == "platform" and f"agreement:{world.agreement.pk}" in codes
    assert "territory:all" in codes and "territory:departement:59" in codes
    theirs = client_for(other_advisor).get("/api/v1/stats/scopes/").json()["results"]
    assert f"agreement:{world.agreement.pk}" not in [s["code"] for s in theirs]


@pytest.mark.role_check("api:stats-scopes")
def test_a_coach_is_offered_the_observatory_only(coach):
    response = client_for(coach).get("/api/v1/stats/scopes/")
    assert response.status_code == 200
    assert {s["kind"] for s in response.json()["results"]} == {"territory"}
    assert Client().get("/api/v1/stats/scopes/").status_code == 401
