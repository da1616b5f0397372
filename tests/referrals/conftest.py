"""The referral world: two real-looking territories, each covered by one platform, and a second
referrer organisation (a Mission locale, with Lucie) next to Rémi's France Travail agency."""

import datetime as dt

import pytest
from django.utils import timezone

from cases.models import Barrier
from organizations.models import Membership, Territory
from tests import factories
from tests.conftest import _member

from .factories import ReferralFactory

Level = Territory.Level


@pytest.fixture
def territories(db) -> dict[str, Territory]:
    region = Territory.objects.create(level=Level.REGION, code="32", name="Hauts-de-France")
    nord = Territory.objects.create(
        level=Level.DEPARTEMENT, code="59", name="Nord", region=region, parent=region
    )
    pdc = Territory.objects.create(
        level=Level.DEPARTEMENT, code="62", name="Pas-de-Calais", region=region, parent=region
    )
    mel = Territory.objects.create(
        level=Level.EPCI,
        code="200093201",
        name="Métropole Européenne de Lille",
        region=region,
        departement=nord,
    )
    cua = Territory.objects.create(
        level=Level.EPCI, code="200033579", name="CU d'Arras", region=region, departement=pdc
    )

    def commune(code, name, postcodes, epci, departement):
        return Territory.objects.create(
            level=Level.COMMUNE,
            code=code,
            name=name,
            postcodes=postcodes,
            epci=epci,
            departement=departement,
            region=region,
            parent=epci,
        )

    return {
        "mel": mel,
        "cua": cua,
        "lille": commune("59350", "Lille", "59000", mel, nord),
        "roubaix": commune("59512", "Roubaix", "59100", mel, nord),
        "arras": commune("62041", "Arras", "62000", cua, pdc),
    }


@pytest.fixture(autouse=True)
def _coverage(request, db):
    """Platform A covers the Lille metropolis, platform B the Arras urban community."""
    if "territories" not in request.fixturenames:
        return
    places = request.getfixturevalue("territories")
    if "platform_a" in request.fixturenames:
        request.getfixturevalue("platform_a").coverage.add(places["mel"])
    if "platform_b" in request.fixturenames:
        request.getfixturevalue("platform_b").coverage.add(places["cua"])


@pytest.fixture
def mission_locale(db):
    return factories.OrganizationFactory(
        name="Mission locale de l'Arrageois", slug="ml-arras", referrer=True
    )


@pytest.fixture
def lucie(mission_locale) -> Membership:
    return _member("lucie@ml.example.org", "Lucie", mission_locale, Membership.Role.REFERRER)


@pytest.fixture
def no_licence(db) -> Barrier:
    return Barrier.objects.get(organization=None, code="no-licence")


@pytest.fixture
def childcare(db) -> Barrier:
    return Barrier.objects.get(organization=None, code="childcare")


@pytest.fixture
def sent_referral(remi, alice, territories):
    """Rémi sent Camille Dubois (Lille) to platform A two days ago."""
    return ReferralFactory(
        sender=remi,
        organization=alice.organization,
        commune=territories["lille"],
        status="sent",
        sent_at=timezone.now() - dt.timedelta(days=2),
    )
