"""Browser journeys of the foundation: every role signs in through the form and lands on its
own home page; another platform's file is a French 404; a wrong password gets a French error;
the pages pass basic accessibility checks."""

import re

import pytest
from playwright.sync_api import expect

from tests.cases.factories import BeneficiaryFactory, CaseFactory
from tests.e2e.accessibility import assert_basic_accessibility
from tests.factories import DEFAULT_PASSWORD


@pytest.mark.parametrize(
    ("member", "heading", "landmark"),
    [
        ("adele", "Tableau de bord de la plateforme", "Membres actifs"),
        ("alice", "Mon espace conseiller·e", "Mes collègues"),
        ("bob", "Mon espace formateur·rice", "Lieux des séances"),
        ("remi", "Orienter vers une plateforme de mobilité", "France Travail Lille Centre"),
        ("fanny", "Mes conventions de financement", "Toutes vos conventions"),
    ],
)
def test_each_role_signs_in_and_lands_on_its_home_page(
    request, page, sign_in, member, heading, landmark
):
    membership = request.getfixturevalue(member)

    sign_in(membership)

    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    expect(page.get_by_role("heading", name=landmark).first).to_be_visible()
    expect(page.get_by_role("banner")).to_contain_text(membership.organization.name)
    expect(page.get_by_role("banner")).to_contain_text(membership.get_role_display())
    assert_basic_accessibility(page)


def test_an_advisor_opening_another_platforms_case_gets_the_french_not_found_page(
    page, sign_in, alice, chloe
):
    person = BeneficiaryFactory(
        organization=chloe.organization, first_name="Jordan", last_name="Vasseur"
    )
    other_case = CaseFactory(beneficiary=person, advisor=chloe)
    sign_in(alice)

    response = page.goto(f"/accompagnements/{other_case.id}/")

    assert response is not None and response.status == 404
    expect(page).to_have_title("Page introuvable · Mobicase")
    expect(page.get_by_role("heading", level=1)).to_have_text("Page introuvable")
    expect(
        page.get_by_text("vous n'y avez pas accès depuis l'organisation en cours")
    ).to_be_visible()
    expect(page.get_by_text("Vasseur")).to_have_count(0)
    expect(page.get_by_role("link", name="Revenir à l'accueil")).to_be_visible()
    assert_basic_accessibility(page)


def test_a_wrong_password_shows_a_french_error_and_keeps_the_email(page, alice):
    page.goto("/compte/connexion/")
    page.get_by_label("Adresse e-mail").fill(alice.user.email)
    page.get_by_label("Mot de passe").fill("pas-le-bon-mot-de-passe")
    page.get_by_role("button", name="Se connecter").click()

    expect(page.get_by_role("alert")).to_contain_text("Adresse e-mail ou mot de passe incorrect.")
    expect(page).to_have_url(re.compile(r"/compte/connexion/"))
    expect(page.get_by_label("Adresse e-mail")).to_have_value(alice.user.email)
    expect(page.get_by_label("Mot de passe")).to_have_value("")
    expect(page.get_by_role("button", name="Se déconnecter")).to_have_count(0)


def test_the_skip_link_is_the_first_stop_of_the_keyboard_and_shows_when_focused(
    page, sign_in, alice
):
    sign_in(alice)
    page.goto("/")
    skip_link = page.get_by_role("link", name="Aller au contenu")
    assert skip_link.bounding_box()["y"] < 0  # off screen until focused

    page.keyboard.press("Tab")

    expect(skip_link).to_be_focused()
    assert skip_link.bounding_box()["y"] >= 0
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#contenu$"))
    expect(page.get_by_role("main")).to_be_focused()


def test_the_login_page_is_french_and_focuses_the_email_field(page, db):
    page.goto("/compte/connexion/")

    assert_basic_accessibility(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Connexion")
    expect(page.get_by_label("Adresse e-mail")).to_be_focused()
    expect(page.get_by_role("link", name="Mot de passe oublié ?")).to_be_visible()


def test_an_anonymous_visitor_is_sent_to_the_login_form_then_back(page, alice):
    page.goto("/accompagnements/")

    expect(page).to_have_url(re.compile(r"/compte/connexion/\?next=/accompagnements/"))
    page.get_by_label("Adresse e-mail").fill(alice.user.email)
    page.get_by_label("Mot de passe").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()

    expect(page).to_have_url(re.compile(r"/accompagnements/$"))
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert_basic_accessibility(page)
