"""Two-factor authentication: enrolment, the code at login, backup codes, the rules that make it
mandatory, disabling it and an admin's reset."""

from html import unescape

import pytest
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token

from organizations import services, two_factor
from organizations.models import Membership, SecurityEvent, User
from tests.factories import DEFAULT_PASSWORD
from tests.otp import confirmed_device, current_code

Kind = SecurityEvent.Kind
LOGIN_URL = reverse("accounts:login")
VERIFY_URL = reverse("accounts:two_factor_verify")
SETUP_URL = reverse("accounts:two_factor_setup")
CODES_URL = reverse("accounts:two_factor_backup_codes")
DISABLE_URL = reverse("accounts:two_factor_disable")


def password_login(email: str) -> Client:
    client = Client()
    response = client.post(LOGIN_URL, {"username": email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 302, response
    return client


def events(kind: str, **filters):
    return SecurityEvent.objects.filter(kind=kind, **filters)


def with_backup_codes(user: User, *codes: str) -> None:
    device = StaticDevice.objects.create(user=user, name="Codes de secours", confirmed=True)
    for code in codes:
        StaticToken.objects.create(device=device, token=code)


# --- Enrolment -----------------------------------------------------------------------------------


def test_an_advisor_enrols_with_the_qr_code_and_a_first_code_then_sees_backup_codes_once(
    login, alice
):
    client = login(alice)

    page = client.get(SETUP_URL)

    assert page.status_code == 200
    html = unescape(page.content.decode())
    assert 'src="data:image/svg+xml' in html
    device = TOTPDevice.objects.get(user=alice.user, confirmed=False)
    assert two_factor.secret_for_display(device) in html
    assert '<label for="id_code">Code de vérification' in html

    response = client.post(SETUP_URL, {"code": current_code(device)})

    assert response.status_code == 302
    assert response["Location"] == CODES_URL
    device.refresh_from_db()
    assert device.confirmed
    assert DEVICE_ID_SESSION_KEY in client.session
    codes_page = client.get(CODES_URL).content.decode()
    tokens = list(
        StaticToken.objects.filter(device__user=alice.user).values_list("token", flat=True)
    )
    assert len(tokens) == 10
    assert all(token in codes_page for token in tokens)
    assert tokens[0] not in client.get(CODES_URL).content.decode()  # shown once
    assert events(Kind.TWO_FACTOR_ENABLED, user=alice.user).count() == 1


def test_a_wrong_first_code_is_refused_in_french_next_to_the_field_and_logged(login, alice):
    client = login(alice)
    client.get(SETUP_URL)

    response = client.post(SETUP_URL, {"code": "000000"})

    html = unescape(response.content.decode())
    assert response.status_code == 200
    assert "Ce code n'est pas le bon" in html
    assert html.index("Ce code n'est pas le bon") > html.index('id="id_code"')
    assert not TOTPDevice.objects.filter(user=alice.user, confirmed=True).exists()
    failure = events(Kind.TWO_FACTOR_FAILED, user=alice.user).get()
    assert failure.detail == "Activation"


def test_enabling_two_factor_ends_the_users_other_sessions(login, alice):
    other_session, client = login(alice), login(alice)
    client.get(SETUP_URL)
    device = TOTPDevice.objects.get(user=alice.user)

    client.post(SETUP_URL, {"code": current_code(device)})

    assert client.get(reverse("accounts:profile")).status_code == 200
    assert other_session.get(reverse("accounts:profile")).status_code == 302


# --- The code at login ---------------------------------------------------------------------------


def test_with_a_device_the_login_asks_for_the_code_before_anything_else(alice):
    device = confirmed_device(alice.user)
    client = password_login(alice.user.email)

    held = client.get(reverse("cases:case_list"))

    assert held.status_code == 302
    assert held["Location"] == f"{VERIFY_URL}?next=%2Faccompagnements%2F"
    assert client.get(reverse("accounts:profile"))["Location"].startswith(VERIFY_URL)
    response = client.post(VERIFY_URL, {"code": current_code(device), "next": "/accompagnements/"})
    assert response["Location"] == "/accompagnements/"
    assert client.get(reverse("cases:case_list")).status_code == 200
    login_event = events(Kind.LOGIN, user=alice.user).get()
    assert "code de double authentification demandé" in login_event.detail


def test_the_session_key_changes_once_the_code_is_given(alice):
    device = confirmed_device(alice.user)
    client = password_login(alice.user.email)
    before = client.session.session_key

    client.post(VERIFY_URL, {"code": current_code(device)})

    assert client.session.session_key != before
    assert client.session[SESSION_KEY] == str(alice.user.pk)


def test_a_wrong_code_gets_a_french_error_and_is_logged_with_the_ip(alice):
    confirmed_device(alice.user)
    client = password_login(alice.user.email)

    response = client.post(VERIFY_URL, {"code": "123456"}, REMOTE_ADDR="203.0.113.9")

    assert response.status_code == 200
    assert "Ce code n'est pas valable" in unescape(response.content.decode())
    assert DEVICE_ID_SESSION_KEY not in client.session
    failure = events(Kind.TWO_FACTOR_FAILED, user=alice.user).get()
    assert (failure.ip_address, failure.detail) == ("203.0.113.9", "Code de l'application")


def test_repeated_wrong_codes_are_slowed_down(alice):
    device = confirmed_device(alice.user)
    client = password_login(alice.user.email)
    client.post(VERIFY_URL, {"code": "123456"})

    response = client.post(VERIFY_URL, {"code": "654321"})

    assert "patientez" in unescape(response.content.decode())
    device.refresh_from_db()
    assert device.throttling_failure_count >= 1


def test_a_backup_code_works_once_only(alice):
    confirmed_device(alice.user)
    with_backup_codes(alice.user, "abcd2345", "efgh6723")
    client = password_login(alice.user.email)

    response = client.post(VERIFY_URL, {"code": "ABCD 2345"})

    assert response.status_code == 302
    used = events(Kind.TWO_FACTOR_BACKUP_USED, user=alice.user).get()
    assert used.detail == "1 code(s) de secours restant(s)"
    again = password_login(alice.user.email)
    refused = again.post(VERIFY_URL, {"code": "abcd2345"})
    assert refused.status_code == 200
    assert events(Kind.TWO_FACTOR_FAILED, user=alice.user, detail="Code de secours").exists()


def test_renewing_the_backup_codes_replaces_them_and_is_logged(login, alice):
    confirmed_device(alice.user)
    with_backup_codes(alice.user, "oldcode22")
    client = login(alice)

    response = client.post(CODES_URL)

    assert response["Location"] == CODES_URL
    tokens = set(
        StaticToken.objects.filter(device__user=alice.user).values_list("token", flat=True)
    )
    assert len(tokens) == 10 and "oldcode22" not in tokens
    page = client.get(CODES_URL).content.decode()
    assert all(token in page for token in tokens)
    assert events(Kind.TWO_FACTOR_BACKUP_RENEWED, user=alice.user).count() == 1


# --- Who must use it -----------------------------------------------------------------------------


def test_a_platform_admin_without_a_device_must_enrol_before_anything_else(adele):
    client = password_login(adele.user.email)

    assert client.get("/")["Location"] == SETUP_URL
    assert client.get(reverse("organizations:members"))["Location"].startswith(SETUP_URL)
    assert client.get(reverse("accounts:profile"))["Location"].startswith(SETUP_URL)
    assert client.get(SETUP_URL).status_code == 200
    assert client.get(reverse("catalog:search")).status_code == 200  # public pages stay public
    api = client.get(reverse("api:me"))
    assert api.status_code == 403
    assert api.json()["detail"].startswith("Double authentification requise")
    assert client.post(reverse("accounts:logout"))["Location"] == LOGIN_URL


def test_another_authorization_scheme_does_not_free_a_session_held_at_the_second_factor(adele):
    client = password_login(adele.user.email)

    for header in ("Basic YWRlbGU6eA==", "Bearer x", "token-sans-espace"):
        response = client.get(reverse("api:me"), HTTP_AUTHORIZATION=header)
        assert response.status_code in (401, 403), header
        assert "adele" not in response.content.decode().lower()


def test_a_token_client_is_not_held_by_two_factor(platform_a, adele):
    platform_a.two_factor_required = True
    platform_a.save()
    token = Token.objects.create(user=adele.user)

    response = Client().get(reverse("api:me"), HTTP_AUTHORIZATION=f"Token {token.key}")

    assert response.status_code == 200


def test_an_organisation_admin_makes_two_factor_mandatory_for_every_member(login, adele, bob):
    bob_client = login(bob)
    assert bob_client.get("/").status_code == 200
    form = {"name": adele.organization.name, "two_factor_required": "on"}

    response = login(adele).post(reverse("organizations:settings"), form)

    assert response.status_code == 302
    adele.organization.refresh_from_db()
    assert adele.organization.two_factor_required
    assert bob_client.get("/")["Location"] == SETUP_URL
    policy = events(Kind.TWO_FACTOR_POLICY).get()
    assert (policy.user, policy.organization) == (adele.user, adele.organization)


def test_a_referrer_admin_can_require_it_too(login, france_travail, remi):
    admin = Membership.objects.create(
        user=User.objects.create_user("directrice@ft.example.org", DEFAULT_PASSWORD),
        organization=france_travail,
        role=Membership.Role.ADMIN,
    )
    page = login(admin).get(reverse("organizations:settings")).content.decode()
    assert 'name="two_factor_required"' in page

    login(admin).post(
        reverse("organizations:settings"), {"name": france_travail.name, "two_factor_required": "1"}
    )

    assert password_login(remi.user.email).get("/")["Location"] == SETUP_URL


# --- Turning it off ------------------------------------------------------------------------------


def test_an_optional_user_disables_two_factor_with_a_current_code(login, alice):
    device = confirmed_device(alice.user)
    client = login(alice)

    wrong = client.post(DISABLE_URL, {"code": "000000"})
    assert "Ce code n'est pas valable" in unescape(wrong.content.decode())
    assert TOTPDevice.objects.filter(user=alice.user).exists()

    response = client.post(DISABLE_URL, {"code": current_code(device)})

    assert response["Location"] == reverse("accounts:profile")
    assert not TOTPDevice.objects.filter(user=alice.user).exists()
    assert events(Kind.TWO_FACTOR_DISABLED, user=alice.user).count() == 1


def test_a_member_who_must_use_it_cannot_disable_it(login, adele):
    client = login(adele)
    device = TOTPDevice.objects.get(user=adele.user)

    page = client.get(DISABLE_URL)
    client.post(DISABLE_URL, {"code": current_code(device)})

    assert "ne peut pas être désactivée" in unescape(page.content.decode())
    assert TOTPDevice.objects.filter(user=adele.user).exists()
    assert not events(Kind.TWO_FACTOR_DISABLED).exists()


def test_the_profile_shows_the_state_and_the_way_to_enable_it(login, alice, adele):
    alice_page = unescape(login(alice).get(reverse("accounts:profile")).content.decode())
    adele_page = unescape(login(adele).get(reverse("accounts:profile")).content.decode())

    assert "Activer la double authentification" in alice_page
    assert "Obligatoire pour votre compte" in adele_page


# --- An admin's reset ----------------------------------------------------------------------------


def reset_url(membership: Membership) -> str:
    return reverse("organizations:member_two_factor_reset", args=[membership.pk])


def test_an_admin_resets_a_members_two_factor_and_the_member_enrols_again(
    login, adele, alice, mailoutbox, django_capture_on_commit_callbacks
):
    confirmed_device(alice.user)
    with_backup_codes(alice.user, "abcd2345")
    alice_session = login(alice)

    with django_capture_on_commit_callbacks(execute=True):
        response = login(adele).post(reset_url(alice))

    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=alice.user).exists()
    assert not StaticDevice.objects.filter(user=alice.user).exists()
    assert alice_session.get("/").status_code == 302  # her sessions ended
    event = events(Kind.TWO_FACTOR_RESET).get()
    assert (event.user, event.organization) == (adele.user, adele.organization)
    assert alice.user.email in event.detail
    assert mailoutbox[0].to == [alice.user.email]
    assert "réinitialisé la double authentification" in mailoutbox[0].body
    # Although her 2FA is optional, she sets it up again at her next login.
    assert password_login(alice.user.email).get("/")["Location"] == SETUP_URL
    client = password_login(alice.user.email)
    client.get(SETUP_URL)
    client.post(SETUP_URL, {"code": current_code(TOTPDevice.objects.get(user=alice.user))})
    alice.user.refresh_from_db()
    assert not alice.user.two_factor_enrolment_due


@pytest.mark.cross_tenant("organizations:member_two_factor_reset")
def test_an_admin_of_another_platform_cannot_reset_a_member(login, basile, alice):
    confirmed_device(alice.user)

    response = login(basile).post(reset_url(alice))

    assert response.status_code == 404
    assert TOTPDevice.objects.filter(user=alice.user).exists()


@pytest.mark.role_check("organizations:member_two_factor_reset")
def test_only_admins_reset_two_factor(login, client, alice, bob):
    confirmed_device(bob.user)

    assert login(alice).post(reset_url(bob)).status_code == 403
    assert client.post(reset_url(bob))["Location"].startswith(LOGIN_URL)
    assert TOTPDevice.objects.filter(user=bob.user).exists()


def test_an_admin_cannot_reset_their_own_two_factor(login, adele):
    response = login(adele).post(reset_url(adele), follow=True)

    assert "votre propre double authentification" in unescape(response.content.decode())
    assert TOTPDevice.objects.filter(user=adele.user).exists()


def test_the_member_page_offers_the_reset_only_when_two_factor_is_on(login, adele, alice):
    url = reverse("organizations:member_edit", args=[alice.pk])
    before = login(adele).get(url).content.decode()
    confirmed_device(alice.user)
    after = login(adele).get(url).content.decode()

    assert reset_url(alice) not in before
    assert reset_url(alice) in after


# --- Ending sessions -----------------------------------------------------------------------------


def test_deactivating_a_member_ends_their_two_factor_verified_sessions(login, adele, alice):
    confirmed_device(alice.user)
    alice_client = login(alice)
    session = alice_client.session
    session[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.get(user=alice.user).persistent_id
    session.save()
    assert alice_client.get("/").status_code == 200

    services.deactivate_member(membership=alice, by=adele)

    assert not Session.objects.filter(session_key=session.session_key).exists()
    assert alice_client.get("/")["Location"].startswith(LOGIN_URL)
    assert events(Kind.MEMBER_DEACTIVATED, user=adele.user).count() == 1


# --- Own-account pages ---------------------------------------------------------------------------


def test_the_two_factor_pages_ask_anonymous_visitors_to_log_in(client):
    for url in (VERIFY_URL, SETUP_URL, CODES_URL, DISABLE_URL):
        assert client.get(url)["Location"].startswith(LOGIN_URL), url


def test_the_two_factor_pages_only_touch_ones_own_devices(login, alice, chloe):
    chloe_device = confirmed_device(chloe.user)
    client = login(alice)

    client.get(SETUP_URL)
    client.post(CODES_URL)
    client.post(DISABLE_URL, {"code": current_code(chloe_device)})

    assert TOTPDevice.objects.filter(user=chloe.user, confirmed=True).count() == 1
    assert not TOTPDevice.objects.filter(user=alice.user, confirmed=True).exists()
    assert not StaticDevice.objects.filter(user=chloe.user).exists()


def test_a_session_waiting_for_its_code_cannot_accept_an_invitation(adele, chloe):
    from organizations.services import invite_member

    confirmed_device(chloe.user)
    _invitation, token = invite_member(
        organization=adele.organization, email=chloe.user.email, role="coach", by=adele
    )
    client = password_login(chloe.user.email)
    url = reverse("accounts:invitation_accept", args=[token])

    response = client.post(url)

    assert response["Location"].startswith(VERIFY_URL)
    assert Membership.objects.filter(user=chloe.user).count() == 1


def test_an_htmx_request_of_a_held_session_redirects_the_whole_page(adele):
    client = password_login(adele.user.email)

    response = client.get(reverse("cases:todo"), HTTP_HX_REQUEST="true")

    assert response["HX-Redirect"].startswith(SETUP_URL)


def test_a_password_alone_cannot_renew_nor_read_the_backup_codes(alice):
    confirmed_device(alice.user)
    with_backup_codes(alice.user, "abcd2345")
    client = password_login(alice.user.email)

    renew = client.post(CODES_URL)
    read = client.get(CODES_URL)

    assert renew["Location"].startswith(VERIFY_URL)
    assert read["Location"].startswith(VERIFY_URL)
    assert list(StaticToken.objects.values_list("token", flat=True)) == ["abcd2345"]
