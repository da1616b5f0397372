"""The pathway of a case: diagnostic and barriers, action plan, aid applications, notes."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases.models import (
    AccessLog,
    Action,
    AidApplication,
    Case,
    CaseBarrier,
    Diagnostic,
    Goal,
    Note,
)
from cases.services import pathway as services
from organizations.errors import DomainError
from tests.cases.factories import (
    ActionFactory,
    AidApplicationFactory,
    BarrierCategoryFactory,
    BarrierFactory,
    CaseBarrierFactory,
    CaseFactory,
    DocumentFactory,
    GoalFactory,
    NoteFactory,
)

Kind = Diagnostic.Kind
HTMX = {"HX-Request": "true"}


def today() -> dt.date:
    return timezone.localdate()


def days_ago(days: int) -> dt.date:
    return today() - dt.timedelta(days=days)


@pytest.fixture
def case(alice) -> Case:
    return CaseFactory(
        organization=alice.organization,
        advisor=alice,
        status=Case.Status.DIAGNOSTIC,
        opened_on=days_ago(60),
    )


@pytest.fixture
def equipment(db):
    return BarrierCategoryFactory(code="equipement-test", label="Équipement (test)", position=1)


@pytest.fixture
def no_licence(equipment):
    return BarrierFactory(category=equipment, label="Pas de permis B (test)", position=1)


@pytest.fixture
def no_bike(equipment):
    return BarrierFactory(category=equipment, label="Pas de vélo (test)", position=2)


@pytest.fixture
def childcare(db):
    category = BarrierCategoryFactory(code="famille-test", label="Famille (test)", position=2)
    return BarrierFactory(category=category, label="Garde d'enfants (test)")


def diagnose(case, by, kind=Kind.ENTRY, done_on=None, **severities):
    return services.record_diagnostic(
        case=case,
        by=by,
        kind=kind,
        done_on=done_on or days_ago(50),
        severities={barrier.pk: severity for barrier, severity in severities.values()},
        summary="",
    )


# --- Diagnostics -------------------------------------------------------------------------------


def test_a_diagnostic_scores_the_sum_of_severities_and_opens_the_barriers_found(
    case, alice, no_licence, no_bike, childcare
):
    diagnostic = diagnose(case, alice, a=(no_licence, 3), b=(no_bike, 0), c=(childcare, 2))

    assert diagnostic.score == 5
    assert diagnostic.done_by == alice.user
    assert diagnostic.items.count() == 3
    barriers = {cb.barrier: cb for cb in case.barriers.all()}
    assert set(barriers) == {no_licence, childcare}
    assert barriers[no_licence].status == CaseBarrier.Status.OPEN
    assert barriers[no_licence].severity == 3
    assert barriers[no_licence].identified_on == days_ago(50)


def test_a_second_entry_diagnostic_is_refused(case, alice, no_licence):
    diagnose(case, alice, a=(no_licence, 2))

    with pytest.raises(DomainError, match="diagnostic d'entrée a déjà été fait"):
        diagnose(case, alice, a=(no_licence, 1))

    assert case.diagnostics.count() == 1


def test_a_barrier_of_another_platform_cannot_be_assessed(case, alice, platform_b):
    foreign = BarrierFactory(organization=platform_b)

    with pytest.raises(DomainError, match="pas proposé par votre plateforme"):
        diagnose(case, alice, a=(foreign, 2))

    assert not Diagnostic.objects.exists()


def test_a_deactivated_barrier_cannot_be_assessed(case, alice):
    retired = BarrierFactory(is_active=False)

    with pytest.raises(DomainError):
        diagnose(case, alice, a=(retired, 1))


def test_a_diagnostic_in_the_future_or_before_the_entry_is_refused(case, alice, no_licence):
    with pytest.raises(DomainError, match="futur"):
        diagnose(case, alice, done_on=today() + dt.timedelta(days=1), a=(no_licence, 1))
    with pytest.raises(DomainError, match="précéder l'entrée"):
        diagnose(case, alice, done_on=days_ago(61), a=(no_licence, 1))


def test_a_coach_cannot_record_a_diagnostic(case, bob, no_licence):
    with pytest.raises(DomainError, match="Seuls les conseiller·es"):
        diagnose(case, bob, a=(no_licence, 1))


def test_an_exit_diagnostic_measures_without_touching_the_barriers(
    case, alice, no_licence, childcare
):
    diagnose(case, alice, a=(no_licence, 3))
    services.set_case_barrier_status(
        case_barrier=case.barriers.get(), status=CaseBarrier.Status.LIFTED, by=alice
    )

    diagnose(case, alice, kind=Kind.EXIT, done_on=days_ago(1), a=(no_licence, 1), b=(childcare, 2))

    assert [(cb.barrier, cb.status) for cb in case.barriers.all()] == [
        (no_licence, CaseBarrier.Status.LIFTED)
    ]


def test_a_step_diagnostic_reopens_a_lifted_barrier_found_again(case, alice, no_licence):
    diagnose(case, alice, a=(no_licence, 3))
    case_barrier = case.barriers.get()
    services.set_case_barrier_status(
        case_barrier=case_barrier, status=CaseBarrier.Status.LIFTED, by=alice
    )

    diagnose(case, alice, kind=Kind.INTERMEDIATE, done_on=days_ago(5), a=(no_licence, 2))

    case_barrier.refresh_from_db()
    assert case_barrier.status == CaseBarrier.Status.OPEN
    assert case_barrier.lifted_on is None


def test_the_comparison_shows_each_barrier_before_and_after(
    case, alice, no_licence, no_bike, childcare
):
    entry = diagnose(case, alice, a=(no_licence, 3), b=(no_bike, 0), c=(childcare, 1))
    exit_ = diagnose(
        case,
        alice,
        kind=Kind.EXIT,
        done_on=days_ago(1),
        a=(no_licence, 1),
        b=(no_bike, 0),
        c=(childcare, 2),
    )

    rows = services.compare_diagnostics(entry, exit_)

    assert [(r.barrier, r.before, r.after, r.change, r.trend) for r in rows] == [
        (no_licence, 3, 1, -2, "better"),
        (childcare, 1, 2, 1, "worse"),
    ]
    assert rows[0].before_label == "Frein bloquant"


def test_diagnostics_of_two_cases_cannot_be_compared(case, alice, no_licence):
    other_case = CaseFactory(organization=alice.organization)
    entry = diagnose(case, alice, a=(no_licence, 1))
    other = diagnose(other_case, alice, done_on=days_ago(1), a=(no_licence, 1))

    with pytest.raises(DomainError):
        services.compare_diagnostics(entry, other)


def test_lifting_a_barrier_dates_it_and_its_history_names_the_advisor(case, alice):
    case_barrier = CaseBarrierFactory(case=case)

    services.set_case_barrier_status(
        case_barrier=case_barrier, status=CaseBarrier.Status.BEING_WORKED, by=alice
    )
    services.set_case_barrier_status(
        case_barrier=case_barrier, status=CaseBarrier.Status.LIFTED, by=alice
    )

    case_barrier.refresh_from_db()
    assert case_barrier.lifted_on == today()
    steps = case_barrier.history.order_by("history_date")
    assert [h.status for h in steps] == ["open", "being_worked", "lifted"]
    assert steps.last().history_user == alice.user


def test_reopening_a_lifted_barrier_clears_its_lifting_date(case, alice):
    case_barrier = CaseBarrierFactory(case=case, status="lifted", lifted_on=days_ago(3))

    services.set_case_barrier_status(case_barrier=case_barrier, status="open", by=alice)

    case_barrier.refresh_from_db()
    assert case_barrier.lifted_on is None


def test_an_archived_case_cannot_be_changed(alice):
    archived = CaseFactory(organization=alice.organization, status=Case.Status.ARCHIVED)
    case_barrier = CaseBarrierFactory(case=archived)

    with pytest.raises(DomainError, match="archivé"):
        services.set_case_barrier_status(case_barrier=case_barrier, status="lifted", by=alice)
    with pytest.raises(DomainError, match="archivé"):
        services.add_note(case=archived, by=alice, body="Appel")


# --- Action plan -------------------------------------------------------------------------------


def test_goals_are_added_at_the_end_of_the_plan(case, alice):
    first = services.add_goal(case=case, by=alice, title="Obtenir le code")
    second = services.add_goal(case=case, by=alice, title="Obtenir le permis B")

    assert list(case.goals.all()) == [first, second]
    with pytest.raises(DomainError, match="intitulé"):
        services.add_goal(case=case, by=alice, title="   ")


def test_an_action_cannot_work_on_a_barrier_of_another_case(case, alice):
    goal = GoalFactory(case=case)
    foreign = CaseBarrierFactory(case=CaseFactory(organization=alice.organization))

    with pytest.raises(DomainError, match="n'appartient pas à cet accompagnement"):
        services.add_action(goal=goal, by=alice, title="Inscription auto-école", barriers=[foreign])

    assert not Action.objects.exists()


def test_an_action_cannot_be_given_to_someone_of_another_platform(case, alice, chloe):
    goal = GoalFactory(case=case)

    with pytest.raises(DomainError, match="membre actif de la plateforme"):
        services.add_action(goal=goal, by=alice, title="Atelier budget", responsible=chloe)


def test_an_action_links_the_barriers_it_works_on(case, alice, bob):
    goal = GoalFactory(case=case)
    case_barrier = CaseBarrierFactory(case=case)

    action = services.add_action(
        goal=goal,
        by=alice,
        title="Vélo-école",
        due_date=today(),
        responsible=bob,
        barriers=[case_barrier],
    )

    assert list(case_barrier.actions.all()) == [action]
    assert action.responsible == bob


def test_finishing_the_last_action_of_a_barrier_suggests_lifting_it_without_lifting(case, alice):
    goal = GoalFactory(case=case)
    case_barrier = CaseBarrierFactory(case=case)
    first, second = ActionFactory(goal=goal), ActionFactory(goal=goal)
    first.barriers.add(case_barrier)
    second.barriers.add(case_barrier)

    change = services.set_action_status(action=first, status=Action.Status.DONE, by=alice)
    assert change.liftable == []
    assert change.action.done_on == today()

    services.set_action_status(action=second, status=Action.Status.CANCELLED, by=alice)
    change = services.set_action_status(action=second, status=Action.Status.DONE, by=alice)

    assert change.liftable == [case_barrier]
    case_barrier.refresh_from_db()
    assert case_barrier.status == CaseBarrier.Status.OPEN


def test_an_action_taken_up_again_loses_its_completion_date(case, alice):
    action = ActionFactory(goal=GoalFactory(case=case), status="done", done_on=days_ago(2))

    services.set_action_status(action=action, status=Action.Status.IN_PROGRESS, by=alice)

    action.refresh_from_db()
    assert action.done_on is None
    with pytest.raises(DomainError):
        services.set_action_status(action=action, status="finie", by=alice)


# --- Aid applications --------------------------------------------------------------------------


def aid(**overrides) -> services.AidData:
    return services.AidData(**{"aid_name": "Aide au permis", **overrides})


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (aid(amount_requested=Decimal("-1")), "amount_requested", "négatif"),
        (aid(decided_on=dt.date(2026, 1, 5)), "decided_on", "suppose une décision"),
        (aid(amount_granted=Decimal("300")), "amount_granted", "suppose une aide accordée"),
        (aid(aid_name=" "), "aid_name", "nom de l'aide"),
        (
            aid(status="granted", submitted_on=days_ago(3), decided_on=days_ago(5)),
            "decided_on",
            "précéder le dépôt",
        ),
    ],
)
def test_an_aid_application_with_inconsistent_data_is_refused(case, alice, data, field, message):
    with pytest.raises(DomainError, match=message) as error:
        services.create_aid_application(case=case, by=alice, data=data)

    assert error.value.field == field
    assert not AidApplication.objects.exists()


def test_a_granted_aid_records_its_amounts_and_warns_when_above_the_request(case, alice):
    application = services.create_aid_application(
        case=case,
        by=alice,
        data=aid(
            status="granted",
            amount_requested=Decimal("400"),
            amount_granted=Decimal("450"),
            submitted_on=days_ago(10),
            decided_on=days_ago(2),
        ),
    )

    assert application.amount_granted == Decimal("450")
    assert services.aid_warnings(application) == [
        "Le montant accordé dépasse le montant demandé : vérifiez la saisie."
    ]
    assert application.history.get().history_user == alice.user


# --- Notes -------------------------------------------------------------------------------------


def test_a_note_is_signed_by_its_author_and_cannot_be_empty(case, alice):
    note = services.add_note(case=case, by=alice, body="  Appel : RDV auto-école pris.  ")

    assert (note.author, note.body) == (alice.user, "Appel : RDV auto-école pris.")
    with pytest.raises(DomainError, match="vide"):
        services.add_note(case=case, by=alice, body="   ")


def test_only_the_author_or_an_admin_may_delete_a_note(case, alice, adele, platform_a):
    from tests.factories import MembershipFactory

    colleague = MembershipFactory(organization=platform_a)
    note = NoteFactory(case=case, author=alice.user)

    with pytest.raises(DomainError, match="auteur·rice de la note"):
        services.delete_note(note=note, by=colleague)
    services.delete_note(note=note, by=adele)

    assert not Note.objects.exists()


# --- Views -------------------------------------------------------------------------------------


@pytest.fixture
def world(case, alice):
    """A case of platform A with one of each pathway object."""
    case_barrier = CaseBarrierFactory(case=case)
    goal = GoalFactory(case=case)
    action = ActionFactory(goal=goal)
    action.barriers.add(case_barrier)
    return {
        "case": case,
        "case_barrier": case_barrier,
        "goal": goal,
        "action": action,
        "application": AidApplicationFactory(case=case),
        "document": DocumentFactory(case=case),
        "note": NoteFactory(case=case, author=alice.user),
    }


def url(name: str, world: dict) -> str:
    extra = {
        "cases:case_barrier_status": "case_barrier",
        "cases:goal_edit": "goal",
        "cases:action_edit": "action",
        "cases:action_status": "action",
        "cases:aid_edit": "application",
        "cases:document_download": "document",
        "cases:document_delete": "document",
        "cases:note_delete": "note",
    }.get(name)
    args = [world["case"].id] + ([world[extra].id] if extra else [])
    return reverse(name, args=args)


GET_PAGES = [
    "cases:case_diagnostic",
    "cases:diagnostic_create",
    "cases:case_plan",
    "cases:goal_edit",
    "cases:action_create",
    "cases:action_edit",
    "cases:case_aids",
    "cases:aid_create",
    "cases:aid_edit",
    "cases:case_documents",
    "cases:document_download",
    "cases:document_delete",
    "cases:case_exchanges",
    "cases:note_delete",
]
POST_ONLY = [
    ("cases:case_barrier_status", {"status": "lifted"}),
    ("cases:goal_create", {"title": "Objectif"}),
    ("cases:action_status", {"status": "done"}),
    ("cases:document_upload", {"kind": "other"}),
    ("cases:note_create", {"body": "Une note"}),
]
POST_WRITES = [
    *POST_ONLY,
    ("cases:diagnostic_create", {"kind": "entry", "done_on": "2026-01-01"}),
    ("cases:goal_edit", {"title": "Objectif", "status": "open"}),
    ("cases:action_create", {"title": "Action"}),
    ("cases:action_edit", {"title": "Action"}),
    ("cases:aid_create", {"aid_name": "Aide", "status": "draft"}),
    ("cases:aid_edit", {"aid_name": "Aide", "status": "draft"}),
    ("cases:document_delete", {}),
    ("cases:note_delete", {}),
]


def _snapshot() -> tuple:
    return (
        Diagnostic.objects.count(),
        Goal.objects.count(),
        Action.objects.count(),
        list(Action.objects.values_list("status", "title")),
        list(CaseBarrier.objects.values_list("status", flat=True)),
        list(AidApplication.objects.values_list("aid_name", flat=True)),
        list(Note.objects.values_list("body", flat=True)),
        list(Goal.objects.values_list("title", flat=True)),
    )


@pytest.mark.cross_tenant(
    "cases:case_diagnostic",
    "cases:diagnostic_create",
    "cases:case_barrier_status",
    "cases:case_plan",
    "cases:goal_create",
    "cases:goal_edit",
    "cases:action_create",
    "cases:action_edit",
    "cases:action_status",
    "cases:case_aids",
    "cases:aid_create",
    "cases:aid_edit",
    "cases:case_documents",
    "cases:document_upload",
    "cases:document_download",
    "cases:document_delete",
    "cases:case_exchanges",
    "cases:note_create",
    "cases:note_delete",
)
def test_an_advisor_of_another_platform_gets_404_on_every_pathway_page(world, chloe, login):
    client = login(chloe)
    before = _snapshot()

    for name in GET_PAGES:
        assert client.get(url(name, world)).status_code == 404, name
    for name, data in POST_WRITES:
        assert client.post(url(name, world), data).status_code == 404, name

    assert _snapshot() == before
    assert not AccessLog.objects.exists()


@pytest.mark.parametrize("who", ["bob", "remi", "fanny"])
@pytest.mark.role_check(
    "cases:case_diagnostic",
    "cases:diagnostic_create",
    "cases:case_barrier_status",
    "cases:case_plan",
    "cases:goal_create",
    "cases:goal_edit",
    "cases:action_create",
    "cases:action_edit",
    "cases:action_status",
    "cases:case_aids",
    "cases:aid_create",
    "cases:aid_edit",
    "cases:case_documents",
    "cases:document_upload",
    "cases:document_download",
    "cases:document_delete",
    "cases:case_exchanges",
    "cases:note_create",
    "cases:note_delete",
)
def test_coaches_referrers_and_funders_get_403_on_every_pathway_page(world, login, who, request):
    client = login(request.getfixturevalue(who))
    before = _snapshot()

    for name in GET_PAGES:
        assert client.get(url(name, world)).status_code == 403, name
    for name, data in POST_WRITES:
        assert client.post(url(name, world), data).status_code == 403, name

    assert _snapshot() == before
    assert not AccessLog.objects.exists()


def test_a_coach_who_trains_the_person_still_cannot_open_the_plan(world, bob, login):
    from tests.cases.factories import RegistrationFactory, WorkshopFactory

    RegistrationFactory(
        workshop=WorkshopFactory(organization=bob.organization, coach=bob), case=world["case"]
    )

    assert login(bob).get(url("cases:case_plan", world)).status_code == 403


def test_pathway_pages_are_logged_as_consultations_of_the_file(world, alice, login):
    client = login(alice)

    for name in [
        "cases:case_diagnostic",
        "cases:case_plan",
        "cases:case_aids",
        "cases:case_documents",
        "cases:case_exchanges",
    ]:
        assert client.get(url(name, world)).status_code == 200

    logs = AccessLog.objects.filter(beneficiary=world["case"].beneficiary, user=alice.user)
    assert logs.count() == 5
    assert logs.filter(path=url("cases:case_plan", world)).exists()


def test_the_diagnostic_tab_shows_scores_and_the_change_per_barrier(
    case, alice, login, no_licence, childcare
):
    diagnose(case, alice, a=(no_licence, 3), b=(childcare, 1))
    diagnose(case, alice, kind=Kind.EXIT, done_on=days_ago(1), a=(no_licence, 1), b=(childcare, 1))

    page = login(alice).get(reverse("cases:case_diagnostic", args=[case.id])).content.decode()

    assert "Diagnostic d&#x27;entrée" in page
    assert '<strong>4</strong> <span class="muted">/ 6</span>' in page
    assert "Score : <strong>4</strong> → <strong>2</strong>" in page
    assert "En recul" in page and "Inchangé" in page
    assert "Pas de permis B (test)" in page


def test_an_advisor_records_a_diagnostic_from_the_taxonomy_form(
    case, alice, login, no_licence, no_bike
):
    client = login(alice)
    form_url = reverse("cases:diagnostic_create", args=[case.id])

    page = client.get(form_url).content.decode()
    assert "<legend>Équipement (test)</legend>" in page
    assert f'name="barrier_{no_licence.pk}"' in page

    response = client.post(
        form_url,
        {
            "kind": "entry",
            "done_on": days_ago(2).isoformat(),
            "summary": "Permis à passer",
            f"barrier_{no_licence.pk}": "3",
            f"barrier_{no_bike.pk}": "0",
        },
    )

    assert response.status_code == 302
    diagnostic = case.diagnostics.get()
    assert diagnostic.score == 3
    assert [cb.barrier for cb in case.barriers.all()] == [no_licence]


def test_a_refused_diagnostic_keeps_what_was_typed(case, alice, login, no_licence):
    future = (today() + dt.timedelta(days=3)).isoformat()

    response = login(alice).post(
        reverse("cases:diagnostic_create", args=[case.id]),
        {
            "kind": "entry",
            "done_on": future,
            "summary": "Peur de conduire",
            f"barrier_{no_licence.pk}": "2",
        },
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "ne peut pas être dans le futur" in page
    assert "Peur de conduire" in page
    assert f'value="2" class="severity" id="id_barrier_{no_licence.pk}_2" checked' in page
    assert not Diagnostic.objects.exists()


def test_changing_a_barrier_status_with_htmx_swaps_its_row(world, alice, login):
    case_barrier = world["case_barrier"]

    response = login(alice).post(
        url("cases:case_barrier_status", world), {"status": "being_worked"}, headers=HTMX
    )

    page = response.content.decode()
    assert page.strip().startswith(f'<tr id="frein-{case_barrier.id}">')
    assert '<span class="badge badge--orange">En cours de levée</span>' in page
    assert "<html" not in page
    assert response["Vary"].count("HX-Request") == 1
    case_barrier.refresh_from_db()
    assert case_barrier.status == "being_worked"


def test_changing_a_barrier_status_without_javascript_returns_to_the_tab(world, alice, login):
    response = login(alice).post(url("cases:case_barrier_status", world), {"status": "lifted"})

    assert response.status_code == 302
    assert response["Location"] == url("cases:case_diagnostic", world)
    world["case_barrier"].refresh_from_db()
    assert world["case_barrier"].lifted_on == today()


def test_the_plan_shows_goals_actions_and_overdue_ones(world, alice, login):
    late = ActionFactory(goal=world["goal"], title="Dossier CPF", due_date=days_ago(3))
    ActionFactory(goal=world["goal"], title="Code réussi", due_date=days_ago(3), status="done")

    page = login(alice).get(url("cases:case_plan", world)).content.decode()

    assert world["goal"].title in page
    late_row = page[page.index(f'id="action-{late.id}"') :]
    late_row = late_row[: late_row.index("</tr>")]
    assert "En retard" in late_row
    assert page.count("En retard") == 1


def test_an_advisor_adds_a_goal_then_an_action_on_a_barrier(case, alice, login):
    client = login(alice)
    case_barrier = CaseBarrierFactory(case=case)

    response = client.post(
        reverse("cases:goal_create", args=[case.id]), {"title": "Obtenir le permis B"}
    )
    assert response.status_code == 302
    goal = case.goals.get()

    response = client.post(
        reverse("cases:action_create", args=[case.id]),
        {
            "goal": goal.pk,
            "title": "Inscription à l'auto-école",
            "due_date": (today() + dt.timedelta(days=14)).isoformat(),
            "responsible": alice.pk,
            "barriers": [case_barrier.pk],
        },
    )

    assert response.status_code == 302
    action = goal.actions.get()
    assert list(action.barriers.all()) == [case_barrier]


def test_a_goal_without_a_title_is_shown_again_with_a_french_error(case, alice, login):
    response = login(alice).post(
        reverse("cases:goal_create", args=[case.id]), {"title": "", "description": "Avant l'été"}
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "Ce champ est obligatoire." in page
    assert "Avant l&#x27;été" in page
    assert not Goal.objects.exists()


def test_an_action_cannot_pick_a_barrier_of_another_case_in_the_form(world, alice, login):
    other = CaseBarrierFactory(case=CaseFactory(organization=alice.organization))

    response = login(alice).post(
        url("cases:action_create", world),
        {
            "goal": world["goal"].pk,
            "title": "Atelier",
            "barriers": [other.pk],
        },
    )

    assert response.status_code == 200
    assert "Choisissez parmi les freins identifiés pour cette personne." in (
        response.content.decode()
    )
    assert world["goal"].actions.count() == 1


def test_an_advisor_edits_a_goal_and_an_action(world, alice, login):
    client = login(alice)

    client.post(url("cases:goal_edit", world), {"title": "Permis B obtenu", "status": "achieved"})
    client.post(url("cases:action_edit", world), {"title": "Passer l'examen", "barriers": []})

    world["goal"].refresh_from_db()
    world["action"].refresh_from_db()
    assert (world["goal"].title, world["goal"].status) == ("Permis B obtenu", "achieved")
    assert world["action"].title == "Passer l'examen"
    assert not world["action"].barriers.exists()


def test_marking_an_action_done_with_htmx_suggests_lifting_its_barrier(world, alice, login):
    response = login(alice).post(
        url("cases:action_status", world), {"status": "done"}, headers=HTMX
    )

    page = response.content.decode()
    assert page.strip().startswith(f'<tr id="action-{world["action"].id}">')
    assert "Déclarer le frein levé" in page
    world["case_barrier"].refresh_from_db()
    assert world["case_barrier"].status == CaseBarrier.Status.OPEN


def test_aids_tab_totals_the_requested_and_granted_amounts(case, alice, login):
    AidApplicationFactory(
        case=case,
        amount_requested=Decimal("1200"),
        status="granted",
        amount_granted=Decimal("1000.5"),
    )
    AidApplicationFactory(case=case, amount_requested=Decimal("300"), status="submitted")
    AidApplicationFactory(case=case, amount_requested=Decimal("999"), status="cancelled")

    page = login(alice).get(reverse("cases:case_aids", args=[case.id])).content.decode()

    assert "1\xa0500,00 €" in page
    assert "1\xa0000,50 €" in page


def test_an_aid_form_error_is_in_french_next_to_the_field_and_keeps_the_input(case, alice, login):
    response = login(alice).post(
        reverse("cases:aid_create", args=[case.id]),
        {
            "aid_name": "Aide au permis",
            "status": "draft",
            "amount_requested": "450,50",
            "decided_on": days_ago(1).isoformat(),
        },
    )

    page = response.content.decode()
    assert "Une date de décision suppose une décision" in page
    assert 'value="450,50"' in page
    assert not AidApplication.objects.exists()


def test_an_advisor_updates_an_aid_application(world, alice, login):
    response = login(alice).post(
        url("cases:aid_edit", world),
        {
            "aid_name": "Aide au permis",
            "status": "granted",
            "amount_requested": "500",
            "amount_granted": "1 250,50",
            "submitted_on": days_ago(9).isoformat(),
            "decided_on": days_ago(1).isoformat(),
        },
        follow=True,
    )

    world["application"].refresh_from_db()
    assert world["application"].amount_granted == Decimal("1250.50")
    assert "dépasse le montant demandé" in response.content.decode()


def test_notes_show_newest_first_and_are_added_from_the_tab(world, alice, login):
    client = login(alice)

    client.post(url("cases:note_create", world), {"body": "Dernier appel : permis obtenu !"})
    page = client.get(url("cases:case_exchanges", world)).content.decode()

    assert page.index("Dernier appel") < page.index(world["note"].body)


def test_an_empty_note_is_refused_in_french(world, alice, login):
    response = login(alice).post(url("cases:note_create", world), {"body": ""})

    assert "La note est vide : écrivez-la." in response.content.decode()
    assert Note.objects.count() == 1


def test_an_advisor_deletes_her_note_after_confirming(world, alice, login):
    client = login(alice)

    assert "Oui, supprimer" in client.get(url("cases:note_delete", world)).content.decode()
    response = client.post(url("cases:note_delete", world))

    assert response.status_code == 302
    assert not Note.objects.exists()


def test_an_advisor_cannot_delete_a_colleague_s_note(world, platform_a, login):
    from tests.factories import MembershipFactory

    colleague = MembershipFactory(organization=platform_a)
    client = login(colleague)

    assert client.post(url("cases:note_delete", world)).status_code == 403
    page = client.get(url("cases:case_exchanges", world)).content.decode()
    assert url("cases:note_delete", world) not in page
    assert Note.objects.count() == 1


# --- Query counts ------------------------------------------------------------------------------


def _queries(client, address: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(address).status_code == 200
    return len(captured)


def _grow_diagnostic(case, alice, size: int, kind=Kind.ENTRY, days=40):
    severities = {}
    for _ in range(size):
        barrier = BarrierFactory()
        severities[barrier.pk] = 2
    diagnostic = services.record_diagnostic(
        case=case, by=alice, kind=kind, done_on=days_ago(days), severities=severities
    )
    goal = GoalFactory(case=case)
    for case_barrier in case.barriers.all():
        action = ActionFactory(goal=goal)
        action.barriers.add(case_barrier)
    return diagnostic


def test_the_diagnostic_tab_query_count_does_not_grow_with_barriers(
    case, alice, login, django_assert_num_queries
):
    client = login(alice)
    address = reverse("cases:case_diagnostic", args=[case.id])
    _grow_diagnostic(case, alice, 2)
    _grow_diagnostic(case, alice, 1, kind=Kind.EXIT, days=1)
    baseline = _queries(client, address)

    _grow_diagnostic(case, alice, 6, kind=Kind.INTERMEDIATE, days=20)
    _grow_diagnostic(case, alice, 5, kind=Kind.EXIT, days=0)

    with django_assert_num_queries(baseline):
        client.get(address)


def test_the_plan_tab_query_count_does_not_grow_with_goals_and_actions(
    case, alice, bob, login, django_assert_num_queries
):
    client = login(alice)
    address = reverse("cases:case_plan", args=[case.id])
    action = ActionFactory(goal=GoalFactory(case=case), responsible=bob)
    action.barriers.add(CaseBarrierFactory(case=case))
    baseline = _queries(client, address)

    for _ in range(3):
        goal = GoalFactory(case=case)
        for _ in range(3):
            action = ActionFactory(goal=goal, responsible=alice)
            action.barriers.add(CaseBarrierFactory(case=case), CaseBarrierFactory(case=case))

    with django_assert_num_queries(baseline):
        client.get(address)
