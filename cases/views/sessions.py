"""Sessions: the case tab (appointments, workshops, skills), the workshop calendar, the
attendance sheet and the coach's « Mes séances ».

A coach reaches only the workshops they run, and sees of each attendee the name and the skill
progress, never the rest of the file; admins and advisors see every workshop of the platform.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cases.forms_sessions import (
    AppointmentForm,
    AppointmentStatusForm,
    AttendanceSheetForm,
    RegistrationForm,
    SkillAssessmentForm,
    WorkshopFilterForm,
    WorkshopForm,
    confirmed_count,
    waitlisted_count,
    workshop_initial,
)
from cases.models import (
    Appointment,
    Case,
    Curriculum,
    Registration,
    Skill,
    SkillAssessment,
    Workshop,
)
from cases.services import sessions as services
from organizations.errors import DomainError
from organizations.models import Membership, Organization
from organizations.tenancy import role_required

from .common import caseworker_required, get_case_for, log_beneficiary_access

Role = Membership.Role
# Admins, advisors and coaches of a platform reach the workshops (a coach: only their own).
staff_required = role_required(
    Role.ADMIN, Role.ADVISOR, Role.COACH, kinds=(Organization.Kind.PLATFORM,)
)
GET_POST = require_http_methods(["GET", "POST"])
CALENDAR_WEEKS = 4


def _add_domain_error(form: forms.BaseForm, error: DomainError) -> None:
    form.add_error(error.field if error.field in form.fields else None, error.message)


def _is_caseworker(request: HttpRequest) -> bool:
    return request.membership.role in (Role.ADMIN, Role.ADVISOR)


def _with_counts(workshops):
    return workshops.select_related("site", "coach__user").annotate(
        confirmed_count=confirmed_count(), waitlisted_count=waitlisted_count()
    )


# --- Case tab -----------------------------------------------------------------------------------


def _skill_progress(assessments: list[SkillAssessment]) -> list[dict]:
    """Group a case's assessments by curriculum then skill: latest value and its history."""
    by_skill: dict = {}
    for assessment in assessments:
        by_skill.setdefault(assessment.skill, []).append(assessment)
    curricula = []
    for value, label in Curriculum.choices:
        skills = sorted(
            (s for s in by_skill if s.curriculum == value), key=lambda s: (s.position, s.label)
        )
        if not skills:
            continue
        rows = []
        for skill in skills:
            history = by_skill[skill]
            latest = history[-1].value
            passed = skill.pass_mark is not None and latest >= skill.pass_mark
            rows.append({"skill": skill, "latest": latest, "passed": passed, "history": history})
        curricula.append({"label": label, "skills": rows})
    return curricula


def _render_tab(
    request: HttpRequest,
    case: Case,
    *,
    appointment_form: AppointmentForm | None = None,
    registration_form: RegistrationForm | None = None,
    skill_form: SkillAssessmentForm | None = None,
    failed_status: tuple[Appointment, AppointmentStatusForm] | None = None,
) -> HttpResponse:
    now = timezone.now()
    appointments = list(case.appointments.select_related("staff__user", "site"))
    for appointment in appointments:
        if failed_status and failed_status[0].pk == appointment.pk:
            appointment.status_form = failed_status[1]
        else:
            appointment.status_form = AppointmentStatusForm(
                prefix=str(appointment.pk),
                initial={"status": appointment.status, "notes": appointment.notes},
            )
    registrations = case.registrations.select_related("workshop__site").order_by(
        "workshop__starts_at", "id"
    )
    assessments = list(
        case.skill_assessments.select_related("skill", "workshop").order_by("assessed_on", "id")
    )
    organization = request.organization
    context = {
        "case": case,
        "active_tab": "sessions",
        "now": now,
        "upcoming": [a for a in appointments if a.starts_at >= now],
        "past": [a for a in reversed(appointments) if a.starts_at < now],
        "registrations": registrations,
        "progress": _skill_progress(assessments),
        "appointment_form": appointment_form
        or AppointmentForm(
            organization=organization,
            prefix="rdv",
            initial={"staff": request.membership.pk, "site": case.site_id},
        ),
        "registration_form": registration_form or RegistrationForm(case=case, prefix="insc"),
        "skill_form": skill_form or SkillAssessmentForm(organization=organization, prefix="comp"),
    }
    return render(request, "cases/sessions/case_sessions.html", context)


def _to_tab(case_id) -> HttpResponse:
    return redirect("cases:case_sessions", case_id=case_id)


@caseworker_required
@require_GET
def case_sessions(request: HttpRequest, case_id) -> HttpResponse:
    """Show the person's appointments, workshops and skill progress, with forms to add them."""
    case = get_case_for(request, case_id)
    log_beneficiary_access(request, case.beneficiary)
    return _render_tab(request, case)


