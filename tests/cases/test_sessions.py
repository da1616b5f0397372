"""Appointments, workshops with their waiting list, attendance sheets and skill progress."""

import datetime as dt
import threading

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases.models import (
    AccessLog,
    Appointment,
    Case,
    Registration,
    Skill,
    SkillAssessment,
    Workshop,
)
from cases.services import sessions as services
from organizations.errors import DomainError
from organizations.models import Membership
from tests.cases.factories import (
    AppointmentFactory,
    CaseFactory,
    RegistrationFactory,
    WorkshopFactory,
)
from tests.factories import MembershipFactory, SiteFactory

Role = Membership.Role


def _at_noon(days: int = 0) -> dt.datetime:
    day = timezone.localdate() + dt.timedelta(days=days)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(12, 0)))


def _started(workshop: Workshop) -> Workshop:
    """Move a workshop so that it began an hour ago (registration is closed by then)."""
    now = timezone.now()
    Workshop.objects.filter(pk=workshop.pk).update(
        starts_at=now - dt.timedelta(hours=1), ends_at=now + dt.timedelta(hours=1)
    )
    workshop.refresh_from_db()
    return workshop


def _skill(code: str) -> Skill:
    return Skill.objects.get(code=code, organization__isnull=True)


@pytest.fixture
def case_a(platform_a, alice) -> Case:
    return CaseFactory(organization=platform_a, status=Case.Status.IN_PROGRESS, advisor=alice)


@pytest.fixture
def case_b(platform_b) -> Case:
    return CaseFactory(organization=platform_b, status=Case.Status.IN_PROGRESS)


@pytest.fixture
def workshop_a(platform_a, bob) -> Workshop:
    """A two-seat vélo-école run by Bob, the day after tomorrow."""
    return WorkshopFactory(organization=platform_a, coach=bob, capacity=2, title="Vélo-école")


@pytest.fixture
def other_coach_workshop(platform_a) -> Workshop:
    return WorkshopFactory(organization=platform_a, title="Code de la route du jeudi")


@pytest.fixture
def workshop_b(platform_b) -> Workshop:
    return WorkshopFactory(organization=platform_b, title="Vélo-école d'Arras")


@pytest.fixture
def appointment_a(case_a, alice) -> Appointment:
    return AppointmentFactory(case=case_a, staff=alice)


@pytest.fixture
def registration_a(workshop_a, case_a) -> Registration:
    return RegistrationFactory(workshop=workshop_a, case=case_a)


def _cases(organization, count: int) -> list[Case]:
    return [
        CaseFactory(organization=organization, status=Case.Status.IN_PROGRESS) for _ in range(count)
    ]


# --- Registrations, capacity and waiting list ---------------------------------------------------


def test_a_third_person_on_a_two_seat_workshop_goes_on_the_waiting_list(
    workshop_a, platform_a, alice
):
    people = _cases(platform_a, 3)

    statuses = [services.register(workshop=workshop_a, case=c, by=alice).status for c in people]

    assert statuses == ["confirmed", "confirmed", "waitlisted"]
    assert workshop_a.registrations.confirmed().count() == 2


def test_unregistering_a_confirmed_person_promotes_the_first_on_the_waiting_list(
    workshop_a, platform_a, alice
):
    first, second, third, fourth = _cases(platform_a, 4)
    registrations = {
        c: services.register(workshop=workshop_a, case=c, by=alice)
        for c in (first, second, third, fourth)
    }

    promoted = services.unregister(registration=registrations[second], by=alice)

    assert promoted.case == third
    statuses = dict(workshop_a.registrations.values_list("case_id", "status"))
    assert statuses == {
        first.pk: "confirmed",
        second.pk: "cancelled",
        third.pk: "confirmed",
        fourth.pk: "waitlisted",
    }


def test_unregistering_a_waitlisted_person_promotes_nobody(workshop_a, platform_a, alice):
    people = _cases(platform_a, 3)
    registrations = [services.register(workshop=workshop_a, case=c, by=alice) for c in people]

    assert services.unregister(registration=registrations[2], by=alice) is None
    assert workshop_a.registrations.confirmed().count() == 2


