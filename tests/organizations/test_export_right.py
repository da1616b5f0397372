"""The right to export personal data: granted by a platform admin, enforced on the exports."""

from html import unescape

from django.test import Client
from django.urls import reverse

from organizations.models import Membership, SecurityEvent
from tests.cases.factories import CaseFactory
from tests.factories import DEFAULT_PASSWORD

Kind = SecurityEvent.Kind
EXPORT_URL = reverse("cases:case_export")


def member_form(membership: Membership, **data) -> dict:
    return {"role": membership.role, **data}


def grant(membership: Membership) -> None:
    membership.can_export_data = True
    membership.save(update_fields=["can_export_data"])


def test_a_platform_admin_grants_and_withdraws_the_export_right(login, adele, alice):
    url = reverse("organizations:member_edit", args=[alice.pk])
    client = login(adele)

    client.post(url, member_form(alice, can_export_data="on"))
    alice.refresh_from_db()
    assert alice.can_export_data
    client.post(url, member_form(alice))
    alice.refresh_from_db()
    assert not alice.can_export_data

    granted, withdrawn = SecurityEvent.objects.filter(kind=Kind.MEMBER_CHANGED).order_by("id")
    assert (granted.user, granted.organization) == (adele.user, adele.organization)
    assert granted.detail == f"Droit d'export des données personnelles accordé à {alice.user.email}"
    assert withdrawn.detail.endswith(f"retiré à {alice.user.email}")


def test_a_coach_cannot_get_the_export_right(login, adele, bob):
    url = reverse("organizations:member_edit", args=[bob.pk])

    response = login(adele).post(url, member_form(bob, can_export_data="on"))

    assert response.status_code == 200
    assert "Le droit d'export s'accorde à un·e conseiller·e" in unescape(response.content.decode())
    bob.refresh_from_db()
    assert not bob.can_export_data


def test_a_role_change_away_from_advisor_drops_the_right(login, adele, alice):
    grant(alice)

    login(adele).post(
        reverse("organizations:member_edit", args=[alice.pk]), {"role": Membership.Role.COACH}
    )

    alice.refresh_from_db()
    assert (alice.role, alice.can_export_data) == (Membership.Role.COACH, False)
    assert SecurityEvent.objects.filter(kind=Kind.MEMBER_CHANGED, detail__contains="→").exists()


def test_a_referrer_organisation_offers_no_export_right(login, france_travail, remi):
    admin = Membership.objects.create(
        user=remi.user.__class__.objects.create_user("dir@ft.example.org", DEFAULT_PASSWORD),
        organization=france_travail,
        role=Membership.Role.ADMIN,
    )
    page = login(admin).get(reverse("organizations:member_edit", args=[remi.pk]))
    assert "can_export_data" not in page.content.decode()


def test_granting_the_right_makes_the_advisor_enrol_in_two_factor(login, adele, alice):
    alice_client = login(alice)
    assert alice_client.get("/").status_code == 200

    login(adele).post(
        reverse("organizations:member_edit", args=[alice.pk]),
        member_form(alice, can_export_data="on"),
    )

    assert alice_client.get("/")["Location"] == reverse("accounts:two_factor_setup")


def test_an_advisor_without_the_right_cannot_export_and_sees_no_button(login, alice):
    CaseFactory(organization=alice.organization, advisor=alice)
    client = login(alice)

    assert client.get(EXPORT_URL).status_code == 403
    assert EXPORT_URL not in client.get(reverse("cases:case_list")).content.decode()
    denied = SecurityEvent.objects.get(kind=Kind.PERMISSION_DENIED)
    assert "droit d'exporter" in denied.detail


def test_an_advisor_with_the_right_exports_and_each_export_is_logged(login, alice):
    CaseFactory(organization=alice.organization, advisor=alice)
    grant(alice)
    client = login(alice)

    assert EXPORT_URL in client.get(reverse("cases:case_list")).content.decode()
    response = client.get(EXPORT_URL, {"statut": "in_progress"})

    assert response.status_code == 200
    event = SecurityEvent.objects.get(kind=Kind.EXPORT)
    assert (event.user, event.organization) == (alice.user, alice.organization)
    assert event.detail == "cases:case_export"
    assert event.path == f"{EXPORT_URL}?statut=in_progress"


def test_a_platform_admin_always_has_the_right(login, adele):
    assert login(adele).get(EXPORT_URL).status_code == 200


def test_an_export_needs_a_session_that_passed_the_second_factor(alice):
    grant(alice)
    client = Client()
    client.force_login(alice.user)  # password only

    response = client.get(EXPORT_URL)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:two_factor_setup"))
