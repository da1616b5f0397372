"""A platform's own data as tables to download: cases, sessions (workshops and appointments),
loans. Every table is built from querysets scoped to the platform, with a constant number of
queries whatever its length."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Prefetch
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from cases.models import Appointment, Case, Registration
from organizations.models import FundingAgreement, Organization
from vehicles.models import Loan

from .periods import Period


@dataclass
class Table:
    """Rows ready to write, with the people they name (for the read-access log)."""

    name: str
    title: str
    header: list[str]
    rows: list[list]
    people: list


def _person(beneficiary) -> tuple[str, str]:
    """Last and first name; an anonymised person reads « Personne anonymisée »."""
    if beneficiary.is_anonymised:
        return beneficiary.list_name, ""
    return beneficiary.last_name, beneficiary.first_name


def _day(value: date | datetime | None) -> date | None:
    if isinstance(value, datetime):
        return timezone.localtime(value).date()
    return value


def cases_table(organization: Organization, period: Period) -> Table:
    cases = (
        Case.objects.for_organization(organization)
        .active_between(period.start, period.end)
        .select_related("beneficiary__commune", "advisor__user", "site", "exit")
        .prefetch_related(
            Prefetch("funding_agreements", queryset=FundingAgreement.objects.order_by("programme"))
        )
        .order_by("beneficiary__last_name", "beneficiary__first_name", "opened_on", "id")
    )
    rows, people = [], []
    for case in cases:
        person = case.beneficiary
        exit_ = getattr(case, "exit", None)
        rows.append(
            [
                str(case.pk),
                *_person(person),
                person.birth_date,
                person.get_sex_display(),
                person.commune.code if person.commune_id else "",
                person.commune.name if person.commune_id else "",
                case.site.name if case.site else "",
                case.advisor.user.get_full_name() if case.advisor else "",
                case.get_status_display(),
                case.get_origin_display(),
                case.opened_on,
                case.closed_on,
                case.get_exit_reason_display() if case.exit_reason else "",
                exit_.get_situation_display() if exit_ else "",
                " ; ".join(a.programme for a in case.funding_agreements.all()),
            ]
        )
        people.append(person.pk)
    return Table(
        "accompagnements",
        "Accompagnements",
        [
            "identifiant",
            "nom",
            "prénom",
            "date de naissance",
            "sexe",
            "code commune",
            "commune",
            "site",
            "conseiller·e",
            "statut",
            "origine",
            "date d'entrée",
            "date de sortie",
            "motif de sortie",
            "situation à la sortie",
            "conventions",
        ],
        rows,
        people,
    )


def sessions_table(organization: Organization, period: Period) -> Table:
    first, after = period.aware_bounds()
    seats = (
        Registration.objects.for_organization(organization)
        .filter(workshop__starts_at__gte=first, workshop__starts_at__lt=after)
        .exclude(status=Registration.Status.CANCELLED)
        .select_related("workshop__site", "workshop__coach__user", "case__beneficiary")
        .order_by("workshop__starts_at", "workshop_id", "case__beneficiary__last_name", "id")
    )
    appointments = (
        Appointment.objects.for_organization(organization)
        .filter(starts_at__gte=first, starts_at__lt=after)
        .select_related("site", "staff__user", "case__beneficiary")
        .order_by("starts_at", "id")
    )
    rows, people = [], []
    for seat in seats:
        workshop = seat.workshop
        rows.append(
            [
                timezone.localtime(workshop.starts_at).replace(tzinfo=None),
                "Atelier collectif",
                f"{workshop.get_kind_display()} — {workshop.title}",
                workshop.site.name if workshop.site else "",
                workshop.coach.user.get_full_name() if workshop.coach else "",
                *_person(seat.case.beneficiary),
                seat.get_status_display(),
                seat.get_attendance_display() if seat.attendance else "non notée",
                round(workshop.duration_hours, 2),
            ]
        )
        people.append(seat.case.beneficiary_id)
    for appointment in appointments:
        rows.append(
            [
                timezone.localtime(appointment.starts_at).replace(tzinfo=None),
                "Rendez-vous individuel",
                appointment.get_kind_display(),
                appointment.site.name if appointment.site else appointment.location,
                appointment.staff.user.get_full_name() if appointment.staff else "",
                *_person(appointment.case.beneficiary),
                "",
                appointment.get_status_display(),
                round(appointment.duration_minutes / 60, 2),
            ]
        )
        people.append(appointment.case.beneficiary_id)
    rows.sort(key=lambda row: row[0])
    return Table(
        "seances",
        "Séances",
        [
            "date et heure",
            "type",
            "objet",
            "lieu",
            "animé par",
            "nom",
            "prénom",
            "inscription",
            "présence ou statut",
            "durée (h)",
        ],
        rows,
        people,
    )


def loans_table(organization: Organization, period: Period) -> Table:
    loans = (
        Loan.objects.for_organization(organization)
        .overlapping(period.start, period.stop)
        .select_related("vehicle", "case__beneficiary", "solidarity_pricing")
        .prefetch_related("extensions")
        .order_by("start_date", "vehicle__code", "id")
    )
    rows, people = [], []
    for loan in loans:
        rows.append(
            [
                loan.vehicle.code,
                loan.vehicle.get_kind_display(),
                *_person(loan.case.beneficiary),
                loan.start_date,
                loan.end_date,
                _day(loan.returned_at),
                loan.get_status_display(),
                loan.get_pricing_mode_display(),
                float(loan.price_total),
                float(loan.deposit_amount),
                loan.get_deposit_status_display(),
                float(loan.deposit_retained_amount),
                len(loan.extensions.all()),
            ]
        )
        people.append(loan.case.beneficiary_id)
    return Table(
        "prets",
        "Prêts de véhicules",
        [
            "véhicule",
            "type",
            "nom",
            "prénom",
            "départ",
            "retour prévu",
            "retour effectif",
            "statut",
            "tarification",
            "prix (€)",
            "caution (€)",
            "caution",
            "montant retenu (€)",
            "prolongations",
        ],
        rows,
        people,
    )


TABLES = {
    "accompagnements": ("Accompagnements", cases_table),
    "seances": ("Séances (ateliers et rendez-vous)", sessions_table),
    "prets": ("Prêts de véhicules", loans_table),
}


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:.2f}".replace(".", ",")
    return str(value)


def as_csv(table: Table) -> bytes:
    """UTF-8 with a byte order mark and « ; », as French spreadsheet software expects."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(table.header)
    for row in table.rows:
        writer.writerow([_text(value) for value in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def as_xlsx(table: Table) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = table.title[:31]
    sheet.append(table.header)
    for row in table.rows:
        sheet.append(list(row))
    for index, _ in enumerate(table.header, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = 18
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def distinct(ids: Iterable) -> list:
    return list(dict.fromkeys(ids))