@caseworker_required
@require_POST
def appointment_create(request: HttpRequest, case_id) -> HttpResponse:
    case = get_case_for(request, case_id)
    form = AppointmentForm(request.POST, organization=request.organization, prefix="rdv")
    if form.is_valid():
        try:
            appointment = services.schedule_appointment(
                case=case, by=request.membership, **form.cleaned_data
            )
        except DomainError as error:
            _add_domain_error(form, error)
        else:
            when = timezone.localtime(appointment.starts_at)
            messages.success(request, f"Rendez-vous planifié le {when:%d/%m/%Y à %H:%M}.")
            return _to_tab(case.pk)
    return _render_tab(request, case, appointment_form=form)


@caseworker_required
@require_POST
def appointment_status(request: HttpRequest, appointment_id) -> HttpResponse:
    appointment = get_object_or_404(
        Appointment.objects.visible_to(request.membership), id=appointment_id
    )
    form = AppointmentStatusForm(request.POST, prefix=str(appointment.pk))
    if form.is_valid():
        try:
            services.set_appointment_status(
                appointment=appointment, by=request.membership, **form.cleaned_data
            )
        except DomainError as error:
            _add_domain_error(form, error)
        else:
            messages.success(request, "Le rendez-vous est mis à jour.")
            return _to_tab(appointment.case_id)
    case = get_case_for(request, appointment.case_id)
    return _render_tab(request, case, failed_status=(appointment, form))


@caseworker_required
@require_POST
def registration_create(request: HttpRequest, case_id) -> HttpResponse:
    case = get_case_for(request, case_id)
    form = RegistrationForm(request.POST, case=case, prefix="insc")
    if form.is_valid():
        try:
            registration = services.register(
                workshop=form.cleaned_data["workshop"], case=case, by=request.membership
            )
        except DomainError as error:
            _add_domain_error(form, error)
        else:
            if registration.status == Registration.Status.CONFIRMED:
                messages.success(request, f"{case.beneficiary.full_name} est inscrit·e.")
            else:
                messages.warning(
                    request,
                    "L'atelier est complet : la personne est sur la liste d'attente et sera "
                    "inscrite automatiquement si une place se libère.",
                )
            return _to_tab(case.pk)
    return _render_tab(request, case, registration_form=form)


@caseworker_required
@require_POST
def skill_assess(request: HttpRequest, case_id) -> HttpResponse:
    case = get_case_for(request, case_id)
    form = SkillAssessmentForm(request.POST, organization=request.organization, prefix="comp")
    if form.is_valid():
        try:
            services.assess_skill(case=case, by=request.membership, **form.cleaned_data)
        except DomainError as error:
            _add_domain_error(form, error)
        else:
            messages.success(request, "Le niveau est enregistré.")
            return _to_tab(case.pk)
    return _render_tab(request, case, skill_form=form)


