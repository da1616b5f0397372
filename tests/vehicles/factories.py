"""factory_boy factories for the fleet and its loans."""

import datetime as dt
from decimal import Decimal

import factory
from django.utils import timezone

from tests.cases.factories import CaseFactory
from tests.factories import FundingAgreementFactory, OrganizationFactory
from vehicles.models import (
    Accessory,
    Incident,
    Inspection,
    Loan,
    MaintenancePlan,
    MaintenanceRecord,
    SolidarityPricing,
    Vehicle,
    WaitingListEntry,
)


def today() -> dt.date:
    return timezone.localdate()


def days(n: int) -> dt.date:
    """The day ``n`` days from today (negative: in the past)."""
    return today() + dt.timedelta(days=n)


class VehicleFactory(factory.django.DjangoModelFactory):
    """An insured e-bike; pass ``kind=`` for another vehicle."""

    class Meta:
        model = Vehicle

    organization = factory.SubFactory(OrganizationFactory)
    code = factory.Sequence(lambda n: f"VAE-{n:02d}")
    kind = Vehicle.Kind.E_BIKE
    make = "Moustache"
    model_name = "Samedi 28"
    marking = factory.Sequence(lambda n: f"BIC{n:08d}")
    daily_fee = Decimal("2.00")
    monthly_fee = Decimal("40.00")
    deposit_amount = Decimal("150.00")
    insurer = "MAIF"
    policy_number = "VL-2026-001"
    insurance_expiry = factory.LazyFunction(lambda: days(365))
    odometer_km = 1200

    class Params:
        car = factory.Trait(
            kind=Vehicle.Kind.CAR,
            make="Renault",
            model_name="Clio",
            plate=factory.Sequence(lambda n: f"GH-{n:03d}-KL"),
            marking="",
            daily_fee=Decimal("8.00"),
            monthly_fee=Decimal("150.00"),
            deposit_amount=Decimal("300.00"),
            odometer_km=84000,
        )
        scooter = factory.Trait(
            kind=Vehicle.Kind.SCOOTER,
            make="Peugeot",
            model_name="Kisbee 50",
            plate=factory.Sequence(lambda n: f"AB-{n:03d}-CD"),
            marking="",
            daily_fee=Decimal("4.00"),
        )


class AccessoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Accessory

    organization = factory.SubFactory(OrganizationFactory)
    kind = Accessory.Kind.HELMET
    label = factory.Sequence(lambda n: f"Casque {n}")


class SolidarityPricingFactory(factory.django.DjangoModelFactory):
    """1 € a day for up to 60 days, funded by an agreement of the same platform."""

    class Meta:
        model = SolidarityPricing

    organization = factory.SubFactory(OrganizationFactory)
    agreement = factory.SubFactory(
        FundingAgreementFactory,
        organization=factory.SelfAttribute("..organization"),
        start_date=factory.LazyFunction(lambda: days(-60)),
        end_date=factory.LazyFunction(lambda: days(400)),
    )
    label = "Voiture 1 € par jour"
    daily_fee = Decimal("1.00")
    max_days = 60


class LoanFactory(factory.django.DjangoModelFactory):
    """A reservation written directly (no service): for the state a test starts from."""

    class Meta:
        model = Loan

    vehicle = factory.SubFactory(VehicleFactory)
    organization = factory.SelfAttribute("vehicle.organization")
    case = factory.SubFactory(CaseFactory, organization=factory.SelfAttribute("..organization"))
    start_date = factory.LazyFunction(lambda: days(1))
    end_date = factory.LazyAttribute(lambda o: o.start_date + dt.timedelta(days=14))
    status = Loan.Status.RESERVED
    daily_fee = factory.SelfAttribute("vehicle.daily_fee")
    price_total = factory.LazyAttribute(lambda o: o.daily_fee * (o.end_date - o.start_date).days)


class InspectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Inspection

    loan = factory.SubFactory(LoanFactory)
    organization = factory.SelfAttribute("loan.organization")
    kind = Inspection.Kind.CHECK_OUT
    odometer_km = factory.SelfAttribute("loan.vehicle.odometer_km")
    energy_level = 100


class MaintenancePlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MaintenancePlan

    vehicle = factory.SubFactory(VehicleFactory)
    organization = factory.SelfAttribute("vehicle.organization")
    label = "Révision"
    interval_days = 180
    last_done_on = factory.LazyFunction(lambda: days(-30))
    next_due_on = factory.LazyFunction(lambda: days(150))


class MaintenanceRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MaintenanceRecord

    vehicle = factory.SubFactory(VehicleFactory)
    organization = factory.SelfAttribute("vehicle.organization")
    label = "Changement des plaquettes"
    garage = "Garage solidaire"
    start_date = factory.LazyFunction(lambda: days(-10))
    end_date = factory.LazyFunction(lambda: days(-8))
    cost = Decimal("45.00")


class IncidentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Incident

    vehicle = factory.SubFactory(VehicleFactory)
    organization = factory.SelfAttribute("vehicle.organization")
    kind = Incident.Kind.DAMAGE
    occurred_on = factory.LazyFunction(lambda: days(-3))
    description = "Garde-boue arrière fendu."


class WaitingListEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WaitingListEntry

    case = factory.SubFactory(CaseFactory)
    organization = factory.SelfAttribute("case.organization")
    kind = Vehicle.Kind.E_BIKE
    wanted_from = factory.LazyFunction(lambda: days(3))
    wanted_until = factory.LazyFunction(lambda: days(30))
