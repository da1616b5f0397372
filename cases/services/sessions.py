"""Appointments, collective workshops, registrations with their waiting list, attendance and
skill progress.

Each function is keyword-only, runs in one transaction and raises ``DomainError`` with a French
message when a rule refuses the operation. Seats are counted with the workshop row locked, so two
people booking the last seat at the same time never both get it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta

from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from cases.models import (
    Appointment,
    Case,
    CaseStatus,
    Curriculum,
    Registration,
    Skill,
    SkillAssessment,
    Workshop,
)
from organizations.errors import ConflictError, DomainError
from organizations.models import Membership, Organization, Site

from .access import check_not_anonymised
from .contacts import note_contact_of_cases
from .lifecycle import check_caseworker

Role = Membership.Role
STAFF_ROLES = (Role.ADMIN, Role.ADVISOR, Role.COACH)
# A case in these statuses takes no new appointment nor workshop seat.
INACTIVE_CASE_STATUSES = (CaseStatus.CLOSED, CaseStatus.ARCHIVED)
# How far from today a session may be dated: past ones are recorded afterwards, not centuries on.
SESSION_DATE_REACH = timedelta(days=5 * 365)
# Appointment status changes: from -> allowed targets (a status may also be kept to edit notes).
APPOINTMENT_STATUS_CHANGES: dict[str, tuple[str, ...]] = {
    Appointment.Status.PLANNED: (
        Appointment.Status.DONE,
        Appointment.Status.CANCELLED,
        Appointment.Status.NO_SHOW,
    ),
    Appointment.Status.DONE: (Appointment.Status.NO_SHOW,),
    Appointment.Status.NO_SHOW: (Appointment.Status.DONE,),
    Appointment.Status.CANCELLED: (),
}


# --- Checks shared by the operations ------------------------------------------------------------


def _check_staff_member(member: Membership | None, organization_id, *, field: str) -> None:
    if member is None:
        return
    if (
        member.organization_id != organization_id
        or not member.is_active
        or member.role not in STAFF_ROLES
    ):
        raise DomainError("Choisissez un membre actif de l'équipe de la plateforme.", field=field)


def _check_site(site: Site | None, organization_id) -> None:
    if site is not None and (site.organization_id != organization_id or not site.is_active):
        raise DomainError("Ce site n'est pas un site ouvert de la plateforme.", field="site")


def _check_case_active(case: Case) -> None:
    check_not_anonymised(beneficiary_id=case.beneficiary_id)
    if case.status in INACTIVE_CASE_STATUSES:
        raise DomainError(
            f"Cet accompagnement est « {case.get_status_display().lower()} » : "
            "rouvrez-le avant de planifier une séance.",
            code="case_closed",
        )


def _locked_case(case: Case) -> Case:
    return Case.objects.select_for_update().get(pk=case.pk)


def _locked_workshop(workshop: Workshop) -> Workshop:
    return Workshop.objects.select_for_update().get(pk=workshop.pk)


def _check_not_cancelled(workshop: Workshop, what: str) -> None:
    if workshop.status == Workshop.Status.CANCELLED:
        raise DomainError(f"{what} : l'atelier a été annulé.", code="workshop_cancelled")


# --- Appointments -------------------------------------------------------------------------------


def _check_session_date(starts_at: datetime, *, field: str) -> None:
    today = timezone.localdate()
    first, last = today - SESSION_DATE_REACH, today + SESSION_DATE_REACH
    if not first <= timezone.localdate(starts_at) <= last:
        raise DomainError(
            f"La date doit être comprise entre le {first:%d/%m/%Y} et le {last:%d/%m/%Y}.",
            field=field,
        )


def _check_appointment_fields(
    case: Case,
    *,
    staff: Membership | None,
    site: Site | None,
    kind: str,
    duration_minutes: int,
    starts_at: datetime,
) -> None:
    if kind not in Appointment.Kind.values:
        raise DomainError("Choisissez l'objet du rendez-vous.", field="kind")
    if not 5 <= duration_minutes <= 600:
        raise DomainError(
            "La durée doit être comprise entre 5 minutes et 10 heures.", field="duration_minutes"
        )
    _check_session_date(starts_at, field="starts_at")
    _check_staff_member(staff, case.organization_id, field="staff")
    _check_site(site, case.organization_id)


@transaction.atomic
def schedule_appointment(
    *,
    case: Case,
    by: Membership,
    staff: Membership | None,
    starts_at: datetime,
    duration_minutes: int,
    kind: str,
    site: Site | None = None,
    location: str = "",
) -> Appointment:
    """Book an individual appointment for the person of a case."""
    check_caseworker(by, case.organization_id)
    case = _locked_case(case)
    _check_case_active(case)
    _check_appointment_fields(
        case,
        staff=staff,
        site=site,
        kind=kind,
        duration_minutes=duration_minutes,
        starts_at=starts_at,
    )
    return Appointment.objects.create(
        organization_id=case.organization_id,
        case=case,
        staff=staff,
        site=site,
        kind=kind,
        starts_at=starts_at,
        duration_minutes=duration_minutes,
        location=location.strip(),
    )


@transaction.atomic
def update_appointment(
    *,
    appointment: Appointment,
    by: Membership,
    staff: Membership | None,
    starts_at: datetime,
    duration_minutes: int,
    kind: str,
    site: Site | None = None,
    location: str = "",
) -> Appointment:
    """Move or change a planned appointment."""
    check_caseworker(by, appointment.organization_id)
    appointment = (
        Appointment.objects.select_for_update().select_related("case").get(pk=appointment.pk)
    )
    if appointment.status != Appointment.Status.PLANNED:
        raise DomainError(
            f"Un rendez-vous « {appointment.get_status_display().lower()} » ne peut plus être "
            "modifié : planifiez-en un nouveau.",
            code="appointment_not_planned",
        )
    _check_appointment_fields(
        appointment.case,
        staff=staff,
        site=site,
        kind=kind,
        duration_minutes=duration_minutes,
        starts_at=starts_at,
    )
    appointment.staff = staff
    appointment.site = site
    appointment.kind = kind
    appointment.starts_at = starts_at
    appointment.duration_minutes = duration_minutes
    appointment.location = location.strip()
    appointment.save(
        update_fields=["staff", "site", "kind", "starts_at", "duration_minutes", "location"]
    )
    return appointment


@transaction.atomic
def set_appointment_status(
    *, appointment: Appointment, status: str, notes: str = "", by: Membership
) -> Appointment:
    """Record how an appointment went (honoured, cancelled, missed) and its report."""
    appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
    if appointment.staff_id != by.pk:
        check_caseworker(by, appointment.organization_id)
    if status not in Appointment.Status.values:
        raise DomainError("Choisissez un statut de rendez-vous.", field="status")
    current = appointment.status
    if status != current and status not in APPOINTMENT_STATUS_CHANGES[current]:
        raise DomainError(
            f"Un rendez-vous « {appointment.get_status_display().lower()} » ne peut pas passer "
            f"à « {Appointment.Status(status).label.lower()} ».",
            code="invalid_transition",
            field="status",
        )
    if (
        status in (Appointment.Status.DONE, Appointment.Status.NO_SHOW)
        and appointment.starts_at > timezone.now()
    ):
        raise DomainError(
            "Ce rendez-vous n'a pas encore eu lieu : vous pourrez le noter honoré ou manqué "
            "après son début.",
            code="appointment_in_future",
            field="status",
        )
    appointment.status = status
    appointment.notes = notes.strip()
    appointment.save(update_fields=["status", "notes"])
    if status == Appointment.Status.DONE:
        note_contact_of_cases(
            case_ids=[appointment.case_id], on=timezone.localdate(appointment.starts_at)
        )
    return appointment


# --- Workshops ----------------------------------------------------------------------------------


def _check_workshop_fields(
    organization_id,
    *,
    kind: str,
    title: str,
    site: Site | None,
    coach: Membership | None,
    starts_at: datetime,
    ends_at: datetime,
    capacity: int,
) -> None:
    if kind not in Curriculum.values:
        raise DomainError("Choisissez le type d'atelier.", field="kind")
    if not title.strip():
        raise DomainError("Donnez un intitulé à l'atelier.", field="title")
    _check_session_date(starts_at, field="starts_at")
    if ends_at <= starts_at:
        raise DomainError("L'atelier doit finir après son début.", field="ends_at")
    if capacity < 1:
        raise DomainError("L'atelier doit compter au moins une place.", field="capacity")
    _check_site(site, organization_id)
    _check_staff_member(coach, organization_id, field="coach")


@transaction.atomic
def create_workshop(
    *,
    organization: Organization,
    by: Membership,
    kind: str,
    title: str,
    site: Site | None,
    coach: Membership | None,
    starts_at: datetime,
    ends_at: datetime,
    capacity: int,
    description: str = "",
) -> Workshop:
    """Schedule a collective workshop run by a member of the platform."""
    check_caseworker(by, organization.pk)
    _check_workshop_fields(
        organization.pk,
        kind=kind,
        title=title,
        site=site,
        coach=coach,
        starts_at=starts_at,
        ends_at=ends_at,
        capacity=capacity,
    )
    return Workshop.objects.create(
        organization=organization,
        kind=kind,
        title=title.strip(),
        site=site,
        coach=coach,
        starts_at=starts_at,
        ends_at=ends_at,
        capacity=capacity,
        description=description.strip(),
    )


def _fill_seats(workshop: Workshop) -> list[Registration]:
    """Promote people from the waiting list, first come first served, while seats are free.

    The caller holds the lock on the workshop row.
    """
    free = workshop.capacity - workshop.registrations.confirmed().count()
    if free <= 0:
        return []
    promoted = list(workshop.registrations.waitlisted().order_by("registered_at", "id")[:free])
    for registration in promoted:
        registration.status = Registration.Status.CONFIRMED
        registration.save(update_fields=["status"])
    return promoted


@transaction.atomic
def update_workshop(
    *,
    workshop: Workshop,
    by: Membership,
    kind: str,
    title: str,
    site: Site | None,
    coach: Membership | None,
    starts_at: datetime,
    ends_at: datetime,
    capacity: int,
    description: str = "",
) -> Workshop:
    """Change a workshop; more seats promote people from the waiting list."""
    check_caseworker(by, workshop.organization_id)
    workshop = _locked_workshop(workshop)
    _check_not_cancelled(workshop, "Impossible de modifier l'atelier")
    _check_workshop_fields(
        workshop.organization_id,
        kind=kind,
        title=title,
        site=site,
        coach=coach,
        starts_at=starts_at,
        ends_at=ends_at,
        capacity=capacity,
    )
    confirmed = workshop.registrations.confirmed().count()
    if capacity < confirmed:
        raise DomainError(
            f"{confirmed} personnes sont déjà inscrites : l'atelier ne peut pas compter moins "
            f"de {confirmed} places. Désinscrivez d'abord des personnes.",
            code="capacity_below_registrations",
            field="capacity",
        )
    if kind != workshop.kind and workshop.skill_assessments.exists():
        raise DomainError(
            "Des compétences ont déjà été évaluées pendant cet atelier : son type ne peut plus "
            "changer.",
            field="kind",
        )
    workshop.kind = kind
    workshop.title = title.strip()
    workshop.site = site
    workshop.coach = coach
    workshop.starts_at = starts_at
    workshop.ends_at = ends_at
    workshop.capacity = capacity
    workshop.description = description.strip()
    workshop.save(
        update_fields=[
            "kind",
            "title",
            "site",
            "coach",
            "starts_at",
            "ends_at",
            "capacity",
            "description",
        ]
    )
    _fill_seats(workshop)
    return workshop


@transaction.atomic
def cancel_workshop(*, workshop: Workshop, by: Membership) -> Workshop:
    """Cancel a workshop; its registrations stay visible, no attendance can be taken."""
    check_caseworker(by, workshop.organization_id)
    workshop = _locked_workshop(workshop)
    _check_not_cancelled(workshop, "Impossible d'annuler l'atelier")
    if workshop.registrations.exclude(attendance="").exists():
        raise DomainError(
            "La présence a déjà été notée : cet atelier a eu lieu et ne peut plus être annulé.",
            code="attendance_taken",
        )
    workshop.status = Workshop.Status.CANCELLED
    workshop.save(update_fields=["status"])
    return workshop


# --- Registrations ------------------------------------------------------------------------------


@transaction.atomic
def register(*, workshop: Workshop, case: Case, by: Membership) -> Registration:
    """Give the person a seat, or a place on the waiting list when the workshop is full."""
    check_caseworker(by, workshop.organization_id)
    if case.organization_id != workshop.organization_id:
        raise DomainError(
            "Cette personne n'est pas accompagnée par la plateforme qui organise l'atelier.",
            code="other_platform",
        )
    workshop = _locked_workshop(workshop)
    _check_not_cancelled(workshop, "Impossible de s'inscrire")
    if workshop.starts_at <= timezone.now():
        raise DomainError(
            "Cet atelier a déjà commencé : les inscriptions sont closes.",
            code="workshop_started",
        )
    _check_case_active(case)
    # Counted under the workshop lock: concurrent bookings wait here and see this seat taken.
    full = workshop.registrations.confirmed().count() >= workshop.capacity
    status = Registration.Status.WAITLISTED if full else Registration.Status.CONFIRMED
    registration = Registration.objects.filter(workshop=workshop, case=case).first()
    if registration is None:
        return Registration.objects.create(workshop=workshop, case=case, status=status)
    if registration.status != Registration.Status.CANCELLED:
        where = (
            "sur la liste d'attente de"
            if registration.status == Registration.Status.WAITLISTED
            else "déjà inscrite à"
        )
        raise ConflictError(f"Cette personne est {where} cet atelier.", code="duplicate")
    # Coming back after unregistering: a new place at the end of the waiting list.
    registration.status = status
    registration.registered_at = timezone.now()
    registration.attendance = ""
    registration.save(update_fields=["status", "registered_at", "attendance"])
    return registration


@transaction.atomic
def unregister(*, registration: Registration, by: Membership) -> Registration | None:
    """Free the person's seat; return who was promoted from the waiting list, if anyone."""
    check_caseworker(by, registration.workshop.organization_id)
    workshop = _locked_workshop(registration.workshop)
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    if registration.status == Registration.Status.CANCELLED:
        raise DomainError("Cette personne est déjà désinscrite.", code="already_cancelled")
    if registration.attendance:
        raise DomainError(
            "La présence de cette personne a déjà été notée : elle ne peut plus être désinscrite.",
            code="attendance_taken",
        )
    was_confirmed = registration.status == Registration.Status.CONFIRMED
    registration.status = Registration.Status.CANCELLED
    registration.save(update_fields=["status"])
    if not was_confirmed or workshop.status == Workshop.Status.CANCELLED:
        return None
    promoted = _fill_seats(workshop)
    return promoted[0] if promoted else None


