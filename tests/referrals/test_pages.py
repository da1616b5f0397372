"""The referral pages: the referrer's journey, the platform's inbox and answers, access rules."""

import datetime as dt
from html import unescape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from cases.models import Case, ConsentRecord
from referrals import services
from referrals.models import Attachment, Message, Referral, ReferralSettings, ReferralStatus
from tests.cases.factories import (
    AppointmentFactory,
    BeneficiaryFactory,
    CaseFactory,
    ConsentRecordFactory,
    DiagnosticFactory,
)

from .factories import MessageFactory, ReferralFactory

Status = ReferralStatus


def page(response) -> str:
    return unescape(response.content.decode())


def form_data(platform, commune, **overrides) -> dict:
    data = {
        "organization": str(platform.pk), "first_name": "Nour", "last_name": "Haddad",
        "sex": "F", "birth_date": "1996-03-14", "phone": "06 11 22 33 44", "email": "",
        "address": "3 rue de la Gare", "postcode": "59000", "commune": commune.code,
        "labour_market_status": "unemployed", "driving_licence": "none",
        "objective": "Rejoindre un CDD en logistique à Lesquin, début à 5 h.",
        "job_start_on": "", "job_interview_on": "", "training_start_on": "",
        "employer_commune": "", "working_hours": "de 5 h à 13 h", "consent": "on",
        "consent_given_on": timezone.localdate().isoformat(), "coverage_override_reason": "",
        "action": "send",
    }  # fmt: skip
    data.update(overrides)
    return data


# --- The referrer's journey -----------------------------------------------------------------------


def test_the_directory_lists_the_platforms_covering_the_persons_commune(
    login, remi, platform_a, platform_b, territories
):
    response = login(remi).get(reverse("referrals:directory"), {"commune": "59350"})

    html = page(response)
    assert response.status_code == 200
    assert "Plateformes qui accompagnent les habitant·es de Lille" in html
    assert "Orienter vers Mobilité Solidaire Lille" in html
    assert f"?platform={platform_a.pk}&commune=59350" in html
    assert "Roule Ma Poule Arras" not in html  # another département, does not cover Lille
    assert "Aides à la mobilité à Lille" in html


def test_a_referrer_sends_a_referral_and_sees_what_happens_next(
    login, remi, alice, territories, no_licence, django_capture_on_commit_callbacks, mailoutbox
):
    client = login(remi)
    form_url = reverse("referrals:create")
    html = page(client.get(form_url, {"platform": alice.organization_id, "commune": "59350"}))
    assert 'value="Lille (59350)"' in html
    assert f'value="{timezone.localdate().isoformat()}"' in html  # the consent date, today
    assert "J'atteste que : la personne a donné son accord" in html

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            form_url,
            form_data(alice.organization, territories["lille"], barriers=[str(no_licence.pk)]),
        )

    referral = Referral.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("referrals:confirmation", args=[referral.id])
    assert referral.status == Status.SENT and referral.sender == remi
    assert list(referral.barriers.all()) == [no_licence]
    assert len(mailoutbox) == 1  # Alice, the only member of platform A here
    confirmation = page(client.get(response.url))
    assert "Ce qui va se passer" in confirmation
    assert "Sans réponse sous 30 jours" in confirmation


def test_without_consent_the_form_says_so_and_keeps_everything_typed(
    login, remi, alice, territories
):
    data = form_data(alice.organization, territories["lille"], consent="")

    response = login(remi).post(reverse("referrals:create"), data)

    html = page(response)
    assert response.status_code == 200
    assert "Le consentement de la personne est obligatoire" in html
    assert 'value="Haddad"' in html and "Rejoindre un CDD en logistique" in html
    assert not Referral.objects.exists()


def test_a_draft_is_saved_then_completed_and_sent(login, remi, alice, territories):
    client = login(remi)
    data = form_data(
        alice.organization, territories["lille"], consent="", action="draft", objective=""
    )

    response = client.post(reverse("referrals:create"), data)

    draft = Referral.objects.get()
    assert draft.status == Status.DRAFT and draft.consent_text == ""
    assert response.url == reverse("referrals:edit", args=[draft.id])
    assert "Haddad" in page(client.get(response.url))

    response = client.post(
        reverse("referrals:edit", args=[draft.id]),
        form_data(alice.organization, territories["lille"]),
    )

    draft.refresh_from_db()
    assert response.url == reverse("referrals:confirmation", args=[draft.id])
    assert draft.status == Status.SENT
    assert draft.consent_text.startswith("La personne a donné son accord")


