"""What the referrer reads of an accepted referral depends on the person's consent to share
their follow-up: the page, « Mes prescriptions », the API and the outcome e-mail apply one rule."""

import datetime as dt
from html import unescape

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from cases.models import ConsentRecord, ExitQuestionnaire, Situation
from cases.services.people import withdraw_consent
from referrals import services
from referrals.models import Referral, ReferralStatus
from referrals.sharing import NOT_SHARED_NOTICE
from tests.cases.factories import AppointmentFactory, CaseFactory, DiagnosticFactory

from .factories import ReferralFactory

pytestmark = pytest.mark.django_db
NEXT = timezone.make_aware(dt.datetime(2031, 3, 4, 10))


def page(response) -> str:
    return " ".join(unescape(response.content.decode()).split())


def token_client(membership) -> APIClient:
    token, _ = Token.objects.get_or_create(user=membership.user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def accepted(remi, alice, sent_referral):
    """Camille agreed to share her follow-up and her diagnostic; her pathway has ended."""
    Referral.objects.filter(pk=sent_referral.pk).update(
        share_follow_up_with_referrer=True, share_diagnostic_with_referrer=True
    )
    sent_referral.refresh_from_db()
    case = services.accept_referral(sent_referral, by=alice, advisor=alice)
    AppointmentFactory(case=case, staff=alice, starts_at=NEXT)
    DiagnosticFactory(case=case, summary="Besoin d'un vélo.")
    ExitQuestionnaire.objects.create(
        case=case,
        exit_date=timezone.localdate(),
        situation=Situation.JOB_PERMANENT,
        filled_on=timezone.localdate(),
    )
    sent_referral.refresh_from_db()
    return sent_referral


def withdraw(referral, by):
    consent = ConsentRecord.objects.get(
        beneficiary=referral.case.beneficiary, scope=ConsentRecord.Scope.SHARE_WITH_REFERRER
    )
    withdraw_consent(consent, by=by)


def test_accepting_records_the_consent_the_referrer_attested(accepted):
    consent = ConsentRecord.objects.get(
        beneficiary=accepted.case.beneficiary, scope=ConsentRecord.Scope.SHARE_WITH_REFERRER
    )
    assert consent.in_force and consent.given_on == accepted.consent_given_on


def test_without_the_persons_agreement_the_referrer_sees_the_status_only(
    login, remi, alice, sent_referral
):
    case = services.accept_referral(sent_referral, by=alice)
    AppointmentFactory(case=case, staff=alice, starts_at=NEXT)

    html = page(login(remi).get(reverse("referrals:detail", args=[sent_referral.pk])))

    assert "Acceptée" in html and NOT_SHARED_NOTICE in html
    assert "04/03/2031" not in html and "commencé le" not in html
    assert not ConsentRecord.objects.filter(scope="share_with_referrer").exists()


def test_withdrawing_the_consent_stops_the_sharing_on_the_referral_page(
    login, remi, alice, accepted
):
    client = login(remi)
    detail = reverse("referrals:detail", args=[accepted.pk])
    before = page(client.get(detail))
    assert "04/03/2031 à 10:00" in before and "Emploi durable" in before
    assert "Télécharger la synthèse du diagnostic" in before

    withdraw(accepted, alice)

    after = page(client.get(detail))
    assert "Acceptée" in after and NOT_SHARED_NOTICE in after
    for shared in ("04/03/2031", "Emploi durable", "commencé le", "Télécharger la synthèse"):
        assert shared not in after
    pdf = client.get(reverse("referrals:diagnostic_pdf", args=[accepted.pk]))
    assert pdf.status_code == 302


def test_the_platform_still_reads_its_own_case_after_the_withdrawal(login, alice, accepted):
    withdraw(accepted, alice)

    html = page(login(alice).get(reverse("referrals:detail", args=[accepted.pk])))

    assert "04/03/2031 à 10:00" in html and NOT_SHARED_NOTICE not in html


def test_withdrawing_the_consent_stops_the_sharing_in_my_referrals(
    login, remi, alice, accepted, django_assert_num_queries
):
    client = login(remi)
    assert "Emploi durable" in page(client.get(reverse("referrals:sent")))

    withdraw(accepted, alice)
    other = CaseFactory(organization=alice.organization)
    ReferralFactory(sender=remi, organization=alice.organization, status="accepted", case=other)

    # Session, user, memberships; count and page of referrals with their follow-up.
    with django_assert_num_queries(5):
        html = page(client.get(reverse("referrals:sent")))
    assert "Emploi durable" not in html and "04/03/2031" not in html
    assert html.count("Suivi non partagé") == 2


def test_withdrawing_the_consent_stops_the_sharing_in_the_api(remi, alice, accepted):
    client = token_client(remi)
    url = reverse("api:referral-detail", kwargs={"id": accepted.pk})
    shared = client.get(url).json()
    assert shared["follow_up_shared"] is True and shared["follow_up_notice"] == ""
    assert shared["next_appointment_at"].startswith("2031-03-04")
    assert shared["outcome_summary"].endswith("Emploi durable (CDI, CDD de 6 mois ou plus)")

    withdraw(accepted, alice)

    body = client.get(url).json()
    assert body["status"] == ReferralStatus.ACCEPTED
    assert body["follow_up_shared"] is False and body["follow_up_notice"] == NOT_SHARED_NOTICE
    assert (body["case_opened_on"], body["next_appointment_at"], body["outcome_summary"]) == (
        None,
        None,
        "",
    )
    listed = client.get(reverse("api:referral-list")).json()["results"][0]
    assert listed["outcome_summary"] == "" and listed["follow_up_shared"] is False


def test_the_outcome_email_goes_once_while_the_consent_is_in_force(
    remi, accepted, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        assert services.send_outcomes() == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert services.send_outcomes() == 0

    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == [remi.user.email]
    assert "Fin de l'accompagnement" in mail.subject
    assert "Emploi durable" in mail.body and "Camille" not in mail.body
    assert Referral.objects.get(pk=accepted.pk).outcome_notified_at is not None


def test_no_outcome_email_once_the_consent_is_withdrawn(
    alice, accepted, django_capture_on_commit_callbacks, mailoutbox
):
    withdraw(accepted, alice)

    with django_capture_on_commit_callbacks(execute=True):
        assert services.send_outcomes() == 0

    assert mailoutbox == []
    assert Referral.objects.get(pk=accepted.pk).outcome_notified_at is not None  # handled once


def test_the_daily_command_sends_the_outcomes(
    accepted, capsys, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("referral_reminders")

    assert "1 résultat(s) de sortie envoyé(s)" in capsys.readouterr().out
    assert len(mailoutbox) == 1
