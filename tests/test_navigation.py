"""The main navigation shows each role its entries and marks the page it is on."""

import pytest
from django.urls import reverse

from tests.cases.factories import CaseFactory


def nav_labels(response) -> list[str]:
    return [entry["label"] for entry in response.context["main_nav"]]


def current_labels(response) -> list[str]:
    return [entry["label"] for entry in response.context["main_nav"] if entry["current"]]


@pytest.mark.django_db
def test_an_advisor_sees_the_pages_of_her_work_and_not_the_admin_ones(alice, login):
    response = login(alice).get(reverse("home"))

    labels = nav_labels(response)
    assert {"Personnes accompagnées", "À faire", "Prescriptions", "Ateliers"} <= set(labels)
    assert "Membres" not in labels
    assert current_labels(response) == ["Accueil"]


@pytest.mark.django_db
def test_a_coach_sees_his_sessions_but_not_the_case_list(bob, login):
    labels = nav_labels(login(bob).get(reverse("home")))

    assert "Mes séances" in labels
    assert "Personnes accompagnées" not in labels


@pytest.mark.django_db
def test_a_referrer_and_a_funder_see_their_own_entries(remi, fanny, login):
    referrer = nav_labels(login(remi).get(reverse("home")))
    funder = nav_labels(login(fanny).get(reverse("home")))

    assert {"Orienter une personne", "Mes prescriptions"} <= set(referrer)
    assert "Personnes accompagnées" not in referrer
    assert funder == ["Accueil", "Mes conventions", "Observatoire"]
    assert "Observatoire" in referrer


@pytest.mark.django_db
def test_a_case_tab_served_by_another_app_stays_under_the_case_list(alice, login):
    case = CaseFactory(beneficiary__organization=alice.organization)

    response = login(alice).get(reverse("vehicles:case_loans", args=[case.pk]))

    assert response.status_code == 200
    assert current_labels(response) == ["Personnes accompagnées"]
