"""Logging in and out, passwords, the profile page and joining through an invitation."""

import re
from datetime import timedelta
from html import unescape

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from organizations import services
from organizations.errors import DomainError
from organizations.models import Invitation, Membership, User
from tests.factories import DEFAULT_PASSWORD

Role = Membership.Role
LOGIN_URL = reverse("accounts:login")
NEW_PASSWORD = "Vélo-école du jeudi 2026"


def log_in(client: Client, email: str, password: str = DEFAULT_PASSWORD, **extra):
    return client.post(LOGIN_URL, {"username": email, "password": password, **extra})


def is_logged_in(client: Client) -> bool:
    return SESSION_KEY in client.session


def link_in(message) -> str:
    return re.search(r"https?://\S+", message.body).group(0)


# --- Logging in and out --------------------------------------------------------------------------


def test_the_login_page_asks_for_an_email_address_and_a_password(client):
    response = client.get(LOGIN_URL)

    assert response.status_code == 200
    assert "Adresse e-mail" in response.text
    assert 'type="email"' in response.text
    assert "Mot de passe oublié" in response.text


def test_a_member_logs_in_with_email_and_password_and_lands_on_home(client, alice):
    response = log_in(client, "Alice@MSL.example.org")

    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert is_logged_in(client)


def test_a_wrong_password_gets_a_french_error_and_keeps_the_email(client, alice):
    response = log_in(client, alice.user.email, "pas-le-bon")

    assert response.status_code == 200
    assert "Adresse e-mail ou mot de passe incorrect" in response.text
    assert 'value="alice@msl.example.org"' in response.text
    assert not is_logged_in(client)


def test_five_wrong_passwords_lock_that_user_from_that_ip_but_not_a_colleague(client, alice, bob):
    for _ in range(4):
        assert log_in(client, alice.user.email, "pas-le-bon").status_code == 200
    locked = log_in(client, alice.user.email, "pas-le-bon")

    assert locked.status_code == 429
    assert "Trop de tentatives de connexion" in locked.text
    assert "réessayez dans 30 minutes" in locked.text
    assert "réinitialisez votre mot de passe" in locked.text
    # Even the right password is refused while the lock lasts.
    assert log_in(client, alice.user.email).status_code == 429
    assert not is_logged_in(client)
    # Bob works in the same agency, behind the same IP address: he still gets in.
    colleague = Client()
    assert log_in(colleague, bob.user.email).status_code == 302
    assert is_logged_in(colleague)


def test_resetting_the_password_lifts_a_lockout(client, alice, mailoutbox):
    for _ in range(5):
        log_in(client, alice.user.email, "pas-le-bon")
    assert log_in(client, alice.user.email).status_code == 429

    client.post(reverse("accounts:password_reset"), {"email": alice.user.email})
    confirm = client.get(link_in(mailoutbox[0]), follow=True)
    client.post(
        confirm.request["PATH_INFO"], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )

    assert log_in(client, alice.user.email, NEW_PASSWORD).status_code == 302


@pytest.mark.role_check("accounts:logout")
def test_logging_out_takes_a_post_and_anonymous_people_are_sent_to_login(client, login, alice):
    alice_client = login(alice)
    assert alice_client.get(reverse("accounts:logout")).status_code == 405

    response = alice_client.post(reverse("accounts:logout"))

    assert response.status_code == 302
    assert response["Location"] == LOGIN_URL
    assert not is_logged_in(alice_client)
    anonymous = client.post(reverse("accounts:logout"))
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(LOGIN_URL)


@pytest.mark.cross_tenant("accounts:logout")
def test_logging_out_ends_only_ones_own_session(login, alice, chloe):
    alice_client, chloe_client = login(alice), login(chloe)

    alice_client.post(reverse("accounts:logout"))

    assert chloe_client.get(reverse("accounts:profile")).status_code == 200
    assert alice_client.get(reverse("accounts:profile")).status_code == 302


# --- Passwords -----------------------------------------------------------------------------------


def test_password_reset_mails_a_french_link_built_from_the_request(client, alice, mailoutbox):
    response = client.post(reverse("accounts:password_reset"), {"email": alice.user.email})

    assert response["Location"] == reverse("accounts:password_reset_done")
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == [alice.user.email]
    assert "nouveau mot de passe" in message.subject
    assert "Bonjour Alice" in message.body
    link = link_in(message)
    assert link.startswith("http://testserver/compte/mot-de-passe/nouveau/")

    form_page = client.get(link, follow=True)
    assert "Nouveau mot de passe" in form_page.text
    done = client.post(
        form_page.request["PATH_INFO"],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        follow=True,
    )
    assert "Votre nouveau mot de passe est enregistré" in done.text
    assert log_in(Client(), alice.user.email, NEW_PASSWORD).status_code == 302


