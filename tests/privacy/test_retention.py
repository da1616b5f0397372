"""Retention: files anonymised N years after the last contact coming from the person, advisors
warned 30 days before, contacts that extend the file, purges of attachments and access logs."""

import datetime as dt

import pytest
from dateutil.relativedelta import relativedelta
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from cases import imports
from cases.models import (
    AccessLog,
    Appointment,
    Beneficiary,
    Case,
    Document,
    ImportJob,
    Registration,
)
from cases.retention import anonymisation_date, contact_cutoff
from cases.services import contacts, lifecycle, pathway, sessions
from organizations.errors import DomainError
from privacy import services
from privacy.tasks import run_retention
from referrals.models import Attachment, Referral
from tests.cases.factories import (
    AccessLogFactory,
    AppointmentFactory,
    BeneficiaryFactory,
    CaseFactory,
    FollowUpFactory,
    RegistrationFactory,
    WorkshopFactory,
)
from tests.referrals.factories import ReferralFactory

pytestmark = pytest.mark.django_db


def today() -> dt.date:
    return timezone.localdate()


def person(platform, *, last_contact: dt.date, **kwargs) -> Beneficiary:
    person = BeneficiaryFactory(organization=platform, last_contact_on=last_contact, **kwargs)
    CaseFactory(beneficiary=person, opened_on=last_contact - dt.timedelta(days=30))
    return person


def token_client(membership) -> APIClient:
    token, _ = Token.objects.get_or_create(user=membership.user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


# --- Who is anonymised, when ------------------------------------------------------------------


def test_exactly_the_files_past_the_limit_are_anonymised(alice):
    limit = contact_cutoff(today())  # two years ago today
    on_the_day = person(alice.organization, last_contact=limit)
    before = person(alice.organization, last_contact=limit - dt.timedelta(days=1))
    day_after = person(alice.organization, last_contact=limit + dt.timedelta(days=1))

    report = services.apply_retention()

    assert report.people == 2
    anonymised = set(Beneficiary.objects.filter(anonymised_at__isnull=False))
    assert anonymised == {on_the_day, before}
    assert Beneficiary.objects.get(pk=day_after.pk).full_name == day_after.full_name
    assert anonymisation_date(day_after.last_contact_on) == today() + dt.timedelta(days=1)


def test_the_retention_period_is_a_setting(alice, settings):
    settings.PERSONAL_DATA_RETENTION_YEARS = 3
    three_years = person(alice.organization, last_contact=today() - relativedelta(years=3))
    two_years = person(alice.organization, last_contact=today() - relativedelta(years=2))

    assert services.apply_retention().people == 1
    assert Beneficiary.objects.get(pk=three_years.pk).anonymised_at is not None
    assert Beneficiary.objects.get(pk=two_years.pk).anonymised_at is None


def test_a_file_last_contacted_on_29_february_is_kept_until_1_march():
    assert anonymisation_date(dt.date(2024, 2, 29)) == dt.date(2026, 3, 1)
    assert contact_cutoff(dt.date(2026, 2, 28)) < dt.date(2024, 2, 29)
    assert contact_cutoff(dt.date(2026, 3, 1)) >= dt.date(2024, 2, 29)


def test_a_second_run_changes_nothing(alice, remi, django_capture_on_commit_callbacks):
    old = today() - relativedelta(years=3)
    person(alice.organization, last_contact=old)
    ReferralFactory(
        sender=remi,
        organization=alice.organization,
        status=Referral.Status.REFUSED,
        closed_at=timezone.now() - relativedelta(years=3),
    )
    referral = ReferralFactory(
        sender=remi,
        organization=alice.organization,
        status=Referral.Status.REFUSED,
        closed_at=timezone.now() - dt.timedelta(days=100),
    )
    attachment = Attachment(referral=referral, original_name="cv.pdf", content_type="x", size=1)
    attachment.file.save("cv.pdf", ContentFile(b"cv"), save=True)
    log = AccessLogFactory(beneficiary__organization=alice.organization)
    AccessLog.objects.filter(pk=log.pk).update(accessed_at=timezone.now() - relativedelta(years=2))
    job = imports.create_import_job(
        organization=alice.organization,
        by=alice,
        uploaded_file=SimpleUploadedFile("suivi.csv", b"Nom;Prenom\r\nRoy;Lina\r\n"),
    )
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.DONE, finished_at=timezone.now() - dt.timedelta(days=100)
    )

    with django_capture_on_commit_callbacks(execute=True):
        first = services.apply_retention()
    rows = {model: model.objects.count() for model in (Beneficiary, Referral, AccessLog, ImportJob)}
    history = Beneficiary.history.count(), Referral.history.count(), Case.history.count()
    with django_capture_on_commit_callbacks(execute=True):
        second = services.apply_retention()

    assert first.as_dict() == {
        "people": 1,
        "referrals": 1,
        "attachments": 1,
        "imports": 1,
        "access_logs": 1,
    }
    assert second.as_dict() == {
        "people": 0,
        "referrals": 0,
        "attachments": 0,
        "imports": 0,
        "access_logs": 0,
    }
    assert {model: model.objects.count() for model in rows} == rows
    assert (Beneficiary.history.count(), Referral.history.count(), Case.history.count()) == (
        history
    )