def test_sending_outside_the_platforms_territory_warns_and_asks_for_a_reason(
    login, remi, chloe, territories
):
    client = login(remi)
    warning = page(
        client.get(
            reverse("referrals:create"), {"platform": chloe.organization_id, "commune": "59350"}
        )
    )
    assert "Roule Ma Poule Arras ne couvre pas Lille" in warning

    refused = client.post(
        reverse("referrals:create"), form_data(chloe.organization, territories["lille"])
    )
    assert "expliquez pourquoi vous orientez quand même" in page(refused)
    assert not Referral.objects.exists()

    sent = client.post(
        reverse("referrals:create"),
        form_data(
            chloe.organization,
            territories["lille"],
            coverage_override_reason="Elle déménage à Arras le mois prochain.",
        ),
    )
    assert sent.status_code == 302
    assert Referral.objects.get().coverage_override_reason.startswith("Elle déménage")


def test_a_file_joined_to_the_form_is_stored_after_its_content_check(
    login, remi, alice, territories
):
    data = form_data(alice.organization, territories["lille"], action="draft")
    data["attachment"] = SimpleUploadedFile("promesse.pdf", b"%PDF-1.4 promesse")

    login(remi).post(reverse("referrals:create"), data)

    attachment = Attachment.objects.get()
    assert attachment.original_name == "promesse.pdf"
    assert attachment.file.read() == b"%PDF-1.4 promesse"


def test_my_referrals_show_status_next_appointment_and_outcome(
    login, remi, lucie, alice, territories, django_assert_num_queries
):
    case = CaseFactory(organization=alice.organization)
    ConsentRecordFactory(
        beneficiary=case.beneficiary, scope=ConsentRecord.Scope.SHARE_WITH_REFERRER
    )
    AppointmentFactory(case=case, starts_at=timezone.make_aware(dt.datetime(2031, 3, 4, 10)))
    ReferralFactory(
        sender=remi,
        organization=alice.organization,
        status=Status.ACCEPTED,
        case=case,
        first_name="Inès",
    )
    ReferralFactory(
        sender=lucie, organization=alice.organization, status=Status.SENT, first_name="Pas-à-Rémi"
    )
    client = login(remi)

    # Session, user, memberships; count and page of referrals with platform, case, exit.
    with django_assert_num_queries(5):
        response = client.get(reverse("referrals:sent"))
    for _ in range(3):
        ReferralFactory(
            sender=remi,
            organization=alice.organization,
            status=Status.SENT,
            commune=territories["lille"],
        )
    with django_assert_num_queries(5):
        client.get(reverse("referrals:sent"))

    html = page(response)
    assert "Inès DUBOIS" in html and "04/03/2031 à 10:00" in html and "Acceptée" in html
    assert "Pas-à-Rémi" not in html


def test_the_referrer_sees_the_outcome_at_closing(login, remi, alice):
    from cases.models import ExitQuestionnaire, Situation

    case = CaseFactory(
        organization=alice.organization, status="closed", closed_on=timezone.localdate()
    )
    ExitQuestionnaire.objects.create(
        case=case,
        exit_date=timezone.localdate(),
        situation=Situation.JOB_PERMANENT,
        filled_on=timezone.localdate(),
    )
    ConsentRecordFactory(
        beneficiary=case.beneficiary, scope=ConsentRecord.Scope.SHARE_WITH_REFERRER
    )
    referral = ReferralFactory(
        sender=remi, organization=alice.organization, status=Status.ACCEPTED, case=case
    )

    html = page(login(remi).get(reverse("referrals:detail", args=[referral.id])))

    assert f"Sortie le {timezone.localdate():%d/%m/%Y} : Emploi durable" in html