# --- Attendance and skills ----------------------------------------------------------------------


def _check_runs_or_caseworker(workshop: Workshop, by: Membership) -> None:
    if by.pk != workshop.coach_id or not by.is_active:
        check_caseworker(by, workshop.organization_id)


@transaction.atomic
def take_attendance(
    *, workshop: Workshop, by: Membership, marks: Mapping[object, str]
) -> list[Registration]:
    """Mark each confirmed attendee present, absent, excused or no-show.

    ``marks`` maps registration ids to an attendance value; an empty value clears the mark.
    """
    _check_runs_or_caseworker(workshop, by)
    workshop = _locked_workshop(workshop)
    _check_not_cancelled(workshop, "Impossible de noter la présence")
    if workshop.starts_at > timezone.now():
        raise DomainError(
            "Impossible de noter la présence avant le début de l'atelier.",
            code="workshop_not_started",
        )
    wanted = {str(key): value for key, value in marks.items()}
    if any(value and value not in Registration.Attendance.values for value in wanted.values()):
        raise DomainError("Choisissez présent·e, absent·e, excusé·e ou absence non prévenue.")
    registrations = list(workshop.registrations.confirmed().filter(id__in=list(wanted)))
    if len(registrations) != len(wanted):
        raise DomainError(
            "La présence ne se note que pour les personnes inscrites (hors liste d'attente).",
            code="not_confirmed",
        )
    changed = []
    for registration in registrations:
        value = wanted[str(registration.pk)]
        if registration.attendance != value:
            registration.attendance = value
            registration.attendance_taken_by = by.user
            changed.append(registration)
    if changed:
        bulk_update_with_history(
            changed,
            Registration,
            ["attendance", "attendance_taken_by"],
            default_user=by.user,
        )
    if workshop.status == Workshop.Status.SCHEDULED and any(wanted.values()):
        workshop.status = Workshop.Status.DONE
        workshop.save(update_fields=["status"])
    present = [r.case_id for r in registrations if r.attendance == Registration.Attendance.PRESENT]
    if present:
        note_contact_of_cases(case_ids=present, on=timezone.localdate(workshop.starts_at))
    return registrations