def test_a_referral_never_linked_to_a_file_is_anonymised_after_the_retention_period(alice, remi):
    long_ago = timezone.now() - relativedelta(years=2, days=1)
    refused = ReferralFactory(
        sender=remi,
        organization=alice.organization,
        status=Referral.Status.REFUSED,
        decided_at=long_ago,
        closed_at=long_ago,
        objective="Projet de Mme Untel",
    )
    draft = ReferralFactory(sender=remi, organization=alice.organization)
    Referral.objects.filter(pk=draft.pk).update(updated_at=long_ago)
    recent = ReferralFactory(
        sender=remi,
        organization=alice.organization,
        status=Referral.Status.EXPIRED,
        closed_at=timezone.now() - relativedelta(years=1),
    )

    assert services.apply_retention().referrals == 2

    refused.refresh_from_db()
    assert refused.anonymised_at is not None and refused.first_name == ""
    assert refused.objective == "" and refused.status == Referral.Status.REFUSED
    assert Referral.objects.get(pk=draft.pk).anonymised_at is not None
    assert Referral.objects.get(pk=recent.pk).first_name == "Camille"


def test_the_dry_run_counts_without_changing_anything(alice):
    person(alice.organization, last_contact=today() - relativedelta(years=3))

    report = services.apply_retention(dry_run=True)

    assert report.people == 1
    assert not Beneficiary.objects.filter(anonymised_at__isnull=False).exists()
    assert report.lines()[-1] == "Simulation : rien n'a été modifié."


def test_the_command_reports_in_french(alice, capsys):
    person(alice.organization, last_contact=today() - relativedelta(years=3))

    call_command("apply_retention", "--dry-run")
    call_command("apply_retention")

    out = capsys.readouterr().out
    assert "Personnes à anonymiser (durée de conservation écoulée) : 1" in out
    assert "Personnes anonymisée(s) (durée de conservation écoulée) : 1" in out
    assert "Entrées du journal des consultations supprimée(s) : 0" in out


def test_the_command_refuses_a_bad_date_in_french():
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="Date invalide"):
        call_command("apply_retention", "--date", "31/12/2026")


def test_the_background_task_runs_the_same_rules(alice):
    person(alice.organization, last_contact=today() - relativedelta(years=3))

    result = run_retention.enqueue()

    assert result.return_value == {
        "people": 1,
        "referrals": 0,
        "attachments": 0,
        "imports": 0,
        "access_logs": 0,
    }


# --- Purges -------------------------------------------------------------------------------------


def _attachment(referral) -> Attachment:
    attachment = Attachment(
        referral=referral, original_name="promesse.pdf", content_type="application/pdf", size=3
    )
    attachment.file.save("promesse.pdf", ContentFile(b"pdf"), save=True)
    return attachment


@pytest.mark.parametrize(
    ("days_ago", "purged"), [(90, True), (89, False), (200, True)], ids=["day", "before", "old"]
)
def test_attachments_are_deleted_once_the_referral_is_closed_for_long_enough(
    alice, remi, days_ago, purged, django_capture_on_commit_callbacks
):
    closed_at = timezone.now() - dt.timedelta(days=days_ago)
    closed = ReferralFactory(
        sender=remi,
        organization=alice.organization,
        status=Referral.Status.WITHDRAWN,
        closed_at=closed_at,
    )
    accepted = ReferralFactory(
        sender=remi, organization=alice.organization, status="accepted", decided_at=closed_at
    )
    pending = ReferralFactory(sender=remi, organization=alice.organization, status="in_review")
    files = [_attachment(r) for r in (closed, accepted)]
    waiting = _attachment(pending)
    Referral.objects.filter(pk=pending.pk).update(created_at=closed_at)

    with django_capture_on_commit_callbacks(execute=True):
        report = services.apply_retention()

    assert report.attachments == (2 if purged else 0)
    assert Attachment.objects.filter(pk__in=[a.pk for a in files]).exists() is not purged
    assert all(default_storage.exists(a.file.name) is not purged for a in files)
    assert Attachment.objects.filter(pk=waiting.pk).exists()


