"""The personal data world: Zorglub and Quetzal, two people of platform A with everything a
platform may hold about them, who met at the same vélo-école workshop."""

import datetime as dt

import pytest

from tests.cases.factories import WorkshopFactory
from tests.vehicles.factories import VehicleFactory

from .world import at, person_with_everything


@pytest.fixture
def workshop(alice, bob):
    return WorkshopFactory(
        organization=alice.organization, coach=bob, starts_at=at(160), title="Vélo-école"
    )


@pytest.fixture
def ebike(alice):
    return VehicleFactory(organization=alice.organization, code="VAE-01")


@pytest.fixture
def zorglub(alice, remi, workshop, ebike):
    return person_with_everything(
        advisor=alice,
        referrer=remi,
        workshop=workshop,
        vehicle=ebike,
        token="Zorglub",
        phone="06 11 22 33 44",
        birth_date=dt.date(1971, 2, 3),
    )


@pytest.fixture
def quetzal(alice, remi, workshop, ebike):
    return person_with_everything(
        advisor=alice,
        referrer=remi,
        workshop=workshop,
        vehicle=ebike,
        token="Quetzal",
        phone="07 99 88 77 66",
        birth_date=dt.date(1983, 9, 28),
    )
