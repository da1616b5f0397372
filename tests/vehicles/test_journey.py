"""Browser journey (Playwright + Debian Chromium): an advisor reserves an e-bike for a case,
hands it over with an inspection and the contract PDF, extends the loan, and takes the bike back
with a damage noted."""

import re

import pytest
from playwright.sync_api import expect

from tests.vehicles.factories import AccessoryFactory, days, today
from vehicles.models import Loan

pytestmark = pytest.mark.e2e


def test_an_advisor_lends_an_ebike_from_reservation_to_return(
    page,
    sign_in,
    alice,
    case,
    ebike,
):
    AccessoryFactory(organization=alice.organization, vehicle=ebike, label="Antivol U")
    sign_in(alice)

    page.goto(f"/accompagnements/{case.pk}/prets/")
    expect(page.get_by_role("link", name="Prêts de véhicules")).to_have_attribute(
        "aria-current", "page"
    )
    page.get_by_role("link", name="Réserver un véhicule").click()
    page.get_by_label("Type de véhicule").select_option("e_bike")
    page.get_by_label("Départ le").fill(today().isoformat())
    page.get_by_label("Retour prévu le").fill(days(14).isoformat())
    page.get_by_role("button", name="Voir les véhicules libres").click()
    page.get_by_role("radio", name=re.compile("VAE-01")).check()
    page.get_by_role("checkbox", name=re.compile("Antivol U")).check()
    page.get_by_role("button", name="Réserver").click()
    expect(page.get_by_text("VAE-01 réservé du")).to_be_visible()

    page.get_by_role("link", name="Remettre le véhicule").click()
    expect(page.get_by_text("La caution de 150,00 € n'a pas été encaissée.")).to_have_count(0)
    page.get_by_label("Compteur (km)").fill("1205")
    page.get_by_label("Niveau de charge de la batterie").select_option("100")
    page.get_by_label("Garde-boue et porte-bagages").check()
    page.get_by_label(re.compile("Caution de 150,00 € reçue")).check()
    page.get_by_role("button", name="Remettre le véhicule").click()
    expect(page.get_by_text("Véhicule remis.")).to_be_visible()

    with page.expect_download() as download:
        page.get_by_role("link", name="Contrat de prêt (PDF)").click()
    with open(download.value.path(), "rb") as pdf:
        assert pdf.read(4) == b"%PDF"

    page.get_by_role("link", name="Prolonger").click()
    page.get_by_label("Nouvelle date de retour").fill(days(21).isoformat())
    page.get_by_label("Motif").fill("Période d'essai renouvelée")
    page.get_by_role("button", name="Prolonger").click()
    expect(page.get_by_text(f"retour le {days(21):%d/%m/%Y}")).to_be_visible()
    with page.expect_download() as amended:  # the contract is printed again with its amendment
        page.get_by_role("link", name="Contrat de prêt (PDF)").click()
    assert amended.value.suggested_filename.endswith(".pdf")

    page.get_by_role("link", name="Enregistrer le retour").click()
    page.get_by_label("Compteur (km)").fill("1262")
    page.get_by_label("Niveau de charge de la batterie").select_option("25")
    page.get_by_label("Freins").check()
    page.get_by_role("button", name="Enregistrer le retour").click()

    expect(page.get_by_text("Retour du véhicule enregistré.")).to_be_visible()
    expect(page.get_by_text("Nouveaux dégâts : Freins.")).to_be_visible()
    expect(page.get_by_text("57 km parcourus.")).to_be_visible()
    loan = Loan.objects.get()
    assert (loan.status, loan.end_date) == (Loan.Status.RETURNED, days(21))
    assert loan.contract.name.endswith(".pdf")