def test_the_attachment_delay_is_a_setting(alice, remi, settings):
    settings.REFERRAL_ATTACHMENT_RETENTION_DAYS = 10
    referral = ReferralFactory(
        sender=remi,
        organization=alice.organization,
        status=Referral.Status.EXPIRED,
        closed_at=timezone.now() - dt.timedelta(days=10),
    )
    _attachment(referral)

    assert services.apply_retention().attachments == 1


def test_access_log_entries_older_than_twelve_months_are_deleted(alice):
    people = BeneficiaryFactory(organization=alice.organization)
    kept = AccessLogFactory(beneficiary=people)
    boundary = AccessLogFactory(beneficiary=people)
    old = AccessLogFactory(beneficiary=people)
    start_of_day = timezone.make_aware(
        dt.datetime.combine(today() - relativedelta(months=12), dt.time.min)
    )
    AccessLog.objects.filter(pk=boundary.pk).update(accessed_at=start_of_day)
    AccessLog.objects.filter(pk=old.pk).update(accessed_at=start_of_day - dt.timedelta(seconds=1))

    assert services.apply_retention().access_logs == 1
    assert set(AccessLog.objects.values_list("pk", flat=True)) == {kept.pk, boundary.pk}


# --- Contacts that extend the file -------------------------------------------------------------


def test_recording_a_contact_extends_the_file_and_keeps_it_out_of_the_run(alice):
    near = person(alice.organization, last_contact=contact_cutoff(today()))

    contacts.record_contact(near, by=alice)

    near.refresh_from_db()
    assert near.last_contact_on == today()
    assert near.anonymisation_due_on == today() + relativedelta(years=2)
    assert services.apply_retention().people == 0
    version = near.history.first()
    assert version.history_user == alice.user and version.history_change_reason == (
        "Contact enregistré"
    )


@pytest.mark.parametrize(
    ("on", "message"),
    [
        (dt.timedelta(days=1), "ne peut pas être dans le futur"),
        (dt.timedelta(days=-400), "est déjà enregistré"),
    ],
)
def test_a_contact_in_the_future_or_older_than_the_last_one_is_refused(alice, on, message):
    someone = person(alice.organization, last_contact=today() - dt.timedelta(days=100))

    with pytest.raises(DomainError, match=message):
        contacts.record_contact(someone, by=alice, on=today() + on)


def test_a_coach_cannot_record_a_contact(alice, bob):
    someone = person(alice.organization, last_contact=today() - dt.timedelta(days=100))

    with pytest.raises(DomainError):
        contacts.record_contact(someone, by=bob)


def test_the_services_count_the_contacts_coming_from_the_person(alice, bob):
    long_ago = today() - dt.timedelta(days=500)
    case = CaseFactory(
        organization=alice.organization,
        status=Case.Status.IN_PROGRESS,
        opened_on=long_ago,
        beneficiary__last_contact_on=long_ago,
    )
    beneficiary = case.beneficiary

    def last_contact():
        return Beneficiary.objects.get(pk=beneficiary.pk).last_contact_on

    pathway.attach_document(
        case=case,
        by=alice,
        uploaded_file=ContentFile(b"%PDF-1.4 aide", name="decision.pdf"),
        kind=Document.Kind.AID,
    )
    assert last_contact() == long_ago  # an aid decision does not come from the person

    appointment = AppointmentFactory(
        case=case, staff=alice, starts_at=timezone.now() - dt.timedelta(days=300)
    )
    sessions.set_appointment_status(appointment=appointment, status="done", by=alice)
    assert last_contact() == today() - dt.timedelta(days=300)

    workshop = WorkshopFactory(
        organization=alice.organization,
        coach=bob,
        starts_at=timezone.now() - dt.timedelta(days=200),
    )
    registration = RegistrationFactory(workshop=workshop, case=case)
    sessions.take_attendance(
        workshop=workshop, by=bob, marks={registration.pk: Registration.Attendance.PRESENT}
    )
    assert last_contact() == timezone.localdate(workshop.starts_at)

    pathway.attach_document(
        case=case,
        by=alice,
        uploaded_file=ContentFile(b"%PDF-1.4 id", name="identite.pdf"),
        kind=Document.Kind.IDENTITY,
    )
    assert last_contact() == today()


