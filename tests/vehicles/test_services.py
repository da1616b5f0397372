"""The loan rules: no double booking, eligibility, inspections, pricing, extensions, deposit."""

import datetime as dt
from decimal import Decimal

import pytest

from cases.models import Beneficiary, Case
from organizations.errors import ConflictError, DomainError
from tests.factories import FundingAgreementFactory
from tests.vehicles.factories import (
    AccessoryFactory,
    LoanFactory,
    MaintenancePlanFactory,
    MaintenanceRecordFactory,
    SolidarityPricingFactory,
    VehicleFactory,
    WaitingListEntryFactory,
    days,
    today,
)
from vehicles import services
from vehicles.models import (
    Inspection,
    Loan,
    LoanExtension,
    MaintenancePlan,
    Vehicle,
    WaitingListEntry,
)

Status = Loan.Status
Licence = Beneficiary.DrivingLicence


def reserve(case, vehicle, by, start=1, end=15, **kwargs) -> Loan:
    return services.reserve(
        case=case, vehicle=vehicle, by=by, start_date=days(start), end_date=days(end), **kwargs
    )


def check_out(loan, by, **kwargs) -> Loan:
    options = {"odometer_km": loan.vehicle.odometer_km, "energy_level": 100, "damages": []}
    options.update(kwargs)
    return services.check_out(loan, by=by, **options)


def check_in(loan, by, **kwargs) -> Loan:
    options = {"odometer_km": loan.vehicle.odometer_km + 50, "energy_level": 75, "damages": []}
    options.update(kwargs)
    return services.check_in(loan, by=by, **options)


@pytest.fixture
def today_loan(case, ebike, alice) -> Loan:
    """A reservation of the e-bike from today, its deposit not yet received."""
    return reserve(case, ebike, alice, start=0, end=14)


# --- Reservation ------------------------------------------------------------------------------


def test_a_reservation_prices_the_days_at_the_vehicle_daily_fee(case, ebike, alice):
    loan = reserve(case, ebike, alice, start=1, end=15)

    assert loan.status == Status.RESERVED
    assert loan.days == 14
    assert loan.price_total == Decimal("28.00")
    assert loan.deposit_amount == Decimal("150.00")
    assert loan.deposit_status == Loan.DepositStatus.PENDING
    assert loan.created_by == alice.user
    ebike.refresh_from_db()
    assert ebike.status == Vehicle.Status.RESERVED
    assert loan.history.first().history_user == alice.user


def test_monthly_pricing_counts_every_started_30_day_period(case, ebike, alice):
    loan = reserve(case, ebike, alice, start=1, end=46, pricing_mode=Loan.PricingMode.MONTHLY)

    assert loan.price_total == Decimal("80.00")  # 45 days: two periods of 30 days at 40 €


def test_an_overlapping_reservation_is_refused_with_a_french_conflict(case, ebike, alice):
    reserve(case, ebike, alice, start=1, end=15)

    with pytest.raises(ConflictError, match="déjà réservé du") as refused:
        reserve(case, ebike, alice, start=10, end=20)

    assert refused.value.status_code == 409
    assert Loan.objects.count() == 1


def test_back_to_back_loans_of_one_vehicle_are_allowed(case, ebike, alice):
    first = reserve(case, ebike, alice, start=1, end=15)
    second = reserve(case, ebike, alice, start=15, end=20)
    earlier = reserve(case, ebike, alice, start=0, end=1)

    assert first.end_date == second.start_date
    assert earlier.end_date == first.start_date
    assert Loan.objects.filter(vehicle=ebike).count() == 3


def test_a_cancelled_reservation_frees_its_period(case, ebike, alice):
    first = reserve(case, ebike, alice, start=1, end=15)
    services.cancel(first, by=alice, reason="La personne a trouvé un covoiturage.")

    again = reserve(case, ebike, alice, start=5, end=10)

    assert again.status == Status.RESERVED
    first.refresh_from_db()
    assert first.status == Status.CANCELLED
    assert first.cancel_reason == "La personne a trouvé un covoiturage."


