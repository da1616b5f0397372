"""The organisation admin's pages: members and invitations, sites, settings, funding agreements."""

from html import unescape

import pytest
from django.contrib.auth import SESSION_KEY
from django.urls import reverse
from rest_framework.authtoken.models import Token

from organizations import services
from organizations.errors import DomainError
from organizations.models import (
    FundingAgreement,
    Invitation,
    Membership,
    Organization,
    Site,
    Territory,
)
from tests import factories

Role = Membership.Role
LOGIN_URL = reverse("accounts:login")


def text(response) -> str:
    return unescape(response.content.decode())


def url(name: str, *args) -> str:
    return reverse(f"organizations:{name}", args=args)


@pytest.fixture
def lille(db) -> Territory:
    return factories.TerritoryFactory(level=Territory.Level.COMMUNE, code="59350", name="Lille")


@pytest.fixture
def mel(db) -> Territory:
    return factories.TerritoryFactory(
        level=Territory.Level.EPCI, code="200093201", name="Métropole Européenne de Lille"
    )


@pytest.fixture
def nord(db) -> Territory:
    return factories.TerritoryFactory(level=Territory.Level.DEPARTEMENT, code="59", name="Nord")


@pytest.fixture
def site_a(platform_a) -> Site:
    return factories.SiteFactory(organization=platform_a, name="Antenne de Fives")


@pytest.fixture
def agreement_a(platform_a, departement) -> FundingAgreement:
    return factories.FundingAgreementFactory(
        organization=platform_a, funder=departement, programme="Mobilité vers l'emploi 2026"
    )


@pytest.fixture
def invitation_a(adele) -> Invitation:
    invitation, _token = services.invite_member(
        organization=adele.organization, email="nina@msl.example.org", role=Role.COACH, by=adele
    )
    return invitation


def add_members(organization: Organization, count: int, site: Site | None = None) -> None:
    for _ in range(count):
        membership = factories.MembershipFactory(organization=organization, role=Role.ADVISOR)
        if site is not None:
            membership.sites.add(site)


