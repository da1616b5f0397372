"""The daily fleet work: mark late loans overdue, refresh statuses, send the reminders.

Reminders go once per event (a loan ending soon, a loan overdue, an insurance or a maintenance
coming due), in French, after the transaction commits: to the case's advisor (else the platform
admins) and to the person when the file has an e-mail address for loans; to the platform admins
for the fleet digest.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from organizations.models import Membership, Organization

from ..models import Loan, MaintenancePlan, Vehicle
from .common import refresh_vehicle_status, today
from .loans import mark_overdue

ENDING_SOON_DAYS = 3
INSURANCE_NOTICE_DAYS = 30
MAINTENANCE_NOTICE_DAYS = 7


@dataclass
class ReminderReport:
    overdue_marked: int = 0
    ending_soon: int = 0
    overdue: int = 0
    insurance: int = 0
    maintenance: int = 0
    mails: list[tuple[str, list[str]]] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{self.overdue_marked} prêt(s) passé(s) en retard ; rappels : "
            f"{self.ending_soon} fin(s) de prêt proche(s), {self.overdue} retard(s), "
            f"{self.insurance} assurance(s), {self.maintenance} entretien(s) ; "
            f"{len(self.mails)} e-mail(s)."
        )


def _link(name: str, *args) -> str:
    return settings.SITE_URL + reverse(name, args=args)


def _staff_addresses(organization_ids, roles) -> dict:
    rows = (
        Membership.objects.active()
        .filter(organization_id__in=organization_ids, role__in=roles)
        .select_related("user")
        .order_by("user__email")
    )
    found: dict = defaultdict(list)
    for membership in rows:
        found[membership.organization_id].append(membership.user.email)
    return found


def _mail(report: ReminderReport, subject: str, template: str, context: dict, to: list[str]):
    recipients = sorted({address for address in to if address})
    if not recipients:
        return
    with translation.override("fr"):
        body = render_to_string(template, context)
    report.mails.append((subject, recipients))
    message = EmailMessage(subject, body, to=recipients)
    transaction.on_commit(message.send, robust=True)


def _loan_recipients(loan: Loan, admins: dict) -> list[str]:
    advisor = loan.case.advisor
    if advisor is not None and advisor.is_active and advisor.user.is_active:
        return [advisor.user.email]
    return admins.get(loan.organization_id, [])


def _remind_loans(report: ReminderReport, day: date) -> None:
    ending = (
        Loan.objects.ending_between(day, day + timedelta(days=ENDING_SOON_DAYS))
        .filter(reminded_ending_on__isnull=True)
        .with_list_data()
        .select_related("organization")
        .order_by("end_date", "id")
    )
    late = (
        Loan.objects.filter(status=Loan.Status.OVERDUE, reminded_overdue_on__isnull=True)
        .with_list_data()
        .select_related("organization")
        .order_by("end_date", "id")
    )
    ending, late = list(ending), list(late)
    admins = _staff_addresses(
        {loan.organization_id for loan in ending + late}, [Membership.Role.ADMIN]
    )
    for loan, kind in [(loan, "ending") for loan in ending] + [(loan, "overdue") for loan in late]:
        person = loan.case.beneficiary
        context = {
            "loan": loan,
            "person": person,
            "vehicle": loan.vehicle,
            "platform": loan.organization,
            "link": _link("vehicles:loan_detail", loan.pk),
        }
        if kind == "ending":
            subject = f"Fin de prêt le {loan.end_date:%d/%m/%Y} : {loan.vehicle.code}"
            loan.reminded_ending_on = day
            report.ending_soon += 1
        else:
            subject = (
                f"Véhicule non rendu : {loan.vehicle.code} attendu le {loan.end_date:%d/%m/%Y}"
            )
            loan.reminded_overdue_on = day
            report.overdue += 1
        _mail(
            report,
            subject,
            f"vehicles/emails/loan_{kind}_staff.txt",
            context,
            _loan_recipients(loan, admins),
        )
        if person.email:
            _mail(
                report,
                f"{loan.organization.name} : retour du véhicule {loan.vehicle.code}",
                f"vehicles/emails/loan_{kind}_person.txt",
                context,
                [person.email],
            )
        loan.save(update_fields=["reminded_ending_on", "reminded_overdue_on"])


def _remind_fleet(report: ReminderReport, day: date) -> None:
    insurance = list(
        Vehicle.objects.insurance_expiring_by(day + timedelta(days=INSURANCE_NOTICE_DAYS))
        .exclude(insurance_reminded_for=F("insurance_expiry"))
        .order_by("insurance_expiry", "code")
    )
    plans = list(
        MaintenancePlan.objects.due_by(day + timedelta(days=MAINTENANCE_NOTICE_DAYS))
        .filter(reminded_for__isnull=True, vehicle__retired_on__isnull=True)
        .select_related("vehicle")
        .order_by("next_due_on", "vehicle__code", "label")
    )
    by_platform: dict = defaultdict(lambda: {"insurance": [], "plans": []})
    for vehicle in insurance:
        by_platform[vehicle.organization_id]["insurance"].append(vehicle)
    for plan in plans:
        by_platform[plan.organization_id]["plans"].append(plan)
    if not by_platform:
        return
    admins = _staff_addresses(list(by_platform), [Membership.Role.ADMIN])
    platforms = Organization.objects.in_bulk(list(by_platform))
    for organization_id, alerts in sorted(by_platform.items(), key=lambda i: str(i[0])):
        context = {
            "platform": platforms[organization_id],
            "today": day,
            "insurance": alerts["insurance"],
            "plans": alerts["plans"],
            "link": _link("vehicles:vehicle_list"),
        }
        subject = "Parc de véhicules : assurances et entretiens à prévoir"
        _mail(
            report,
            subject,
            "vehicles/emails/fleet_digest.txt",
            context,
            admins.get(organization_id, []),
        )
    for vehicle in insurance:
        vehicle.insurance_reminded_for = vehicle.insurance_expiry
        vehicle.save(update_fields=["insurance_reminded_for"])
    for plan in plans:
        plan.reminded_for = day
        plan.save(update_fields=["reminded_for"])
    report.insurance += len(insurance)
    report.maintenance += len(plans)


@transaction.atomic
def run_daily_fleet_work(*, on: date | None = None) -> ReminderReport:
    """Mark overdue loans, bring vehicle statuses up to date, send the day's reminders."""
    day = on or today()
    report = ReminderReport(overdue_marked=len(mark_overdue(on=day)))
    for vehicle in Vehicle.objects.in_service().select_for_update().order_by("pk"):
        refresh_vehicle_status(vehicle, on=day)
    _remind_loans(report, day)
    _remind_fleet(report, day)
    return report
