"""The whole referral in a browser: Rémi sends, Alice accepts and opens the case, Rémi sees it."""

import re

import pytest

from cases.models import Case
from referrals.models import Referral, ReferralStatus

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def sign_out(page):
    page.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_load_state("networkidle")


def test_a_referrer_sends_the_platform_accepts_and_the_referrer_sees_it(
    page,
    sign_in,
    remi,
    alice,
    territories,
):
    sign_in(remi)
    page.goto("/prescriptions/orienter/")
    page.get_by_label("Commune où habite la personne").fill("59350")
    page.get_by_role("button", name="Chercher les plateformes").click()
    page.get_by_role("link", name="Orienter vers Mobilité Solidaire Lille").click()
    page.get_by_label(re.compile(r"^Prénom\b")).fill("Nour")
    page.get_by_label(re.compile(r"^Nom\b")).fill("Haddad")
    page.get_by_label(re.compile(r"^Téléphone\b")).fill("06 11 22 33 44")
    page.get_by_label(re.compile(r"^Objectif\b")).fill("Prendre son poste en logistique à 5 h.")
    page.get_by_label(re.compile("^J'atteste que")).check()
    page.get_by_role("button", name="Envoyer la prescription").click()
    page.get_by_role("heading", name="Prescription envoyée").wait_for()
    assert Referral.objects.get().status == ReferralStatus.SENT
    sign_out(page)

    sign_in(alice)
    page.goto("/prescriptions/recues/")
    page.get_by_role("link", name="HADDAD Nour").click()
    page.get_by_role("link", name="Accepter", exact=True).click()
    page.get_by_role("button", name="Accepter et ouvrir l'accompagnement").click()
    page.get_by_role("heading", name="Nour HADDAD").wait_for()
    assert Case.objects.get().origin == Case.Origin.REFERRAL
    sign_out(page)

    sign_in(remi)
    page.goto("/prescriptions/envoyees/")
    row = page.get_by_role("row", name=re.compile("Nour HADDAD"))
    assert "Acceptée" in row.inner_text()
