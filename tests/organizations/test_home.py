"""Each role lands on its own home page, showing only its organisation's data."""

from datetime import date, timedelta
from html import unescape

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from organizations.models import Invitation, Membership, Organization, Territory, hash_token
from tests import factories

Role = Membership.Role
HOME = reverse("home")

HEADINGS = {
    "adele": "Tableau de bord de la plateforme",
    "alice": "Mon espace conseiller·e",
    "bob": "Mon espace formateur·rice",
    "remi": "Orienter vers une plateforme de mobilité",
    "fanny": "Mes conventions de financement",
}


def h1(response) -> str:
    html = response.content.decode()
    start = html.index("<h1>") + len("<h1>")
    return html[start : html.index("</h1>", start)].strip()


def page(response) -> str:
    """Return the page as text, entities decoded and non-breaking spaces made plain."""
    return unescape(response.content.decode()).replace("\xa0", " ").replace("\u202f", " ")


@pytest.fixture
def lille_area(db) -> Territory:
    """Lille, in the Métropole Européenne de Lille, in the Nord."""
    nord = factories.TerritoryFactory(level=Territory.Level.DEPARTEMENT, code="59", name="Nord")
    mel = factories.TerritoryFactory(
        level=Territory.Level.EPCI,
        code="200093201",
        name="Métropole Européenne de Lille",
        kind="ME",
        departement=nord,
    )
    return factories.TerritoryFactory(
        level=Territory.Level.COMMUNE,
        code="59350",
        name="Lille",
        postcodes="59000 59800",
        epci=mel,
        departement=nord,
    )


@pytest.fixture
def arras_area(db) -> Territory:
    pas_de_calais = factories.TerritoryFactory(
        level=Territory.Level.DEPARTEMENT, code="62", name="Pas-de-Calais"
    )
    cua = factories.TerritoryFactory(
        level=Territory.Level.EPCI,
        code="200033579",
        name="CU d'Arras",
        kind="CU",
        departement=pas_de_calais,
    )
    return factories.TerritoryFactory(
        level=Territory.Level.COMMUNE,
        code="62041",
        name="Arras",
        postcodes="62000",
        epci=cua,
        departement=pas_de_calais,
    )


def pending_invitation(organization: Organization, email: str, **extra) -> Invitation:
    return Invitation.objects.create(
        organization=organization,
        email=email,
        role=Role.ADVISOR,
        token_hash=hash_token(email),
        **extra,
    )


def agreement(platform, funder, programme: str, **extra):
    today = timezone.localdate()
    extra.setdefault("start_date", today - timedelta(days=30))
    extra.setdefault("end_date", today + timedelta(days=300))
    return factories.FundingAgreementFactory(
        organization=platform, funder=funder, programme=programme, **extra
    )


@pytest.fixture
def platform_b_world(platform_b, basile, chloe, departement, arras_area):
    """Platform B's own rows, whose names must never show on platform A's pages."""
    platform_b.coverage.add(arras_area.epci)
    factories.SiteFactory(organization=platform_b, name="Garage solidaire d'Arras")
    pending_invitation(platform_b, "recrue@rmp.example.org", first_name="Zoé", last_name="Recrue")
    agreement(platform_b, departement, "Programme secret de B", amount=99_999)
    return platform_b


# --- Landing pages by role -----------------------------------------------------------------


@pytest.mark.role_check("home")
@pytest.mark.parametrize("who", list(HEADINGS))
def test_each_role_lands_on_its_own_home_page(request, login, who):
    membership = request.getfixturevalue(who)

    response = login(membership).get(HOME)

    assert response.status_code == 200
    assert h1(response) == HEADINGS[who]
    assert membership.organization.name in page(response)


def test_a_user_who_logs_in_lands_on_the_home_page_of_their_role(alice):
    client = Client()

    response = client.post(
        reverse("accounts:login"),
        {"username": alice.user.email, "password": factories.DEFAULT_PASSWORD},
        follow=True,
    )

    assert response.redirect_chain[-1][0] == HOME
    assert h1(response) == HEADINGS["alice"]