def test_a_person_cannot_register_twice_but_may_come_back_after_unregistering(
    workshop_a, case_a, alice
):
    registration = services.register(workshop=workshop_a, case=case_a, by=alice)
    with pytest.raises(DomainError, match="déjà inscrite"):
        services.register(workshop=workshop_a, case=case_a, by=alice)

    services.unregister(registration=registration, by=alice)
    again = services.register(workshop=workshop_a, case=case_a, by=alice)

    assert again.pk == registration.pk
    assert again.status == Registration.Status.CONFIRMED


def test_a_person_of_another_platform_cannot_be_registered(workshop_a, case_b, alice, chloe):
    with pytest.raises(DomainError, match="n'est pas accompagnée par la plateforme"):
        services.register(workshop=workshop_a, case=case_b, by=alice)
    with pytest.raises(DomainError):
        services.register(workshop=workshop_a, case=case_b, by=chloe)
    assert not Registration.objects.exists()


def test_registration_is_refused_on_a_cancelled_or_started_workshop(
    workshop_a, other_coach_workshop, case_a, alice
):
    services.cancel_workshop(workshop=workshop_a, by=alice)
    with pytest.raises(DomainError, match="l'atelier a été annulé"):
        services.register(workshop=workshop_a, case=case_a, by=alice)

    _started(other_coach_workshop)
    with pytest.raises(DomainError, match="déjà commencé"):
        services.register(workshop=other_coach_workshop, case=case_a, by=alice)


def test_a_closed_case_cannot_be_registered(workshop_a, platform_a, alice):
    closed = CaseFactory(
        organization=platform_a,
        status=Case.Status.CLOSED,
        closed_on=timezone.localdate(),
        exit_reason=Case.ExitReason.GOALS_MET,
    )
    with pytest.raises(DomainError, match="rouvrez-le"):
        services.register(workshop=workshop_a, case=closed, by=alice)


def test_the_seat_count_is_read_under_the_lock_not_from_the_caller_s_copy(
    workshop_a, platform_a, alice
):
    stale_copy = Workshop.objects.get(pk=workshop_a.pk)
    # Meanwhile two colleagues filled the seats.
    for case in _cases(platform_a, 2):
        RegistrationFactory(workshop=workshop_a, case=case)

    late = services.register(workshop=stale_copy, case=_cases(platform_a, 1)[0], by=alice)

    assert late.status == Registration.Status.WAITLISTED
    assert workshop_a.registrations.confirmed().count() == workshop_a.capacity


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite serialises writers without row locks"
)
def test_two_advisors_booking_the_last_seat_at_once_never_overbook(platform_a, alice, bob):
    workshop = WorkshopFactory(organization=platform_a, coach=bob, capacity=1)
    people = _cases(platform_a, 2)
    barrier = threading.Barrier(2)
    errors = []

    def book(case):
        try:
            barrier.wait()
            services.register(workshop=workshop, case=case, by=alice)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=book, args=(c,)) for c in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert workshop.registrations.confirmed().count() == 1
    assert workshop.registrations.waitlisted().count() == 1


# --- Workshops ----------------------------------------------------------------------------------


def _workshop_fields(workshop: Workshop, **changes) -> dict:
    fields = {
        "kind": workshop.kind,
        "title": workshop.title,
        "site": workshop.site,
        "coach": workshop.coach,
        "starts_at": workshop.starts_at,
        "ends_at": workshop.ends_at,
        "capacity": workshop.capacity,
        "description": workshop.description,
    }
    return {**fields, **changes}


def test_a_workshop_must_end_after_it_starts_and_offer_a_seat(platform_a, alice, bob):
    starts = timezone.now() + dt.timedelta(days=3)
    common = {
        "organization": platform_a,
        "by": alice,
        "kind": "velo_ecole",
        "title": "Vélo",
        "site": None,
        "coach": bob,
        "starts_at": starts,
    }
    with pytest.raises(DomainError, match="finir après son début"):
        services.create_workshop(**common, ends_at=starts, capacity=8)
    with pytest.raises(DomainError, match="au moins une place"):
        services.create_workshop(**common, ends_at=starts + dt.timedelta(hours=2), capacity=0)


