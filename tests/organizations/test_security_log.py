"""The security log: what is recorded (logins, failures, lockouts, passwords, denials) and the
« Journal de sécurité » page of the organisation's admin."""

import datetime as dt
from html import unescape

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from organizations.models import Membership, SecurityEvent, User
from organizations.security import record_security_event
from tests.factories import DEFAULT_PASSWORD

Kind = SecurityEvent.Kind
LOG_URL = reverse("organizations:security_log")
LOGIN_URL = reverse("accounts:login")


def log_in(client: Client, email: str, password: str = DEFAULT_PASSWORD, **extra):
    return client.post(LOGIN_URL, {"username": email, "password": password}, **extra)


# --- What is recorded ----------------------------------------------------------------------------


def test_a_login_and_a_logout_are_recorded_with_the_ip(alice):
    client = Client()
    log_in(client, alice.user.email, REMOTE_ADDR="198.51.100.7")
    client.post(reverse("accounts:logout"), REMOTE_ADDR="198.51.100.7")

    login = SecurityEvent.objects.get(kind=Kind.LOGIN)
    logout = SecurityEvent.objects.get(kind=Kind.LOGOUT)
    assert (login.user, login.ip_address) == (alice.user, "198.51.100.7")
    assert (logout.user, logout.organization) == (alice.user, alice.organization)


def test_a_failed_login_keeps_the_username_typed_and_the_account_it_aimed_at(alice):
    log_in(Client(), "ALICE@msl.example.org", "pas-le-bon")
    log_in(Client(), "personne@example.org", "pas-le-bon")

    aimed, unknown = SecurityEvent.objects.filter(kind=Kind.LOGIN_FAILED).order_by("id")
    assert (aimed.username, aimed.user) == ("ALICE@msl.example.org", alice.user)
    assert (unknown.username, unknown.user) == ("personne@example.org", None)


def test_a_lockout_is_recorded(alice):
    client = Client()
    for _ in range(5):
        log_in(client, alice.user.email, "pas-le-bon")

    lockout = SecurityEvent.objects.get(kind=Kind.LOCKOUT)
    assert (lockout.user, lockout.username) == (alice.user, alice.user.email)
    assert "5 échecs" in lockout.detail


def test_password_changes_and_reset_requests_are_recorded(login, alice):
    new_password = "Vélo-école du jeudi 2026"
    login(alice).post(
        reverse("accounts:password_change"),
        {
            "old_password": DEFAULT_PASSWORD,
            "new_password1": new_password,
            "new_password2": new_password,
        },
    )
    Client().post(reverse("accounts:password_reset"), {"email": alice.user.email})

    changed = SecurityEvent.objects.get(kind=Kind.PASSWORD_CHANGED)
    reset = SecurityEvent.objects.get(kind=Kind.PASSWORD_RESET)
    assert (changed.user, changed.organization) == (alice.user, alice.organization)
    assert (reset.user, reset.username) == (alice.user, alice.user.email)


def test_a_permission_denial_is_recorded_for_pages_and_the_api(login, bob, fanny):
    assert login(bob).get(reverse("cases:case_list")).status_code == 403
    assert login(fanny).get(reverse("api:case-list")).status_code == 403

    page, api = SecurityEvent.objects.filter(kind=Kind.PERMISSION_DENIED).order_by("id")
    assert (page.user, page.organization, page.path) == (
        bob.user,
        bob.organization,
        "/accompagnements/",
    )
    assert "rôle" in page.detail
    assert (api.user, api.organization) == (fanny.user, fanny.organization)


# --- The page ------------------------------------------------------------------------------------


def make_events(membership: Membership, count: int) -> None:
    for n in range(count):
        record_security_event(
            Kind.EXPORT,
            user=membership.user,
            organization=membership.organization,
            detail=f"export {n}",
        )


@pytest.mark.cross_tenant("organizations:security_log")
def test_an_admin_never_sees_another_organisations_events(login, adele, alice, basile, chloe):
    log_in(Client(), alice.user.email)
    log_in(Client(), chloe.user.email)
    record_security_event(Kind.EXPORT, user=chloe.user, organization=chloe.organization)
    record_security_event(Kind.EXPORT, user=alice.user, organization=alice.organization)

    page = unescape(login(adele).get(LOG_URL).content.decode())

    assert alice.user.email in page
    assert chloe.user.email not in page
    assert basile.user.email not in page
    other = unescape(login(basile).get(LOG_URL).content.decode())
    assert alice.user.email not in other and chloe.user.email in other


@pytest.mark.role_check("organizations:security_log")
def test_only_admins_read_the_security_log(login, client, alice, bob, remi, fanny):
    for member in (alice, bob, remi, fanny):
        assert login(member).get(LOG_URL).status_code == 403, member
    assert client.get(LOG_URL)["Location"].startswith(LOGIN_URL)


def test_a_funder_admin_reads_the_log_of_its_organisation(login, departement, fanny):
    admin = Membership.objects.create(
        user=User.objects.create_user("chef@cd59.example.org", DEFAULT_PASSWORD),
        organization=departement,
        role=Membership.Role.ADMIN,
    )
    log_in(Client(), fanny.user.email)

    response = login(admin).get(LOG_URL)

    assert response.status_code == 200
    assert fanny.user.email in response.content.decode()


def test_the_log_filters_by_type_member_and_period(login, adele, alice, bob):
    make_events(alice, 2)
    record_security_event(Kind.LOGIN_FAILED, user=bob.user, organization=bob.organization)
    old = record_security_event(Kind.EXPORT, user=bob.user, organization=bob.organization)
    old.at = timezone.now() - dt.timedelta(days=40)
    old.save()
    client = login(adele)

    by_kind = client.get(LOG_URL, {"kind": Kind.LOGIN_FAILED})
    by_member = client.get(LOG_URL, {"member": str(alice.user_id)})
    since = (timezone.localdate() - dt.timedelta(days=7)).isoformat()
    by_period = client.get(LOG_URL, {"kind": Kind.EXPORT, "start": since})

    assert by_kind.context["page"].paginator.count == 1
    assert {e.user for e in by_member.context["page"]} == {alice.user}
    assert by_period.context["page"].paginator.count == 2
    bad = client.get(LOG_URL, {"start": "2026-03-10", "end": "2026-03-01"})
    assert "La fin de la période" in unescape(bad.content.decode())


def test_the_log_is_paginated_with_a_constant_number_of_queries(
    login, adele, alice, django_assert_num_queries
):
    client = login(adele)
    make_events(alice, 3)
    # session, user, memberships, member choices, count, page
    with django_assert_num_queries(6):
        assert client.get(LOG_URL).status_code == 200
    make_events(alice, 60)
    with django_assert_num_queries(6):
        response = client.get(LOG_URL)
    assert len(response.context["page"].object_list) == 50
    assert "Page 1 sur 2" in response.content.decode()


def test_the_security_log_is_in_the_admins_navigation(login, adele, alice):
    assert LOG_URL in login(adele).get("/").content.decode()
    assert LOG_URL not in login(alice).get("/").content.decode()


def test_the_django_admin_shows_the_log_read_only(admin_client, alice):
    event = record_security_event(Kind.LOGIN, user=alice.user)

    changelist = admin_client.get(reverse("admin:organizations_securityevent_changelist"))
    change = admin_client.post(
        reverse("admin:organizations_securityevent_change", args=[event.pk]), {"detail": "x"}
    )

    assert changelist.status_code == 200
    assert change.status_code == 403
    event.refresh_from_db()
    assert event.detail == ""
