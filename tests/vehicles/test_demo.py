"""The demo fleet: loans in every state on each demo platform, never double-booked."""

import random

import pytest
from django.urls import reverse

from organizations import demo
from organizations.models import Membership
from tests.conftest import client_for
from tests.organizations.test_seed_demo import demo_territories  # noqa: F401 - fixture
from vehicles.demo import seed_vehicles
from vehicles.models import (
    Incident,
    Inspection,
    Loan,
    MaintenanceRecord,
    SolidarityPricing,
    Vehicle,
    WaitingListEntry,
)


@pytest.fixture
def seeded(demo_territories):  # noqa: F811 - the fixture imported above
    demo.run_demo_steps(seed=7, size="small")
    return list(demo.demo_platforms().order_by("slug"))


def test_each_demo_platform_gets_a_fleet_with_loans_in_every_state(seeded):
    for platform in seeded:
        loans = Loan.objects.for_organization(platform)
        assert Vehicle.objects.for_organization(platform).count() >= 8
        assert set(loans.values_list("status", flat=True)) == set(Loan.Status.values)
        assert Inspection.objects.filter(organization=platform, kind="check_in").exists()
        assert Incident.objects.for_organization(platform).exists()
        assert MaintenanceRecord.objects.for_organization(platform).filter(end_date=None).exists()
        assert WaitingListEntry.objects.for_organization(platform).waiting().exists()
    assert SolidarityPricing.objects.exists()


def test_the_demo_fleet_is_never_double_booked(seeded):
    by_vehicle = {}
    for loan in Loan.objects.blocking().order_by("vehicle_id", "start_date"):
        previous = by_vehicle.get(loan.vehicle_id)
        assert previous is None or previous.end_date <= loan.start_date, (previous, loan)
        by_vehicle[loan.vehicle_id] = loan


def test_the_demo_is_deterministic_for_a_seed(seeded):
    codes = sorted(Vehicle.objects.values_list("code", "plate", "odometer_km"))
    Loan.objects.all().delete()
    Vehicle.objects.all().delete()

    seed_vehicles(rng=random.Random("7:vehicles.demo.seed_vehicles"), size="small")

    assert sorted(Vehicle.objects.values_list("code", "plate", "odometer_km")) == codes


def test_the_fleet_pages_open_on_the_demo_data(seeded):
    admin = Membership.objects.filter(organization=seeded[0], role="admin").first()
    client = client_for(admin)
    overdue = Loan.objects.for_organization(seeded[0]).filter(status="overdue").first()

    for path in (
        reverse("vehicles:vehicle_list"),
        reverse("vehicles:planning"),
        reverse("vehicles:utilisation"),
        reverse("vehicles:waiting_list"),
        reverse("vehicles:loan_detail", args=[overdue.pk]),
        reverse("vehicles:vehicle_detail", args=[overdue.vehicle_id]),
    ):
        assert client.get(path).status_code == 200, path