def test_a_vehicle_of_another_platform_cannot_be_reserved(case, other_vehicle, alice):
    with pytest.raises(DomainError, match="n'appartient pas à votre plateforme"):
        reserve(case, other_vehicle, alice)

    assert not Loan.objects.exists()


def test_a_coach_cannot_reserve_a_vehicle(case, ebike, bob):
    with pytest.raises(DomainError, match="conseiller·es et administrateur·rices"):
        reserve(case, ebike, bob)


def test_a_closed_case_gets_no_vehicle(case, ebike, alice):
    Case.objects.filter(pk=case.pk).update(status=Case.Status.CLOSED, closed_on=today())
    case.refresh_from_db()

    with pytest.raises(DomainError, match="rouvrez-le"):
        reserve(case, ebike, alice)


def test_a_reservation_cannot_start_in_the_past_nor_end_before_it_starts(case, ebike, alice):
    with pytest.raises(DomainError, match="déjà passée"):
        reserve(case, ebike, alice, start=-2, end=5)
    with pytest.raises(DomainError, match="après la date de départ"):
        reserve(case, ebike, alice, start=5, end=5)


def test_a_vehicle_at_the_garage_cannot_be_reserved_over_the_stay(case, ebike, alice):
    MaintenanceRecordFactory(vehicle=ebike, start_date=days(5), end_date=None, label="Freins")

    with pytest.raises(DomainError, match="immobilisé pour « Freins »"):
        reserve(case, ebike, alice, start=1, end=10)

    assert reserve(case, ebike, alice, start=1, end=5).end_date == days(5)


def test_a_reservation_serves_the_waiting_list_entry_of_its_kind(case, ebike, alice):
    entry = WaitingListEntryFactory(case=case, kind=Vehicle.Kind.E_BIKE)

    loan = reserve(case, ebike, alice)

    entry.refresh_from_db()
    assert entry.status == WaitingListEntry.Status.SERVED
    assert entry.loan == loan


def test_the_waiting_list_refuses_a_second_entry_for_the_same_kind(case, alice):
    services.add_to_waiting_list(
        case=case, kind=Vehicle.Kind.CAR, wanted_from=days(1), wanted_until=days(30), by=alice
    )

    with pytest.raises(DomainError, match="attend déjà"):
        services.add_to_waiting_list(
            case=case, kind=Vehicle.Kind.CAR, wanted_from=days(2), wanted_until=days(9), by=alice
        )


# --- Solidarity pricing and extensions ---------------------------------------------------------


@pytest.fixture
def solidarity(case, alice):
    pricing = SolidarityPricingFactory(organization=alice.organization)
    case.funding_agreements.add(pricing.agreement)
    return pricing


def test_solidarity_pricing_charges_the_agreement_daily_price(case, car, alice, solidarity):
    loan = reserve(
        case,
        car,
        alice,
        start=1,
        end=31,
        pricing_mode=Loan.PricingMode.SOLIDARITY,
        solidarity_pricing=solidarity,
    )

    assert loan.price_total == Decimal("30.00")
    assert loan.funding_agreement == solidarity.agreement


def test_solidarity_pricing_needs_the_agreement_to_fund_the_case(case, car, alice):
    unrelated = SolidarityPricingFactory(organization=alice.organization)

    with pytest.raises(DomainError, match="ne finance pas cet accompagnement"):
        reserve(
            case,
            car,
            alice,
            pricing_mode=Loan.PricingMode.SOLIDARITY,
            solidarity_pricing=unrelated,
        )


def test_a_solidarity_loan_cannot_start_longer_than_the_agreement_maximum(
    case, car, alice, solidarity
):
    with pytest.raises(DomainError, match="limité à 60 jours") as refused:
        reserve(
            case,
            car,
            alice,
            start=1,
            end=62,
            pricing_mode=Loan.PricingMode.SOLIDARITY,
            solidarity_pricing=solidarity,
        )

    assert refused.value.code == "beyond_agreement_max"


