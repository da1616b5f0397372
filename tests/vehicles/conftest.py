"""The fleet of the test world: Alice's platform lends e-bikes and cars to Hélène."""

import datetime as dt

import pytest

from cases.models import Beneficiary, Case
from tests.cases.factories import BeneficiaryFactory, CaseFactory
from tests.vehicles.factories import VehicleFactory, days


@pytest.fixture
def helene(alice) -> Beneficiary:
    return BeneficiaryFactory(
        organization=alice.organization,
        first_name="Hélène",
        last_name="Lefèvre",
        birth_date=dt.date(1991, 4, 2),
        driving_licence=Beneficiary.DrivingLicence.LICENCE_B,
        email="helene@example.org",
    )


@pytest.fixture
def case(alice, helene) -> Case:
    return CaseFactory(
        beneficiary=helene, advisor=alice, status=Case.Status.IN_PROGRESS, opened_on=days(-40)
    )


@pytest.fixture
def ebike(alice):
    return VehicleFactory(organization=alice.organization, code="VAE-01")


@pytest.fixture
def car(alice):
    return VehicleFactory(organization=alice.organization, code="VL-01", car=True)


@pytest.fixture
def other_case(chloe) -> Case:
    return CaseFactory(organization=chloe.organization, status=Case.Status.IN_PROGRESS)


@pytest.fixture
def other_vehicle(chloe):
    return VehicleFactory(organization=chloe.organization, code="VAE-B1")