def test_password_reset_for_an_unknown_address_sends_nothing_and_says_the_same(
    client, db, mailoutbox
):
    response = client.post(
        reverse("accounts:password_reset"), {"email": "personne@example.org"}, follow=True
    )

    assert "Si un compte correspond à cette adresse" in response.text
    assert mailoutbox == []


def test_a_used_password_reset_link_says_it_no_longer_works(client, alice, mailoutbox):
    client.post(reverse("accounts:password_reset"), {"email": alice.user.email})
    link = link_in(mailoutbox[0])
    page = client.get(link, follow=True)
    client.post(
        page.request["PATH_INFO"], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )

    again = Client().get(link, follow=True)

    assert "Ce lien n'est plus valable" in unescape(again.text)


@pytest.mark.role_check("accounts:password_change", "accounts:password_change_done")
def test_anonymous_people_are_sent_to_login_from_the_password_pages(client):
    for name in ("accounts:password_change", "accounts:password_change_done"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response["Location"].startswith(LOGIN_URL)


@pytest.mark.cross_tenant("accounts:password_change", "accounts:password_change_done")
def test_changing_ones_password_changes_no_one_elses(login, alice, chloe):
    alice_client = login(alice)
    response = alice_client.post(
        reverse("accounts:password_change"),
        {
            "old_password": DEFAULT_PASSWORD,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
        follow=True,
    )

    assert "Votre nouveau mot de passe est enregistré" in response.text
    assert is_logged_in(alice_client)
    assert log_in(Client(), alice.user.email, NEW_PASSWORD).status_code == 302
    assert log_in(Client(), chloe.user.email, DEFAULT_PASSWORD).status_code == 302


def test_a_too_short_new_password_is_refused_in_french(login, alice):
    response = login(alice).post(
        reverse("accounts:password_change"),
        {"old_password": DEFAULT_PASSWORD, "new_password1": "court", "new_password2": "court"},
    )

    assert response.status_code == 200
    assert "Ce mot de passe est trop court" in response.text


# --- Profile -------------------------------------------------------------------------------------


@pytest.mark.role_check("accounts:profile")
def test_anonymous_people_are_sent_to_login_from_the_profile(client):
    response = client.get(reverse("accounts:profile"))

    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN_URL)


@pytest.mark.cross_tenant("accounts:profile")
def test_the_profile_lists_ones_own_organisations_only(login, alice, chloe):
    response = login(alice).get(reverse("accounts:profile"))

    assert response.status_code == 200
    assert "alice@msl.example.org" in response.text
    assert "Mobilité Solidaire Lille" in response.text
    assert "Conseiller·e mobilité" in response.text
    assert "Roule Ma Poule Arras" not in response.text
    assert "chloe@rmp.example.org" not in response.text


def test_a_member_changes_their_name_and_phone(login, alice):
    client = login(alice)

    response = client.post(
        reverse("accounts:profile"),
        {"first_name": "Alice", "last_name": "Durand", "phone": "03 20 00 00 00"},
        follow=True,
    )

    assert "Votre profil est enregistré" in response.text
    alice.user.refresh_from_db()
    assert (alice.user.last_name, alice.user.phone) == ("Durand", "03 20 00 00 00")


def test_a_profile_without_a_name_is_refused_and_keeps_the_phone(login, alice):
    response = login(alice).post(
        reverse("accounts:profile"), {"first_name": "", "last_name": "", "phone": "0612"}
    )

    assert response.status_code == 200
    assert "Ce champ est obligatoire" in response.text
    assert 'value="0612"' in response.text


# --- Invitations ---------------------------------------------------------------------------------


def invite(by: Membership, email: str = "nina@msl.example.org", role: str = Role.ADVISOR):
    invitation, token = services.invite_member(
        organization=by.organization, email=email, role=role, first_name="Nina", by=by
    )
    return invitation, reverse("accounts:invitation_accept", args=[token])


ACCOUNT = {
    "first_name": "Nina",
    "last_name": "Lefebvre",
    "password1": NEW_PASSWORD,
    "password2": NEW_PASSWORD,
}


def test_the_full_invitation_flow_from_email_to_home(
    login, adele, settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://mobicase.example.org"
    with django_capture_on_commit_callbacks(execute=True):
        sent = login(adele).post(
            reverse("organizations:member_invite"),
            {
                "email": "Nina@MSL.example.org",
                "first_name": "Nina",
                "last_name": "",
                "role": "coach",
            },
        )
    assert sent["Location"] == reverse("organizations:members")
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["nina@msl.example.org"]
    assert "Mobilité Solidaire Lille" in message.subject
    assert "Adèle Test vous invite" in message.body
    link = link_in(message)
    assert link.startswith("https://mobicase.example.org/compte/invitation/")

    nina = Client()
    page = nina.get(link.removeprefix("https://mobicase.example.org"))
    assert "Rejoindre Mobilité Solidaire Lille" in page.text
    assert "formateur·rice" in page.text
    assert 'value="Nina"' in page.text
    created = nina.post(page.request["PATH_INFO"], ACCOUNT, follow=True)
    assert created.redirect_chain[-1][0] == LOGIN_URL
    assert "Votre compte est créé" in created.text

    landed = log_in(nina, "nina@msl.example.org", NEW_PASSWORD)
    assert landed["Location"] == reverse("home")
    membership = Membership.objects.get(user__email="nina@msl.example.org")
    assert (membership.organization, membership.role) == (adele.organization, Role.COACH)
    assert membership.user.get_full_name() == "Nina Lefebvre"


def test_an_invitation_link_used_twice_shows_a_clear_page_and_writes_nothing(client, adele):
    invitation, url = invite(adele)
    client.post(url, ACCOUNT)

    again = Client().post(url, {**ACCOUNT, "first_name": "Autre"})

    assert again.status_code == 410
    assert "Cette invitation a déjà été utilisée" in again.text
    assert User.objects.filter(email=invitation.email).get().first_name == "Nina"
    assert Membership.objects.filter(user__email=invitation.email).count() == 1


def test_an_expired_invitation_shows_a_clear_page_and_writes_nothing(client, adele):
    invitation, url = invite(adele)
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )

    response = client.post(url, ACCOUNT)

    assert response.status_code == 410
    assert "Cette invitation a expiré" in response.text
    assert "Mobilité Solidaire Lille" in response.text
    assert not User.objects.filter(email=invitation.email).exists()


def test_a_revoked_invitation_shows_a_clear_page_and_writes_nothing(client, adele):
    invitation, url = invite(adele)
    services.revoke_invitation(invitation=invitation, by=adele)

    response = client.post(url, ACCOUNT)

    assert response.status_code == 410
    assert "Cette invitation a été annulée" in response.text
    assert not User.objects.filter(email=invitation.email).exists()


def test_an_unknown_invitation_link_is_not_found(client, db):
    response = client.get(reverse("accounts:invitation_accept", args=["pas-un-jeton"]))

    assert response.status_code == 404
    assert "Ce lien d'invitation n'est pas valide" in unescape(response.text)


def test_passwords_that_differ_or_are_short_are_refused_keeping_the_names(client, adele):
    _, url = invite(adele)

    mismatch = client.post(url, {**ACCOUNT, "password2": "Autre mot de passe 2026"})
    short = client.post(url, {**ACCOUNT, "password1": "court", "password2": "court"})

    assert "Les deux mots de passe ne sont pas identiques" in mismatch.text
    assert 'value="Lefebvre"' in mismatch.text
    assert "Ce mot de passe est trop court" in short.text
    assert "12 caractères" in short.text
    assert not User.objects.filter(email="nina@msl.example.org").exists()


def test_someone_with_an_account_logs_in_then_joins(client, adele, chloe):
    _, url = invite(adele, email=chloe.user.email)

    page = client.get(url)
    assert "Vous avez déjà un compte Mobicase" in page.text
    logged_in = log_in(client, chloe.user.email, next=url)
    assert logged_in["Location"] == url
    joined = client.post(url)

    assert joined["Location"] == reverse("home")
    membership = Membership.objects.get(user=chloe.user, organization=adele.organization)
    assert membership.role == Role.ADVISOR
    assert client.session["current_organization_id"] == str(adele.organization_id)
    assert Membership.objects.get(pk=chloe.pk).is_active  # her platform B access stays


def test_an_invitation_opened_with_another_account_cannot_be_accepted(login, adele, chloe):
    invitation, url = invite(adele)
    client = login(chloe)

    page = client.get(url)
    client.post(url)

    assert "cette invitation est adressée à" in page.text
    assert not Membership.objects.filter(user=chloe.user, organization=adele.organization)
    invitation.refresh_from_db()
    assert invitation.accepted_at is None


def test_accepting_an_invitation_twice_is_a_domain_error(adele):
    _, url = invite(adele)
    token = url.rstrip("/").rsplit("/", 1)[1]
    services.accept_invitation(token=token, first_name="Nina", last_name="L", password=NEW_PASSWORD)

    with pytest.raises(DomainError, match="déjà été utilisée") as error:
        services.accept_invitation(
            token=token, first_name="Nina", last_name="L", password=NEW_PASSWORD
        )
    assert error.value.code == "used"
