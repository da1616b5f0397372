"""The REST API foundations: authentication, organisation in force, scoped reads, schema, docs."""

import json
import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from drf_spectacular.validation import validate_schema
from rest_framework import pagination
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient, APIRequestFactory
from rest_framework.views import APIView

from organizations.api import exception_handler
from organizations.errors import ConflictError, DomainError
from organizations.models import Membership, User
from tests import factories

Role = Membership.Role

ME = "/api/v1/me/"
SITES = "/api/v1/sites/"
AGREEMENTS = "/api/v1/funding-agreements/"


def token_client(membership: Membership, organization=None) -> APIClient:
    """Return a client that calls the API with the membership's user token, no session."""
    token, _ = Token.objects.get_or_create(user=membership.user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    if organization is not None:
        client.credentials(
            HTTP_AUTHORIZATION=f"Token {token.key}", HTTP_X_ORGANIZATION=str(organization.pk)
        )
    return client


def site_url(site) -> str:
    return reverse("api:site-detail", kwargs={"id": site.pk})


def agreement_url(agreement) -> str:
    return reverse("api:funding-agreement-detail", kwargs={"id": agreement.pk})


# --- /api/v1/me/ -----------------------------------------------------------------------------


def test_me_shows_the_logged_in_user_and_the_organisation_in_force(login, alice):
    response = login(alice).get(ME)

    assert response.status_code == 200
    body = response.json()
    assert body["id"] == str(alice.user.pk)
    assert body["email"] == "alice@msl.example.org"
    assert body["current_membership"]["id"] == str(alice.pk)
    assert body["current_membership"]["role"] == "advisor"
    assert body["current_membership"]["role_label"] == "Conseiller·e mobilité"
    assert body["current_membership"]["organization"] == {
        "id": str(alice.organization_id),
        "name": "Mobilité Solidaire Lille",
        "slug": "msl",
        "kind": "platform",
    }
    assert [m["id"] for m in body["memberships"]] == [str(alice.pk)]


def test_me_answers_a_token_client_without_any_session(alice):
    response = token_client(alice).get(ME)

    assert response.status_code == 200
    assert response.json()["current_membership"]["organization"]["slug"] == "msl"
    assert "sessionid" not in response.cookies


def test_a_token_client_picks_among_its_organisations_with_the_x_organization_header(
    alice, platform_b
):
    in_b = factories.MembershipFactory(user=alice.user, organization=platform_b, role=Role.ADMIN)

    by_default = token_client(alice).get(ME).json()
    in_platform_b = token_client(alice, organization=platform_b).get(ME).json()

    # Without the header: the first organisation by name (Mobilité… before Roule…).
    assert by_default["current_membership"]["id"] == str(alice.pk)
    assert in_platform_b["current_membership"]["id"] == str(in_b.pk)
    assert in_platform_b["current_membership"]["role"] == "admin"
    assert {m["id"] for m in in_platform_b["memberships"]} == {str(alice.pk), str(in_b.pk)}


def test_the_x_organization_header_scopes_the_data_a_token_client_reads(alice, platform_b):
    factories.MembershipFactory(user=alice.user, organization=platform_b, role=Role.ADVISOR)
    factories.SiteFactory(organization=alice.organization, name="Antenne Lille")
    factories.SiteFactory(organization=platform_b, name="Antenne Arras")

    in_a = token_client(alice).get(SITES).json()
    in_b = token_client(alice, organization=platform_b).get(SITES).json()

    assert [s["name"] for s in in_a["results"]] == ["Antenne Lille"]
    assert [s["name"] for s in in_b["results"]] == ["Antenne Arras"]


def test_a_browser_session_may_also_name_its_organisation_in_the_header(login, alice, platform_b):
    in_b = factories.MembershipFactory(user=alice.user, organization=platform_b, role=Role.ADMIN)
    client = login(alice)

    in_session = client.get(ME).json()
    with_header = client.get(ME, headers={"X-Organization": str(platform_b.pk)}).json()

    assert in_session["current_membership"]["id"] == str(alice.pk)
    assert with_header["current_membership"]["id"] == str(in_b.pk)


@pytest.mark.cross_tenant("api:me")
def test_naming_an_organisation_one_does_not_belong_to_answers_404(login, alice, chloe):
    foreign = str(chloe.organization_id)

    by_token = token_client(alice, organization=chloe.organization).get(ME)
    by_session = login(alice).get(ME, headers={"X-Organization": foreign})
    on_a_list = token_client(alice, organization=chloe.organization).get(SITES)

    for response in (by_token, by_session, on_a_list):
        assert response.status_code == 404
        assert response.json() == {"detail": "Organisation introuvable."}


def test_a_malformed_organisation_header_answers_404(alice):
    client = token_client(alice)

    response = client.get(ME, headers={"X-Organization": "msl"})

    assert response.status_code == 404


def test_a_former_member_cannot_name_the_organisation_they_left(alice, platform_b):
    factories.MembershipFactory(
        user=alice.user, organization=platform_b, role=Role.ADMIN, is_active=False
    )

    response = token_client(alice, organization=platform_b).get(ME)

    assert response.status_code == 404


@pytest.mark.role_check("api:me")
def test_an_anonymous_caller_gets_401_with_a_french_detail(db):
    response = APIClient().get(ME)

    assert response.status_code == 401
    assert response.json() == {"detail": "Informations d'authentification non fournies."}
    assert response["WWW-Authenticate"] == "Token"


def test_an_unknown_api_url_answers_404_in_json(db):
    response = APIClient().get("/api/v1/nulle-part/")

    assert response.status_code == 404
    assert response.json() == {"detail": "Introuvable."}


def test_a_wrong_token_gets_401(db):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token 0123456789abcdef0123456789abcdef01234567")

    response = client.get(ME)

    assert response.status_code == 401
    assert response.json()["detail"] == "Token non valide."


def test_a_user_without_any_active_membership_sees_itself_and_no_organisation(alice):
    alice.is_active = False
    alice.save()

    response = token_client(alice).get(ME)

    assert response.status_code == 200
    assert response.json()["memberships"] == []
    assert response.json()["current_membership"] is None


def test_a_user_without_any_active_membership_cannot_read_organisation_data(alice):
    alice.is_active = False
    alice.save()

    response = token_client(alice).get(SITES)

    assert response.status_code == 403
    assert response.json()["detail"] == "Votre compte n'est rattaché à aucune organisation active."


# --- /api/v1/sites/ --------------------------------------------------------------------------


@pytest.mark.cross_tenant("api:site-list")
def test_platform_staff_list_their_own_sites_only(login, alice, chloe):
    lille = factories.TerritoryFactory(code="59350", name="Lille")
    factories.SiteFactory(
        organization=alice.organization, name="Antenne Lille", commune=lille, postcode="59000"
    )
    factories.SiteFactory(organization=alice.organization, name="Atelier Roubaix")
    factories.SiteFactory(organization=chloe.organization, name="Antenne Arras")

    response = login(alice).get(SITES)

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert [s["name"] for s in body["results"]] == ["Antenne Lille", "Atelier Roubaix"]
    first = body["results"][0]
    assert first["commune"] == {"code": "59350", "name": "Lille", "level": "commune"}
    assert first["postcode"] == "59000"
    assert set(first) == {
        "id", "name", "address", "postcode", "commune", "phone", "email", "opening_hours",
        "is_active",
    }  # fmt: skip


def test_a_coach_reads_a_site_of_their_platform(login, bob):
    site = factories.SiteFactory(organization=bob.organization, name="Vélo-école")

    response = login(bob).get(site_url(site))

    assert response.status_code == 200
    assert response.json()["id"] == str(site.pk)
    assert response.json()["name"] == "Vélo-école"


@pytest.mark.cross_tenant("api:site-detail")
def test_chloe_gets_404_on_a_site_of_platform_a(login, alice, chloe):
    site = factories.SiteFactory(organization=alice.organization)

    by_session = login(chloe).get(site_url(site))
    by_token = token_client(chloe).get(site_url(site))

    assert by_session.status_code == 404
    assert by_token.status_code == 404
    assert by_session.json() == {"detail": "Introuvable."}


@pytest.mark.role_check("api:site-list", "api:site-detail")
def test_referrers_and_funders_may_not_read_sites(login, alice, remi, fanny):
    site = factories.SiteFactory(organization=alice.organization)

    for membership in (remi, fanny):
        client = login(membership)
        for url in (SITES, site_url(site)):
            response = client.get(url)
            assert response.status_code == 403, (membership, url)
            assert response.json() == {"detail": "Votre rôle ne permet pas cette opération."}


def test_anonymous_callers_get_401_on_sites(alice):
    site = factories.SiteFactory(organization=alice.organization)

    assert APIClient().get(SITES).status_code == 401
    assert APIClient().get(site_url(site)).status_code == 401


def test_sites_filter_by_status_and_commune(login, alice):
    arras = factories.TerritoryFactory(code="62041", name="Arras")
    factories.SiteFactory(organization=alice.organization, name="Ouvert", commune=arras)
    factories.SiteFactory(organization=alice.organization, name="Fermé", is_active=False)
    client = login(alice)

    open_sites = client.get(SITES, {"is_active": "true"}).json()
    in_arras = client.get(SITES, {"commune": "62041"}).json()

    assert [s["name"] for s in open_sites["results"]] == ["Ouvert"]
    assert [s["name"] for s in in_arras["results"]] == ["Ouvert"]


def test_lists_are_paginated_with_count_next_previous_results(login, alice, monkeypatch):
    monkeypatch.setattr(pagination.PageNumberPagination, "page_size", 2)
    for name in ("A", "B", "C"):
        factories.SiteFactory(organization=alice.organization, name=f"Site {name}")
    client = login(alice)

    first = client.get(SITES).json()
    second = client.get(first["next"]).json()

    assert set(first) == {"count", "next", "previous", "results"}
    assert first["count"] == 3
    assert first["previous"] is None
    assert first["next"] == "http://testserver/api/v1/sites/?page=2"
    assert [s["name"] for s in first["results"]] == ["Site A", "Site B"]
    assert [s["name"] for s in second["results"]] == ["Site C"]
    assert second["next"] is None
    assert second["previous"] == "http://testserver/api/v1/sites/"


def test_the_site_list_query_count_does_not_grow_with_rows(login, alice, django_assert_num_queries):
    commune = factories.TerritoryFactory(code="59350", name="Lille")
    factories.SiteFactory(organization=alice.organization, commune=commune)
    client = login(alice)
    # Session, user, memberships (middleware); count and page of sites.
    with django_assert_num_queries(5):
        client.get(SITES)
    for _ in range(5):
        factories.SiteFactory(organization=alice.organization, commune=factories.TerritoryFactory())

    with django_assert_num_queries(5):
        response = client.get(SITES)

    assert response.json()["count"] == 6


# --- /api/v1/funding-agreements/ -------------------------------------------------------------


@pytest.fixture
def agreements(platform_a, platform_b, departement):
    """A's agreement funded by the Département, B's too, and A's with another funder."""
    region = factories.OrganizationFactory(name="Région Hauts-de-France", slug="hdf", funder=True)
    return {
        "a_by_cd59": factories.FundingAgreementFactory(
            organization=platform_a, funder=departement, programme="Mobilité insertion",
            is_fse_plus=True, start_date="2026-01-01", end_date="2026-12-31",
        ),
        "a_by_region": factories.FundingAgreementFactory(
            organization=platform_a, funder=region, programme="Permis solidaire",
            start_date="2025-01-01", end_date="2025-12-31",
        ),
        "b_by_cd59": factories.FundingAgreementFactory(
            organization=platform_b, funder=departement, programme="Vélo-école",
            start_date="2026-03-01", end_date="2027-02-28",
        ),
    }  # fmt: skip


def _programmes(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [a["programme"] for a in response.json()["results"]]


@pytest.mark.cross_tenant("api:funding-agreement-list")
def test_a_platform_lists_the_agreements_it_carries_and_a_funder_those_it_funds(
    login, alice, adele, chloe, fanny, agreements
):
    assert _programmes(login(alice).get(AGREEMENTS)) == ["Mobilité insertion", "Permis solidaire"]
    assert _programmes(login(adele).get(AGREEMENTS)) == ["Mobilité insertion", "Permis solidaire"]
    assert _programmes(login(chloe).get(AGREEMENTS)) == ["Vélo-école"]
    assert _programmes(login(fanny).get(AGREEMENTS)) == ["Vélo-école", "Mobilité insertion"]


def test_an_agreement_shows_its_parties_period_amount_and_territories(login, alice, agreements):
    agreement = agreements["a_by_cd59"]
    agreement.amount = "45000.00"
    agreement.territories.add(
        factories.TerritoryFactory(level="departement", code="59", name="Nord")
    )
    agreement.save()

    body = login(alice).get(agreement_url(agreement)).json()

    assert body["platform"]["slug"] == "msl"
    assert body["funder"] == {
        "id": str(agreement.funder_id), "name": "Département du Nord", "slug": "cd59",
        "kind": "funder",
    }  # fmt: skip
    assert body["start_date"] == "2026-01-01"
    assert body["end_date"] == "2026-12-31"
    assert body["amount"] == "45000.00"
    assert body["is_fse_plus"] is True
    assert body["territories"] == [{"code": "59", "name": "Nord", "level": "departement"}]
    assert "notes" not in body


@pytest.mark.cross_tenant("api:funding-agreement-detail")
def test_other_tenants_get_404_on_an_agreement_they_neither_carry_nor_fund(
    login, chloe, fanny, agreements
):
    a_by_region = agreement_url(agreements["a_by_region"])

    assert login(chloe).get(a_by_region).status_code == 404
    assert token_client(chloe).get(agreement_url(agreements["a_by_cd59"])).status_code == 404
    assert login(fanny).get(a_by_region).status_code == 404
    assert login(fanny).get(agreement_url(agreements["a_by_cd59"])).status_code == 200


@pytest.mark.role_check("api:funding-agreement-list", "api:funding-agreement-detail")
def test_coaches_and_referrers_may_not_read_funding_agreements(login, bob, remi, agreements):
    url = agreement_url(agreements["a_by_cd59"])

    for membership in (bob, remi):
        client = login(membership)
        assert client.get(AGREEMENTS).status_code == 403, membership
        assert client.get(url).status_code == 403, membership


def test_a_referrer_organisation_admin_may_not_read_funding_agreements(
    login, france_travail, agreements
):
    admin = factories.MembershipFactory(organization=france_travail, role=Role.ADMIN)

    assert login(admin).get(AGREEMENTS).status_code == 403


def test_agreements_filter_by_fse_plus_and_by_the_day_they_are_active(login, fanny, agreements):
    client = login(fanny)

    fse = client.get(AGREEMENTS, {"is_fse_plus": "true"})
    on_new_year = client.get(AGREEMENTS, {"active_on": "2026-01-15"})
    in_spring = client.get(AGREEMENTS, {"active_on": "2026-04-01"})
    by_platform = client.get(AGREEMENTS, {"platform": str(agreements["b_by_cd59"].organization_id)})

    assert _programmes(fse) == ["Mobilité insertion"]
    assert _programmes(on_new_year) == ["Mobilité insertion"]
    assert _programmes(in_spring) == ["Vélo-école", "Mobilité insertion"]
    assert _programmes(by_platform) == ["Vélo-école"]


def test_an_invalid_filter_value_answers_400_in_french(login, fanny, agreements):
    response = login(fanny).get(AGREEMENTS, {"active_on": "demain"})

    assert response.status_code == 400
    assert response.json() == {"active_on": ["Saisissez une date valide."]}


def test_the_agreement_list_query_count_does_not_grow_with_rows(
    login, alice, departement, django_assert_num_queries
):
    def add_agreement(n: int) -> None:
        agreement = factories.FundingAgreementFactory(
            organization=alice.organization, funder=departement
        )
        agreement.territories.add(factories.TerritoryFactory(), factories.TerritoryFactory())

    add_agreement(0)
    client = token_client(alice)
    # Token and user, memberships; count, page of agreements, their territories.
    with django_assert_num_queries(5):
        client.get(AGREEMENTS)
    for n in range(1, 6):
        add_agreement(n)

    with django_assert_num_queries(5):
        response = client.get(AGREEMENTS)

    assert response.json()["count"] == 6
    assert all(len(a["territories"]) == 2 for a in response.json()["results"])


# --- Schema and documentation ----------------------------------------------------------------


def test_the_openapi_schema_is_served_valid_and_documents_the_api(client, db):
    response = client.get("/api/schema/", {"format": "json"})

    assert response.status_code == 200
    schema = json.loads(response.content)
    validate_schema(schema)
    assert {"/api/v1/me/", "/api/v1/sites/", "/api/v1/funding-agreements/{id}/"} <= set(
        schema["paths"]
    )
    listing = schema["paths"]["/api/v1/sites/"]["get"]
    assert listing["summary"] == "Sites de la plateforme"
    assert "X-Organization" in {p["name"] for p in listing["parameters"]}
    assert set(schema["components"]["securitySchemes"]) == {"tokenAuth", "cookieAuth"}


def test_the_schema_generates_without_any_drf_spectacular_warning(tmp_path, db):
    output = tmp_path / "schema.yaml"

    # --fail-on-warn raises CommandError on the first warning or error of the generator.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(output))

    assert "/api/v1/funding-agreements/:" in output.read_text(encoding="utf-8")


@pytest.mark.parametrize("url", ["/api/docs/", "/api/redoc/"])
def test_the_api_documentation_loads_local_assets_only(client, db, url):
    response = client.get(url)

    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/drf_spectacular_sidecar/" in html
    assert re.findall(r"https?://[^\s\"'<>]+", html) == []


# --- Error format ----------------------------------------------------------------------------


class _FailingView(APIView):
    permission_classes: list = []
    authentication_classes: list = []
    error: Exception | None = None

    def get(self, request):
        raise self.error


@pytest.mark.parametrize(
    ("error", "status", "body"),
    [
        (
            DomainError("Ce véhicule est en maintenance.", code="unavailable", field="vehicle"),
            400,
            {
                "detail": "Ce véhicule est en maintenance.",
                "code": "unavailable",
                "field": "vehicle",
            },
        ),
        (
            ConflictError("Ce véhicule est déjà réservé sur cette période."),
            409,
            {"detail": "Ce véhicule est déjà réservé sur cette période.", "code": "invalid"},
        ),
    ],
)
def test_domain_errors_answer_400_and_conflicts_409_with_a_french_detail(error, status, body):
    view = _FailingView.as_view(error=error)

    response = view(APIRequestFactory().get("/"))

    assert response.status_code == status
    assert response.data == body


def test_django_404_and_403_keep_drf_format_in_french():
    from django.core.exceptions import PermissionDenied
    from django.http import Http404

    not_found = exception_handler(Http404("No Site matches the given query."), {})
    denied = exception_handler(PermissionDenied("Votre rôle ne permet pas cette opération."), {})

    assert (not_found.status_code, not_found.data) == (404, {"detail": "Introuvable."})
    assert denied.status_code == 403
    assert denied.data == {"detail": "Votre rôle ne permet pas cette opération."}


# --- create_api_token ------------------------------------------------------------------------


def _create_api_token(*args: str) -> list[str]:
    out = StringIO()
    call_command("create_api_token", *args, stdout=out)
    return out.getvalue().strip().splitlines()


def test_create_api_token_makes_a_system_account_whose_token_calls_the_api(platform_a):
    lines = _create_api_token("--organization", "msl", "--email", "SI@msl.example.org")

    user = User.objects.get(email="si@msl.example.org")
    assert user.get_full_name() == "Compte système Mobilité Solidaire Lille"
    assert user.has_usable_password() is False
    membership = Membership.objects.get(user=user)
    assert (membership.organization, membership.role) == (platform_a, Role.ADVISOR)
    token = lines[-1]
    assert token == Token.objects.get(user=user).key
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    me = client.get(ME).json()
    assert me["current_membership"]["organization"]["slug"] == "msl"


def test_create_api_token_reuses_the_account_and_its_token(platform_a):
    first = _create_api_token("--organization", "msl", "--email", "si@msl.example.org")
    again = _create_api_token(
        "--organization", "msl", "--email", "si@msl.example.org", "--role", "admin"
    )

    assert again[-1] == first[-1]
    assert "réutilisé" in again[0]
    assert User.objects.filter(email="si@msl.example.org").count() == 1
    assert Membership.objects.get(user__email="si@msl.example.org").role == Role.ADMIN


def test_create_api_token_gives_a_funder_system_account_the_funder_role(departement):
    _create_api_token("--organization", "cd59", "--email", "stats@cd59.example.org")

    assert Membership.objects.get(user__email="stats@cd59.example.org").role == Role.FUNDER


def test_create_api_token_refuses_the_address_of_a_person_who_logs_in(alice):
    with pytest.raises(CommandError, match="appartient à une personne"):
        _create_api_token("--organization", "msl", "--email", "alice@msl.example.org")

    assert not Token.objects.filter(user=alice.user).exists()


def test_create_api_token_refuses_an_unknown_organisation_or_a_role_of_another_kind(departement):
    with pytest.raises(CommandError, match="Aucune organisation"):
        _create_api_token("--organization", "inconnue", "--email", "si@example.org")
    with pytest.raises(CommandError, match="Rôles possibles"):
        _create_api_token("--organization", "cd59", "--email", "si@example.org", "--role", "coach")

    assert not User.objects.filter(email="si@example.org").exists()
