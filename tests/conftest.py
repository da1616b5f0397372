"""The test world of STYLE.md and the safety nets every test runs under.

Alice (advisor) and Bob (coach) work at platform A, Chloé (advisor) at platform B; Rémi refers
people from a France Travail agency; Fanny reads figures for the Département (a funder).
Each platform also has an admin (Adèle at A, Basile at B).
"""

import importlib

import pytest
from django.conf import settings
from django.test import Client

from organizations.models import Membership, Organization
from tests import factories

pytest_plugins = ["tests.browser", "tests.security.report"]

Role = Membership.Role


class InvalidTemplateVariable(str):
    """Fail the test that renders an undefined template variable."""

    def __mod__(self, other):
        raise AssertionError(f"Variable de gabarit indéfinie : {other!r}")

    def __bool__(self) -> bool:
        return False


def pytest_configure(config) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.SECURE_SSL_REDIRECT = False
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    settings.SECURE_HSTS_SECONDS = 0
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    settings.TEMPLATES[0]["OPTIONS"]["string_if_invalid"] = InvalidTemplateVariable("%s")
    settings.AXES_ENABLED = True
    # Rate-limit counters in memory, emptied before each test (see _empty_cache).
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """Reload what the data migrations created once a transactional test has flushed it.

    Transactional tests (the live server of browser journeys, concurrency tests) empty every
    table when their fixtures are torn down; the tests after them expect the default taxonomy
    and the FSE+ indicator list.
    """
    yield
    if nextitem is None:
        return  # the session is over: the test database is already gone
    marker = item.get_closest_marker("django_db")
    transactional = bool(
        {"transactional_db", "live_server"} & set(getattr(item, "fixturenames", ()))
        or (marker and (marker.kwargs.get("transaction") or marker.args[:1] == (True,)))
    )
    if not transactional:
        return
    from django.apps import apps
    from pytest_django.plugin import blocking_manager_key

    from reporting.fse_reference import load_indicators

    migration = importlib.import_module("cases.migrations.0002_default_taxonomy")
    with item.config.stash[blocking_manager_key].unblock():
        migration.load_defaults(apps, None)
        load_indicators(apps)


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _empty_cache():
    """Start each test with no rate-limit count left by another."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def platform_a(db) -> Organization:
    return factories.OrganizationFactory(name="Mobilité Solidaire Lille", slug="msl")


@pytest.fixture
def platform_b(db) -> Organization:
    return factories.OrganizationFactory(name="Roule Ma Poule Arras", slug="rmp")


@pytest.fixture
def france_travail(db) -> Organization:
    return factories.OrganizationFactory(
        name="France Travail Lille Centre", slug="ft-lille", referrer=True
    )


@pytest.fixture
def departement(db) -> Organization:
    return factories.OrganizationFactory(name="Département du Nord", slug="cd59", funder=True)


def _member(email: str, first_name: str, organization: Organization, role: str) -> Membership:
    user = factories.UserFactory(email=email, first_name=first_name, last_name="Test")
    return factories.MembershipFactory(user=user, organization=organization, role=role)


@pytest.fixture
def alice(platform_a) -> Membership:
    return _member("alice@msl.example.org", "Alice", platform_a, Role.ADVISOR)


@pytest.fixture
def bob(platform_a) -> Membership:
    return _member("bob@msl.example.org", "Bob", platform_a, Role.COACH)


@pytest.fixture
def adele(platform_a) -> Membership:
    return _member("adele@msl.example.org", "Adèle", platform_a, Role.ADMIN)


@pytest.fixture
def chloe(platform_b) -> Membership:
    return _member("chloe@rmp.example.org", "Chloé", platform_b, Role.ADVISOR)


@pytest.fixture
def basile(platform_b) -> Membership:
    return _member("basile@rmp.example.org", "Basile", platform_b, Role.ADMIN)


@pytest.fixture
def remi(france_travail) -> Membership:
    return _member("remi@ft.example.org", "Rémi", france_travail, Role.REFERRER)


@pytest.fixture
def fanny(departement) -> Membership:
    return _member("fanny@cd59.example.org", "Fanny", departement, Role.FUNDER)


def client_for(membership: Membership) -> Client:
    """Return a test client logged in as the membership's user, in its organisation.

    A member who must use two-factor authentication gets a confirmed TOTP device; whoever has
    one gets a session that has passed the code, as after a real login.
    """
    from django_otp import DEVICE_ID_SESSION_KEY

    from organizations.two_factor import has_two_factor, user_requires_two_factor
    from tests.otp import confirmed_device

    client = Client()
    client.force_login(membership.user)
    session = client.session
    session["current_organization_id"] = str(membership.organization_id)
    user = membership.user
    if user_requires_two_factor(user) or has_two_factor(user):
        session[DEVICE_ID_SESSION_KEY] = confirmed_device(user).persistent_id
    session.save()
    return client


@pytest.fixture
def login():
    """``login(alice)`` returns a client logged in as Alice, working for her organisation."""
    return client_for