@pytest.mark.role_check("home")
def test_an_anonymous_visitor_is_sent_to_the_login_page(client):
    response = client.get(HOME)

    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


@pytest.mark.role_check("home")
def test_a_user_without_membership_gets_a_french_403_page(db):
    client = Client()
    client.force_login(factories.UserFactory(email="sans.structure@example.org"))

    response = client.get(HOME)

    assert response.status_code == 403
    assert "Accès refusé" in page(response)
    assert "rattaché à aucune organisation active" in page(response)


def test_a_member_of_a_deactivated_organisation_gets_the_403_page(alice):
    Organization.objects.filter(pk=alice.organization_id).update(is_active=False)
    client = Client()
    client.force_login(alice.user)

    assert client.get(HOME).status_code == 403


# --- Platform admin ------------------------------------------------------------------------


def test_the_platform_admin_sees_members_by_role_invitations_agreements_and_coverage(
    login, adele, alice, bob, departement, lille_area
):
    platform = adele.organization
    platform.coverage.add(lille_area.epci)
    site = factories.SiteFactory(organization=platform, name="Antenne de Roubaix")
    alice.sites.add(site)
    pending_invitation(platform, "nouvelle@msl.example.org", first_name="Nina", last_name="Neuve")
    pending_invitation(
        platform,
        "partie@msl.example.org",
        first_name="Paula",
        expires_at=timezone.now() - timedelta(days=1),
    )
    agreement(platform, departement, "Mobilité vers l'emploi", amount=120_000, is_fse_plus=True)
    agreement(
        platform,
        departement,
        "Ancien programme",
        start_date=date(2020, 1, 1),
        end_date=date(2020, 12, 31),
    )

    html = page(login(adele).get(HOME))

    assert "Conseiller·e mobilité : 1" in html
    assert "Formateur·rice : 1" in html
    assert "Administrateur·rice : 1" in html
    assert "Nina" in html and "Paula" not in html  # expired invitations are not pending
    assert "Mobilité vers l'emploi" in html and "Cofinancé FSE+" in html
    assert "120 000 €" in html
    assert "Ancien programme" not in html
    assert "Antenne de Roubaix" in html
    assert "Métropole Européenne de Lille" in html
    assert reverse("organizations:members") in html
    assert reverse("organizations:sites") in html


@pytest.mark.cross_tenant("home")
def test_the_home_of_platform_a_shows_nothing_of_platform_b(login, adele, alice, platform_b_world):
    for membership in (adele, alice):
        html = page(login(membership).get(HOME))

        assert "Roule Ma Poule Arras" not in html
        assert "Garage solidaire d'Arras" not in html
        assert "Zoé" not in html and "recrue@rmp.example.org" not in html
        assert "Programme secret de B" not in html
        assert "CU d'Arras" not in html
        assert "chloe@rmp.example.org" not in html and "Basile" not in html


@pytest.mark.parametrize("who", ["adele", "alice", "bob"])
def test_platform_home_pages_run_the_same_number_of_queries_whatever_the_rows(
    request, login, who, departement, lille_area
):
    membership = request.getfixturevalue(who)
    platform = membership.organization
    client = login(membership)

    def add_rows(n: int) -> None:
        for i in range(n):
            site = factories.SiteFactory(organization=platform)
            colleague = factories.MembershipFactory(organization=platform, role=Role.ADVISOR)
            colleague.sites.add(site)
            pending_invitation(platform, f"invite{i}-{site.pk}@msl.example.org")
            agreement(platform, departement, f"Programme {site.pk}", amount=1000)
            platform.coverage.add(factories.TerritoryFactory(level=Territory.Level.EPCI))

    add_rows(1)
    with CaptureQueriesContext(connection) as few:
        assert client.get(HOME).status_code == 200
    add_rows(4)
    with CaptureQueriesContext(connection) as many:
        assert client.get(HOME).status_code == 200

    assert len(many) == len(few)