def test_a_workshop_cannot_be_run_by_a_member_of_another_platform(platform_a, alice, chloe):
    starts = timezone.now() + dt.timedelta(days=3)
    with pytest.raises(DomainError, match="membre actif de l'équipe"):
        services.create_workshop(
            organization=platform_a,
            by=alice,
            kind="velo_ecole",
            title="Vélo",
            site=None,
            coach=chloe,
            starts_at=starts,
            ends_at=starts + dt.timedelta(hours=2),
            capacity=8,
        )


def test_capacity_cannot_drop_below_the_people_already_registered(workshop_a, platform_a, alice):
    for case in _cases(platform_a, 2):
        services.register(workshop=workshop_a, case=case, by=alice)

    with pytest.raises(DomainError, match="ne peut pas compter moins de 2 places"):
        services.update_workshop(
            workshop=workshop_a, by=alice, **_workshop_fields(workshop_a, capacity=1)
        )


def test_adding_seats_registers_people_from_the_waiting_list(workshop_a, platform_a, alice):
    for case in _cases(platform_a, 4):
        services.register(workshop=workshop_a, case=case, by=alice)

    services.update_workshop(
        workshop=workshop_a, by=alice, **_workshop_fields(workshop_a, capacity=3)
    )

    assert workshop_a.registrations.confirmed().count() == 3
    assert workshop_a.registrations.waitlisted().count() == 1


# --- Attendance and skills ----------------------------------------------------------------------


def test_attendance_on_a_cancelled_workshop_is_refused(workshop_a, registration_a, alice):
    services.cancel_workshop(workshop=workshop_a, by=alice)
    _started(workshop_a)

    with pytest.raises(DomainError) as refused:
        services.take_attendance(
            workshop=workshop_a, by=alice, marks={registration_a.pk: "present"}
        )

    assert refused.value.message == "Impossible de noter la présence : l'atelier a été annulé."
    registration_a.refresh_from_db()
    assert registration_a.attendance == ""


def test_attendance_cannot_be_taken_before_the_workshop_starts(workshop_a, registration_a, bob):
    with pytest.raises(DomainError, match="avant le début"):
        services.take_attendance(workshop=workshop_a, by=bob, marks={registration_a.pk: "present"})


def test_attendance_is_only_taken_for_confirmed_attendees(workshop_a, platform_a, alice, bob):
    people = _cases(platform_a, 3)
    registrations = [services.register(workshop=workshop_a, case=c, by=alice) for c in people]
    _started(workshop_a)

    with pytest.raises(DomainError, match="hors liste d'attente"):
        services.take_attendance(
            workshop=workshop_a, by=bob, marks={registrations[2].pk: "present"}
        )

    services.take_attendance(
        workshop=workshop_a,
        by=bob,
        marks={registrations[0].pk: "present", registrations[1].pk: "no_show"},
    )
    marks = dict(workshop_a.registrations.values_list("pk", "attendance"))
    assert marks == {
        registrations[0].pk: "present",
        registrations[1].pk: "no_show",
        registrations[2].pk: "",
    }
    workshop_a.refresh_from_db()
    assert workshop_a.status == Workshop.Status.DONE


def test_a_cancelled_workshop_with_attendance_is_impossible(workshop_a, registration_a, alice):
    _started(workshop_a)
    services.take_attendance(workshop=workshop_a, by=alice, marks={registration_a.pk: "present"})

    with pytest.raises(DomainError, match="ne peut plus être annulé"):
        services.cancel_workshop(workshop=workshop_a, by=alice)


def test_another_coach_cannot_take_attendance(workshop_a, registration_a, platform_a):
    other_coach = MembershipFactory(organization=platform_a, role=Role.COACH)
    _started(workshop_a)

    with pytest.raises(DomainError):
        services.take_attendance(
            workshop=workshop_a, by=other_coach, marks={registration_a.pk: "present"}
        )


def test_a_skill_value_out_of_the_scale_is_refused(case_a, alice):
    balance = _skill("bike-balance")

    with pytest.raises(DomainError) as refused:
        services.assess_skill(
            case=case_a, skill=balance, value=5, by=alice, assessed_on=timezone.localdate()
        )

    assert refused.value.message == (
        "Pour « Équilibre et maîtrise du vélo », indiquez une valeur entre 0 et 4."
    )
    assert refused.value.field == "value"
    assert not SkillAssessment.objects.exists()