def test_an_extension_within_the_maximum_reprices_and_is_logged(case, car, alice, solidarity):
    loan = reserve(
        case,
        car,
        alice,
        start=1,
        end=31,
        pricing_mode=Loan.PricingMode.SOLIDARITY,
        solidarity_pricing=solidarity,
    )

    services.extend(loan, new_end_date=days(61), by=alice, reason="Période d'essai prolongée")

    loan.refresh_from_db()
    assert loan.end_date == days(61)
    assert loan.price_total == Decimal("60.00")
    extension = LoanExtension.objects.get(loan=loan)
    assert (extension.previous_end_date, extension.new_end_date) == (days(31), days(61))
    assert (extension.price_before, extension.price_after) == (Decimal("30.00"), Decimal("60.00"))
    assert extension.by == alice.user


def test_an_extension_beyond_the_agreement_maximum_is_refused_and_changes_nothing(
    case, car, alice, solidarity
):
    loan = reserve(
        case,
        car,
        alice,
        start=1,
        end=31,
        pricing_mode=Loan.PricingMode.SOLIDARITY,
        solidarity_pricing=solidarity,
    )

    with pytest.raises(DomainError, match=r"retour doit avoir lieu le .* au plus tard") as refused:
        services.extend(loan, new_end_date=days(62), by=alice)

    assert refused.value.field == "new_end_date"
    loan.refresh_from_db()
    assert loan.end_date == days(31)
    assert not LoanExtension.objects.exists()


def test_an_extension_onto_the_next_reservation_is_a_conflict(case, ebike, alice):
    loan = reserve(case, ebike, alice, start=1, end=15)
    reserve(case, ebike, alice, start=15, end=20)

    with pytest.raises(ConflictError, match="déjà réservé du"):
        services.extend(loan, new_end_date=days(16), by=alice)

    loan.refresh_from_db()
    assert loan.end_date == days(15)


# --- Check-out: eligibility ---------------------------------------------------------------------


def test_check_out_hands_the_vehicle_over_with_the_departure_inspection(today_loan, alice):
    helmet = AccessoryFactory(organization=alice.organization)

    loan = check_out(
        today_loan,
        alice,
        deposit_received=True,
        damages=["rack"],
        accessories=[helmet],
        comments="Rayure sur le garde-boue.",
    )

    assert loan.status == Status.ACTIVE
    assert loan.deposit_status == Loan.DepositStatus.HELD
    assert loan.deposit_received_on == today()
    assert loan.checked_out_by == alice.user
    inspection = loan.inspections.get()
    assert inspection.kind == Inspection.Kind.CHECK_OUT
    assert inspection.damages == ["rack"]
    assert list(inspection.accessories_present.all()) == [helmet]
    loan.vehicle.refresh_from_db()
    assert loan.vehicle.status == Vehicle.Status.ON_LOAN


def test_check_out_refuses_a_car_to_a_person_without_licence_b(case, car, alice, helene):
    Beneficiary.objects.filter(pk=helene.pk).update(driving_licence=Licence.CODE_OBTAINED)
    loan = reserve(case, car, alice, start=0, end=10)

    with pytest.raises(services.NotEligible, match="Permis B requis pour une voiture") as refused:
        check_out(loan, alice, deposit_received=True)

    assert "« Code obtenu »" in refused.value.problems[0]
    loan.refresh_from_db()
    assert loan.status == Status.RESERVED
    assert loan.deposit_status == Loan.DepositStatus.PENDING  # nothing half-written
    assert not Inspection.objects.exists()