def queries_of(client, path: str) -> int:
    """Return how many queries a page makes (after a first request warms the session)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(path)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured.captured_queries)


# --- Members ------------------------------------------------------------------------------------


@pytest.mark.cross_tenant("organizations:members")
def test_the_members_list_shows_the_organisations_members_and_invitations_only(
    login, adele, alice, bob, basile, chloe, invitation_a, site_a
):
    bob.sites.add(site_a)
    services.deactivate_member(membership=alice, by=adele)

    page = text(login(adele).get(url("members")))

    assert "alice@msl.example.org" in page and "Désactivé" in page
    assert "bob@msl.example.org" in page and "Formateur·rice" in page
    assert "Antenne de Fives" in page
    assert "nina@msl.example.org" in page  # the pending invitation
    assert "chloe@rmp.example.org" not in page
    assert "basile@rmp.example.org" not in page


@pytest.mark.role_check(
    "organizations:members",
    "organizations:member_invite",
    "organizations:settings",
)
def test_members_and_settings_are_for_admins_only(client, login, alice, bob, remi, fanny):
    for membership in (alice, bob, remi, fanny):
        member_client = login(membership)
        for name in ("members", "member_invite", "settings"):
            assert member_client.get(url(name)).status_code == 403, (membership, name)
    assert client.get(url("members"))["Location"].startswith(LOGIN_URL)


def test_an_admin_of_a_referrer_organisation_manages_its_members(login, france_travail, remi):
    admin = factories.MembershipFactory(organization=france_travail, role=Role.ADMIN)

    page = text(login(admin).get(url("members")))

    assert "remi@ft.example.org" in page
    assert "Sites" not in page


def test_the_members_list_makes_as_many_queries_for_10_members_as_for_2(
    login, adele, alice, site_a, django_assert_num_queries
):
    client = login(adele)
    alice.sites.add(site_a)
    expected = queries_of(client, url("members"))

    add_members(adele.organization, 8, site=site_a)
    services.invite_member(
        organization=adele.organization, email="x@example.org", role=Role.COACH, by=adele
    )

    with django_assert_num_queries(expected):
        assert client.get(url("members")).status_code == 200


@pytest.mark.cross_tenant("organizations:member_invite")
def test_an_email_that_is_a_member_elsewhere_can_be_invited(
    login, basile, alice, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        response = login(basile).post(
            url("member_invite"),
            {"email": alice.user.email, "first_name": "", "last_name": "", "role": "advisor"},
        )

    assert response["Location"] == url("members")
    invitation = Invitation.objects.get(email=alice.user.email)
    assert invitation.organization == basile.organization
    assert mailoutbox[0].to == [alice.user.email]


def test_inviting_an_existing_member_is_refused_in_french(login, adele, alice):
    response = login(adele).post(
        url("member_invite"),
        {"email": "ALICE@msl.example.org", "first_name": "", "last_name": "", "role": "coach"},
    )

    assert response.status_code == 200
    assert "Cette personne est déjà membre de l'organisation." in text(response)
    assert 'value="ALICE@msl.example.org"' in text(response)
    assert not Invitation.objects.exists()


def test_the_invite_form_offers_only_the_roles_of_the_organisation_kind(login, adele):
    client = login(adele)

    page = text(client.get(url("member_invite")))
    refused = client.post(
        url("member_invite"),
        {"email": "nina@msl.example.org", "first_name": "", "last_name": "", "role": "referrer"},
    )

    assert 'value="coach"' in page and 'value="referrer"' not in page
    assert "Sélectionnez un choix valide" in text(refused)
    assert not Invitation.objects.exists()


def test_the_invite_service_refuses_a_role_the_kind_does_not_have(adele):
    with pytest.raises(DomainError, match="Ce rôle n'existe pas") as error:
        services.invite_member(
            organization=adele.organization, email="n@example.org", role=Role.FUNDER, by=adele
        )
    assert error.value.field == "role"


def test_a_second_invitation_to_the_same_address_points_to_resend(adele, invitation_a):
    with pytest.raises(DomainError, match="renvoyez-la"):
        services.invite_member(
            organization=adele.organization, email=invitation_a.email, role=Role.COACH, by=adele
        )


@pytest.mark.cross_tenant(
    "organizations:member_edit",
    "organizations:member_deactivate",
    "organizations:member_reactivate",
)
def test_another_organisations_admin_cannot_reach_a_member(login, basile, alice, adele):
    client = login(basile)

    assert client.get(url("member_edit", alice.pk)).status_code == 404
    assert client.post(url("member_edit", alice.pk), {"role": "admin"}).status_code == 404
    assert client.post(url("member_deactivate", alice.pk)).status_code == 404
    services.deactivate_member(membership=alice, by=adele)
    assert client.post(url("member_reactivate", alice.pk)).status_code == 404
    alice.refresh_from_db()
    assert (alice.role, alice.is_active) == (Role.ADVISOR, False)


@pytest.mark.role_check(
    "organizations:member_edit",
    "organizations:member_deactivate",
    "organizations:member_reactivate",
)
def test_an_advisor_cannot_change_or_deactivate_colleagues(login, alice, bob, adele):
    client = login(alice)

    assert client.get(url("member_edit", bob.pk)).status_code == 403
    assert client.post(url("member_edit", bob.pk), {"role": "admin"}).status_code == 403
    assert client.post(url("member_deactivate", bob.pk)).status_code == 403
    services.deactivate_member(membership=bob, by=adele)
    assert client.post(url("member_reactivate", bob.pk)).status_code == 403
    bob.refresh_from_db()
    assert (bob.role, bob.is_active) == (Role.COACH, False)


def test_an_admin_changes_a_members_role_and_sites(login, adele, bob, site_a):
    client = login(adele)

    form = text(client.get(url("member_edit", bob.pk)))
    response = client.post(url("member_edit", bob.pk), {"role": "advisor", "sites": [site_a.pk]})

    assert "<legend>Sites" in form and "Antenne de Fives" in form

    assert response["Location"] == url("members")
    bob.refresh_from_db()
    assert bob.role == Role.ADVISOR
    assert list(bob.sites.all()) == [site_a]
    assert bob.history.first().history_user == adele.user


def test_deactivation_ends_the_users_sessions_and_api_tokens(login, adele, bob):
    bob_client = login(bob)
    Token.objects.create(user=bob.user)
    assert bob_client.get(reverse("accounts:profile")).status_code == 200

    response = login(adele).post(url("member_deactivate", bob.pk), follow=True)

    assert "L'accès de Bob Test est désactivé." in text(response)
    home = bob_client.get(reverse("home"))
    assert home.status_code == 302
    assert home["Location"].startswith(LOGIN_URL)
    assert not Token.objects.filter(user=bob.user).exists()


def test_deactivation_keeps_the_session_of_someone_active_elsewhere(login, adele, basile, bob):
    elsewhere = factories.MembershipFactory(
        user=bob.user, organization=basile.organization, role=Role.COACH
    )
    bob_client = login(bob)

    services.deactivate_member(membership=bob, by=adele)

    assert SESSION_KEY in bob_client.session
    assert bob_client.get(reverse("accounts:profile")).status_code == 200
    assert elsewhere.organization.name in text(bob_client.get(reverse("accounts:profile")))


def test_a_reactivated_member_can_work_again(login, adele, bob):
    services.deactivate_member(membership=bob, by=adele)

    login(adele).post(url("member_reactivate", bob.pk))

    bob.refresh_from_db()
    assert bob.is_active and bob.deactivated_at is None
    assert login(bob).get(reverse("accounts:profile")).status_code == 200


def test_the_last_admin_cannot_deactivate_or_demote_themself(login, adele):
    client = login(adele)

    deactivated = client.post(url("member_deactivate", adele.pk), follow=True)
    demoted = client.post(url("member_edit", adele.pk), {"role": "advisor"})

    assert "dernier·e administrateur·rice" in text(deactivated)
    assert "dernier·e administrateur·rice" in text(demoted)
    adele.refresh_from_db()
    assert (adele.role, adele.is_active) == (Role.ADMIN, True)


def test_an_admin_can_step_down_when_another_admin_remains(login, adele, alice):
    services.change_role(membership=alice, role=Role.ADMIN, by=adele)

    login(adele).post(url("member_edit", adele.pk), {"role": "advisor"})

    adele.refresh_from_db()
    assert adele.role == Role.ADVISOR


# --- Invitations --------------------------------------------------------------------------------


@pytest.mark.cross_tenant("organizations:invitation_resend", "organizations:invitation_revoke")
def test_another_organisations_admin_cannot_resend_or_revoke_an_invitation(
    login, basile, invitation_a
):
    client = login(basile)

    assert client.post(url("invitation_resend", invitation_a.pk)).status_code == 404
    assert client.post(url("invitation_revoke", invitation_a.pk)).status_code == 404
    invitation_a.refresh_from_db()
    assert invitation_a.revoked_at is None


@pytest.mark.role_check("organizations:invitation_resend", "organizations:invitation_revoke")
def test_an_advisor_cannot_resend_or_revoke_an_invitation(login, alice, invitation_a):
    client = login(alice)

    assert client.post(url("invitation_resend", invitation_a.pk)).status_code == 403
    assert client.post(url("invitation_revoke", invitation_a.pk)).status_code == 403
    assert client.get(url("invitation_revoke", invitation_a.pk)).status_code == 403


def test_resending_an_invitation_mails_a_new_link_and_kills_the_old_one(
    client, login, adele, django_capture_on_commit_callbacks, mailoutbox
):
    invitation, token = services.invite_member(
        organization=adele.organization, email="nina@msl.example.org", role=Role.COACH, by=adele
    )

    with django_capture_on_commit_callbacks(execute=True):
        login(adele).post(url("invitation_resend", invitation.pk))

    assert len(mailoutbox) == 1
    new_link = mailoutbox[0].body.split("http://127.0.0.1:8000", 1)[1].split()[0]
    old_link = reverse("accounts:invitation_accept", args=[token])
    assert client.get(old_link).status_code == 404
    assert client.get(new_link).status_code == 200


def test_a_revoked_invitation_leaves_the_list(login, adele, invitation_a):
    client = login(adele)

    revoked = text(client.post(url("invitation_revoke", invitation_a.pk), follow=True))

    invitation_a.refresh_from_db()
    assert invitation_a.revoked_at is not None
    assert "L'invitation de nina@msl.example.org est annulée" in revoked
    assert invitation_a.email not in text(client.get(url("members")))


# --- Sites --------------------------------------------------------------------------------------


@pytest.mark.cross_tenant("organizations:sites")
def test_the_sites_list_shows_the_platforms_sites_only(login, adele, basile, site_a):
    factories.SiteFactory(organization=basile.organization, name="Garage d'Arras")

    page = text(login(adele).get(url("sites")))

    assert "Antenne de Fives" in page
    assert "Garage d'Arras" not in page


@pytest.mark.role_check(
    "organizations:sites",
    "organizations:site_create",
    "organizations:site_edit",
    "organizations:site_deactivate",
    "organizations:site_reactivate",
)
def test_sites_are_for_platform_admins_only(login, alice, bob, remi, france_travail, site_a):
    referrer_admin = factories.MembershipFactory(organization=france_travail, role=Role.ADMIN)
    for membership in (alice, bob, remi, referrer_admin):
        client = login(membership)
        assert client.get(url("sites")).status_code == 403
        assert client.get(url("site_create")).status_code == 403
        assert client.get(url("site_edit", site_a.pk)).status_code == 403
        assert client.post(url("site_deactivate", site_a.pk)).status_code == 403
        assert client.post(url("site_reactivate", site_a.pk)).status_code == 403
    site_a.refresh_from_db()
    assert site_a.is_active


def test_the_sites_list_makes_as_many_queries_for_10_sites_as_for_2(
    login, adele, site_a, django_assert_num_queries
):
    client = login(adele)
    factories.SiteFactory(organization=adele.organization, commune=None)
    add_members(adele.organization, 2, site=site_a)
    expected = queries_of(client, url("sites"))

    for _ in range(8):
        factories.SiteFactory(
            organization=adele.organization,
            commune=factories.TerritoryFactory(level=Territory.Level.COMMUNE),
        )
    add_members(adele.organization, 3, site=site_a)

    with django_assert_num_queries(expected):
        assert client.get(url("sites")).status_code == 200


@pytest.mark.cross_tenant("organizations:site_create")
def test_a_site_name_used_by_another_platform_is_free(login, basile, site_a, lille):
    response = login(basile).post(
        url("site_create"), {"name": "Antenne de Fives", "commune": "59350", "postcode": "59800"}
    )

    assert response["Location"] == url("sites")
    site = Site.objects.get(organization=basile.organization)
    assert (site.name, site.commune) == ("Antenne de Fives", lille)


def test_a_site_needs_a_known_commune_and_a_free_name(login, adele, site_a, lille):
    client = login(adele)

    unknown = client.post(url("site_create"), {"name": "Local vélo", "commune": "99999"})
    taken = client.post(url("site_create"), {"name": "antenne de fives", "commune": "59350"})

    assert "Commune inconnue : « 99999 »" in text(unknown)
    assert 'value="Local vélo"' in text(unknown)
    assert "Un site de votre organisation porte déjà ce nom" in text(taken)
    assert Site.objects.for_organization(adele.organization).count() == 1


@pytest.mark.cross_tenant(
    "organizations:site_edit", "organizations:site_deactivate", "organizations:site_reactivate"
)
def test_another_platforms_admin_cannot_reach_a_site(login, basile, adele, site_a):
    client = login(basile)

    assert client.get(url("site_edit", site_a.pk)).status_code == 404
    assert client.post(url("site_edit", site_a.pk), {"name": "Piraté"}).status_code == 404
    assert client.post(url("site_deactivate", site_a.pk)).status_code == 404
    services.deactivate_site(site=site_a, by=adele)
    assert client.post(url("site_reactivate", site_a.pk)).status_code == 404
    site_a.refresh_from_db()
    assert (site_a.name, site_a.is_active) == ("Antenne de Fives", False)


def test_an_admin_edits_closes_and_reopens_a_site(login, adele, site_a, lille):
    client = login(adele)

    form = text(client.get(url("site_edit", site_a.pk)))
    client.post(
        url("site_edit", site_a.pk),
        {"name": "Antenne de Fives-Hellemmes", "commune": "59350", "opening_hours": "9 h à 12 h"},
    )
    client.post(url("site_deactivate", site_a.pk))
    site_a.refresh_from_db()
    closed = site_a.is_active
    client.post(url("site_reactivate", site_a.pk))

    assert 'value="Antenne de Fives"' in form
    site_a.refresh_from_db()
    assert (site_a.name, site_a.commune, site_a.opening_hours) == (
        "Antenne de Fives-Hellemmes",
        lille,
        "9 h à 12 h",
    )
    assert closed is False and site_a.is_active is True


# --- Settings -----------------------------------------------------------------------------------


def settings_data(**changes) -> dict:
    return {"name": "Mobilité Solidaire Lille", "siret": "", "network": "", **changes}


@pytest.mark.cross_tenant("organizations:settings")
def test_the_settings_page_edits_ones_own_organisation_only(login, basile, platform_a):
    client = login(basile)

    page = text(client.get(url("settings")))
    client.post(url("settings"), settings_data(name="Roule Ma Poule Arras et environs"))

    assert "Roule Ma Poule Arras" in page and "Mobilité Solidaire Lille" not in page
    platform_a.refresh_from_db()
    assert platform_a.name == "Mobilité Solidaire Lille"
    assert Organization.objects.get(pk=basile.organization_id).name.endswith("et environs")


def test_an_admin_saves_identity_address_and_coverage(login, adele, lille, mel):
    client = login(adele)

    response = client.post(
        url("settings"),
        settings_data(
            siret="732 829 320 00074",
            network="mobin",
            address="12 rue Pierre Legrand",
            postcode="59800",
            commune="59350",
            email="contact@msl.example.org",
            description="Plateforme de mobilité de la métropole lilloise.",
            coverage=[mel.pk, lille.pk],
        ),
    )

    assert response["Location"] == url("settings")
    organization = Organization.objects.get(pk=adele.organization_id)
    assert organization.siret == "73282932000074"
    assert organization.commune == lille
    assert set(organization.coverage.all()) == {mel, lille}


def test_a_wrong_siret_is_refused_in_french_keeping_the_rest(login, adele):
    response = login(adele).post(
        url("settings"), settings_data(siret="73282932000075", address="12 rue Pierre Legrand")
    )

    assert response.status_code == 200
    assert "Ce SIRET n'est pas valide" in text(response)
    assert 'value="12 rue Pierre Legrand"' in text(response)


def test_coverage_accepts_only_epcis_and_communes(login, adele, nord):
    response = login(adele).post(url("settings"), settings_data(coverage=[nord.pk]))

    assert "Choisissez uniquement des EPCI ou des communes" in text(response)
    assert not Organization.objects.get(pk=adele.organization_id).coverage.exists()
    with pytest.raises(DomainError, match="EPCI ou de communes"):
        services.set_coverage(organization=adele.organization, territories=[nord], by=adele)


def test_a_referrer_admin_edits_settings_without_coverage(login, france_travail):
    admin = factories.MembershipFactory(organization=france_travail, role=Role.ADMIN)

    page = text(login(admin).get(url("settings")))

    assert "France Travail Lille Centre" in page
    assert "Territoire couvert" not in page


# --- Funding agreements -------------------------------------------------------------------------


@pytest.mark.cross_tenant("organizations:agreements")
def test_each_side_sees_only_its_agreements(login, chloe, fanny, alice, agreement_a, platform_b):
    other_funder = factories.OrganizationFactory(name="Région Hauts-de-France", funder=True)
    factories.FundingAgreementFactory(
        organization=platform_b, funder=other_funder, programme="Permis pour l'emploi"
    )

    assert "Mobilité vers l'emploi 2026" in text(login(alice).get(url("agreements")))
    chloe_page = text(login(chloe).get(url("agreements")))
    assert "Mobilité vers l'emploi 2026" not in chloe_page
    assert "Permis pour l'emploi" in chloe_page
    fanny_page = text(login(fanny).get(url("agreements")))
    assert "Mobilité vers l'emploi 2026" in fanny_page
    assert "Permis pour l'emploi" not in fanny_page
    assert "Nouvelle convention" not in fanny_page


@pytest.mark.role_check("organizations:agreements", "organizations:agreement_detail")
def test_coaches_and_referrers_cannot_see_agreements(login, bob, remi, agreement_a):
    for membership in (bob, remi):
        client = login(membership)
        assert client.get(url("agreements")).status_code == 403
        assert client.get(url("agreement_detail", agreement_a.pk)).status_code == 403


@pytest.mark.cross_tenant("organizations:agreement_detail", "organizations:agreement_edit")
def test_another_platform_or_funder_cannot_reach_an_agreement(login, basile, chloe, agreement_a):
    outsider_funder = factories.MembershipFactory(
        organization=factories.OrganizationFactory(funder=True), role=Role.FUNDER
    )
    for membership in (basile, chloe, outsider_funder):
        assert login(membership).get(url("agreement_detail", agreement_a.pk)).status_code == 404
    assert login(basile).get(url("agreement_edit", agreement_a.pk)).status_code == 404
    response = login(basile).post(url("agreement_edit", agreement_a.pk), {"programme": "Piraté"})
    assert response.status_code == 404
    agreement_a.refresh_from_db()
    assert agreement_a.programme == "Mobilité vers l'emploi 2026"


def test_the_funder_reads_an_agreement_without_editing_it(login, fanny, agreement_a):
    page = text(login(fanny).get(url("agreement_detail", agreement_a.pk)))

    assert "Mobilité Solidaire Lille" in page
    assert "du 01/01/2026 au 31/12/2026" in page
    assert url("agreement_edit", agreement_a.pk) not in page


def test_the_funder_never_reads_the_platform_remarks_on_an_agreement(
    login, adele, fanny, agreement_a
):
    agreement_a.notes = "Le référent du Département part en juin."
    agreement_a.save()

    assert "Le référent du Département part en juin." in text(
        login(adele).get(url("agreement_detail", agreement_a.pk))
    )
    assert "Le référent du Département" not in text(
        login(fanny).get(url("agreement_detail", agreement_a.pk))
    )


@pytest.mark.role_check("organizations:agreement_create", "organizations:agreement_edit")
def test_only_the_platform_admin_creates_or_edits_agreements(login, alice, fanny, bob, agreement_a):
    for membership in (alice, fanny, bob):
        client = login(membership)
        assert client.get(url("agreement_create")).status_code == 403
        assert client.get(url("agreement_edit", agreement_a.pk)).status_code == 403
        assert client.post(url("agreement_edit", agreement_a.pk), {}).status_code == 403


def agreement_data(funder: Organization, **changes) -> dict:
    return {
        "funder": funder.pk,
        "programme": "Permis solidaire",
        "reference": "CD59-2026-014",
        "start_date": "2026-03-01",
        "end_date": "2027-02-28",
        "amount": "45000",
        "is_fse_plus": "on",
        "target_participants": "60",
        "notes": "",
        **changes,
    }


@pytest.mark.cross_tenant("organizations:agreement_create")
def test_an_agreement_created_by_a_platform_is_its_own(login, basile, departement, nord):
    response = login(basile).post(
        url("agreement_create"), agreement_data(departement, territories=[nord.pk])
    )

    agreement = FundingAgreement.objects.get(programme="Permis solidaire")
    assert response["Location"] == url("agreement_detail", agreement.pk)
    assert agreement.organization == basile.organization
    assert (agreement.funder, agreement.is_fse_plus) == (departement, True)
    assert list(agreement.territories.all()) == [nord]


def test_an_agreement_ending_before_it_starts_is_refused_in_french(login, adele, departement):
    response = login(adele).post(
        url("agreement_create"), agreement_data(departement, end_date="2026-02-01")
    )

    assert response.status_code == 200
    assert "La fin de la convention doit être le même jour ou après son début" in text(response)
    assert 'value="CD59-2026-014"' in text(response)
    assert not FundingAgreement.objects.exists()


def test_the_funder_must_be_a_funder_organisation(login, adele, departement, france_travail):
    client = login(adele)

    page = text(client.get(url("agreement_create")))
    response = client.post(url("agreement_create"), agreement_data(france_travail))

    assert "Département du Nord" in page and "France Travail Lille Centre" not in page
    assert "Choisissez un financeur dans la liste" in text(response)
    assert not FundingAgreement.objects.exists()


def test_the_platform_admin_edits_an_agreement(login, adele, agreement_a, departement):
    response = login(adele).post(
        url("agreement_edit", agreement_a.pk),
        agreement_data(departement, programme="Mobilité vers l'emploi 2026-2027"),
        follow=True,
    )

    assert "La convention « Mobilité vers l'emploi 2026-2027 » est enregistrée." in text(response)
    agreement_a.refresh_from_db()
    assert str(agreement_a.end_date) == "2027-02-28"
    assert agreement_a.history.first().history_user == adele.user