def test_a_referrer_sees_only_the_fields_the_design_allows(login, remi, alice, sent_referral):
    Referral.objects.filter(pk=sent_referral.pk).update(share_follow_up_with_referrer=True)
    sent_referral.refresh_from_db()
    services.start_review(sent_referral, by=alice)
    case = services.accept_referral(sent_referral, by=alice, advisor=alice)
    from cases.services.pathway import add_note

    add_note(case=case, by=alice, body="Note interne : dettes de loyer à voir.")
    DiagnosticFactory(case=case, summary="Synthèse : peur du bus.")

    html = page(login(remi).get(reverse("referrals:detail", args=[sent_referral.id])))

    assert "Acceptée" in html and "commencé le" in html and "Prochain rendez-vous" in html
    assert "Alice" not in html  # who examined it stays at the platform
    assert "dettes de loyer" not in html and "peur du bus" not in html
    assert "Télécharger la synthèse du diagnostic" not in html  # no consent to share
    assert "n'a pas accepté que la synthèse" in html
    assert (
        login(remi).get(reverse("referrals:diagnostic_pdf", args=[sent_referral.id])).status_code
        == 302
    )


def test_the_diagnostic_summary_is_a_pdf_when_the_person_consented(
    login, remi, alice, sent_referral
):
    Referral.objects.filter(pk=sent_referral.pk).update(share_diagnostic_with_referrer=True)
    sent_referral.refresh_from_db()
    case = services.accept_referral(sent_referral, by=alice)
    DiagnosticFactory(case=case, summary="Besoin d'un vélo électrique.")
    client = login(remi)

    assert "Télécharger la synthèse du diagnostic" in page(
        client.get(reverse("referrals:detail", args=[sent_referral.id]))
    )
    response = client.get(reverse("referrals:diagnostic_pdf", args=[sent_referral.id]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert (
        b"".join(response.streaming_content if response.streaming else [response.content])[:5]
        == b"%PDF-"
    )

    ConsentRecord.objects.filter(beneficiary=case.beneficiary).update(
        withdrawn_on=timezone.localdate()
    )
    assert (
        client.get(reverse("referrals:diagnostic_pdf", args=[sent_referral.id])).status_code == 302
    )


# --- The platform ---------------------------------------------------------------------------------


def test_the_inbox_sorts_by_urgency_with_waiting_time(
    login, alice, remi, chloe, territories, django_assert_num_queries
):
    today = timezone.localdate()
    later = ReferralFactory(
        sender=remi,
        organization=alice.organization,
        status=Status.SENT,
        last_name="Tardif",
        job_start_on=today + dt.timedelta(days=30),
    )
    ReferralFactory(
        sender=remi,
        organization=alice.organization,
        status=Status.SENT,
        last_name="Urgent",
        job_start_on=today + dt.timedelta(days=3),
        sent_at=timezone.now() - dt.timedelta(days=4),
    )
    ReferralFactory(
        sender=remi, organization=alice.organization, status=Status.SENT, last_name="Sansdate"
    )
    ReferralFactory(
        sender=remi, organization=alice.organization, status=Status.ON_HOLD, last_name="Attente"
    )
    ReferralFactory(
        sender=remi, organization=alice.organization, status=Status.DRAFT, last_name="Brouillon"
    )
    ReferralFactory(
        sender=remi, organization=chloe.organization, status=Status.SENT, last_name="Ailleurs"
    )
    client = login(alice)

    with django_assert_num_queries(4):
        response = client.get(reverse("referrals:inbox"))
    for _ in range(3):
        ReferralFactory(
            sender=remi,
            organization=alice.organization,
            status=Status.IN_REVIEW,
            commune=territories["lille"],
        )
    with django_assert_num_queries(4):
        client.get(reverse("referrals:inbox"))

    html = page(response)
    assert html.index("URGENT") < html.index("TARDIF") < html.index("SANSDATE")
    assert "4 jours" in html and "ATTENTE" in html
    assert "BROUILLON" not in html and "AILLEURS" not in html
    assert later.sender_organization.name in html


def test_the_referral_page_shows_the_platform_its_actions(login, alice, sent_referral):
    html = page(login(alice).get(reverse("referrals:detail", args=[sent_referral.id])))

    for label in ("Commencer l'examen", "Accepter", "Mettre en attente", "Transférer", "Refuser"):
        assert label in html
    assert "Rouvrir la prescription" not in html
    assert "06 12 34 56 78" in html and "Camille DUBOIS" in html


def test_accepting_shows_possible_duplicates_and_links_the_chosen_one(login, alice, sent_referral):
    known = BeneficiaryFactory(
        organization=alice.organization,
        first_name="Camille",
        last_name="Dubois",
        birth_date=dt.date(1994, 6, 2),
    )
    ongoing = CaseFactory(beneficiary=known, status="in_progress")
    client = login(alice)
    url = reverse("referrals:accept", args=[sent_referral.id])

    html = page(client.get(url))
    assert "Cette personne est peut-être déjà suivie" in html
    assert f'value="{known.pk}"' in html

    response = client.post(
        url, {"beneficiary": str(known.pk), "advisor": "", "duplicates_shown": str(known.pk)}
    )

    assert response.url == reverse("cases:case_detail", args=[ongoing.id])
    assert Referral.objects.get(pk=sent_referral.pk).case == ongoing
    assert Case.objects.count() == 1


def test_accepting_a_new_person_opens_her_case(login, alice, sent_referral):
    response = login(alice).post(
        reverse("referrals:accept", args=[sent_referral.id]),
        {"beneficiary": "new", "advisor": str(alice.pk), "duplicates_shown": ""},
    )

    case = Case.objects.get()
    assert response.url == reverse("cases:case_detail", args=[case.id])
    assert case.origin == Case.Origin.REFERRAL and case.advisor == alice


def test_a_duplicate_found_after_the_page_was_shown_stops_the_acceptance(
    login, alice, sent_referral
):
    client = login(alice)
    BeneficiaryFactory(
        organization=alice.organization,
        first_name="Camille",
        last_name="Dubois",
        birth_date=dt.date(1994, 6, 2),
    )

    response = client.post(
        reverse("referrals:accept", args=[sent_referral.id]),
        {"beneficiary": "new", "advisor": "", "duplicates_shown": ""},
    )

    assert response.status_code == 200
    assert "est déjà suivie par la plateforme" in page(response)
    assert not Case.objects.exists()


def test_refusing_asks_for_a_reason_and_keeps_the_message(login, alice, sent_referral):
    client = login(alice)
    url = reverse("referrals:refuse", args=[sent_referral.id])

    response = client.post(url, {"reason": "", "comment": "Voyez la MDE d'Arras."})
    assert "Choisissez le motif du refus." in page(response)
    assert "Voyez la MDE d&#x27;Arras." in response.content.decode()

    response = client.post(
        url,
        {
            "reason": "out_of_territory",
            "comment": "Voyez la MDE.",
            "share_reason_with_person": "on",
        },
    )
    assert response.url == reverse("referrals:detail", args=[sent_referral.id])
    referral = Referral.objects.get(pk=sent_referral.pk)
    assert referral.status == Status.REFUSED and referral.share_reason_with_person


def test_the_platform_holds_resumes_transfers_and_the_first_platform_loses_sight(
    login, alice, chloe, sent_referral
):
    client = login(alice)
    client.post(reverse("referrals:hold", args=[sent_referral.id]), {"reason": "Justificatif"})
    assert Referral.objects.get(pk=sent_referral.pk).status == Status.ON_HOLD
    client.post(reverse("referrals:resume", args=[sent_referral.id]))
    assert Referral.objects.get(pk=sent_referral.pk).status == Status.IN_REVIEW

    response = client.post(
        reverse("referrals:transfer", args=[sent_referral.id]),
        {"to_platform": str(chloe.organization_id), "comment": "Territoire d'Arras"},
    )

    assert response.url == reverse("referrals:inbox")
    assert client.get(reverse("referrals:detail", args=[sent_referral.id])).status_code == 404
    assert login(chloe).get(reverse("referrals:detail", args=[sent_referral.id])).status_code == 200


def test_a_step_refused_by_the_workflow_is_shown_as_a_message(login, alice, sent_referral):
    services.refuse_referral(sent_referral, by=alice, reason="no_capacity")

    response = login(alice).post(
        reverse("referrals:start_review", args=[sent_referral.id]), follow=True
    )

    assert "Impossible de commencer l&#x27;examen d&#x27;une prescription refusée." in (
        response.content.decode()
    )


def test_an_admin_reopens_and_the_person_never_came_cancels(login, alice, adele, sent_referral):
    services.refuse_referral(sent_referral, by=alice, reason="no_capacity")
    login(adele).post(reverse("referrals:reopen", args=[sent_referral.id]))
    assert Referral.objects.get(pk=sent_referral.pk).status == Status.IN_REVIEW

    services.accept_referral(sent_referral, by=alice)
    login(alice).post(
        reverse("referrals:cancel", args=[sent_referral.id]),
        {"comment": "Trois rendez-vous manqués."},
    )
    assert Referral.objects.get(pk=sent_referral.pk).status == Status.CANCELLED


def test_the_referrer_withdraws_from_the_referral_page(login, remi, sent_referral):
    client = login(remi)
    assert "Retirer la prescription" in page(
        client.get(reverse("referrals:detail", args=[sent_referral.id]))
    )

    client.post(reverse("referrals:withdraw", args=[sent_referral.id]), {"comment": ""})

    assert Referral.objects.get(pk=sent_referral.pk).status == Status.WITHDRAWN


def test_the_message_thread_works_with_htmx_and_without(login, remi, alice, sent_referral):
    url = reverse("referrals:thread", args=[sent_referral.id])

    partial = login(remi).post(url, {"body": "Joignable le matin."}, HTTP_HX_REQUEST="true")
    assert partial.status_code == 200
    assert "Joignable le matin." in page(partial) and "<html" not in page(partial)

    response = login(alice).post(url, {"body": "Merci, nous l'appelons."})
    assert response.url == reverse("referrals:detail", args=[sent_referral.id]) + "#messages"
    assert Message.objects.count() == 2


def test_the_thread_shows_on_the_cases_exchanges_tab(login, alice, remi, sent_referral):
    case = services.accept_referral(sent_referral, by=alice)
    MessageFactory(referral=sent_referral, body="Elle commence lundi.")

    html = page(login(alice).get(reverse("cases:case_exchanges", args=[case.id])))

    assert "Messages avec France Travail Lille Centre" in html
    assert "Elle commence lundi." in html


def test_the_stats_page_shows_response_times_and_rates_by_referrer(
    login, alice, remi, lucie, territories
):
    first = ReferralFactory(
        sender=remi,
        organization=alice.organization,
        status=Status.DRAFT,
        commune=territories["lille"],
    )
    services.send_referral(first, by=remi)
    services.accept_referral(first, by=alice)
    second = ReferralFactory(
        sender=lucie,
        organization=alice.organization,
        status=Status.DRAFT,
        commune=territories["lille"],
    )
    services.send_referral(second, by=lucie)
    services.refuse_referral(second, by=alice, reason="no_capacity")
    client = login(alice)

    html = page(client.get(reverse("referrals:stats")))
    assert "50 %" in html  # one accepted, one refused
    assert "France Travail Lille Centre" in html and "Mission locale de l'Arrageois" in html

    partial = page(client.get(reverse("referrals:stats"), HTTP_HX_REQUEST="true"))
    assert "taux d'acceptation" in partial and "Par prescripteur" not in partial


def test_an_admin_sets_the_expiry_and_reminder_delays(login, adele):
    client = login(adele)

    refused = client.post(reverse("referrals:settings"), {"expiry_days": 10, "reminder_days": 12})
    assert "La relance doit partir avant l'expiration" in page(refused)

    client.post(reverse("referrals:settings"), {"expiry_days": 15, "reminder_days": 5})
    setting = ReferralSettings.objects.get(organization=adele.organization)
    assert (setting.expiry_days, setting.reminder_days) == (15, 5)


def test_each_member_chooses_the_mails_they_receive(login, remi):
    client = login(remi)
    html = page(client.get(reverse("referrals:preferences")))
    assert "Nouvelles prescriptions reçues" not in html  # a platform matter

    client.post(
        reverse("referrals:preferences"),
        {"status_changes": "", "messages": "on", "daily_digest": "on"},
    )

    preference = services.preferences_for(remi)
    assert (preference.status_changes, preference.messages, preference.daily_digest) == (
        False,
        True,
        True,
    )


def test_attachments_are_added_downloaded_and_removed_by_the_sender(
    login, remi, alice, territories
):
    draft = ReferralFactory(
        sender=remi, organization=alice.organization, commune=territories["lille"]
    )
    client = login(remi)
    client.post(
        reverse("referrals:attachment_add", args=[draft.id]),
        {"file": SimpleUploadedFile("cv.png", b"\x89PNG\r\n\x1a\nxxxx")},
    )
    attachment = Attachment.objects.get()

    download = client.get(reverse("referrals:attachment_download", args=[draft.id, attachment.id]))
    assert b"".join(download.streaming_content) == b"\x89PNG\r\n\x1a\nxxxx"

    client.post(reverse("referrals:attachment_delete", args=[draft.id, attachment.id]))
    assert not Attachment.objects.exists()


# --- Access rules: every URL ----------------------------------------------------------------------

REFERRAL_PAGES = [
    "referrals:edit", "referrals:draft_delete", "referrals:confirmation", "referrals:withdraw",
    "referrals:attachment_add", "referrals:start_review", "referrals:hold", "referrals:resume",
    "referrals:accept", "referrals:refuse", "referrals:transfer", "referrals:cancel",
    "referrals:reopen", "referrals:detail", "referrals:thread", "referrals:diagnostic_pdf",
]  # fmt: skip
ATTACHMENT_PAGES = ["referrals:attachment_delete", "referrals:attachment_download"]
POST_ONLY = {
    "referrals:attachment_add", "referrals:attachment_delete", "referrals:start_review",
    "referrals:resume", "referrals:reopen",
}  # fmt: skip
GET_ONLY = {
    "referrals:confirmation", "referrals:detail", "referrals:diagnostic_pdf",
    "referrals:attachment_download",
}  # fmt: skip


@pytest.fixture
def world(remi, alice, territories):
    referral = ReferralFactory(
        sender=remi,
        organization=alice.organization,
        status=Status.SENT,
        commune=territories["lille"],
    )
    attachment = Attachment.objects.create(
        referral=referral,
        file=SimpleUploadedFile("cv.pdf", b"%PDF-1.4"),
        original_name="cv.pdf",
        content_type="application/pdf",
        size=8,
    )
    return {"referral": referral, "attachment": attachment}


def urls_of(world) -> list[tuple[str, str]]:
    referral, attachment = world["referral"], world["attachment"]
    return [(name, reverse(name, args=[referral.id])) for name in REFERRAL_PAGES] + [
        (name, reverse(name, args=[referral.id, attachment.id])) for name in ATTACHMENT_PAGES
    ]


def _snapshot():
    return (
        list(Referral.objects.values_list("status", "organization_id")),
        Attachment.objects.count(),
        Message.objects.count(),
    )


SIDE_PAGES = {
    "lucie": {  # another referrer: the referrer pages and the pages of both sides
        "referrals:edit", "referrals:draft_delete", "referrals:confirmation", "referrals:withdraw",
        "referrals:attachment_add", "referrals:attachment_delete", "referrals:detail",
        "referrals:thread", "referrals:diagnostic_pdf", "referrals:attachment_download",
    },
    "chloe": {  # another platform: the platform pages and the pages of both sides
        "referrals:start_review", "referrals:hold", "referrals:resume", "referrals:accept",
        "referrals:refuse", "referrals:transfer", "referrals:cancel", "referrals:reopen",
        "referrals:detail", "referrals:thread", "referrals:diagnostic_pdf",
        "referrals:attachment_download",
    },
}  # fmt: skip


@pytest.mark.cross_tenant(
    "referrals:edit",
    "referrals:draft_delete",
    "referrals:confirmation",
    "referrals:withdraw",
    "referrals:attachment_add",
    "referrals:start_review",
    "referrals:hold",
    "referrals:resume",
    "referrals:accept",
    "referrals:refuse",
    "referrals:transfer",
    "referrals:cancel",
    "referrals:reopen",
    "referrals:detail",
    "referrals:thread",
    "referrals:diagnostic_pdf",
    "referrals:attachment_delete",
    "referrals:attachment_download",
)
@pytest.mark.parametrize("who", ["lucie", "chloe", "basile"])
def test_another_referrer_or_another_platform_gets_404_on_the_referral(world, login, who, request):
    client = login(request.getfixturevalue(who))
    before = _snapshot()
    side = SIDE_PAGES["lucie" if who == "lucie" else "chloe"]

    for name, url in urls_of(world):
        if name not in side or (name == "referrals:reopen" and who == "chloe"):  # admins only
            continue
        if name not in POST_ONLY:
            assert client.get(url).status_code == 404, name
        if name not in GET_ONLY:
            data = {"body": "x", "reason": "no_capacity", "comment": "x", "beneficiary": "new"}
            assert client.post(url, data).status_code == 404, name

    assert _snapshot() == before
    assert {*SIDE_PAGES["lucie"], *SIDE_PAGES["chloe"]} == {*REFERRAL_PAGES, *ATTACHMENT_PAGES}


@pytest.mark.cross_tenant(
    "referrals:directory", "referrals:create", "referrals:sent", "referrals:inbox",
    "referrals:stats", "referrals:settings", "referrals:preferences",
)  # fmt: skip
def test_pages_without_an_object_show_only_the_own_organisations_data(
    world, login, lucie, chloe, basile, territories
):
    theirs = world["referral"]
    assert theirs.last_name.upper() not in page(login(lucie).get(reverse("referrals:sent")))
    assert theirs.last_name.upper() not in page(login(chloe).get(reverse("referrals:inbox")))
    stats = page(login(chloe).get(reverse("referrals:stats")))
    assert "France Travail Lille Centre" not in stats
    ReferralSettings.objects.create(organization=world["referral"].organization, expiry_days=9)
    assert 'value="9"' not in page(login(basile).get(reverse("referrals:settings")))
    services.update_preferences(by=world["referral"].sender, values={"daily_digest": True})
    assert (
        "checked"
        not in page(login(lucie).get(reverse("referrals:preferences"))).split("daily_digest")[1][
            :80
        ]
    )
    directory = page(login(lucie).get(reverse("referrals:directory"), {"commune": "59350"}))
    assert theirs.last_name not in directory
    form = page(login(lucie).get(reverse("referrals:create")))
    assert theirs.last_name not in form


REFERRER_ONLY = [
    "referrals:directory", "referrals:create", "referrals:sent", "referrals:edit",
    "referrals:draft_delete", "referrals:confirmation", "referrals:withdraw",
    "referrals:attachment_add", "referrals:attachment_delete",
]  # fmt: skip
PLATFORM_ONLY = [
    "referrals:inbox", "referrals:stats", "referrals:settings", "referrals:start_review",
    "referrals:hold", "referrals:resume", "referrals:accept", "referrals:refuse",
    "referrals:transfer", "referrals:cancel", "referrals:reopen",
]  # fmt: skip
BOTH_SIDES = [
    "referrals:preferences", "referrals:detail", "referrals:thread",
    "referrals:attachment_download", "referrals:diagnostic_pdf",
]  # fmt: skip


def all_urls(world) -> dict[str, str]:
    urls = dict(urls_of(world))
    for name in (
        "referrals:directory",
        "referrals:create",
        "referrals:sent",
        "referrals:inbox",
        "referrals:stats",
        "referrals:settings",
        "referrals:preferences",
    ):
        urls[name] = reverse(name)
    return urls


@pytest.mark.role_check(
    "referrals:directory",
    "referrals:create",
    "referrals:sent",
    "referrals:edit",
    "referrals:draft_delete",
    "referrals:confirmation",
    "referrals:withdraw",
    "referrals:attachment_add",
    "referrals:attachment_delete",
    "referrals:inbox",
    "referrals:stats",
    "referrals:settings",
    "referrals:start_review",
    "referrals:hold",
    "referrals:resume",
    "referrals:accept",
    "referrals:refuse",
    "referrals:transfer",
    "referrals:cancel",
    "referrals:reopen",
    "referrals:preferences",
    "referrals:detail",
    "referrals:thread",
    "referrals:attachment_download",
    "referrals:diagnostic_pdf",
)
@pytest.mark.parametrize("who", ["fanny", "bob"])
def test_funders_and_coaches_get_403_on_every_referral_page(world, login, who, request):
    client = login(request.getfixturevalue(who))
    before = _snapshot()

    for name, url in all_urls(world).items():
        if name not in POST_ONLY:
            assert client.get(url).status_code == 403, name
        assert client.post(url, {"body": "x", "reason": "x"}).status_code == 403, name

    assert _snapshot() == before


def test_each_side_gets_403_on_the_other_sides_pages(world, login, remi, alice):
    urls = all_urls(world)

    for name in PLATFORM_ONLY:
        assert login(remi).post(urls[name], {"reason": "x"}).status_code == 403, name
    for name in REFERRER_ONLY:
        assert login(alice).post(urls[name], {"comment": "x"}).status_code == 403, name
    assert Referral.objects.get().status == Status.SENT


def test_an_advisor_may_neither_change_the_delays_nor_reopen(world, login, alice):
    referral = world["referral"]
    services.refuse_referral(referral, by=alice, reason="no_capacity")
    client = login(alice)

    assert client.get(reverse("referrals:settings")).status_code == 403
    assert client.post(reverse("referrals:reopen", args=[referral.id])).status_code == 403
    assert Referral.objects.get().status == Status.REFUSED


def test_anonymous_visitors_are_sent_to_the_login_page(world, client):
    for name, url in all_urls(world).items():
        response = client.get(url)
        assert response.status_code == 302 and "/compte/" in response.url, name
