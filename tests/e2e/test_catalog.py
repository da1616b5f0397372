"""Browser journeys of the catalogue: the public finds the aids of a commune without logging
in; an advisor sees the aids a person matches and starts an application from one."""

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from cases.models import AidApplication, Beneficiary, Case
from tests.cases.factories import BeneficiaryFactory, CaseFactory
from tests.catalog.factories import AidFactory
from tests.catalog.world import build_places


@pytest.fixture
def places(db):
    return build_places()


@pytest.fixture
def aids(places):
    return {
        "permis": AidFactory(
            name="Aide régionale au permis B", coverage=[places.hdf], min_age=18, max_age=30,
            licence_statuses=["none", "learning_code", "code_obtained"],
            provider_name="Région Hauts-de-France", amount_text="Jusqu'à 1 000 €",
            how_to_apply="Dossier en ligne avec votre conseiller·e.",
        ),
        "bus": AidFactory(
            name="Abonnement solidaire aux transports", coverage=[places.mel],
            required_benefits=["rsa", "ass", "aah"],
        ),
        "garage": AidFactory(name="Garage solidaire de l'Artois", coverage=[places.arras_cu]),
    }  # fmt: skip


def test_a_visitor_finds_the_aids_of_their_commune_without_logging_in(page, aids):
    page.goto("/aides/")
    page.get_by_label("Commune").fill("Lil")
    page.get_by_role("button", name="Voir les aides").click()
    # An incomplete name gives suggestions, never an error.
    expect(page.get_by_role("heading", name="Quelle commune ?")).to_be_visible()
    page.get_by_role("link", name="Lille", exact=True).click()
    expect(page).to_have_url(re.compile(r"commune=59350"))
    page.wait_for_load_state("networkidle")

    expect(
        page.get_by_role("heading", name=re.compile("2 aides et services à Lille"))
    ).to_be_visible()
    expect(page.get_by_text("Garage solidaire de l'Artois")).to_have_count(0)

    page.get_by_label("Âge").fill("22")
    page.get_by_label("Perçoit le RSA").check()
    page.get_by_role("button", name="Voir les aides").click()
    expect(page.get_by_text("Âge : 22 ans (de 18 à 30 ans)")).to_be_visible()
    expect(page).to_have_url(re.compile(r"commune=59350.*age=22"))

    page.get_by_role("link", name="Aide régionale au permis B").click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_role("heading", name="Comment faire la demande ?")).to_be_visible()
    expect(page.get_by_text("Dossier en ligne avec votre conseiller·e.")).to_be_visible()
    page.get_by_role("link", name="← Retour aux aides").click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_text("Âge : 22 ans (de 18 à 30 ans)")).to_be_visible()


def test_an_advisor_starts_an_application_from_a_matching_aid(page, sign_in, alice, aids, places):
    today = dt.date.today()
    person = BeneficiaryFactory(
        organization=alice.organization, first_name="Karima", last_name="Benali",
        commune=places.roubaix, birth_date=today.replace(year=today.year - 24),
        driving_licence=Beneficiary.DrivingLicence.CODE_OBTAINED,
    )  # fmt: skip
    case = CaseFactory(beneficiary=person, advisor=alice, status=Case.Status.IN_PROGRESS)

    sign_in(alice)
    page.goto(f"/accompagnements/{case.id}/aides/")
    page.wait_for_load_state("networkidle")
    expect(page.get_by_role("heading", name="Aides du catalogue pour Karima")).to_be_visible()
    expect(page.get_by_text("Permis : code obtenu")).to_be_visible()
    page.get_by_role("button", name="Préparer une demande : Aide régionale au permis B").click()

    expect(page.get_by_text("Demande « Aide régionale au permis B » préparée")).to_be_visible()
    application = AidApplication.objects.get(case=case)
    assert application.aid == aids["permis"]
    assert application.funder_name == "Région Hauts-de-France"
