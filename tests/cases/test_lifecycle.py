"""A case's lifecycle from the advisor's side: status buttons, exit questionnaire, follow-ups,
reopening, and the history tab that tells who did what and who opened the file."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import TRANSITIONS, AccessLog, Case, CaseStatus, FollowUp
from cases.services import lifecycle
from cases.services import people as people_services
from organizations.errors import DomainError
from tests.cases.factories import (
    ActionFactory,
    AidApplicationFactory,
    AppointmentFactory,
    CaseFactory,
    DiagnosticFactory,
    DocumentFactory,
    FollowUpFactory,
    NoteFactory,
    RegistrationFactory,
)

TODAY = timezone.localdate()
HISTORY_QUERIES = 19  # request, scoped case, access log write, one per event source, changes
Status = CaseStatus
ALLOWED = [
    (from_status, to_status)
    for from_status, targets in TRANSITIONS.items()
    for to_status in targets
    if to_status != Status.CLOSED
]


def closing_case(organization, **kwargs) -> Case:
    return CaseFactory(
        organization=organization, status=Status.CLOSING,
        opened_on=TODAY - dt.timedelta(days=120), **kwargs,
    )  # fmt: skip


def close(case: Case, by, **overrides) -> Case:
    values = {
        "exit_date": TODAY - dt.timedelta(days=2),
        "exit_reason": Case.ExitReason.JOB_OR_TRAINING,
        "situation": "job_permanent",
    }
    return lifecycle.close_case(case, by=by, **{**values, **overrides})


# --- Service rules ------------------------------------------------------------------------------


@pytest.mark.parametrize(("from_status", "to_status"), ALLOWED)
def test_every_allowed_transition_moves_the_case_and_is_logged(alice, from_status, to_status):
    case = CaseFactory(organization=alice.organization, status=from_status)
    case = lifecycle.move_case(case, to_status=to_status, by=alice, comment="Point d'étape")
    case.refresh_from_db()
    assert case.status == to_status
    step = case.transitions.get()
    assert (step.from_status, step.to_status, step.by) == (from_status, to_status, alice.user)


def test_a_transition_the_lifecycle_does_not_allow_is_refused_in_french(alice):
    case = CaseFactory(organization=alice.organization, status=Status.INTAKE)
    with pytest.raises(DomainError) as caught:
        lifecycle.move_case(case, to_status=Status.ARCHIVED, by=alice)
    assert caught.value.message == "Impossible de passer de « Accueil » à « Archivé »."
    case.refresh_from_db()
    assert case.status == Status.INTAKE and not case.transitions.exists()


def test_an_exit_before_the_entry_is_refused(alice):
    case = closing_case(alice.organization)
    with pytest.raises(DomainError) as caught:
        close(case, alice, exit_date=case.opened_on - dt.timedelta(days=1))
    assert caught.value.field == "exit_date"
    assert "ne peut pas précéder la date d'entrée" in caught.value.message
    case.refresh_from_db()
    assert case.status == Status.CLOSING and not FollowUp.objects.exists()


def test_closing_schedules_the_follow_ups_at_three_and_six_months(alice):
    case = CaseFactory(
        organization=alice.organization, status=Status.CLOSING, opened_on=dt.date(2025, 9, 1)
    )
    case = close(case, alice, exit_date=dt.date(2026, 1, 31))
    assert case.status == Status.CLOSED and case.closed_on == dt.date(2026, 1, 31)
    due = dict(case.follow_ups.values_list("kind", "due_on"))
    assert due == {"m3": dt.date(2026, 4, 30), "m6": dt.date(2026, 7, 31)}


def test_recording_a_follow_up_moves_the_case_to_follow_up(alice):
    case = close(closing_case(alice.organization), alice)
    follow_up = case.follow_ups.get(kind="m3")
    lifecycle.record_follow_up(
        follow_up, by=alice, done_on=TODAY, reached=True, situation="job_permanent"
    )
    case.refresh_from_db()
    assert case.status == Status.FOLLOW_UP
    assert case.transitions.last().to_status == Status.FOLLOW_UP


def test_reopening_a_closed_case_clears_its_exit_and_pending_follow_ups(alice):
    case = close(closing_case(alice.organization), alice)
    case = lifecycle.move_case(case, to_status=Status.IN_PROGRESS, by=alice)
    case.refresh_from_db()
    assert case.status == Status.IN_PROGRESS
    assert case.closed_on is None and case.exit_reason == ""
    assert not case.follow_ups.exists()


def test_a_coach_cannot_move_a_case(alice, bob):
    case = CaseFactory(organization=alice.organization)
    with pytest.raises(DomainError):
        lifecycle.move_case(case, to_status=Status.DIAGNOSTIC, by=bob)


# --- Status buttons -----------------------------------------------------------------------------


@pytest.mark.cross_tenant("cases:case_transition", "cases:case_exit", "cases:follow_up_record")
def test_another_platform_gets_404_on_the_lifecycle_pages(login, alice, chloe):
    case = closing_case(alice.organization)
    follow_up = FollowUpFactory(case__organization=alice.organization)
    client = login(chloe)
    response = client.post(
        reverse("cases:case_transition", args=[case.id]), {"to_status": "in_progress"}
    )
    assert response.status_code == 404
    assert client.get(reverse("cases:case_exit", args=[case.id])).status_code == 404
    url = reverse("cases:follow_up_record", args=[follow_up.case_id, follow_up.id])
    assert client.get(url).status_code == 404
    case.refresh_from_db()
    assert case.status == Status.CLOSING


@pytest.mark.role_check("cases:case_transition", "cases:case_exit", "cases:follow_up_record")
def test_a_coach_referrer_or_funder_cannot_move_close_or_follow_up_a_case(
    login, alice, bob, remi, fanny
):
    case = closing_case(alice.organization)
    follow_up = FollowUpFactory(case__organization=alice.organization)
    for member in (bob, remi, fanny):
        client = login(member)
        response = client.post(
            reverse("cases:case_transition", args=[case.id]), {"to_status": "in_progress"}
        )
        assert response.status_code == 403
        assert client.get(reverse("cases:case_exit", args=[case.id])).status_code == 403
        url = reverse("cases:follow_up_record", args=[follow_up.case_id, follow_up.id])
        assert client.get(url).status_code == 403
    case.refresh_from_db()
    assert case.status == Status.CLOSING


def test_the_case_page_offers_the_allowed_next_steps_as_buttons(login, alice):
    case = CaseFactory(organization=alice.organization, status=Status.IN_PROGRESS)
    page = login(alice).get(reverse("cases:case_detail", args=[case.id])).content.decode()
    assert "Mettre en pause" in page and "Préparer la sortie" in page
    assert "Rouvrir" not in page


def test_an_advisor_moves_a_case_with_a_button(login, alice):
    case = CaseFactory(organization=alice.organization, status=Status.INTAKE)
    response = login(alice).post(
        reverse("cases:case_transition", args=[case.id]), {"to_status": "diagnostic"}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == Status.DIAGNOSTIC


def test_a_refused_transition_says_why_in_french(login, alice):
    case = CaseFactory(organization=alice.organization, status=Status.INTAKE)
    response = login(alice).post(
        reverse("cases:case_transition", args=[case.id]), {"to_status": "archived"}, follow=True
    )
    assert "Impossible de passer de « Accueil » à « Archivé »." in response.content.decode()
    case.refresh_from_db()
    assert case.status == Status.INTAKE


def test_an_unknown_status_is_refused_without_error(login, alice):
    case = CaseFactory(organization=alice.organization)
    response = login(alice).post(
        reverse("cases:case_transition", args=[case.id]), {"to_status": "n-importe-quoi"},
        follow=True,
    )  # fmt: skip
    assert response.status_code == 200
    assert "Ce changement de statut n&#x27;existe pas." in response.content.decode()


def test_the_close_button_leads_to_the_exit_questionnaire(login, alice):
    case = closing_case(alice.organization)
    page = login(alice).get(reverse("cases:case_detail", args=[case.id])).content.decode()
    assert reverse("cases:case_exit", args=[case.id]) in page


# --- Exit questionnaire and follow-ups ----------------------------------------------------------


def test_an_advisor_closes_a_case_with_the_exit_questionnaire(login, alice):
    case = closing_case(alice.organization)
    response = login(alice).post(
        reverse("cases:case_exit", args=[case.id]),
        {"exit_date": TODAY.isoformat(), "exit_reason": "goals_met",
         "situation": "training", "licence_gained": "on", "comment": ""},
    )  # fmt: skip
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == Status.CLOSED
    assert case.exit.situation == "training" and case.exit.licence_gained
    assert case.follow_ups.count() == 2


def test_an_exit_before_the_entry_shows_the_error_next_to_the_date(login, alice):
    case = closing_case(alice.organization)
    before = case.opened_on - dt.timedelta(days=1)
    response = login(alice).post(
        reverse("cases:case_exit", args=[case.id]),
        {"exit_date": before.isoformat(), "exit_reason": "goals_met", "situation": "training",
         "comment": "Formation CACES"},
    )  # fmt: skip
    page = response.content.decode()
    assert response.status_code == 200
    assert "La date de sortie ne peut pas précéder la date d&#x27;entrée" in page
    assert "Formation CACES" in page
    case.refresh_from_db()
    assert case.status == Status.CLOSING


def test_the_exit_questionnaire_is_only_for_a_case_being_closed(login, alice):
    case = CaseFactory(organization=alice.organization, status=Status.IN_PROGRESS)
    response = login(alice).get(reverse("cases:case_exit", args=[case.id]), follow=True)
    assert "Passez d&#x27;abord l&#x27;accompagnement en « Sortie en cours »" in (
        response.content.decode()
    )


def test_an_advisor_records_the_six_month_follow_up(login, alice):
    follow_up = FollowUpFactory(case__organization=alice.organization)
    url = reverse("cases:follow_up_record", args=[follow_up.case_id, follow_up.id])
    response = login(alice).post(
        url, {"done_on": TODAY.isoformat(), "reached": "true", "situation": "job_short"}
    )
    assert response.status_code == 302
    follow_up.refresh_from_db()
    assert follow_up.done_on == TODAY and follow_up.situation == "job_short"
    assert follow_up.case.status == Status.FOLLOW_UP


def test_a_reached_person_needs_a_situation(login, alice):
    follow_up = FollowUpFactory(case__organization=alice.organization)
    url = reverse("cases:follow_up_record", args=[follow_up.case_id, follow_up.id])
    response = login(alice).post(url, {"done_on": TODAY.isoformat(), "reached": "true"})
    assert "Indiquez la situation de la personne jointe." in response.content.decode()
    follow_up.refresh_from_db()
    assert follow_up.done_on is None


def test_a_follow_up_of_another_case_is_not_found_through_this_one(login, alice):
    follow_up = FollowUpFactory(case__organization=alice.organization)
    other = CaseFactory(organization=alice.organization)
    url = reverse("cases:follow_up_record", args=[other.id, follow_up.id])
    assert login(alice).get(url).status_code == 404


# --- History tab --------------------------------------------------------------------------------


@pytest.mark.cross_tenant("cases:case_history")
def test_another_platform_gets_404_on_the_history(login, alice, chloe):
    case = CaseFactory(organization=alice.organization)
    assert login(chloe).get(reverse("cases:case_history", args=[case.id])).status_code == 404
    assert not AccessLog.objects.exists()


@pytest.mark.role_check("cases:case_history")
def test_a_coach_referrer_or_funder_cannot_read_the_history(login, alice, bob, remi, fanny):
    case = CaseFactory(organization=alice.organization)
    RegistrationFactory(case=case, workshop__organization=alice.organization, workshop__coach=bob)
    for member in (bob, remi, fanny):
        url = reverse("cases:case_history", args=[case.id])
        assert login(member).get(url).status_code == 403


def full_story(alice, adele, *, extra: int = 0) -> Case:
    """A case taken from intake to follow-up, with ``extra`` more events of each kind."""
    case = people_services.enrol_new_person(
        organization=alice.organization, by=alice,
        person={"first_name": "Léa", "last_name": "Girard", "birth_date": dt.date(1995, 3, 4)},
        case={"opened_on": TODAY - dt.timedelta(days=200), "advisor": alice},
        consents=["processing"], confirm_not_duplicate=True,
    )  # fmt: skip
    people_services.update_case(
        case, by=adele, advisor=adele, site=None, origin="referral", objective="Permis B"
    )
    people_services.update_beneficiary(case.beneficiary, by=alice, data={"phone": "0600000000"})
    for n in range(1 + extra):
        DiagnosticFactory(case=case, done_on=TODAY - dt.timedelta(days=190 - n))
        ActionFactory(goal__case=case, status="done", done_on=TODAY - dt.timedelta(days=100))
        AppointmentFactory(case=case, staff=alice)
        RegistrationFactory(case=case, workshop__organization=alice.organization,
                            attendance="present")  # fmt: skip
        AidApplicationFactory(case=case, status="granted", decided_on=TODAY)
        DocumentFactory(case=case, uploaded_by=alice.user)
        NoteFactory(case=case, author=alice.user)
    for status in (Status.DIAGNOSTIC, Status.PLAN, Status.IN_PROGRESS, Status.CLOSING):
        case = lifecycle.move_case(case, to_status=status, by=alice)
    case = close(case, alice)
    follow_up = case.follow_ups.get(kind="m3")
    lifecycle.record_follow_up(follow_up, by=alice, done_on=TODAY, reached=False)
    return case


def test_the_history_gathers_every_event_changes_and_file_openings(login, alice, adele):
    case = full_story(alice, adele)
    page = login(alice).get(reverse("cases:case_history", args=[case.id])).content.decode()
    for text in (
        "Ouverture (Accueil)", "Statut : Accueil → Diagnostic", "Diagnostic d&#x27;entrée",
        "Action réalisée", "Rendez-vous", "Atelier", "Présent·e", "Aide au permis de conduire",
        "Pièce d&#x27;identité", "Entretien téléphonique", "Questionnaire de sortie",
        "Suivi à 3 mois", "Personne non jointe",
        "Conseiller·e : Alice Test → Adèle Test", "Origine : Venue directe → Prescription",
        "Téléphone : — → 0600000000", "Création — dossier de la personne",
    ):  # fmt: skip
        assert text in page, text
    assert "Consultations du dossier" in page


def test_the_history_query_count_does_not_grow_with_the_events(
    login, alice, adele, django_assert_num_queries
):
    small = full_story(alice, adele)
    client = login(alice)
    with django_assert_num_queries(HISTORY_QUERIES):
        client.get(reverse("cases:case_history", args=[small.id]))
    large = full_story(alice, adele, extra=10)
    with django_assert_num_queries(HISTORY_QUERIES):
        response = client.get(reverse("cases:case_history", args=[large.id]))
    assert response.status_code == 200


def test_opening_the_history_is_logged(login, alice):
    case = CaseFactory(organization=alice.organization)
    login(alice).get(reverse("cases:case_history", args=[case.id]))
    assert AccessLog.objects.get().user == alice.user