def test_a_missed_appointment_or_absence_does_not_count(alice, bob):
    long_ago = today() - dt.timedelta(days=500)
    case = CaseFactory(
        organization=alice.organization,
        status=Case.Status.IN_PROGRESS,
        opened_on=long_ago,
        beneficiary__last_contact_on=long_ago,
    )
    appointment = AppointmentFactory(
        case=case, staff=alice, starts_at=timezone.now() - dt.timedelta(days=3)
    )
    sessions.set_appointment_status(
        appointment=appointment, status=Appointment.Status.NO_SHOW, by=alice
    )
    workshop = WorkshopFactory(
        organization=alice.organization, coach=bob, starts_at=timezone.now() - dt.timedelta(days=2)
    )
    registration = RegistrationFactory(workshop=workshop, case=case)
    sessions.take_attendance(
        workshop=workshop, by=bob, marks={registration.pk: Registration.Attendance.NO_SHOW}
    )

    assert Beneficiary.objects.get(pk=case.beneficiary_id).last_contact_on == long_ago


def test_opening_a_case_and_a_reached_follow_up_count(alice):
    long_ago = today() - dt.timedelta(days=500)
    follow_up = FollowUpFactory(
        case__organization=alice.organization,
        case__beneficiary__last_contact_on=long_ago,
        due_on=today() - dt.timedelta(days=3),
    )
    lifecycle.record_follow_up(follow_up, by=alice, done_on=today(), reached=False)
    beneficiary = Beneficiary.objects.get(pk=follow_up.case.beneficiary_id)
    assert beneficiary.last_contact_on == long_ago

    other = FollowUpFactory(case=follow_up.case, kind="m3", due_on=today() - dt.timedelta(days=60))
    lifecycle.record_follow_up(
        other, by=alice, done_on=today() - dt.timedelta(days=1), reached=True, situation="training"
    )
    beneficiary.refresh_from_db()
    assert beneficiary.last_contact_on == today() - dt.timedelta(days=1)

    newcomer = BeneficiaryFactory(
        organization=alice.organization, last_contact_on=today() - dt.timedelta(days=900)
    )
    lifecycle.open_case(beneficiary=newcomer, by=alice, opened_on=today() - dt.timedelta(days=2))
    newcomer.refresh_from_db()
    assert newcomer.last_contact_on == today() - dt.timedelta(days=2)


# --- The advisor is warned ----------------------------------------------------------------------


def _todo_retention_html(response) -> str:
    html = " ".join(response.content.decode().split())
    return html.split('id="todo-retention"')[1].split("</section>")[0]


def _todo_retention(client) -> str:
    return _todo_retention_html(client.get(reverse("cases:todo")))


def test_a_file_within_30_days_of_its_anonymisation_is_listed_in_todo(login, alice):
    limit = contact_cutoff(today())
    due = person(
        alice.organization, last_contact=limit - dt.timedelta(days=3), first_name="Dépassée"
    )
    soon = person(
        alice.organization, last_contact=limit + dt.timedelta(days=30), first_name="Bientôt"
    )
    later = person(
        alice.organization, last_contact=limit + dt.timedelta(days=31), first_name="Tranquille"
    )
    for someone in (due, soon, later):
        Case.objects.filter(beneficiary=someone).update(advisor=alice)

    section = _todo_retention(login(alice))

    assert "Dépassée" in section and "anonymisation au prochain passage" in section
    assert "Bientôt" in section
    assert f"anonymisé le {today() + dt.timedelta(days=30):%d/%m/%Y}" in section
    assert "Tranquille" not in section
    assert reverse("cases:beneficiary_contact", args=[soon.pk]) in section
    assert reverse("privacy:preview", args=[soon.pk]) in section


def test_an_advisor_is_warned_of_her_own_files_an_admin_of_all(login, alice, adele, platform_a):
    from tests.factories import MembershipFactory

    colleague = MembershipFactory(organization=platform_a, role="advisor")
    near = contact_cutoff(today()) + dt.timedelta(days=5)
    mine = person(platform_a, last_contact=near, first_name="Mienne")
    theirs = person(platform_a, last_contact=near, first_name="Autre")
    Case.objects.filter(beneficiary=mine).update(advisor=alice)
    Case.objects.filter(beneficiary=theirs).update(advisor=colleague)

    advisor_view = _todo_retention(login(alice))
    admin_view = _todo_retention(login(adele))

    assert "Mienne" in advisor_view and "Autre" not in advisor_view
    assert "Mienne" in admin_view and "Autre" in admin_view


