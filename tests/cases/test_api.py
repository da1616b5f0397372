"""The cases API: beneficiaries, cases with their lifecycle and exit, appointments."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from cases.models import AccessLog, Appointment, Beneficiary, Case, CaseBarrier, CaseTransition
from organizations.models import Membership
from tests import factories
from tests.cases.factories import (
    AppointmentFactory,
    BeneficiaryFactory,
    CaseBarrierFactory,
    CaseFactory,
)

Role = Membership.Role
Status = Case.Status

PEOPLE = reverse("api:beneficiary-list")
CASES = reverse("api:case-list")
APPOINTMENTS = reverse("api:appointment-list")


def token_client(membership: Membership) -> APIClient:
    token, _ = Token.objects.get_or_create(user=membership.user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def person_url(person) -> str:
    return reverse("api:beneficiary-detail", kwargs={"id": person.pk})


def case_url(case, name: str = "detail") -> str:
    return reverse(f"api:case-{name}", kwargs={"id": case.pk})


def appointment_url(appointment) -> str:
    return reverse("api:appointment-detail", kwargs={"id": appointment.pk})


def days_ago(days: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=days)


@pytest.fixture
def helene(alice):
    return BeneficiaryFactory(
        organization=alice.organization,
        first_name="Hélène",
        last_name="Lefèvre",
        birth_date=dt.date(1988, 3, 14),
    )


@pytest.fixture
def helene_case(helene, alice):
    return CaseFactory(beneficiary=helene, advisor=alice, opened_on=days_ago(60))


@pytest.fixture
def arras_case(chloe):
    return CaseFactory(organization=chloe.organization, advisor=chloe)


# --- /api/v1/beneficiaries/ ----------------------------------------------------------------


@pytest.mark.cross_tenant("api:beneficiary-list")
def test_an_advisor_lists_the_people_of_her_platform_only(login, alice, helene, arras_case):
    response = login(alice).get(PEOPLE)

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    assert body["results"][0]["id"] == str(helene.pk)
    assert body["results"][0]["full_name"] == "Hélène LEFÈVRE"


def test_the_people_search_ignores_accents_and_case(login, alice, helene):
    BeneficiaryFactory(organization=alice.organization, first_name="Marc", last_name="Dupont")

    found = login(alice).get(PEOPLE, {"q": "helene LEFEVRE"}).json()
    none = login(alice).get(PEOPLE, {"q": "dupond"}).json()

    assert [p["id"] for p in found["results"]] == [str(helene.pk)]
    assert none["count"] == 0


def test_the_people_list_query_count_does_not_grow_with_rows(
    login, alice, helene, django_assert_num_queries
):
    client = login(alice)
    # Session, user, memberships (middleware); count and page of people with their commune.
    with django_assert_num_queries(5):
        client.get(PEOPLE)
    for _ in range(4):
        BeneficiaryFactory(organization=alice.organization, commune=factories.TerritoryFactory())

    with django_assert_num_queries(5):
        response = client.get(PEOPLE)

    assert response.json()["count"] == 5


@pytest.mark.cross_tenant("api:beneficiary-detail")
def test_another_platform_gets_404_on_a_person(login, chloe, helene):
    client = login(chloe)

    read = client.get(person_url(helene))
    write = client.patch(
        person_url(helene), {"phone": "0600000000"}, content_type="application/json"
    )

    assert read.status_code == 404
    assert write.status_code == 404
    helene.refresh_from_db()
    assert helene.phone == ""
    assert not AccessLog.objects.exists()


def test_reading_a_person_through_the_api_is_logged(login, alice, helene_case):
    response = login(alice).get(person_url(helene_case.beneficiary))

    assert response.status_code == 200
    body = response.json()
    assert body["cases"] == [
        {
            "id": str(helene_case.pk),
            "status": "intake",
            "opened_on": helene_case.opened_on.isoformat(),
            "closed_on": None,
        }
    ]
    assert body["is_under_26"] is False
    log = AccessLog.objects.get()
    assert (log.user, log.beneficiary, log.kind) == (
        alice.user,
        helene_case.beneficiary,
        AccessLog.Kind.API,
    )


@pytest.mark.role_check("api:beneficiary-list", "api:beneficiary-detail")
def test_coaches_referrers_and_funders_cannot_read_people(login, bob, remi, fanny, helene):
    for member in (bob, remi, fanny):
        client = login(member)
        assert client.get(PEOPLE).status_code == 403
        assert client.get(person_url(helene)).status_code == 403
        assert client.post(PEOPLE, {"first_name": "A", "last_name": "B"}).status_code == 403


def test_an_advisor_creates_a_person_with_a_commune_code(login, alice):
    lille = factories.TerritoryFactory(code="59350", name="Lille")

    response = login(alice).post(
        PEOPLE,
        {
            "first_name": "Samir",
            "last_name": "Benali",
            "birth_date": "1995-06-02",
            "sex": "M",
            "commune": "59350",
            "receives_rsa": True,
        },
        content_type="application/json",
    )

    assert response.status_code == 201, response.json()
    person = Beneficiary.objects.get(pk=response.json()["id"])
    assert (person.organization, person.commune, person.receives_rsa) == (
        alice.organization,
        lille,
        True,
    )
    assert response.json()["commune"] == {"code": "59350", "name": "Lille"}


def test_a_possible_duplicate_answers_409_with_its_id_until_confirmed(login, alice, helene):
    client = login(alice)
    same_person = {"first_name": "helene", "last_name": "LEFEVRE", "birth_date": "1988-03-14"}

    refused = client.post(PEOPLE, same_person, content_type="application/json")
    confirmed = client.post(
        PEOPLE, {**same_person, "confirm_not_duplicate": True}, content_type="application/json"
    )

    assert refused.status_code == 409
    assert refused.json()["duplicates"] == [str(helene.pk)]
    assert "déjà suivie par la plateforme" in refused.json()["detail"]
    assert confirmed.status_code == 201
    assert Beneficiary.objects.filter(organization=alice.organization).count() == 2


def test_a_birth_date_in_the_future_is_refused_in_french(login, alice):
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()

    response = login(alice).post(
        PEOPLE,
        {"first_name": "Léa", "last_name": "Martin", "birth_date": tomorrow},
        content_type="application/json",
    )

    assert response.status_code == 400
    assert response.json()["detail"] == "La date de naissance ne peut pas être dans le futur."
    assert not Beneficiary.objects.exists()


def test_an_unknown_commune_is_refused(login, alice):
    response = login(alice).post(
        PEOPLE,
        {"first_name": "Léa", "last_name": "Martin", "commune": "99999"},
        content_type="application/json",
    )

    assert response.status_code == 400
    assert response.json()["field"] == "commune"


def test_an_advisor_updates_part_of_a_file(login, alice, helene):
    response = login(alice).patch(
        person_url(helene), {"phone": "06 12 34 56 78"}, content_type="application/json"
    )

    assert response.status_code == 200
    helene.refresh_from_db()
    assert (helene.phone, helene.first_name) == ("06 12 34 56 78", "Hélène")


# --- /api/v1/cases/ ------------------------------------------------------------------------


@pytest.mark.cross_tenant("api:case-list")
def test_the_case_list_shows_the_platform_cases_with_filters(
    login, alice, adele, helene_case, arras_case
):
    other = CaseFactory(
        organization=alice.organization,
        advisor=adele,
        status=Status.IN_PROGRESS,
        opened_on=days_ago(10),
    )
    client = login(alice)

    everything = client.get(CASES).json()
    in_progress = client.get(CASES, {"status": "in_progress"}).json()
    mine = client.get(CASES, {"advisor": str(alice.pk)}).json()
    recent = client.get(CASES, {"opened_after": days_ago(20).isoformat()}).json()
    older = client.get(CASES, {"opened_before": days_ago(20).isoformat()}).json()
    by_name = client.get(CASES, {"q": "lefevre"}).json()

    assert {c["id"] for c in everything["results"]} == {str(helene_case.pk), str(other.pk)}
    assert [c["id"] for c in in_progress["results"]] == [str(other.pk)]
    assert [c["id"] for c in mine["results"]] == [str(helene_case.pk)]
    assert [c["id"] for c in recent["results"]] == [str(other.pk)]
    assert [c["id"] for c in older["results"]] == [str(helene_case.pk)]
    assert [c["id"] for c in by_name["results"]] == [str(helene_case.pk)]


def test_the_case_list_filters_by_site_and_origin(login, alice, helene_case):
    site = factories.SiteFactory(organization=alice.organization)
    referred = CaseFactory(organization=alice.organization, site=site, origin=Case.Origin.REFERRAL)
    client = login(alice)

    by_site = client.get(CASES, {"site": str(site.pk)}).json()
    by_origin = client.get(CASES, {"origin": "referral"}).json()

    assert [c["id"] for c in by_site["results"]] == [str(referred.pk)]
    assert [c["id"] for c in by_origin["results"]] == [str(referred.pk)]


def test_the_case_list_query_count_does_not_grow_with_rows(
    login, alice, helene_case, django_assert_num_queries
):
    client = login(alice)
    # Session, user, memberships; count and page of cases with person, advisor and site.
    with django_assert_num_queries(5):
        client.get(CASES)
    site = factories.SiteFactory(organization=alice.organization)
    for _ in range(4):
        CaseFactory(organization=alice.organization, advisor=alice, site=site)

    with django_assert_num_queries(5):
        response = client.get(CASES)

    assert response.json()["count"] == 5


def test_a_case_shows_its_person_and_current_barriers(login, alice, helene_case):
    open_barrier = CaseBarrierFactory(case=helene_case, barrier__label="Pas de permis B")
    CaseBarrierFactory(
        case=helene_case, status=CaseBarrier.Status.LIFTED, barrier__label="Pas de vélo"
    )

    response = login(alice).get(case_url(helene_case))

    assert response.status_code == 200
    body = response.json()
    assert body["beneficiary"]["full_name"] == "Hélène LEFÈVRE"
    assert [b["id"] for b in body["current_barriers"]] == [str(open_barrier.pk)]
    assert body["current_barriers"][0]["label"] == "Pas de permis B"
    assert {t["to_status"] for t in body["allowed_transitions"]} == {"diagnostic", "closing"}
    assert AccessLog.objects.get().kind == AccessLog.Kind.API


@pytest.mark.cross_tenant("api:case-detail", "api:case-transition", "api:case-close")
def test_another_platform_gets_404_on_a_case_and_its_actions(login, chloe, helene_case):
    client = login(chloe)

    read = client.get(case_url(helene_case))
    update = client.patch(
        case_url(helene_case), {"objective": "x"}, content_type="application/json"
    )
    moved = client.post(case_url(helene_case, "transition"), {"to_status": "diagnostic"})
    closed = client.post(
        case_url(helene_case, "close"),
        {"exit_date": days_ago(1).isoformat(), "exit_reason": "goals_met", "situation": "training"},
    )

    assert [r.status_code for r in (read, update, moved, closed)] == [404, 404, 404, 404]
    helene_case.refresh_from_db()
    assert (helene_case.status, helene_case.objective) == (Status.INTAKE, "")


@pytest.mark.role_check("api:case-list", "api:case-detail", "api:case-transition", "api:case-close")
def test_coaches_referrers_and_funders_get_403_on_cases(login, bob, remi, fanny, helene_case):
    AppointmentFactory(case=helene_case, staff=bob)  # even a case Bob meets stays closed to him
    for member in (bob, remi, fanny):
        client = login(member)
        assert client.get(CASES).status_code == 403
        assert client.get(case_url(helene_case)).status_code == 403
        moved = client.post(case_url(helene_case, "transition"), {"to_status": "diagnostic"})
        assert moved.status_code == 403
        assert client.post(case_url(helene_case, "close"), {}).status_code == 403
    helene_case.refresh_from_db()
    assert helene_case.status == Status.INTAKE


def test_an_advisor_opens_a_case_for_a_person(login, alice, adele, helene):
    site = factories.SiteFactory(organization=alice.organization)

    response = login(alice).post(
        CASES,
        {
            "beneficiary": str(helene.pk),
            "advisor": str(adele.pk),
            "site": str(site.pk),
            "objective": "Trouver un moyen d'aller travailler à l'entrepôt",
        },
        content_type="application/json",
    )

    assert response.status_code == 201, response.json()
    case = Case.objects.get(pk=response.json()["id"])
    assert (case.beneficiary, case.advisor, case.site, case.status) == (
        helene,
        adele,
        site,
        Status.INTAKE,
    )
    assert case.transitions.get().by == alice.user


def test_a_case_cannot_be_opened_for_another_platform_person(login, chloe, helene):
    response = login(chloe).post(CASES, {"beneficiary": str(helene.pk)})

    assert response.status_code == 400
    assert "Introuvable dans votre organisation" in response.json()["beneficiary"][0]
    assert not Case.objects.exists()


def test_an_advisor_changes_the_advisor_and_objective_of_a_case(login, alice, adele, helene_case):
    response = login(alice).patch(
        case_url(helene_case),
        {"advisor": str(adele.pk), "objective": "Passer le permis"},
        content_type="application/json",
    )

    assert response.status_code == 200
    helene_case.refresh_from_db()
    assert (helene_case.advisor, helene_case.objective) == (adele, "Passer le permis")


def test_an_advisor_of_another_platform_cannot_be_assigned(login, alice, chloe, helene_case):
    response = login(alice).patch(
        case_url(helene_case), {"advisor": str(chloe.pk)}, content_type="application/json"
    )

    assert response.status_code == 400
    helene_case.refresh_from_db()
    assert helene_case.advisor == alice


def test_a_case_moves_along_its_lifecycle_and_refuses_a_forbidden_step(login, alice, helene_case):
    client = login(alice)

    moved = client.post(
        case_url(helene_case, "transition"), {"to_status": "diagnostic", "comment": "RDV pris"}
    )
    refused = client.post(case_url(helene_case, "transition"), {"to_status": "on_hold"})

    assert moved.status_code == 200
    assert moved.json()["status"] == "diagnostic"
    assert refused.status_code == 400
    assert refused.json()["detail"] == "Impossible de passer de « Diagnostic » à « En pause »."
    assert CaseTransition.objects.filter(case=helene_case).last().comment == "RDV pris"


def test_closing_with_an_exit_before_the_entry_is_refused_in_french(login, alice, helene_case):
    helene_case.status = Status.CLOSING
    helene_case.save()

    response = login(alice).post(
        case_url(helene_case, "close"),
        {
            "exit_date": (helene_case.opened_on - dt.timedelta(days=1)).isoformat(),
            "exit_reason": "goals_met",
            "situation": "job_permanent",
        },
    )

    assert response.status_code == 400
    assert response.json()["detail"] == (
        "La date de sortie ne peut pas précéder la date d'entrée "
        f"({helene_case.opened_on:%d/%m/%Y})."
    )
    assert response.json()["field"] == "exit_date"
    helene_case.refresh_from_db()
    assert helene_case.status == Status.CLOSING


def test_closing_a_case_records_the_exit_and_schedules_follow_ups(login, alice, helene_case):
    helene_case.status = Status.CLOSING
    helene_case.save()

    response = login(alice).post(
        case_url(helene_case, "close"),
        {
            "exit_date": days_ago(2).isoformat(),
            "exit_reason": "job_or_training",
            "situation": "job_permanent",
            "licence_gained": True,
        },
    )

    assert response.status_code == 200
    assert response.json()["status"] == "closed"
    helene_case.refresh_from_db()
    assert helene_case.exit.licence_gained is True
    assert helene_case.follow_ups.count() == 2


def test_the_close_action_lists_its_missing_fields(login, alice, helene_case):
    response = login(alice).post(case_url(helene_case, "close"), {})

    assert response.status_code == 400
    assert set(response.json()) == {"exit_date", "exit_reason", "situation"}
    assert response.json()["exit_date"] == ["Ce champ est obligatoire."]


def test_a_token_client_reads_and_moves_cases_without_a_session(alice, helene_case):
    client = token_client(alice)

    listed = client.get(CASES)
    moved = client.post(case_url(helene_case, "transition"), {"to_status": "diagnostic"})

    assert listed.status_code == 200
    assert listed.json()["count"] == 1
    assert moved.status_code == 200
    assert "sessionid" not in listed.cookies


# --- /api/v1/appointments/ -----------------------------------------------------------------


@pytest.fixture
def tomorrow_at_ten():
    day = timezone.localdate() + dt.timedelta(days=1)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(10, 0)))


@pytest.mark.cross_tenant("api:appointment-list")
def test_appointments_list_by_period_and_case(
    login, alice, helene_case, arras_case, tomorrow_at_ten
):
    soon = AppointmentFactory(case=helene_case, staff=alice, starts_at=tomorrow_at_ten)
    later = AppointmentFactory(
        case=CaseFactory(organization=alice.organization),
        staff=alice,
        starts_at=tomorrow_at_ten + dt.timedelta(days=10),
    )
    AppointmentFactory(case=arras_case, starts_at=tomorrow_at_ten)
    client = login(alice)
    day = tomorrow_at_ten.date().isoformat()

    everything = client.get(APPOINTMENTS).json()
    that_day = client.get(APPOINTMENTS, {"starts_at_after": day, "starts_at_before": day}).json()
    of_case = client.get(APPOINTMENTS, {"case": str(later.case_id)}).json()

    assert [a["id"] for a in everything["results"]] == [str(soon.pk), str(later.pk)]
    assert [a["id"] for a in that_day["results"]] == [str(soon.pk)]
    assert [a["id"] for a in of_case["results"]] == [str(later.pk)]


def test_the_appointment_list_query_count_does_not_grow_with_rows(
    login, alice, helene_case, django_assert_num_queries
):
    AppointmentFactory(case=helene_case, staff=alice)
    client = login(alice)
    # Session, user, memberships; count and page of appointments with case, person, staff, site.
    with django_assert_num_queries(5):
        client.get(APPOINTMENTS)
    site = factories.SiteFactory(organization=alice.organization)
    for _ in range(4):
        AppointmentFactory(case=CaseFactory(organization=alice.organization), site=site)

    with django_assert_num_queries(5):
        response = client.get(APPOINTMENTS)

    assert response.json()["count"] == 5


@pytest.mark.role_check("api:appointment-list", "api:appointment-detail")
def test_a_coach_reads_only_his_appointments_and_cannot_plan_any(
    login, bob, alice, remi, fanny, helene_case, tomorrow_at_ten
):
    his = AppointmentFactory(case=helene_case, staff=bob)
    not_his = AppointmentFactory(case=helene_case, staff=alice)
    client = login(bob)

    listed = client.get(APPOINTMENTS).json()
    planned = client.post(
        APPOINTMENTS,
        {
            "case": str(helene_case.pk),
            "kind": "follow_up",
            "starts_at": tomorrow_at_ten.isoformat(),
        },
    )
    moved = client.patch(
        appointment_url(his), {"location": "Gare"}, content_type="application/json"
    )

    assert [a["id"] for a in listed["results"]] == [str(his.pk)]
    assert client.get(appointment_url(his)).status_code == 200
    assert client.get(appointment_url(not_his)).status_code == 404
    assert (planned.status_code, moved.status_code) == (403, 403)
    for outsider in (remi, fanny):
        assert login(outsider).get(APPOINTMENTS).status_code == 403
        assert login(outsider).get(appointment_url(his)).status_code == 403


@pytest.mark.cross_tenant("api:appointment-detail")
def test_another_platform_gets_404_on_an_appointment(login, chloe, helene_case):
    appointment = AppointmentFactory(case=helene_case)
    client = login(chloe)

    read = client.get(appointment_url(appointment))
    moved = client.patch(
        appointment_url(appointment), {"location": "Arras"}, content_type="application/json"
    )

    assert (read.status_code, moved.status_code) == (404, 404)


def test_an_advisor_plans_an_appointment(login, alice, bob, helene_case, tomorrow_at_ten):
    response = login(alice).post(
        APPOINTMENTS,
        {
            "case": str(helene_case.pk),
            "staff": str(bob.pk),
            "kind": "accompaniment",
            "starts_at": tomorrow_at_ten.isoformat(),
            "duration_minutes": 90,
            "location": "Gare de Lille-Flandres",
        },
        content_type="application/json",
    )

    assert response.status_code == 201, response.json()
    appointment = Appointment.objects.get(pk=response.json()["id"])
    assert (appointment.case, appointment.staff, appointment.duration_minutes) == (
        helene_case,
        bob,
        90,
    )
    assert response.json()["case"]["beneficiary"]["full_name"] == "Hélène LEFÈVRE"


def test_no_appointment_for_a_closed_case(login, alice, helene_case, tomorrow_at_ten):
    helene_case.status = Status.CLOSED
    helene_case.closed_on = days_ago(1)
    helene_case.save()

    response = login(alice).post(
        APPOINTMENTS,
        {
            "case": str(helene_case.pk),
            "kind": "follow_up",
            "starts_at": tomorrow_at_ten.isoformat(),
        },
    )

    assert response.status_code == 400
    assert "rouvrez-le" in response.json()["detail"]
    assert not Appointment.objects.exists()


def test_an_appointment_centuries_away_is_refused_in_french(login, alice, helene_case):
    response = login(alice).post(
        APPOINTMENTS,
        {"case": str(helene_case.pk), "kind": "follow_up", "starts_at": "0188-07-26T14:34:08Z"},
        content_type="application/json",
    )

    assert response.status_code == 400
    assert response.json()["field"] == "starts_at"
    assert response.json()["detail"].startswith("La date doit être comprise entre le ")
    assert not Appointment.objects.exists()


def test_an_advisor_moves_an_appointment_then_records_how_it_went(
    login, alice, helene_case, tomorrow_at_ten
):
    appointment = AppointmentFactory(case=helene_case, staff=alice, starts_at=tomorrow_at_ten)
    client = login(alice)
    yesterday = tomorrow_at_ten - dt.timedelta(days=2)

    moved = client.patch(
        appointment_url(appointment),
        {"starts_at": yesterday.isoformat(), "location": "Antenne"},
        content_type="application/json",
    )
    done = client.patch(
        appointment_url(appointment),
        {"status": "done", "notes": "Trajet repéré"},
        content_type="application/json",
    )

    assert (moved.status_code, done.status_code) == (200, 200)
    appointment.refresh_from_db()
    assert (appointment.starts_at, appointment.location) == (yesterday, "Antenne")
    assert (appointment.status, appointment.notes) == ("done", "Trajet repéré")
