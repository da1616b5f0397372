"""The « Done when » of issue 3, in the browser: an advisor takes a person from intake to the
follow-up at six months — new person and case, diagnostic, plan, status changes, exit
questionnaire, +3 and +6 month follow-ups — then finds every step in the history.

Labels are found as a screen-reader user would (get_by_label, get_by_role), so the journey
also proves that every form on the way is labelled."""

import datetime as dt
import re

import pytest
from dateutil.relativedelta import relativedelta
from django.utils import timezone
from playwright.sync_api import Page, expect

from cases.models import Case, CaseStatus, FollowUp
from tests.e2e.accessibility import assert_basic_accessibility
from tests.factories import TerritoryFactory


def iso(day: dt.date) -> str:
    return day.isoformat()


def french(day: dt.date) -> str:
    return f"{day:%d/%m/%Y}"


def expect_status(page: Page, label: str) -> None:
    expect(page.locator(".case-header .badge")).to_have_text(label)


def field(page: Page, label: str):
    """The form control labelled exactly ``label`` (French labels end with « : »)."""
    return page.get_by_label(re.compile(rf"^\s*{re.escape(label)}(\s?:)?\s*$"))


def click_step(page: Page, label: str) -> None:
    page.get_by_role("button", name=label, exact=True).click()


@pytest.fixture
def lille(db):
    return TerritoryFactory(code="59350", name="Lille", postcodes="59000 59800")