# --- Advisor and coach ---------------------------------------------------------------------


def test_an_advisor_sees_the_sites_colleagues_and_agreements_in_force(
    login, alice, bob, adele, departement
):
    site = factories.SiteFactory(
        organization=alice.organization, name="Lille — siège", opening_hours="de 9 h à 17 h"
    )
    alice.sites.add(site)
    bob.sites.add(site)
    factories.SiteFactory(organization=alice.organization, name="Ancien local", is_active=False)
    agreement(alice.organization, departement, "Permis solidaire", amount=45_000)

    html = page(login(alice).get(HOME))

    assert "Lille — siège" in html and "Votre site" in html
    assert "Ancien local" not in html
    assert "bob@msl.example.org" in html and "adele@msl.example.org" in html
    assert "alice@msl.example.org" not in html  # herself, not a colleague
    assert "Permis solidaire" in html and "45 000 €" in html
    assert reverse("organizations:agreements") in html


def test_a_coach_sees_the_programmes_but_no_amounts_nor_agreements_link(
    login, bob, alice, departement
):
    agreement(bob.organization, departement, "Vélo-école", amount=45_678)

    html = page(login(bob).get(HOME))

    assert "Vélo-école" in html
    assert "45 678" not in html
    assert reverse("organizations:agreements") not in html
    assert "alice@msl.example.org" in html


# --- Referrer ------------------------------------------------------------------------------


def test_a_referrer_sees_the_platforms_covering_their_commune_with_contacts(
    login, remi, platform_a, platform_b, lille_area, arras_area
):
    france_travail = remi.organization
    france_travail.commune = lille_area
    france_travail.save()
    platform_a.coverage.add(lille_area.epci)
    platform_a.phone = "03 20 11 22 33"
    platform_a.email = "contact@msl.example.org"
    platform_a.save()
    factories.SiteFactory(
        organization=platform_a, name="Antenne de Roubaix", phone="03 20 44 55 66"
    )
    platform_b.coverage.add(arras_area.epci)
    nord_platform = factories.OrganizationFactory(name="Mobilité Flandre", slug="mf")
    nord_platform.coverage.add(
        factories.TerritoryFactory(
            level=Territory.Level.EPCI,
            code="200040947",
            name="CC de Flandre Intérieure",
            departement=lille_area.departement,
        )
    )

    html = page(login(remi).get(HOME))

    covering, nearby = html.split("Autres plateformes du département", 1)
    assert "Mobilité Solidaire Lille" in covering
    assert "03 20 11 22 33" in covering and "contact@msl.example.org" in covering
    assert "Antenne de Roubaix" in covering
    assert "Mobilité Flandre" in nearby
    assert "Roule Ma Poule Arras" not in html  # another département


def test_a_referrer_whose_organisation_has_no_commune_is_told_what_to_do(login, remi):
    html = page(login(remi).get(HOME))

    assert "Commune de votre structure à renseigner" in html
    assert "administrateur·rice de votre structure" in html


def test_the_referrer_home_runs_the_same_number_of_queries_whatever_the_platforms(
    login, remi, lille_area
):
    remi.organization.commune = lille_area
    remi.organization.save()
    client = login(remi)

    def add_platforms(n: int) -> None:
        for _ in range(n):
            platform = factories.OrganizationFactory()
            platform.coverage.add(lille_area.epci, lille_area.departement)
            factories.SiteFactory(organization=platform)

    add_platforms(1)
    with CaptureQueriesContext(connection) as few:
        client.get(HOME)
    add_platforms(4)
    with CaptureQueriesContext(connection) as many:
        client.get(HOME)

    assert len(many) == len(few)


# --- Funder --------------------------------------------------------------------------------


