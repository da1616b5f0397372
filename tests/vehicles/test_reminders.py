"""The daily fleet work: overdue loans, statuses, and reminders e-mailed once, in French."""

from io import StringIO

import pytest
from django.core.management import call_command

from tests.vehicles.factories import (
    LoanFactory,
    MaintenancePlanFactory,
    MaintenanceRecordFactory,
    VehicleFactory,
    days,
    today,
)
from vehicles.models import Loan, Vehicle
from vehicles.tasks import daily_fleet_work


@pytest.fixture
def fleet(alice, adele, case, ebike, car):
    ending = LoanFactory(
        vehicle=ebike,
        case=case,
        status=Loan.Status.ACTIVE,
        start_date=days(-10),
        end_date=days(2),
    )
    late = LoanFactory(
        vehicle=car,
        case=case,
        status=Loan.Status.ACTIVE,
        start_date=days(-20),
        end_date=days(-1),
    )
    Vehicle.objects.filter(pk=car.pk).update(insurance_expiry=days(12))
    MaintenancePlanFactory(vehicle=ebike, label="Révision", next_due_on=days(3))
    return {"ending": ending, "late": late}


def run(**options) -> str:
    out = StringIO()
    call_command("vehicle_reminders", stdout=out, **options)
    return out.getvalue()


def test_the_command_marks_late_loans_and_mails_each_reminder_once(
    fleet, alice, adele, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        output = run()

    fleet["late"].refresh_from_db()
    assert fleet["late"].status == Loan.Status.OVERDUE
    assert "1 prêt(s) passé(s) en retard" in output
    subjects = sorted(mail.subject for mail in mailoutbox)
    assert subjects == sorted(
        [
            f"Fin de prêt le {days(2):%d/%m/%Y} : VAE-01",
            f"{alice.organization.name} : retour du véhicule VAE-01",
            f"Véhicule non rendu : VL-01 attendu le {days(-1):%d/%m/%Y}",
            f"{alice.organization.name} : retour du véhicule VL-01",
            "Parc de véhicules : assurances et entretiens à prévoir",
        ]
    )
    to_advisor = next(m for m in mailoutbox if m.subject.startswith("Véhicule non rendu"))
    assert to_advisor.to == [alice.user.email]
    assert "Hélène LEFÈVRE" in to_advisor.body
    digest = next(m for m in mailoutbox if m.subject.startswith("Parc de véhicules"))
    assert digest.to == [adele.user.email]
    assert f"VL-01 (Renault Clio) : prend fin le {days(12):%d/%m/%Y}" in digest.body
    assert "Révision, prévu le" in digest.body
    to_person = [m for m in mailoutbox if m.to == ["helene@example.org"]]
    assert len(to_person) == 2

    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        run()
    assert mailoutbox == []


def test_no_mail_leaves_before_the_transaction_commits(fleet, mailoutbox):
    run()

    assert mailoutbox == []


def test_statuses_follow_the_calendar(alice, mailoutbox):
    at_garage = VehicleFactory(organization=alice.organization)
    MaintenanceRecordFactory(vehicle=at_garage, start_date=today(), end_date=None)
    back = VehicleFactory(organization=alice.organization, status=Vehicle.Status.MAINTENANCE)
    MaintenanceRecordFactory(vehicle=back, start_date=days(-5), end_date=today())

    daily_fleet_work.enqueue(today().isoformat())

    at_garage.refresh_from_db()
    back.refresh_from_db()
    assert (at_garage.status, back.status) == (Vehicle.Status.MAINTENANCE, Vehicle.Status.AVAILABLE)


def test_the_command_refuses_a_bad_date(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="Date invalide"):
        run(date="25/11/2026")
