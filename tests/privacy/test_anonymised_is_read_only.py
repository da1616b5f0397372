"""Once a person is anonymised, nothing new can be written on their file: a note, a session, a
document or a loan would attach fresh personal data to a record nobody may identify any more."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from cases.models import Appointment, Case, ConsentRecord, Document, FollowUp, Note, Situation
from cases.services import lifecycle, pathway, people, sessions
from organizations.errors import DomainError
from privacy import services
from tests.cases.factories import BeneficiaryFactory, CaseFactory
from vehicles import services as vehicle_services
from vehicles.models import Loan

pytestmark = pytest.mark.django_db

YEAR_AGO = timezone.localdate() - dt.timedelta(days=365)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def anonymised(zorglub, adele, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.anonymise_person(zorglub.beneficiary, by=adele)
    zorglub.case.refresh_from_db()
    zorglub.beneficiary.refresh_from_db()
    return zorglub


def refused(write) -> DomainError:
    with pytest.raises(DomainError) as error:
        write()
    assert error.value.code == "anonymised"
    assert error.value.message == "Ce dossier est anonymisé : il ne peut plus être modifié."
    return error.value


def written(person) -> tuple[int, ...]:
    models = (Note, Document, Appointment, Loan, ConsentRecord)
    return (*(model.objects.count() for model in models), person.cases.count())


def test_every_kind_of_new_data_on_the_file_is_refused(anonymised, alice, ebike):
    case, person = anonymised.case, anonymised.beneficiary
    counts = written(person)
    later = timezone.now() + dt.timedelta(days=3)

    refused(lambda: pathway.add_note(case=case, by=alice, body="Il a rappelé"))
    refused(
        lambda: pathway.attach_document(
            case=case,
            by=alice,
            kind=Document.Kind.OTHER,
            uploaded_file=SimpleUploadedFile("scan.png", PNG, content_type="image/png"),
        )
    )
    refused(
        lambda: sessions.schedule_appointment(
            case=case, by=alice, staff=alice, starts_at=later, duration_minutes=30,
            kind=Appointment.Kind.FOLLOW_UP,
        )
    )  # fmt: skip
    refused(
        lambda: vehicle_services.reserve(
            case=case, vehicle=ebike, by=alice,
            start_date=timezone.localdate() + dt.timedelta(days=40),
            end_date=timezone.localdate() + dt.timedelta(days=50),
        )
    )  # fmt: skip
    refused(
        lambda: people.record_consent(
            person, by=alice, scope=ConsentRecord.Scope.PROCESSING, comment="Accord oral"
        )
    )
    refused(lambda: lifecycle.open_case(beneficiary=person, by=alice))
    refused(
        lambda: people.update_case(
            case, by=alice, advisor=alice, site=None, origin=case.origin, objective="Permis B"
        )
    )

    assert written(person) == counts


def test_the_note_form_says_why_and_keeps_nothing(login, anonymised, alice):
    response = login(alice).post(
        reverse("cases:note_create", args=[anonymised.case.pk]), {"body": "Il a rappelé"}
    )

    assert response.status_code == 200
    assert "Ce dossier est anonymisé : il ne peut plus être modifié." in response.content.decode()
    assert not Note.objects.filter(case=anonymised.case, body="Il a rappelé").exists()


def test_the_other_files_of_the_platform_stay_writable(anonymised, quetzal, alice):
    note = pathway.add_note(case=quetzal.case, by=alice, body="Il a rappelé")

    assert note.case == quetzal.case


def test_a_file_left_open_can_still_be_closed_without_comment_and_never_reopened(alice, adele):
    person = BeneficiaryFactory(organization=alice.organization)
    case = CaseFactory(beneficiary=person, status=Case.Status.IN_PROGRESS, opened_on=YEAR_AGO)
    services.anonymise_person(person, by=adele)
    close = {
        "by": alice,
        "exit_date": timezone.localdate(),
        "exit_reason": Case.ExitReason.DROPPED_OUT,
        "situation": Situation.UNKNOWN,
    }

    case = Case.objects.select_related("beneficiary").get(pk=case.pk)
    assert set(case.allowed_transitions()) == {Case.Status.CLOSING}  # the buttons on its page
    refused(lambda: lifecycle.move_case(case, to_status=Case.Status.ON_HOLD, by=alice))
    with pytest.raises(DomainError) as with_comment:
        lifecycle.move_case(case, to_status=Case.Status.CLOSING, by=alice, comment="Vu au marché")
    assert with_comment.value.field == "comment"
    lifecycle.move_case(case, to_status=Case.Status.CLOSING, by=alice)
    with pytest.raises(DomainError):
        lifecycle.close_case(case, comment="Parti à Lyon", **close)
    lifecycle.close_case(case, **close)

    case.refresh_from_db()
    assert case.status == Case.Status.CLOSED and not case.is_open  # no longer counted as active
    refused(lambda: lifecycle.move_case(case, to_status=Case.Status.IN_PROGRESS, by=alice))
    follow_up = case.follow_ups.get(kind=FollowUp.Kind.MONTH_3)
    refused(
        lambda: lifecycle.record_follow_up(
            follow_up, by=alice, done_on=timezone.localdate(), reached=False
        )
    )