def test_the_todo_page_stays_at_a_constant_number_of_queries(
    login, adele, django_assert_num_queries
):
    near = contact_cutoff(today()) + dt.timedelta(days=5)
    person(adele.organization, last_contact=near)
    client = login(adele)
    client.get(reverse("cases:todo"))  # warm the session

    # Session, user, memberships; appointments, workshops, follow-ups, actions, retention.
    with django_assert_num_queries(8):
        client.get(reverse("cases:todo"))
    for _ in range(4):
        person(adele.organization, last_contact=near)
    with django_assert_num_queries(8):
        response = client.get(reverse("cases:todo"))
    assert _todo_retention_html(response).count("Enregistrer un contact") == 5


def test_the_case_page_warns_before_the_anonymisation(login, alice):
    near = person(alice.organization, last_contact=contact_cutoff(today()) + dt.timedelta(days=8))
    far = person(alice.organization, last_contact=today())
    client = login(alice)

    near_page = client.get(reverse("cases:case_detail", args=[near.cases.get().pk]))
    far_page = client.get(reverse("cases:case_detail", args=[far.cases.get().pk]))

    due = today() + dt.timedelta(days=8)
    assert f"ce dossier sera anonymisé le {due:%d/%m/%Y}" in " ".join(
        near_page.content.decode().split()
    )
    assert "ce dossier sera anonymisé" not in far_page.content.decode()


# --- « Enregistrer un contact » ----------------------------------------------------------------


def test_an_advisor_records_a_contact_from_the_page(login, alice):
    near = person(alice.organization, last_contact=contact_cutoff(today()) + dt.timedelta(days=8))
    client = login(alice)
    page = client.get(reverse("cases:beneficiary_contact", args=[near.pk]))
    assert page.status_code == 200 and "Enregistrer le contact" in page.content.decode()

    response = client.post(
        reverse("cases:beneficiary_contact", args=[near.pk]), {"on": today().isoformat()}
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("cases:case_detail", args=[near.cases.get().pk])
    near.refresh_from_db()
    assert near.last_contact_on == today()
    followed = client.get(response["Location"]).content.decode()
    assert "Contact du" in followed and "ce dossier sera anonymisé" not in followed


def test_a_refused_contact_shows_its_french_reason_next_to_the_field(login, alice):
    someone = person(alice.organization, last_contact=today())

    response = login(alice).post(
        reverse("cases:beneficiary_contact", args=[someone.pk]), {"on": today().isoformat()}
    )

    assert response.status_code == 200
    assert "seul un contact plus récent prolonge" in response.content.decode()


@pytest.mark.cross_tenant("cases:beneficiary_contact", "api:beneficiary-contact")
def test_another_platform_gets_404_when_recording_a_contact(login, alice, chloe):
    someone = person(alice.organization, last_contact=today() - dt.timedelta(days=9))

    page = reverse("cases:beneficiary_contact", args=[someone.pk])
    assert login(chloe).get(page).status_code == 404
    assert login(chloe).post(page, {"on": today().isoformat()}).status_code == 404
    api = reverse("api:beneficiary-contact", kwargs={"id": someone.pk})
    assert token_client(chloe).post(api, {}, format="json").status_code == 404
    assert Beneficiary.objects.get(pk=someone.pk).last_contact_on != today()


@pytest.mark.role_check("cases:beneficiary_contact", "api:beneficiary-contact")
def test_coaches_referrers_and_funders_cannot_record_a_contact(login, alice, bob, remi, fanny):
    someone = person(alice.organization, last_contact=today() - dt.timedelta(days=9))
    page = reverse("cases:beneficiary_contact", args=[someone.pk])
    api = reverse("api:beneficiary-contact", kwargs={"id": someone.pk})

    for member in (bob, remi, fanny):
        assert login(member).post(page, {"on": today().isoformat()}).status_code == 403
        assert token_client(member).post(api, {}, format="json").status_code == 403
    assert Beneficiary.objects.get(pk=someone.pk).last_contact_on != today()


def test_the_api_records_a_contact_and_says_when_the_file_will_be_anonymised(alice):
    someone = person(alice.organization, last_contact=today() - dt.timedelta(days=9))
    api = reverse("api:beneficiary-contact", kwargs={"id": someone.pk})

    response = token_client(alice).post(api, {"on": today().isoformat()}, format="json")
    refused = token_client(alice).post(api, {}, format="json")

    assert response.status_code == 200, response.json()
    assert response.json() == {
        "id": str(someone.pk),
        "last_contact_on": today().isoformat(),
        "anonymisation_due_on": (today() + relativedelta(years=2)).isoformat(),
    }
    assert refused.status_code == 400 and refused.json()["field"] == "on"
    detail = token_client(alice).get(reverse("api:beneficiary-detail", kwargs={"id": someone.pk}))
    assert detail.json()["last_contact_on"] == today().isoformat()