@pytest.mark.cross_tenant("home")
def test_a_funder_sees_only_the_agreements_it_funds(login, fanny, platform_a, platform_b):
    other_funder = factories.OrganizationFactory(name="Région Hauts-de-France", funder=True)
    agreement(
        platform_a, fanny.organization, "Mobilité vers l'emploi", amount=180_000, is_fse_plus=True
    )
    agreement(
        platform_b,
        fanny.organization,
        "Location solidaire",
        start_date=date(2020, 1, 1),
        end_date=date(2020, 12, 31),
    )
    agreement(platform_a, other_funder, "Programme de la Région", amount=5_000)

    html = page(login(fanny).get(HOME))

    assert "Mobilité vers l'emploi" in html and "Mobilité Solidaire Lille" in html
    assert "Location solidaire" in html and "Terminée" in html
    assert "Cofinancé FSE+" in html
    assert "Programme de la Région" not in html


def test_the_funder_home_runs_the_same_number_of_queries_whatever_the_agreements(
    login, fanny, lille_area
):
    client = login(fanny)

    def add_agreements(n: int) -> None:
        for _ in range(n):
            funded = agreement(factories.OrganizationFactory(), fanny.organization, "Programme")
            funded.territories.add(lille_area.epci)

    add_agreements(1)
    with CaptureQueriesContext(connection) as few:
        client.get(HOME)
    add_agreements(4)
    with CaptureQueriesContext(connection) as many:
        client.get(HOME)

    assert len(many) == len(few)


# --- Switching organisation ----------------------------------------------------------------


@pytest.fixture
def alice_also_funder(alice, departement) -> Membership:
    """Alice also reads the figures of the Département."""
    return factories.MembershipFactory(user=alice.user, organization=departement, role=Role.FUNDER)


@pytest.mark.role_check("switch_organization")
def test_switching_to_one_of_ones_organisations_changes_the_home_page(
    login, alice, alice_also_funder
):
    client = login(alice)

    response = client.post(
        reverse("switch_organization"),
        {"organization": str(alice_also_funder.organization_id), "next": HOME},
        follow=True,
    )

    assert response.status_code == 200
    assert h1(response) == HEADINGS["fanny"]
    assert "Vous travaillez maintenant pour « Département du Nord »" in page(response)
    assert client.session["current_organization_id"] == str(alice_also_funder.organization_id)


@pytest.mark.cross_tenant("switch_organization")
def test_switching_to_an_organisation_one_is_not_a_member_of_gives_404(login, alice, platform_b):
    client = login(alice)

    response = client.post(reverse("switch_organization"), {"organization": str(platform_b.pk)})

    assert response.status_code == 404
    assert client.session["current_organization_id"] == str(alice.organization_id)


def test_switching_to_an_organisation_named_by_no_uuid_gives_404(login, alice):
    client = login(alice)

    for junk in ("abc", ""):
        response = client.post(reverse("switch_organization"), {"organization": junk})

        assert response.status_code == 404


@pytest.mark.cross_tenant("switch_organization")
def test_switching_to_an_organisation_whose_membership_ended_gives_404(
    login, alice, alice_also_funder
):
    alice_also_funder.is_active = False
    alice_also_funder.save()

    response = login(alice).post(
        reverse("switch_organization"), {"organization": str(alice_also_funder.organization_id)}
    )

    assert response.status_code == 404


@pytest.mark.role_check("switch_organization")
def test_an_anonymous_visitor_cannot_switch_organisation(client, platform_a):
    response = client.post(reverse("switch_organization"), {"organization": str(platform_a.pk)})

    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_switching_ignores_a_next_address_on_another_site(login, alice, alice_also_funder):
    response = login(alice).post(
        reverse("switch_organization"),
        {"organization": str(alice_also_funder.organization_id), "next": "https://evil.example"},
    )

    assert response.status_code == 302
    assert response.url == HOME
