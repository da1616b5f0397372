"""Browser journeys of two-factor authentication: a platform admin enrols at first login, then
signs in with a code; pages run under the Content Security Policy without any violation."""

import re

from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from tests.browser import type_two_factor_code
from tests.e2e.accessibility import assert_basic_accessibility
from tests.factories import DEFAULT_PASSWORD
from tests.otp import current_code


def collect_csp_violations(page) -> list[str]:
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return violations


def test_a_platform_admin_enrols_at_first_login_then_signs_in_with_a_code(page, adele):
    violations = collect_csp_violations(page)
    page.goto("/compte/connexion/")
    page.get_by_label("Adresse e-mail").fill(adele.user.email)
    page.get_by_label("Mot de passe").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()

    expect(page).to_have_url(re.compile(r"/compte/double-authentification/activer/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Activer la double authentification")
    expect(page.get_by_role("img", name=re.compile("QR code"))).to_be_visible()
    assert_basic_accessibility(page)
    page.get_by_label("Code de vérification").fill("000000")
    page.get_by_role("button", name="Activer").click()
    expect(page.get_by_text("Ce code n'est pas le bon")).to_be_visible()

    device = TOTPDevice.objects.get(user=adele.user)
    page.get_by_label("Code de vérification").fill(current_code(device))
    page.get_by_role("button", name="Activer").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Codes de secours")
    expect(page.get_by_role("list", name="Vos codes de secours").locator("li")).to_have_count(10)
    page.get_by_role("link", name="J'ai noté mes codes, continuer").click()
    page.get_by_role("button", name="Se déconnecter").click()

    page.get_by_label("Adresse e-mail").fill(adele.user.email)
    page.get_by_label("Mot de passe").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Code de vérification")
    assert_basic_accessibility(page)
    type_two_factor_code(page, device)

    expect(page.get_by_role("heading", level=1)).to_have_text("Tableau de bord de la plateforme")
    assert violations == []


def test_the_main_pages_and_the_api_docs_run_without_csp_violations(page, sign_in, alice):
    violations = collect_csp_violations(page)
    sign_in(alice)

    for path in ("/", "/accompagnements/", "/aides/", "/compte/profil/", "/api/docs/"):
        page.goto(path)
        page.wait_for_load_state("networkidle")
    page.goto("/api/redoc/")
    expect(page.get_by_text("API Mobicase").first).to_be_visible()

    # ReDoc's bundle hard-codes Redocly's logo from their CDN: the policy blocks that request,
    # as it must (nothing is loaded from a third party); it is the only report allowed.
    blocked_cdn_logo = [v for v in violations if "https://cdn.redoc.ly/" in v]
    assert [v for v in violations if v not in blocked_cdn_logo] == []