def test_an_advisor_takes_a_person_from_intake_to_the_six_month_follow_up(
    page, sign_in, alice, lille
):
    today = timezone.localdate()
    entry = today - relativedelta(months=9)
    diagnosed = entry + dt.timedelta(days=7)
    exit_date = today - relativedelta(months=7)
    call_3 = exit_date + relativedelta(months=3, days=4)
    call_6 = exit_date + relativedelta(months=6, days=2)
    assert call_6 <= today

    sign_in(alice)

    # --- Intake: a new person and their case ------------------------------------------------
    page.get_by_role("navigation", name="Navigation principale").get_by_role(
        "link", name="Personnes accompagnées"
    ).click()
    page.get_by_role("link", name="Nouvelle personne", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Nouvelle personne accompagnée")
    assert_basic_accessibility(page)

    field(page, "Prénom").fill("Samia")
    field(page, "Nom").fill("Haddad")
    field(page, "Date de naissance").fill("1994-03-14")
    field(page, "Sexe").select_option(label="Femme")
    field(page, "Téléphone").fill("06 12 34 56 78")
    field(page, "Code postal").fill("59000")
    field(page, "Commune").fill("59350")
    field(page, "Situation à l'entrée").select_option(label="Demandeur·se d'emploi de longue durée")
    field(page, "Bénéficiaire du RSA").check()
    field(page, "Permis de conduire").select_option(label="Code obtenu")
    field(page, "Traitement des données pour l'accompagnement").check()
    field(page, "Date d'entrée").fill(iso(entry))
    field(page, "Objectif de la personne").fill("Obtenir le permis B pour un CDI en usine.")
    page.get_by_role("button", name="Enregistrer et ouvrir le dossier").click()

    expect(page.get_by_text("Le dossier de Samia HADDAD est ouvert.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Samia HADDAD")
    expect_status(page, "Accueil")
    expect(page.get_by_text(f"Entrée le {french(entry)}")).to_be_visible()
    expect(page.get_by_text("59000 Lille")).to_be_visible()
    assert_basic_accessibility(page)
    case = Case.objects.get(beneficiary__first_name="Samia")
    assert case.advisor == alice
    assert case.opened_on == entry

    # --- Diagnostic -------------------------------------------------------------------------
    click_step(page, "Commencer le diagnostic")
    expect_status(page, "Diagnostic")
    tabs = page.get_by_role("navigation", name="Rubriques de l'accompagnement")
    tabs.get_by_role("link", name="Diagnostic").click()
    page.get_by_role("link", name="Faire un diagnostic").click()
    expect(page.get_by_role("heading", name="Nouveau diagnostic")).to_be_visible()
    assert_basic_accessibility(page)
    expect(page.get_by_role("radio", name="Diagnostic d'entrée")).to_be_checked()
    field(page, "Réalisé le").fill(iso(diagnosed))
    page.get_by_role("group", name="Pas de permis B", exact=True).get_by_label(
        "Frein bloquant"
    ).check()
    page.get_by_role("group", name="Pas de véhicule", exact=True).get_by_label(
        "Frein important"
    ).check()
    field(page, "Synthèse").fill("Permis à financer, pas de véhicule.")
    page.get_by_role("button", name="Enregistrer le diagnostic").click()

    expect(page.get_by_text(re.compile(r"enregistré : score 5\."))).to_be_visible()
    barriers = page.get_by_role("table").filter(has_text="Pas de permis B")
    expect(barriers).to_contain_text("Pas de véhicule")

    # --- Plan: a goal and an action ---------------------------------------------------------
    click_step(page, "Construire le plan d'action")
    expect_status(page, "Plan d'action")
    tabs.get_by_role("link", name="Plan d'action").click()
    assert_basic_accessibility(page)
    field(page, "Objectif").fill("Obtenir le permis B")
    field(page, "Échéance").fill(iso(entry + relativedelta(months=5)))
    page.get_by_role("button", name="Ajouter l'objectif").click()
    expect(page.get_by_text("Objectif « Obtenir le permis B » ajouté.")).to_be_visible()

    page.get_by_role("link", name="Ajouter une action à « Obtenir le permis B »").click()
    assert_basic_accessibility(page)
    expect(field(page, "Objectif")).to_have_value(re.compile(r"^[0-9a-f-]{36}$"))
    field(page, "Action").fill("Monter le dossier d'aide au permis")
    field(page, "Échéance").fill(iso(entry + relativedelta(months=1)))
    field(page, "Responsable").select_option(label="Alice Test")
    page.get_by_role("checkbox", name=re.compile(r"^Pas de permis B")).check()
    page.get_by_role("button", name="Enregistrer").click()
    expect(
        page.get_by_text("Action « Monter le dossier d'aide au permis » ajoutée au plan.")
    ).to_be_visible()
    field(page, "Statut de l'action « Monter le dossier d'aide au permis »").select_option(
        label="Réalisée"
    )
    assert page.evaluate("typeof window.htmx") == "object", "htmx ne s'est pas chargé"
    page.get_by_role("button", name="Changer").click()
    action_row = page.get_by_role("row", name=re.compile("Monter le dossier"))
    # htmx swaps the row: the status badge changes and the action is no longer late.
    expect(action_row.locator(".badge").filter(has_text="Réalisée")).to_be_visible()
    expect(action_row.get_by_text("En retard")).to_have_count(0)

    # --- Lifecycle up to « Sortie en cours », then the exit questionnaire -------------------
    click_step(page, "Démarrer l'accompagnement")
    expect_status(page, "En cours")
    click_step(page, "Préparer la sortie")
    expect_status(page, "Sortie en cours")
    expect(page.get_by_text("Statut : Sortie en cours.")).to_be_visible()

    page.get_by_role("link", name="Clôturer", exact=True).click()
    expect(page.get_by_role("heading", name="Questionnaire de sortie")).to_be_visible()
    assert_basic_accessibility(page)
    field(page, "Date de sortie").fill(iso(exit_date))
    field(page, "Motif de sortie").select_option(label="Emploi ou formation obtenu")
    field(page, "Situation de la personne à la sortie").select_option(
        label="Emploi durable (CDI, CDD de 6 mois ou plus)"
    )
    field(page, "Permis ou code obtenu").check()
    page.get_by_role("button", name="Clôturer l'accompagnement").click()

    expect(page.get_by_text("les suivis à 3 et 6 mois sont planifiés")).to_be_visible()
    expect_status(page, "Clôturé")
    follow_ups = page.get_by_role("region", name="Suivis post-sortie")
    expect(follow_ups).to_contain_text(
        f"Suivi à 3 mois — prévu le {french(exit_date + relativedelta(months=3))}"
    )
    expect(follow_ups).to_contain_text(
        f"Suivi à 6 mois — prévu le {french(exit_date + relativedelta(months=6))}"
    )

    # --- Follow-ups at +3 and +6 months (both due already) ----------------------------------
    for kind, day, situation in (
        ("Suivi à 3 mois", call_3, "Emploi durable (CDI, CDD de 6 mois ou plus)"),
        ("Suivi à 6 mois", call_6, "Emploi durable (CDI, CDD de 6 mois ou plus)"),
    ):
        page.get_by_role("paragraph").filter(has_text=f"{kind} à faire").get_by_role(
            "link", name="renseigner le suivi"
        ).click()
        expect(page.get_by_role("heading", name=kind)).to_be_visible()
        assert_basic_accessibility(page)
        field(page, "Date du contact").fill(iso(day))
        page.get_by_role("group", name="La personne a-t-elle été jointe ?").get_by_label(
            "Oui"
        ).check()
        field(page, "Situation de la personne").select_option(label=situation)
        field(page, "Commentaire").fill("Toujours en poste.")
        page.get_by_role("button", name="Enregistrer le suivi").click()
        expect(page.get_by_text(f"{kind} enregistré.")).to_be_visible()
        expect(follow_ups).to_contain_text(f"fait le {french(day)}")

    expect_status(page, "Suivi post-sortie")
    expect(page.get_by_text("renseigner le suivi")).to_have_count(0)
    assert list(
        FollowUp.objects.filter(case=case).order_by("kind").values_list("kind", "done_on")
    ) == [(FollowUp.Kind.MONTH_3, call_3), (FollowUp.Kind.MONTH_6, call_6)]
    case.refresh_from_db()
    assert (case.status, case.closed_on) == (CaseStatus.FOLLOW_UP, exit_date)

    # --- The history lists every step -------------------------------------------------------
    tabs.get_by_role("link", name="Historique").click()
    expect(page.get_by_role("heading", name="Historique")).to_be_visible()
    assert_basic_accessibility(page)
    timeline = page.locator("ol.timeline")
    for step in (
        "Ouverture (Accueil)",
        "Statut : Accueil → Diagnostic",
        "Statut : Diagnostic → Plan d'action",
        "Statut : Plan d'action → En cours",
        "Statut : En cours → Sortie en cours",
        "Statut : Sortie en cours → Clôturé",
        "Statut : Clôturé → Suivi post-sortie",
        "Diagnostic d'entrée",
        "Monter le dossier d'aide au permis",
        "Questionnaire de sortie",
        "Suivi à 3 mois",
        "Suivi à 6 mois",
    ):
        expect(timeline).to_contain_text(step)
    expect(timeline).to_contain_text(french(exit_date))
