"""Browser journeys: Playwright driving Debian's Chromium against Django's live server.

A pytest plugin (loaded by tests/conftest.py) so that every suite shares one browser per worker:
Playwright's sync API cannot run twice at once in a thread.
"""

import os
import re
import shutil

import pytest
from playwright.sync_api import expect

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# A loaded CI machine (2 cores, two test workers) can take longer than Playwright's 5 s.
expect.set_options(timeout=15_000)

# Playwright's sync API runs an event loop in this thread; the ORM calls our fixtures make
# happen between browser steps, never concurrently with them.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium de Debian introuvable ({CHROMIUM}) : apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(
        locale="fr-FR", timezone_id="Europe/Paris", base_url=live_server.url
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def sign_in(page):
    """``sign_in(membership)`` logs in through the real login form and waits to leave it.

    A member who must use two-factor authentication gets a confirmed TOTP device first; when
    the code is asked for, the code the device shows now is typed.
    """

    from organizations.two_factor import user_requires_two_factor
    from tests.factories import DEFAULT_PASSWORD
    from tests.otp import confirmed_device

    def _sign_in(membership):
        user = membership.user
        device = confirmed_device(user) if user_requires_two_factor(user) else None
        page.goto("/compte/connexion/")
        page.get_by_label("Adresse e-mail").fill(user.email)
        page.get_by_label("Mot de passe").fill(DEFAULT_PASSWORD)
        page.get_by_role("button", name="Se connecter").click()
        expect(page).not_to_have_url(re.compile(r"/compte/connexion/"))
        if "/compte/double-authentification/" in page.url:
            type_two_factor_code(page, device or confirmed_device(user))
        page.wait_for_load_state("networkidle")

    return _sign_in


def type_two_factor_code(page, device) -> None:
    """Type the code the device shows now on the code page, and wait to leave it."""
    from tests.otp import current_code

    page.get_by_label("Code de vérification").fill(current_code(device))
    page.get_by_role("button", name="Valider").click()
    expect(page).not_to_have_url(re.compile(r"/compte/double-authentification/"))