def test_a_skill_of_another_platform_cannot_be_assessed(case_a, platform_b, alice):
    private = Skill.objects.create(
        organization=platform_b, curriculum="velo_ecole", code="arras-only", label="Arras"
    )
    with pytest.raises(DomainError, match="n'est pas proposée"):
        services.assess_skill(
            case=case_a, skill=private, value=1, by=alice, assessed_on=timezone.localdate()
        )


def test_assessing_again_during_the_same_workshop_corrects_the_level(
    workshop_a, registration_a, case_a, bob
):
    _started(workshop_a)
    braking = _skill("bike-braking")
    today = timezone.localdate()

    services.assess_skill(
        case=case_a, skill=braking, value=2, by=bob, workshop=workshop_a, assessed_on=today
    )
    services.assess_skill(
        case=case_a, skill=braking, value=3, by=bob, workshop=workshop_a, assessed_on=today
    )

    assert list(case_a.skill_assessments.values_list("value", flat=True)) == [3]


# --- Appointments -------------------------------------------------------------------------------


def test_an_appointment_is_with_a_member_and_at_a_site_of_the_platform(
    case_a, alice, chloe, platform_b
):
    common = {
        "case": case_a,
        "by": alice,
        "starts_at": _at_noon(2),
        "duration_minutes": 45,
        "kind": "follow_up",
        "location": "",
    }
    with pytest.raises(DomainError, match="membre actif"):
        services.schedule_appointment(**common, staff=chloe, site=None)
    with pytest.raises(DomainError, match="site ouvert"):
        services.schedule_appointment(
            **common, staff=alice, site=SiteFactory(organization=platform_b)
        )

    appointment = services.schedule_appointment(**common, staff=alice, site=None)
    assert appointment.organization_id == case_a.organization_id


def test_a_future_appointment_cannot_be_marked_honoured(appointment_a, alice):
    with pytest.raises(DomainError, match="pas encore eu lieu"):
        services.set_appointment_status(
            appointment=appointment_a, status="done", notes="", by=alice
        )


def test_a_cancelled_appointment_stays_cancelled(appointment_a, alice):
    services.set_appointment_status(appointment=appointment_a, status="cancelled", by=alice)
    with pytest.raises(DomainError, match="ne peut pas passer"):
        services.set_appointment_status(appointment=appointment_a, status="planned", by=alice)


# --- Case tab -----------------------------------------------------------------------------------


def test_the_case_tab_shows_appointments_workshops_and_the_latest_skill_level(
    login, alice, case_a, appointment_a, registration_a
):
    balance = _skill("bike-balance")
    for days_ago, value in ((20, 1), (5, 3)):
        services.assess_skill(
            case=case_a,
            skill=balance,
            value=value,
            by=alice,
            assessed_on=timezone.localdate() - dt.timedelta(days=days_ago),
        )

    response = login(alice).get(reverse("cases:case_sessions", args=[case_a.pk]))

    assert response.status_code == 200
    page = response.content.decode()
    assert f'id="rdv-{appointment_a.pk}"' in page
    assert reverse("cases:workshop_detail", args=[registration_a.workshop_id]) in page
    assert "3/4" in page and "Acquis" in page
    assert AccessLog.objects.filter(beneficiary=case_a.beneficiary, user=alice.user).exists()


def test_an_advisor_schedules_an_appointment_from_the_case_tab(login, alice, case_a):
    response = login(alice).post(
        reverse("cases:appointment_create", args=[case_a.pk]),
        {
            "rdv-kind": "diagnostic",
            "rdv-starts_at": "2031-03-04T10:30",
            "rdv-duration_minutes": "45",
            "rdv-staff": str(alice.pk),
            "rdv-location": "Visio",
        },
    )

    assert response.status_code == 302
    appointment = case_a.appointments.get()
    assert appointment.kind == "diagnostic"
    assert timezone.localtime(appointment.starts_at).hour == 10