@transaction.atomic
def assess_skill(
    *,
    case: Case,
    skill: Skill,
    value: int,
    by: Membership,
    workshop: Workshop | None = None,
    assessed_on: date,
) -> SkillAssessment:
    """Record the level or score a person reached on a skill.

    During a workshop, assessing the same skill again corrects that workshop's assessment.
    """
    if workshop is None:
        check_caseworker(by, case.organization_id)
        case = _locked_case(case)
        check_not_anonymised(beneficiary_id=case.beneficiary_id)
    else:
        _check_runs_or_caseworker(workshop, by)
        workshop = _locked_workshop(workshop)
        if workshop.organization_id != case.organization_id:
            raise DomainError("Cet atelier n'est pas organisé par la plateforme de la personne.")
        if not workshop.registrations.confirmed().filter(case=case).exists():
            raise DomainError("Cette personne n'est pas inscrite à cet atelier.")
        if skill.curriculum != workshop.kind:
            raise DomainError(
                f"« {skill.label} » ne fait pas partie du parcours de cet atelier.",
                field="skill",
            )
    if not Skill.objects.available_to(case.organization).filter(pk=skill.pk).exists():
        raise DomainError("Cette compétence n'est pas proposée par la plateforme.", field="skill")
    if not 0 <= value <= skill.scale_max:
        raise DomainError(
            f"Pour « {skill.label} », indiquez une valeur entre 0 et {skill.scale_max}.",
            code="value_out_of_range",
            field="value",
        )
    if assessed_on > timezone.localdate():
        raise DomainError(
            "La date d'évaluation ne peut pas être dans le futur.", field="assessed_on"
        )
    if workshop is not None:
        existing = (
            SkillAssessment.objects.select_for_update()
            .filter(case=case, skill=skill, workshop=workshop)
            .first()
        )
        if existing is not None:
            existing.value = value
            existing.assessed_on = assessed_on
            existing.assessed_by = by.user
            existing.save(update_fields=["value", "assessed_on", "assessed_by"])
            return existing
    return SkillAssessment.objects.create(
        case=case,
        skill=skill,
        workshop=workshop,
        value=value,
        assessed_on=assessed_on,
        assessed_by=by.user,
    )


@transaction.atomic
def record_attendance_sheet(
    *,
    workshop: Workshop,
    by: Membership,
    marks: Mapping[object, str],
    levels: Mapping[tuple[Case, Skill], int],
    assessed_on: date,
) -> None:
    """Save a workshop's attendance sheet at once: presence marks and skill levels."""
    take_attendance(workshop=workshop, by=by, marks=marks)
    for (case, skill), value in levels.items():
        assess_skill(
            case=case,
            skill=skill,
            value=value,
            by=by,
            workshop=workshop,
            assessed_on=assessed_on,
        )
