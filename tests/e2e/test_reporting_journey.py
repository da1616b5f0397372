"""Browser journeys of reporting: the demo's funder opens an agreement and downloads its
activity report; the observatory opens for everyone, small counts hidden."""

import re

import pytest
from playwright.sync_api import expect

from organizations import demo
from organizations.models import FundingAgreement, Membership
from tests.e2e.accessibility import assert_basic_accessibility
from tests.organizations.test_seed_demo import demo_territories  # noqa: F401 - fixture
from tests.reporting.pdfcheck import is_pdf_a_3b, text_of


@pytest.fixture
def demo_world(demo_territories):  # noqa: F811 - the fixture imported above
    demo.run_demo_steps(seed=42, size="small")


def sign_in_with_demo_password(page, email: str) -> None:
    page.goto("/compte/connexion/")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(demo.DEMO_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page).not_to_have_url(re.compile(r"/compte/connexion/"))


def test_the_demo_funder_opens_an_agreement_and_downloads_its_report(page, demo_world, tmp_path):
    funder = Membership.objects.select_related("user", "organization").get(
        organization__slug=demo.FOUNDATION_FUNDER["slug"], role=Membership.Role.FUNDER
    )
    agreement = (
        FundingAgreement.objects.filter(funder=funder.organization, is_fse_plus=False)
        .order_by("-end_date", "programme")
        .first()
    )
    sign_in_with_demo_password(page, funder.user.email)

    page.get_by_role("navigation", name="Navigation principale").get_by_role(
        "link", name="Mes conventions"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mes conventions")
    assert_basic_accessibility(page)
    page.get_by_role("link", name=agreement.programme).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Statistiques")
    expect(page.get_by_text("Secret statistique")).to_be_visible()
    people = page.locator(".key-figures .card").first.locator(".stat").inner_text()
    assert_basic_accessibility(page)

    page.get_by_role("button", name="Produire le bilan d'activité (PDF)").click()
    expect(page.get_by_text("Le bilan est prêt")).to_be_visible()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Télécharger le bilan (PDF)").click()
    pdf = tmp_path / "bilan.pdf"
    download_info.value.save_as(pdf)
    content = pdf.read_bytes()
    assert is_pdf_a_3b(content)
    text = " ".join(text_of(content, tmp_path).replace("\u00a0", " ").split())
    assert agreement.programme in text
    assert "Personnes accompagnées" in text and people.replace("\u00a0", " ") in text


def test_the_observatory_drills_down_from_the_region_and_hides_small_counts(page, demo_world):
    coach = (
        Membership.objects.filter(role=Membership.Role.COACH, user__email__endswith=".test")
        .select_related("user")
        .first()
    )
    sign_in_with_demo_password(page, coach.user.email)
    page.get_by_role("link", name="Observatoire").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Observatoire de la mobilité et de l'insertion"
    )
    page.get_by_role("link", name="Hauts-de-France").click()
    expect(page.get_by_role("heading", name="Région : Hauts-de-France")).to_be_visible()
    page.get_by_role("link", name="Nord", exact=True).click()
    expect(page.get_by_role("heading", name="Département : Nord")).to_be_visible()
    assert_basic_accessibility(page)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Télécharger (CSV)").click()
    assert (
        download_info.value.suggested_filename
        == "observatoire-59-" + page.url.split("year=")[1][:4] + ".csv"
    )