def test_a_refused_appointment_keeps_what_was_typed(login, alice, case_a, chloe):
    response = login(alice).post(
        reverse("cases:appointment_create", args=[case_a.pk]),
        {
            "rdv-kind": "diagnostic",
            "rdv-starts_at": "2031-03-04T10:30",
            "rdv-duration_minutes": "3",
            "rdv-location": "Salle des fêtes de Fives",
        },
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "Salle des fêtes de Fives" in page
    assert "supérieure ou égale à 5" in page
    assert not case_a.appointments.exists()


def test_registering_on_a_full_workshop_tells_the_advisor_about_the_waiting_list(
    login, alice, case_a, workshop_a, platform_a
):
    for case in _cases(platform_a, 2):
        RegistrationFactory(workshop=workshop_a, case=case)

    response = login(alice).post(
        reverse("cases:registration_create", args=[case_a.pk]),
        {"insc-workshop": str(workshop_a.pk)},
        follow=True,
    )

    assert "la personne est sur la liste d&#x27;attente" in response.content.decode()
    assert case_a.registrations.get().status == Registration.Status.WAITLISTED


def test_a_level_above_the_scale_is_shown_next_to_the_field(login, alice, case_a):
    response = login(alice).post(
        reverse("cases:skill_assess", args=[case_a.pk]),
        {
            "comp-skill": str(_skill("bike-traffic").pk),
            "comp-value": "9",
            "comp-assessed_on": timezone.localdate().isoformat(),
        },
    )

    assert response.status_code == 200
    assert "indiquez une valeur entre 0 et 4" in response.content.decode()
    assert not SkillAssessment.objects.exists()


def test_an_advisor_records_that_an_appointment_took_place(login, alice, case_a):
    past = AppointmentFactory(
        case=case_a, staff=alice, starts_at=timezone.now() - dt.timedelta(days=1)
    )
    response = login(alice).post(
        reverse("cases:appointment_status", args=[past.pk]),
        {f"{past.pk}-status": "done", f"{past.pk}-notes": "Permis financé par le Département."},
    )

    assert response.status_code == 302
    past.refresh_from_db()
    assert (past.status, past.notes) == ("done", "Permis financé par le Département.")


# --- Workshop pages -----------------------------------------------------------------------------


def test_an_advisor_schedules_a_workshop(login, alice, bob, platform_a):
    site = SiteFactory(organization=platform_a, name="Local vélo de Fives")
    response = login(alice).post(
        reverse("cases:workshop_create"),
        {
            "kind": "velo_ecole",
            "title": "Vélo-école débutants",
            "starts_at": "2031-05-06T14:00",
            "ends_at": "2031-05-06T16:00",
            "capacity": "6",
            "coach": str(bob.pk),
            "site": str(site.pk),
        },
    )

    workshop = Workshop.objects.get(title="Vélo-école débutants")
    assert response.status_code == 302
    assert (workshop.coach, workshop.site, workshop.capacity) == (bob, site, 6)


def test_a_workshop_ending_before_it_starts_is_refused_next_to_the_end(login, alice, bob):
    response = login(alice).post(
        reverse("cases:workshop_create"),
        {
            "kind": "velo_ecole",
            "title": "Vélo-école",
            "starts_at": "2031-05-06T14:00",
            "ends_at": "2031-05-06T13:00",
            "capacity": "6",
            "coach": str(bob.pk),
        },
    )

    assert response.status_code == 200
    assert "L&#x27;atelier doit finir après son début." in response.content.decode()
    assert not Workshop.objects.exists()


def test_the_workshop_page_shows_seats_left_and_the_waiting_list(
    login, alice, workshop_a, platform_a
):
    people = _cases(platform_a, 3)
    for case in people:
        services.register(workshop=workshop_a, case=case, by=alice)

    response = login(alice).get(reverse("cases:workshop_detail", args=[workshop_a.pk]))

    page = response.content.decode()
    assert response.context["seats_left"] == 0
    assert [r.case for r in response.context["waitlisted"]] == [people[2]]
    assert people[2].beneficiary.full_name in page


def test_unregistering_from_the_workshop_page_promotes_the_waiting_list(
    login, alice, workshop_a, platform_a
):
    people = _cases(platform_a, 3)
    registrations = [services.register(workshop=workshop_a, case=c, by=alice) for c in people]

    response = login(alice).post(
        reverse("cases:registration_cancel", args=[registrations[0].pk]), follow=True
    )

    assert "passe de la liste d&#x27;attente aux inscrit·es" in response.content.decode()
    registrations[2].refresh_from_db()
    assert registrations[2].status == Registration.Status.CONFIRMED


def test_the_workshop_list_shows_the_platform_s_workshops_filtered_by_kind(
    login, alice, workshop_a, other_coach_workshop
):
    other_coach_workshop.kind = "code_route"
    other_coach_workshop.save()
    client = login(alice)

    bike_url = reverse("cases:workshop_detail", args=[workshop_a.pk])
    code_url = reverse("cases:workshop_detail", args=[other_coach_workshop.pk])

    everything = client.get(reverse("cases:workshop_list")).content.decode()
    bikes = client.get(reverse("cases:workshop_list"), {"kind": "velo_ecole"}).content.decode()

    assert bike_url in everything and code_url in everything
    assert bike_url in bikes and code_url not in bikes


def test_the_workshop_list_answers_htmx_with_the_weeks_only(login, alice, workshop_a):
    response = login(alice).get(reverse("cases:workshop_list"), HTTP_HX_REQUEST="true")

    page = response.content.decode()
    assert 'id="workshop-weeks"' in page
    assert "<html" not in page
    assert "HX-Request" in response["Vary"]


def test_a_coach_sees_only_his_workshops_in_the_list(login, bob, workshop_a, other_coach_workshop):
    page = login(bob).get(reverse("cases:workshop_list")).content.decode()

    assert reverse("cases:workshop_detail", args=[workshop_a.pk]) in page
    assert reverse("cases:workshop_detail", args=[other_coach_workshop.pk]) not in page


def test_the_workshop_list_query_count_does_not_grow_with_workshops(
    login, alice, platform_a, django_assert_num_queries
):
    client = login(alice)
    url = reverse("cases:workshop_list")
    WorkshopFactory(organization=platform_a)
    client.get(url)
    with CaptureQueriesContext(connection) as one_workshop:
        client.get(url)
    for _ in range(5):
        workshop = WorkshopFactory(
            organization=platform_a, site=SiteFactory(organization=platform_a)
        )
        RegistrationFactory(workshop=workshop)

    with django_assert_num_queries(len(one_workshop.captured_queries)):
        response = client.get(url)
    assert sum(len(w["workshops"]) for w in response.context["weeks"]) == 6


# --- Attendance sheet ---------------------------------------------------------------------------


def test_bob_takes_attendance_and_skill_levels_on_his_workshop(
    login, bob, workshop_a, registration_a, case_a
):
    _started(workshop_a)
    balance = _skill("bike-balance")

    response = login(bob).post(
        reverse("cases:workshop_attendance", args=[workshop_a.pk]),
        {f"att-{registration_a.pk}": "present", f"lvl-{registration_a.pk}-{balance.pk}": "2"},
    )

    assert response.status_code == 302
    registration_a.refresh_from_db()
    assert registration_a.attendance == "present"
    assert registration_a.attendance_taken_by == bob.user
    assessment = case_a.skill_assessments.get()
    assert (assessment.skill, assessment.value, assessment.workshop) == (balance, 2, workshop_a)


def test_the_attendance_sheet_shows_names_and_skills_but_no_link_to_the_file(
    login, bob, workshop_a, registration_a, case_a
):
    _started(workshop_a)

    response = login(bob).get(reverse("cases:workshop_attendance", args=[workshop_a.pk]))

    page = response.content.decode()
    assert case_a.beneficiary.full_name in page
    assert "Freinage et arrêt (0 à 4)" in page
    assert f"<legend>{case_a.beneficiary.full_name}</legend>" in page
    assert reverse("cases:case_sessions", args=[case_a.pk]) not in page


def test_an_attendance_sheet_on_a_cancelled_workshop_is_refused_with_nothing_saved(
    login, alice, workshop_a, registration_a
):
    services.cancel_workshop(workshop=workshop_a, by=alice)
    _started(workshop_a)
    balance = _skill("bike-balance")

    response = login(alice).post(
        reverse("cases:workshop_attendance", args=[workshop_a.pk]),
        {f"att-{registration_a.pk}": "present", f"lvl-{registration_a.pk}-{balance.pk}": "2"},
    )

    assert response.status_code == 200
    assert "l&#x27;atelier a été annulé" in response.content.decode()
    assert not SkillAssessment.objects.exists()


def test_a_level_out_of_range_on_the_sheet_saves_nothing(login, bob, workshop_a, registration_a):
    _started(workshop_a)
    balance = _skill("bike-balance")

    response = login(bob).post(
        reverse("cases:workshop_attendance", args=[workshop_a.pk]),
        {f"att-{registration_a.pk}": "present", f"lvl-{registration_a.pk}-{balance.pk}": "7"},
    )

    assert response.status_code == 200
    registration_a.refresh_from_db()
    assert registration_a.attendance == ""
    assert 'value="7"' in response.content.decode()


def test_the_attendance_sheet_query_count_does_not_grow_with_attendees(
    login, bob, workshop_a, platform_a, django_assert_num_queries
):
    workshop_a.capacity = 10
    workshop_a.save()
    first = RegistrationFactory(workshop=workshop_a, case=_cases(platform_a, 1)[0])
    _started(workshop_a)
    services.assess_skill(
        case=first.case,
        skill=_skill("bike-balance"),
        value=1,
        by=bob,
        workshop=workshop_a,
        assessed_on=timezone.localdate(),
    )
    client = login(bob)
    url = reverse("cases:workshop_attendance", args=[workshop_a.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as one_attendee:
        client.get(url)
    for case in _cases(platform_a, 4):
        RegistrationFactory(workshop=workshop_a, case=case)

    with django_assert_num_queries(len(one_attendee.captured_queries)):
        response = client.get(url)
    assert len(response.context["rows"]) == 5


# --- Coach home ---------------------------------------------------------------------------------


def test_my_sessions_lists_today_s_workshop_of_the_coach_with_its_counts(
    login, bob, platform_a, other_coach_workshop
):
    today = WorkshopFactory(
        organization=platform_a,
        coach=bob,
        title="Bus et train du jour",
        starts_at=_at_noon(),
        ends_at=_at_noon() + dt.timedelta(hours=2),
    )
    for case in _cases(platform_a, 2):
        RegistrationFactory(workshop=today, case=case)

    response = login(bob).get(reverse("cases:my_sessions"))

    assert [w.title for w in response.context["today_workshops"]] == ["Bus et train du jour"]
    assert response.context["today_workshops"][0].confirmed_count == 2
    page = response.content.decode()
    assert reverse("cases:workshop_attendance", args=[today.pk]) in page
    assert "Code de la route du jeudi" not in page


# --- Tenancy and roles --------------------------------------------------------------------------


@pytest.mark.cross_tenant(
    "cases:case_sessions",
    "cases:appointment_create",
    "cases:registration_create",
    "cases:skill_assess",
    "cases:appointment_status",
)
def test_chloe_cannot_reach_a_case_or_appointment_of_platform_a(
    login, chloe, case_a, appointment_a
):
    client = login(chloe)
    for name in ("appointment_create", "registration_create", "skill_assess"):
        assert client.post(reverse(f"cases:{name}", args=[case_a.pk])).status_code == 404
    assert client.get(reverse("cases:case_sessions", args=[case_a.pk])).status_code == 404
    response = client.post(
        reverse("cases:appointment_status", args=[appointment_a.pk]),
        {f"{appointment_a.pk}-status": "cancelled"},
    )
    assert response.status_code == 404
    appointment_a.refresh_from_db()
    assert appointment_a.status == Appointment.Status.PLANNED


@pytest.mark.cross_tenant(
    "cases:workshop_detail",
    "cases:workshop_edit",
    "cases:workshop_cancel",
    "cases:workshop_attendance",
    "cases:registration_cancel",
)
def test_chloe_cannot_reach_a_workshop_of_platform_a(login, chloe, workshop_a, registration_a):
    client = login(chloe)
    for name in ("workshop_detail", "workshop_edit", "workshop_attendance"):
        assert client.get(reverse(f"cases:{name}", args=[workshop_a.pk])).status_code == 404
    assert client.post(reverse("cases:workshop_cancel", args=[workshop_a.pk])).status_code == 404
    url = reverse("cases:registration_cancel", args=[registration_a.pk])
    assert client.post(url).status_code == 404
    workshop_a.refresh_from_db()
    registration_a.refresh_from_db()
    assert workshop_a.status == Workshop.Status.SCHEDULED
    assert registration_a.status == Registration.Status.CONFIRMED


@pytest.mark.cross_tenant("cases:workshop_list", "cases:my_sessions")
def test_chloe_sees_none_of_platform_a_s_workshops(login, chloe, workshop_a, workshop_b):
    # Even a workshop of platform A pointing at her by mistake stays hidden.
    for workshop in (workshop_a, workshop_b):
        workshop.coach = chloe
        workshop.save()
    client = login(chloe)

    listing = client.get(reverse("cases:workshop_list")).content.decode()
    mine = client.get(reverse("cases:my_sessions")).content.decode()

    assert str(workshop_b.pk) in listing and str(workshop_b.pk) in mine
    assert str(workshop_a.pk) not in listing and str(workshop_a.pk) not in mine


@pytest.mark.cross_tenant("cases:workshop_create")
def test_chloe_cannot_give_a_workshop_to_a_coach_of_platform_a(login, chloe, bob):
    response = login(chloe).post(
        reverse("cases:workshop_create"),
        {
            "kind": "velo_ecole",
            "title": "Détournement",
            "starts_at": "2031-05-06T14:00",
            "ends_at": "2031-05-06T16:00",
            "capacity": "6",
            "coach": str(bob.pk),
        },
    )

    assert response.status_code == 200
    assert not Workshop.objects.filter(title="Détournement").exists()


def test_bob_gets_404_on_another_coach_s_workshop(login, bob, other_coach_workshop):
    client = login(bob)
    for name in ("workshop_detail", "workshop_attendance"):
        url = reverse(f"cases:{name}", args=[other_coach_workshop.pk])
        assert client.get(url).status_code == 404


@pytest.mark.role_check(
    "cases:case_sessions",
    "cases:appointment_create",
    "cases:registration_create",
    "cases:skill_assess",
    "cases:appointment_status",
)
def test_bob_and_remi_get_403_on_the_case_tab_and_its_forms(
    login, bob, remi, case_a, registration_a, appointment_a
):
    # Bob coaches this person: still, the file is not his to read.
    for member in (bob, remi):
        client = login(member)
        assert client.get(reverse("cases:case_sessions", args=[case_a.pk])).status_code == 403
        for name in ("appointment_create", "registration_create", "skill_assess"):
            assert client.post(reverse(f"cases:{name}", args=[case_a.pk])).status_code == 403
        url = reverse("cases:appointment_status", args=[appointment_a.pk])
        assert client.post(url).status_code == 403


@pytest.mark.role_check(
    "cases:workshop_create",
    "cases:workshop_edit",
    "cases:workshop_cancel",
    "cases:registration_cancel",
)
def test_bob_cannot_manage_workshops_or_registrations(login, bob, workshop_a, registration_a):
    client = login(bob)
    assert client.get(reverse("cases:workshop_create")).status_code == 403
    assert client.get(reverse("cases:workshop_edit", args=[workshop_a.pk])).status_code == 403
    assert client.post(reverse("cases:workshop_cancel", args=[workshop_a.pk])).status_code == 403
    url = reverse("cases:registration_cancel", args=[registration_a.pk])
    assert client.post(url).status_code == 403
    registration_a.refresh_from_db()
    assert registration_a.status == Registration.Status.CONFIRMED


@pytest.mark.role_check(
    "cases:workshop_list",
    "cases:workshop_detail",
    "cases:workshop_attendance",
    "cases:my_sessions",
)
def test_referrers_and_funders_get_403_on_workshop_pages(login, remi, fanny, workshop_a, client):
    for member in (remi, fanny):
        member_client = login(member)
        assert member_client.get(reverse("cases:workshop_list")).status_code == 403
        assert member_client.get(reverse("cases:my_sessions")).status_code == 403
        for name in ("workshop_detail", "workshop_attendance"):
            url = reverse(f"cases:{name}", args=[workshop_a.pk])
            assert member_client.get(url).status_code == 403
    assert client.get(reverse("cases:my_sessions")).status_code == 302