@pytest.mark.parametrize(
    ("birth_date", "licence", "reason"),
    [
        (None, Licence.NONE, "Date de naissance inconnue"),
        (dt.date(2014, 1, 1), Licence.NONE, "il faut en avoir 14"),
        (dt.date(2000, 1, 1), Licence.CODE_OBTAINED, r"Permis AM \(ou permis B\) requis"),
    ],
)
def test_check_out_refuses_a_scooter_to_whom_may_not_ride_it(
    case, alice, helene, birth_date, licence, reason
):
    Beneficiary.objects.filter(pk=helene.pk).update(birth_date=birth_date, driving_licence=licence)
    scooter = VehicleFactory(organization=alice.organization, scooter=True)
    loan = reserve(case, scooter, alice, start=0, end=5)

    with pytest.raises(services.NotEligible, match=reason):
        check_out(loan, alice, deposit_received=True)


def test_a_person_born_before_1988_rides_a_scooter_without_the_am_licence(case, alice, helene):
    Beneficiary.objects.filter(pk=helene.pk).update(
        birth_date=dt.date(1975, 6, 1), driving_licence=Licence.NONE
    )
    scooter = VehicleFactory(organization=alice.organization, scooter=True)
    loan = reserve(case, scooter, alice, start=0, end=5)

    assert check_out(loan, alice, deposit_received=True).status == Status.ACTIVE


def test_check_out_refuses_when_the_insurance_ends_before_the_return(case, car, alice):
    Vehicle.objects.filter(pk=car.pk).update(insurance_expiry=days(5))
    loan = reserve(case, car, alice, start=0, end=10)

    with pytest.raises(services.NotEligible, match="L'assurance du véhicule prend fin le"):
        check_out(loan, alice, deposit_received=True)


def test_check_out_refuses_without_the_deposit(today_loan, alice):
    with pytest.raises(services.NotEligible, match="caution de 150,00\u00a0€ n'a pas été"):
        check_out(today_loan, alice)


def test_check_out_refuses_a_vehicle_whose_maintenance_is_overdue(today_loan, alice):
    MaintenancePlanFactory(vehicle=today_loan.vehicle, label="Révision", next_due_on=days(-1))

    with pytest.raises(services.NotEligible, match="Entretien « Révision » à faire"):
        check_out(today_loan, alice, deposit_received=True)


def test_check_out_lists_every_reason_at_once(case, car, alice, helene):
    Beneficiary.objects.filter(pk=helene.pk).update(driving_licence=Licence.NONE)
    Vehicle.objects.filter(pk=car.pk).update(insurance_expiry=None)
    loan = reserve(case, car, alice, start=0, end=10)

    with pytest.raises(services.NotEligible) as refused:
        check_out(loan, alice)

    assert len(refused.value.problems) == 3
    assert refused.value.message.startswith("Le véhicule ne peut pas partir :")


def test_a_future_reservation_cannot_leave_before_its_start(case, ebike, alice):
    loan = reserve(case, ebike, alice, start=3, end=10)

    with pytest.raises(services.NotEligible, match="ne peut pas partir avant"):
        check_out(loan, alice, deposit_received=True)


# --- Check-in ---------------------------------------------------------------------------------


def test_check_in_before_check_out_is_refused(today_loan, alice):
    with pytest.raises(DomainError, match="pas encore parti") as refused:
        check_in(today_loan, alice)

    assert refused.value.code == "not_checked_out"
    assert not Inspection.objects.exists()


def test_an_odometer_going_backwards_at_check_in_is_refused(today_loan, alice):
    loan = check_out(today_loan, alice, deposit_received=True, odometer_km=1300)

    with pytest.raises(DomainError, match="1250 km au retour, moins que les 1300 km") as refused:
        check_in(loan, alice, odometer_km=1250)

    assert refused.value.field == "odometer_km"
    loan.refresh_from_db()
    assert loan.status == Status.ACTIVE
    assert loan.inspections.count() == 1


def test_an_odometer_below_the_vehicle_reading_is_refused_at_check_out(today_loan, alice):
    with pytest.raises(DomainError, match="moins que les 1200 km déjà relevés"):
        check_out(today_loan, alice, deposit_received=True, odometer_km=900)


