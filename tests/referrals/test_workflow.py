"""The referral workflow: each step allowed from the right states only, logged, mailed on commit."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from cases.models import Beneficiary, Case, CaseStatus, ConsentRecord
from cases.services.people import PossibleDuplicate
from organizations.errors import DomainError
from referrals import services
from referrals.models import (
    NotificationPreference,
    Referral,
    ReferralSettings,
    ReferralStatus,
    ReferralTransition,
)
from tests.cases.factories import BeneficiaryFactory, CaseFactory

from .factories import ReferralFactory

Status = ReferralStatus
Kind = ReferralTransition.Kind


def days_ago(days: int) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=days)


@pytest.fixture
def draft(remi, alice, territories):
    return ReferralFactory(
        sender=remi, organization=alice.organization, commune=territories["lille"]
    )


# --- Sending --------------------------------------------------------------------------------------


def test_a_referrer_sends_a_draft_and_the_platform_team_gets_an_email_once_committed(
    draft, remi, alice, adele, bob, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.send_referral(draft, by=remi)
    assert mailoutbox == []  # nothing leaves before the commit

    for callback in callbacks:
        callback()

    draft.refresh_from_db()
    assert draft.status == Status.SENT
    assert draft.sent_at is not None and draft.received_at == draft.sent_at
    step = draft.transitions.get()
    assert (step.kind, step.from_status, step.to_status, step.by) == (
        Kind.SEND,
        Status.DRAFT,
        Status.SENT,
        remi.user,
    )
    assert sorted(m.to[0] for m in mailoutbox) == [adele.user.email, alice.user.email]
    mail = mailoutbox[0]
    assert mail.subject == "[Mobicase] Nouvelle prescription de France Travail Lille Centre"
    assert f"http://127.0.0.1:8000/prescriptions/{draft.pk}/" in mail.body
    assert "C. D." in mail.body and "Dubois" not in mail.body  # initials only in e-mails


def test_a_referral_without_consent_cannot_be_sent(draft, remi):
    Referral.objects.filter(pk=draft.pk).update(consent_given_on=None, consent_text="")

    with pytest.raises(DomainError) as refused:
        services.send_referral(draft, by=remi)

    assert refused.value.code == "consent_required"
    assert "Le consentement de la personne est obligatoire" in refused.value.message
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT
    assert not draft.transitions.exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("last_name", "", "Indiquez le nom de la personne."),
        ("commune", None, "Indiquez la commune où habite la personne"),
        ("objective", "  ", "Décrivez l'objectif de la personne"),
    ],
)
def test_an_incomplete_referral_says_which_field_to_fill(draft, remi, field, value, message):
    Referral.objects.filter(pk=draft.pk).update(**{field: value})

    with pytest.raises(DomainError) as refused:
        services.send_referral(draft, by=remi)

    assert refused.value.message.startswith(message)
    assert refused.value.field == field


def test_a_referral_needs_a_phone_or_an_email_to_be_sent(draft, remi):
    Referral.objects.filter(pk=draft.pk).update(phone="", email="")

    with pytest.raises(DomainError, match="téléphone ou une adresse e-mail"):
        services.send_referral(draft, by=remi)


def test_sending_to_a_platform_that_does_not_cover_the_commune_asks_for_a_reason(
    draft, remi, territories
):
    Referral.objects.filter(pk=draft.pk).update(commune=territories["arras"])

    with pytest.raises(DomainError) as refused:
        services.send_referral(draft, by=remi)
    assert refused.value.code == "not_covered"
    assert refused.value.field == "coverage_override_reason"
    assert "Mobilité Solidaire Lille ne couvre pas Arras" in refused.value.message

    Referral.objects.filter(pk=draft.pk).update(
        coverage_override_reason="La personne travaille à Lille et y déménage en mars."
    )
    assert services.send_referral(draft, by=remi).status == Status.SENT


def test_a_draft_is_saved_incomplete_and_only_by_a_referrer(remi, alice, no_licence):
    referral = services.save_draft(
        by=remi,
        platform=alice.organization,
        data={"first_name": "Nour"},
        barriers=[no_licence],
    )

    assert referral.status == Status.DRAFT
    assert list(referral.barriers.all()) == [no_licence]
    with pytest.raises(DomainError, match="Seul·es les prescripteur·rices"):
        services.save_draft(by=alice, platform=alice.organization, data={})


def test_a_sent_referral_can_no_longer_be_edited(sent_referral, remi):
    with pytest.raises(DomainError, match="ne peut plus être modifiée"):
        services.save_draft(
            by=remi,
            platform=sent_referral.organization,
            data={"first_name": "Autre"},
            referral=sent_referral,
        )


def test_create_referral_writes_nothing_when_sending_is_refused(remi, alice, territories):
    data = {
        "first_name": "Nour",
        "last_name": "Haddad",
        "phone": "0600000000",
        "commune": territories["lille"],
        "objective": "Aller travailler.",
    }

    with pytest.raises(DomainError):
        services.create_referral(by=remi, platform=alice.organization, data=data)

    assert not Referral.objects.exists()


# --- Every step from every status ----------------------------------------------------------------


def _run(kind, referral, world):
    by_platform, admin, sender, other = world
    match kind:
        case Kind.SEND:
            return services.send_referral(referral, by=sender)
        case Kind.START_REVIEW:
            return services.start_review(referral, by=by_platform)
        case Kind.HOLD:
            return services.put_on_hold(referral, by=by_platform, reason="Justificatif attendu")
        case Kind.RESUME:
            return services.resume_referral(referral, by=by_platform)
        case Kind.ACCEPT:
            return services.accept_referral(referral, by=by_platform)
        case Kind.REFUSE:
            return services.refuse_referral(referral, by=by_platform, reason="no_capacity")
        case Kind.WITHDRAW:
            return services.withdraw_referral(referral, by=sender)
        case Kind.TRANSFER:
            return services.transfer_referral(referral, by=by_platform, to_platform=other)
        case Kind.CANCEL:
            return services.cancel_referral(referral, by=by_platform)
        case Kind.REOPEN:
            return services.reopen_referral(referral, by=admin)


TARGETS = {
    Kind.SEND: Status.SENT, Kind.START_REVIEW: Status.IN_REVIEW, Kind.HOLD: Status.ON_HOLD,
    Kind.RESUME: Status.IN_REVIEW, Kind.ACCEPT: Status.ACCEPTED, Kind.REFUSE: Status.REFUSED,
    Kind.WITHDRAW: Status.WITHDRAWN, Kind.TRANSFER: Status.SENT, Kind.CANCEL: Status.CANCELLED,
    Kind.REOPEN: Status.IN_REVIEW,
}  # fmt: skip


@pytest.mark.parametrize("status", Status.values)
@pytest.mark.parametrize("kind", list(TARGETS))
def test_each_step_is_allowed_exactly_from_the_statuses_of_the_workflow(
    kind, status, alice, adele, remi, chloe, territories
):
    referral = ReferralFactory(
        sender=remi,
        organization=alice.organization,
        commune=territories["lille"],
        status=status,
    )
    world = (alice, adele, remi, chloe.organization)
    allowed = status in services.ALLOWED_FROM[kind]

    if allowed:
        _run(kind, referral, world)
        referral.refresh_from_db()
        assert referral.status == TARGETS[kind]
        step = referral.transitions.get()
        assert (step.kind, step.from_status, step.to_status) == (kind, status, TARGETS[kind])
    else:
        with pytest.raises(DomainError) as refused:
            _run(kind, referral, world)
        assert refused.value.code == "invalid_transition"
        assert refused.value.message.startswith("Impossible ")
        referral.refresh_from_db()
        assert referral.status == status
        assert not referral.transitions.exists()


def test_accepting_a_withdrawn_referral_says_why_in_french(alice, remi, territories):
    referral = ReferralFactory(
        sender=remi,
        organization=alice.organization,
        commune=territories["lille"],
        status=Status.WITHDRAWN,
    )

    with pytest.raises(DomainError) as refused:
        services.accept_referral(referral, by=alice)

    assert refused.value.message == (
        "Impossible d'accepter une prescription retirée par le prescripteur."
    )


def test_each_side_may_only_take_its_own_steps(sent_referral, alice, remi, bob, chloe):
    with pytest.raises(DomainError, match="prescripteur·rices de l'organisation"):
        services.withdraw_referral(sent_referral, by=alice)
    with pytest.raises(DomainError, match="plateforme destinataire"):
        services.start_review(sent_referral, by=remi)
    with pytest.raises(DomainError, match="plateforme destinataire"):
        services.start_review(sent_referral, by=bob)  # a coach
    with pytest.raises(DomainError, match="plateforme destinataire"):
        services.refuse_referral(sent_referral, by=chloe, reason="no_capacity")

    assert Referral.objects.get(pk=sent_referral.pk).status == Status.SENT


# --- The platform's answers -----------------------------------------------------------------------


def test_putting_on_hold_needs_what_is_awaited_and_counts_as_a_first_answer(sent_referral, alice):
    with pytest.raises(DomainError, match="Indiquez ce que vous attendez"):
        services.put_on_hold(sent_referral, by=alice, reason=" ")

    services.put_on_hold(sent_referral, by=alice, reason="La promesse d'embauche")
    sent_referral.refresh_from_db()
    assert sent_referral.on_hold_reason == "La promesse d'embauche"
    assert sent_referral.first_answered_at is not None

    services.resume_referral(sent_referral, by=alice)
    sent_referral.refresh_from_db()
    assert (sent_referral.status, sent_referral.on_hold_reason) == (Status.IN_REVIEW, "")


def test_accepting_creates_the_persons_file_and_opens_a_case_from_the_referral(
    sent_referral, alice, remi, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        case = services.accept_referral(sent_referral, by=alice, advisor=alice)

    person = case.beneficiary
    assert (person.first_name, person.last_name, person.birth_date) == (
        "Camille",
        "Dubois",
        dt.date(1994, 6, 2),
    )
    assert person.organization == alice.organization
    assert person.commune == sent_referral.commune
    assert case.origin == Case.Origin.REFERRAL
    assert case.origin_detail == "Prescription de France Travail Lille Centre"
    assert case.advisor == alice and case.status == CaseStatus.INTAKE
    sent_referral.refresh_from_db()
    assert sent_referral.case == case and sent_referral.status == Status.ACCEPTED
    assert sent_referral.decided_at is not None
    assert [m.to for m in mailoutbox] == [[remi.user.email]]
    assert mailoutbox[0].subject == "[Mobicase] Prescription acceptée"
    assert "a accepté la prescription" in mailoutbox[0].body


def test_accepting_stops_on_a_possible_duplicate_and_writes_nothing(sent_referral, alice):
    BeneficiaryFactory(
        organization=alice.organization,
        first_name="Camille",
        last_name="DUBOIS",
        birth_date=dt.date(1994, 6, 2),
    )

    with pytest.raises(PossibleDuplicate):
        services.accept_referral(sent_referral, by=alice)

    assert Beneficiary.objects.count() == 1 and not Case.objects.exists()
    assert Referral.objects.get(pk=sent_referral.pk).status == Status.SENT
    services.accept_referral(sent_referral, by=alice, confirm_not_duplicate=True)
    assert Beneficiary.objects.count() == 2


def test_accepting_for_a_person_already_followed_links_her_open_case(sent_referral, alice):
    person = BeneficiaryFactory(organization=alice.organization)
    open_case = CaseFactory(beneficiary=person, status=CaseStatus.IN_PROGRESS)

    case = services.accept_referral(sent_referral, by=alice, beneficiary=person)

    assert case == open_case
    assert Case.objects.count() == 1
    assert Referral.objects.get(pk=sent_referral.pk).case == open_case


def test_accepting_for_a_person_whose_case_is_closed_opens_a_new_one(sent_referral, alice):
    person = BeneficiaryFactory(organization=alice.organization)
    closed = CaseFactory(
        beneficiary=person, status=CaseStatus.CLOSED, closed_on=timezone.localdate()
    )

    case = services.accept_referral(sent_referral, by=alice, beneficiary=person)

    assert case != closed and case.beneficiary == person and case.origin == Case.Origin.REFERRAL


def test_a_person_of_another_platform_cannot_be_linked(sent_referral, alice, chloe):
    stranger = BeneficiaryFactory(organization=chloe.organization)

    with pytest.raises(DomainError, match="pas suivie par votre plateforme"):
        services.accept_referral(sent_referral, by=alice, beneficiary=stranger)


def test_accepting_records_the_consent_to_share_the_diagnostic(sent_referral, alice):
    Referral.objects.filter(pk=sent_referral.pk).update(share_diagnostic_with_referrer=True)
    sent_referral.refresh_from_db()

    case = services.accept_referral(sent_referral, by=alice)

    consent = ConsentRecord.objects.get(beneficiary=case.beneficiary)
    assert consent.scope == ConsentRecord.Scope.SHARE_WITH_REFERRER
    assert consent.given_on == sent_referral.consent_given_on


def test_refusing_needs_a_reason_and_an_explanation_for_other(sent_referral, alice):
    with pytest.raises(DomainError, match="Choisissez le motif"):
        services.refuse_referral(sent_referral, by=alice, reason="")
    with pytest.raises(DomainError, match="Autre motif"):
        services.refuse_referral(sent_referral, by=alice, reason="other")

    services.refuse_referral(
        sent_referral,
        by=alice,
        reason="out_of_territory",
        comment="Voyez la MDE.",
        share_reason_with_person=True,
    )
    sent_referral.refresh_from_db()
    assert sent_referral.refusal_reason == "out_of_territory"
    assert sent_referral.share_reason_with_person is True
    assert sent_referral.closed_at is not None


def test_a_refusal_mail_tells_the_referrer_whether_the_reason_may_be_shared(
    sent_referral, alice, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        services.refuse_referral(sent_referral, by=alice, reason="no_capacity")

    body = mailoutbox[0].body
    assert "Motif : Plus de place pour le moment" in body
    assert "Ce motif est confidentiel" in body


def test_a_transfer_keeps_the_origin_and_moves_the_referral_out_of_the_first_inbox(
    sent_referral, alice, chloe, remi, django_capture_on_commit_callbacks, mailoutbox
):
    services.start_review(sent_referral, by=alice)

    with django_capture_on_commit_callbacks(execute=True):
        services.transfer_referral(
            sent_referral,
            by=alice,
            to_platform=chloe.organization,
            comment="Elle déménage à Arras.",
        )

    sent_referral.refresh_from_db()
    assert sent_referral.organization == chloe.organization
    assert sent_referral.original_platform == alice.organization
    assert sent_referral.status == Status.SENT and sent_referral.first_answered_at is None
    assert not Referral.objects.visible_to(alice).exists()
    assert list(Referral.objects.visible_to(chloe)) == [sent_referral]
    assert list(Referral.objects.visible_to(remi)) == [sent_referral]
    step = sent_referral.transitions.get(kind=Kind.TRANSFER)
    assert (step.organization, step.to_organization) == (alice.organization, chloe.organization)
    recipients = sorted(m.to[0] for m in mailoutbox)
    assert recipients == [chloe.user.email, remi.user.email]


def test_a_transfer_goes_to_another_active_platform(sent_referral, alice, remi):
    with pytest.raises(DomainError, match="déjà chez vous"):
        services.transfer_referral(sent_referral, by=alice, to_platform=alice.organization)
    with pytest.raises(DomainError, match="plateforme de mobilité active"):
        services.transfer_referral(sent_referral, by=alice, to_platform=remi.organization)


def test_a_second_transfer_keeps_the_first_platform_as_origin(
    sent_referral, alice, chloe, platform_a
):
    from tests.factories import OrganizationFactory

    third = OrganizationFactory(name="Troisième plateforme")
    services.transfer_referral(sent_referral, by=alice, to_platform=chloe.organization)
    services.transfer_referral(sent_referral, by=chloe, to_platform=third)

    sent_referral.refresh_from_db()
    assert sent_referral.original_platform == platform_a and sent_referral.organization == third


def test_only_an_admin_of_the_platform_reopens_a_refused_referral(sent_referral, alice, adele):
    services.refuse_referral(sent_referral, by=alice, reason="no_capacity")

    with pytest.raises(DomainError, match="administrateur·rices"):
        services.reopen_referral(sent_referral, by=alice)
    services.reopen_referral(sent_referral, by=adele, comment="Une place s'est libérée.")

    sent_referral.refresh_from_db()
    assert sent_referral.status == Status.IN_REVIEW
    assert (sent_referral.refusal_reason, sent_referral.closed_at) == ("", None)


def test_the_referrer_withdraws_until_the_platform_decides(sent_referral, alice, remi):
    services.withdraw_referral(sent_referral, by=remi, comment="Solution trouvée.")
    assert Referral.objects.get(pk=sent_referral.pk).status == Status.WITHDRAWN

    accepted = ReferralFactory(
        sender=remi,
        organization=alice.organization,
        commune=sent_referral.commune,
        status=Status.ACCEPTED,
    )
    with pytest.raises(DomainError, match="Impossible de retirer une prescription déjà acceptée"):
        services.withdraw_referral(accepted, by=remi)


def test_cancelling_an_accepted_referral_keeps_its_case(sent_referral, alice):
    case = services.accept_referral(sent_referral, by=alice)

    services.cancel_referral(sent_referral, by=alice, comment="Jamais venue.")

    sent_referral.refresh_from_db()
    assert sent_referral.status == Status.CANCELLED and sent_referral.case == case
    assert Case.objects.filter(pk=case.pk).exists()


def test_the_transition_log_keeps_every_step_with_its_actor(sent_referral, alice, remi):
    services.start_review(sent_referral, by=alice)
    services.put_on_hold(sent_referral, by=alice, reason="Pièce d'identité")
    services.withdraw_referral(sent_referral, by=remi)

    steps = list(sent_referral.transitions.values_list("kind", "by__email", "by_organization"))
    assert steps == [
        (Kind.START_REVIEW, alice.user.email, alice.organization_id),
        (Kind.HOLD, alice.user.email, alice.organization_id),
        (Kind.WITHDRAW, remi.user.email, remi.organization_id),
    ]
    assert sent_referral.history.count() == 4  # created, then three changes


# --- Expiry, reminders, digest -------------------------------------------------------------------


def test_an_unanswered_referral_expires_after_the_platforms_delay(
    remi, alice, chloe, territories, django_capture_on_commit_callbacks, mailoutbox
):
    ReferralSettings.objects.create(
        organization=chloe.organization, expiry_days=10, reminder_days=3
    )
    old_at_a = ReferralFactory(
        sender=remi,
        organization=alice.organization,
        status="sent",
        sent_at=days_ago(31),
        commune=territories["lille"],
    )
    recent_at_a = ReferralFactory(
        sender=remi,
        organization=alice.organization,
        status="sent",
        sent_at=days_ago(20),
        commune=territories["lille"],
    )
    old_at_b = ReferralFactory(
        sender=remi,
        organization=chloe.organization,
        status="sent",
        sent_at=days_ago(11),
        commune=territories["arras"],
    )
    reviewed = ReferralFactory(
        sender=remi, organization=alice.organization, status="in_review", sent_at=days_ago(90)
    )

    with django_capture_on_commit_callbacks(execute=True):
        expired = services.expire_referrals()

    assert {r.pk for r in expired} == {old_at_a.pk, old_at_b.pk}
    statuses = dict(Referral.objects.values_list("pk", "status"))
    assert statuses[recent_at_a.pk] == Status.SENT and statuses[reviewed.pk] == Status.IN_REVIEW
    step = ReferralTransition.objects.get(referral=old_at_a)
    assert step.by is None and step.comment == "Sans réponse après 30 jours"
    recipients = sorted(m.to[0] for m in mailoutbox)
    assert recipients.count(remi.user.email) == 2 and alice.user.email in recipients
    assert services.expire_referrals() == []  # nothing left to expire


def test_the_platform_is_reminded_of_waiting_referrals_once_per_delay(
    sent_referral, remi, alice, adele, territories, mailoutbox
):
    NotificationPreference.objects.create(membership=adele, reminders=False)
    Referral.objects.filter(pk=sent_referral.pk).update(received_at=days_ago(8))

    assert services.remind_platforms() == 1

    assert [m.to for m in mailoutbox] == [[alice.user.email]]
    assert "1 prescription adressée à Mobilité Solidaire Lille attend encore" in mailoutbox[0].body
    assert services.remind_platforms() == 0  # just reminded
    later = timezone.localdate() + dt.timedelta(days=7)
    assert services.remind_platforms(today=later) == 1


def test_a_member_who_opted_out_gets_no_mail_about_new_referrals(
    draft, remi, alice, adele, django_capture_on_commit_callbacks, mailoutbox
):
    services.update_preferences(by=alice, values={"new_referrals": False})

    with django_capture_on_commit_callbacks(execute=True):
        services.send_referral(draft, by=remi)

    assert [m.to for m in mailoutbox] == [[adele.user.email]]


def test_the_daily_digest_goes_once_a_day_to_who_asked_for_it(
    sent_referral, alice, remi, adele, mailoutbox
):
    services.update_preferences(by=alice, values={"daily_digest": True})
    services.update_preferences(by=remi, values={"daily_digest": True})
    ReferralTransition.objects.create(
        referral=sent_referral,
        kind=Kind.SEND,
        from_status="draft",
        to_status="sent",
        organization=alice.organization,
        by=remi.user,
        by_organization=remi.organization,
        at=days_ago(1),
    )
    tomorrow = timezone.localdate()

    assert services.send_daily_digests(today=tomorrow) == 1  # Rémi: nothing happened to him

    assert [m.to for m in mailoutbox] == [[alice.user.email]]
    assert "Reçue : la prescription du" in mailoutbox[0].body
    assert services.send_daily_digests(today=tomorrow) == 0


def test_the_scheduled_command_expires_reminds_and_digests(sent_referral, alice, capsys):
    Referral.objects.filter(pk=sent_referral.pk).update(received_at=days_ago(40))

    call_command("referral_reminders")

    assert "1 prescription(s) expirée(s), 0 relance(s) envoyée(s)" in capsys.readouterr().out
    assert Referral.objects.get(pk=sent_referral.pk).status == Status.EXPIRED


def test_the_scheduled_task_runs_the_same_work(sent_referral):
    from referrals.tasks import run_referral_reminders

    Referral.objects.filter(pk=sent_referral.pk).update(received_at=days_ago(40))

    result = run_referral_reminders.enqueue()

    assert result.return_value == {"expired": 1, "reminders": 0, "outcomes": 0, "digests": 0}


# --- Messages and files --------------------------------------------------------------------------


def test_a_message_reaches_the_other_side(
    sent_referral, alice, remi, adele, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        services.post_message(sent_referral, by=remi, body="Elle est joignable le matin.")

    assert sorted(m.to[0] for m in mailoutbox) == [adele.user.email, alice.user.email]
    with pytest.raises(DomainError, match="vide"):
        services.post_message(sent_referral, by=alice, body="   ")


def test_nobody_writes_on_a_draft_or_on_another_organisations_referral(draft, remi, chloe):
    with pytest.raises(DomainError, match="Envoyez d'abord"):
        services.post_message(draft, by=remi, body="Bonjour")
    with pytest.raises(DomainError, match="deux organisations"):
        services.post_message(draft, by=chloe, body="Bonjour")


def test_an_attachment_is_checked_by_its_content(draft, remi):
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile("cv.pdf", b"not a pdf at all", content_type="application/pdf")
    with pytest.raises(DomainError, match="n'est pas un PDF valide"):
        services.add_attachment(draft, by=remi, uploaded_file=fake)

    real = SimpleUploadedFile("cv.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    attachment = services.add_attachment(draft, by=remi, uploaded_file=real)
    assert (attachment.original_name, attachment.content_type) == ("cv.pdf", "application/pdf")


def test_each_side_sees_its_referrals_and_a_funder_or_a_coach_none(
    sent_referral, remi, lucie, alice, adele, bob, chloe, fanny, territories
):
    draft = ReferralFactory(sender=remi, organization=alice.organization)

    assert set(Referral.objects.visible_to(remi)) == {sent_referral, draft}
    assert set(Referral.objects.visible_to(alice)) == {sent_referral}  # never the drafts
    assert set(Referral.objects.visible_to(adele)) == {sent_referral}
    for outsider in (lucie, chloe, bob, fanny):
        assert not Referral.objects.visible_to(outsider).exists(), outsider