# --- Workshops ----------------------------------------------------------------------------------


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _aware(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


@staff_required
@require_GET
def workshop_list(request: HttpRequest) -> HttpResponse:
    """Show the platform's workshops (a coach: their own) week by week, with seats taken."""
    form = WorkshopFilterForm(request.GET or None, organization=request.organization)
    filters = form.cleaned_data if form.is_valid() else {}
    start = _monday(filters.get("semaine") or timezone.localdate())
    end = start + timedelta(weeks=CALENDAR_WEEKS)
    workshops = Workshop.objects.visible_to(request.membership).filter(
        starts_at__gte=_aware(start), starts_at__lt=_aware(end)
    )
    if filters.get("kind"):
        workshops = workshops.filter(kind=filters["kind"])
    if filters.get("site"):
        workshops = workshops.filter(site=filters["site"])
    workshops = list(_with_counts(workshops).order_by("starts_at", "id"))
    weeks = []
    for index in range(CALENDAR_WEEKS):
        monday = start + timedelta(weeks=index)
        weeks.append(
            {
                "start": monday,
                "end": monday + timedelta(days=6),
                "workshops": [
                    w
                    for w in workshops
                    if _monday(timezone.localtime(w.starts_at).date()) == monday
                ],
            }
        )
    keep = {k: v for k, v in request.GET.items() if k in ("kind", "site") and v}
    context = {
        "form": form,
        "weeks": weeks,
        "previous_query": urlencode({**keep, "semaine": start - timedelta(weeks=CALENDAR_WEEKS)}),
        "next_query": urlencode({**keep, "semaine": end}),
        "can_manage": _is_caseworker(request),
    }
    template = "cases/sessions/workshop_list.html"
    response = render(request, f"{template}#weeks" if request.htmx else template, context)
    patch_vary_headers(response, ("HX-Request",))
    return response


@caseworker_required
@GET_POST
def workshop_create(request: HttpRequest) -> HttpResponse:
    form = WorkshopForm(request.POST or None, organization=request.organization)
    if request.method == "POST" and form.is_valid():
        try:
            workshop = services.create_workshop(
                organization=request.organization, by=request.membership, **form.cleaned_data
            )
        except DomainError as error:
            _add_domain_error(form, error)
        else:
            messages.success(request, f"L'atelier « {workshop.title} » est programmé.")
            return redirect("cases:workshop_detail", workshop_id=workshop.pk)
    return render(request, "cases/sessions/workshop_form.html", {"form": form, "workshop": None})


@caseworker_required
@GET_POST
def workshop_edit(request: HttpRequest, workshop_id) -> HttpResponse:
    workshop = get_object_or_404(
        Workshop.objects.for_organization(request.organization), id=workshop_id
    )
    form = WorkshopForm(
        request.POST or None, organization=request.organization, initial=workshop_initial(workshop)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_workshop(workshop=workshop, by=request.membership, **form.cleaned_data)
        except DomainError as error:
            _add_domain_error(form, error)
        else:
            messages.success(request, "L'atelier est modifié.")
            return redirect("cases:workshop_detail", workshop_id=workshop.pk)
    context = {"form": form, "workshop": workshop}
    return render(request, "cases/sessions/workshop_form.html", context)


def _act(request: HttpRequest, action: Callable[[], object], success: str) -> bool:
    try:
        action()
    except DomainError as error:
        messages.error(request, error.message)
        return False
    messages.success(request, success)
    return True


@caseworker_required
@require_POST
def workshop_cancel(request: HttpRequest, workshop_id) -> HttpResponse:
    workshop = get_object_or_404(
        Workshop.objects.for_organization(request.organization), id=workshop_id
    )
    _act(
        request,
        lambda: services.cancel_workshop(workshop=workshop, by=request.membership),
        f"L'atelier « {workshop.title} » est annulé. Prévenez les personnes inscrites.",
    )
    return redirect("cases:workshop_detail", workshop_id=workshop.pk)


@staff_required
@require_GET
def workshop_detail(request: HttpRequest, workshop_id) -> HttpResponse:
    """Show a workshop with its attendees, its waiting list and the seats left."""
    workshop = get_object_or_404(
        _with_counts(Workshop.objects.visible_to(request.membership)), id=workshop_id
    )
    registrations = list(
        workshop.registrations.exclude(status=Registration.Status.CANCELLED)
        .select_related("case__beneficiary")
        .order_by("registered_at", "id")
    )
    context = {
        "workshop": workshop,
        "confirmed": [r for r in registrations if r.status == Registration.Status.CONFIRMED],
        "waitlisted": [r for r in registrations if r.status == Registration.Status.WAITLISTED],
        "seats_left": max(workshop.capacity - workshop.confirmed_count, 0),
        "can_manage": _is_caseworker(request),
        "is_past": workshop.starts_at <= timezone.now(),
    }
    return render(request, "cases/sessions/workshop_detail.html", context)


@caseworker_required
@require_POST
def registration_cancel(request: HttpRequest, registration_id) -> HttpResponse:
    registration = get_object_or_404(
        Registration.objects.for_organization(request.organization).select_related(
            "workshop", "case__beneficiary"
        ),
        id=registration_id,
    )
    name = registration.case.beneficiary.full_name
    promoted = []
    _act(
        request,
        lambda: promoted.append(
            services.unregister(registration=registration, by=request.membership)
        ),
        f"{name} est désinscrit·e de l'atelier.",
    )
    if promoted and promoted[0] is not None:
        promoted_name = promoted[0].case.beneficiary.full_name
        messages.info(request, f"{promoted_name} passe de la liste d'attente aux inscrit·es.")
    next_url = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        return redirect(next_url)
    return redirect("cases:workshop_detail", workshop_id=registration.workshop_id)


# --- Attendance sheet and the coach's sessions --------------------------------------------------


def _sheet_form(request: HttpRequest, workshop: Workshop) -> AttendanceSheetForm:
    registrations = list(
        workshop.registrations.confirmed()
        .select_related("case__beneficiary")
        .order_by("case__beneficiary__last_name", "case__beneficiary__first_name", "id")
    )
    skills = list(
        Skill.objects.available_to(request.organization)
        .filter(curriculum=workshop.kind)
        .order_by("position", "label")
    )
    current: dict[tuple, int] = {}
    latest: dict[tuple, int] = {}
    if registrations and skills:
        assessments = SkillAssessment.objects.for_organization(request.organization).filter(
            case_id__in=[r.case_id for r in registrations], skill__in=skills
        )
        for assessment in assessments.order_by("assessed_on", "id"):
            key = (assessment.case_id, assessment.skill_id)
            if assessment.workshop_id == workshop.pk:
                current[key] = assessment.value
            else:
                latest[key] = assessment.value
    return AttendanceSheetForm(
        request.POST if request.method == "POST" else None,
        registrations=registrations,
        skills=skills,
        current=current,
        latest=latest,
    )


@staff_required
@GET_POST
def workshop_attendance(request: HttpRequest, workshop_id) -> HttpResponse:
    """Take attendance and record skill levels on a phone, row by row."""
    workshop = get_object_or_404(
        Workshop.objects.visible_to(request.membership).select_related("site", "coach__user"),
        id=workshop_id,
    )
    form = _sheet_form(request, workshop)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_attendance_sheet(
                workshop=workshop,
                by=request.membership,
                marks=form.marks(),
                levels=form.levels(),
                assessed_on=timezone.localtime(workshop.starts_at).date(),
            )
        except DomainError as error:
            _add_domain_error(form, error)
        else:
            messages.success(request, "La feuille de présence est enregistrée.")
            return redirect("cases:workshop_attendance", workshop_id=workshop.pk)
    context = {
        "workshop": workshop,
        "form": form,
        "rows": form.rows(),
        "can_manage": _is_caseworker(request),
        "not_started": workshop.starts_at > timezone.now(),
    }
    return render(request, "cases/sessions/attendance.html", context)


@staff_required
@require_GET
def my_sessions(request: HttpRequest) -> HttpResponse:
    """Show the member's workshops and appointments of today and the weeks ahead."""
    now = timezone.now()
    today = _aware(timezone.localdate())
    tomorrow = today + timedelta(days=1)
    mine = Workshop.objects.visible_to(request.membership).filter(coach=request.membership)
    workshops = list(
        _with_counts(
            mine.filter(starts_at__gte=today).exclude(status=Workshop.Status.CANCELLED)
        ).order_by("starts_at", "id")[:30]
    )
    to_complete = list(
        _with_counts(
            mine.filter(
                starts_at__lt=today,
                starts_at__gte=today - timedelta(days=30),
                status=Workshop.Status.SCHEDULED,
            )
        ).order_by("starts_at", "id")
    )
    appointments = list(
        Appointment.objects.visible_to(request.membership)
        .filter(staff=request.membership, starts_at__gte=today, status=Appointment.Status.PLANNED)
        .select_related("case__beneficiary", "site")
        .order_by("starts_at", "id")[:30]
    )
    context = {
        "now": now,
        "today_workshops": [w for w in workshops if w.starts_at < tomorrow],
        "upcoming_workshops": [w for w in workshops if w.starts_at >= tomorrow],
        "to_complete": to_complete,
        "today_appointments": [a for a in appointments if a.starts_at < tomorrow],
        "upcoming_appointments": [a for a in appointments if a.starts_at >= tomorrow],
        "can_manage": _is_caseworker(request),
    }
    return render(request, "cases/sessions/my_sessions.html", context)


urlpatterns = [
    path("accompagnements/<uuid:case_id>/seances/", case_sessions, name="case_sessions"),
    path(
        "accompagnements/<uuid:case_id>/seances/rendez-vous/",
        appointment_create,
        name="appointment_create",
    ),
    path(
        "accompagnements/<uuid:case_id>/seances/inscription/",
        registration_create,
        name="registration_create",
    ),
    path("accompagnements/<uuid:case_id>/seances/competence/", skill_assess, name="skill_assess"),
    path(
        "rendez-vous/<uuid:appointment_id>/statut/", appointment_status, name="appointment_status"
    ),
    path("ateliers/", workshop_list, name="workshop_list"),
    path("ateliers/nouveau/", workshop_create, name="workshop_create"),
    path("ateliers/mes-seances/", my_sessions, name="my_sessions"),
    path("ateliers/<uuid:workshop_id>/", workshop_detail, name="workshop_detail"),
    path("ateliers/<uuid:workshop_id>/modifier/", workshop_edit, name="workshop_edit"),
    path("ateliers/<uuid:workshop_id>/annuler/", workshop_cancel, name="workshop_cancel"),
    path("ateliers/<uuid:workshop_id>/presence/", workshop_attendance, name="workshop_attendance"),
    path(
        "ateliers/inscriptions/<uuid:registration_id>/desinscrire/",
        registration_cancel,
        name="registration_cancel",
    ),
]