def test_check_in_returns_the_vehicle_and_settles_the_deposit(today_loan, alice):
    helmet = AccessoryFactory(organization=alice.organization)
    loan = check_out(today_loan, alice, deposit_received=True, accessories=[helmet])

    loan = check_in(
        loan,
        alice,
        odometer_km=1290,
        damages=["brakes"],
        accessories_returned=[],
        deposit_retained_amount=Decimal("40.00"),
        deposit_retained_reason="Casque non rendu",
    )

    assert loan.status == Status.RETURNED
    assert loan.deposit_status == Loan.DepositStatus.RETAINED
    assert loan.deposit_retained_amount == Decimal("40.00")
    vehicle = Vehicle.objects.get(pk=loan.vehicle_id)
    assert vehicle.odometer_km == 1290
    assert vehicle.status == Vehicle.Status.AVAILABLE


def test_retaining_part_of_the_deposit_needs_a_reason(today_loan, alice):
    loan = check_out(today_loan, alice, deposit_received=True)

    with pytest.raises(DomainError, match="motif de la retenue"):
        check_in(loan, alice, deposit_retained_amount=Decimal("10"))


def test_a_plan_after_each_loan_comes_due_at_check_in(today_loan, alice):
    plan = MaintenancePlanFactory(
        vehicle=today_loan.vehicle, interval_days=None, after_each_loan=True, next_due_on=None
    )
    loan = check_out(today_loan, alice, deposit_received=True)

    check_in(loan, alice)

    plan.refresh_from_db()
    assert plan.next_due_on == today()
    assert plan.is_due(today(), loan.vehicle.odometer_km)


def test_recording_the_maintenance_makes_the_vehicle_lendable_again(case, ebike, alice):
    plan = MaintenancePlanFactory(vehicle=ebike, interval_days=90, next_due_on=days(-2))

    services.record_maintenance(
        vehicle=ebike,
        plan=plan,
        by=alice,
        label="",
        start_date=days(-1),
        end_date=today(),
        garage="Atelier vélo",
        cost=Decimal("35"),
        odometer_km=1250,
    )

    plan.refresh_from_db()
    assert plan.next_due_on == days(90)
    assert not MaintenancePlan.objects.due_by(today()).exists()
    loan = reserve(case, ebike, alice, start=0, end=3)
    assert check_out(loan, alice, deposit_received=True, odometer_km=1250).is_out


def test_mark_overdue_flags_active_loans_past_their_return_day(alice, ebike):
    late = LoanFactory(vehicle=ebike, status=Status.ACTIVE, start_date=days(-10), end_date=days(-1))
    due_today = LoanFactory(
        vehicle=VehicleFactory(organization=alice.organization),
        status=Status.ACTIVE,
        start_date=days(-10),
        end_date=today(),
    )

    marked = services.mark_overdue()

    assert marked == [late]
    late.refresh_from_db()
    due_today.refresh_from_db()
    assert (late.status, due_today.status) == (Status.OVERDUE, Status.ACTIVE)


def test_an_overdue_loan_extended_into_the_future_is_active_again(alice, ebike):
    late = LoanFactory(
        vehicle=ebike, status=Status.OVERDUE, start_date=days(-10), end_date=days(-1)
    )

    services.extend(late, new_end_date=days(5), by=alice)

    late.refresh_from_db()
    assert late.status == Status.ACTIVE


def test_an_agreement_period_bounds_a_solidarity_loan(case, car, alice):
    agreement = FundingAgreementFactory(
        organization=alice.organization, start_date=days(-100), end_date=days(10)
    )
    pricing = SolidarityPricingFactory(organization=alice.organization, agreement=agreement)
    case.funding_agreements.add(agreement)

    with pytest.raises(DomainError, match="le prêt doit tenir dans cette période"):
        reserve(
            case,
            car,
            alice,
            start=1,
            end=20,
            pricing_mode=Loan.PricingMode.SOLIDARITY,
            solidarity_pricing=pricing,
        )
