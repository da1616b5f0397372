"""The people pages: case list and export, « À faire », new person and case, the person's file
and consents, the summary and history tabs, status changes, exit, follow-ups, access log."""

from __future__ import annotations

import csv

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Q, Subquery
from django.forms import BaseForm, DateField
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cases.forms_people import (
    AccessLogFilterForm,
    BeneficiaryForm,
    CaseFilterForm,
    CaseForm,
    ConsentForm,
    ConsentsForm,
    ContactForm,
    ExitForm,
    FollowUpForm,
)
from cases.models import (
    AccessLog,
    Action,
    Appointment,
    Beneficiary,
    Case,
    CaseBarrier,
    CaseStatus,
    ConsentRecord,
    FollowUp,
    Participation,
    Registration,
    Workshop,
)
from cases.services import contacts, lifecycle
from cases.services import people as services
from cases.services.participations import asks_improved_situation
from cases.timeline import case_events, field_changes
from cases.views.common import (
    caseworker_required,
    get_case_for,
    log_beneficiaries_access,
    log_beneficiary_access,
    platform_admin_required,
)
from organizations.errors import DomainError
from organizations.tenancy import export_right_required

GET_POST = require_http_methods(["GET", "POST"])
PAGE_SIZE = 25
RETENTION_SHOWN = 50


def _add_error(form: BaseForm, error: DomainError) -> bool:
    """Show a refused operation next to its field if the form has it; tell whether it did."""
    if error.field in form.fields:
        form.add_error(error.field, error.message)
        return True
    return False


def _add_error_to_one(forms: list[BaseForm], error: DomainError) -> None:
    if not any(_add_error(form, error) for form in forms):
        forms[0].add_error(None, error.message)


def _scoped_cases(request: HttpRequest):
    return Case.objects.visible_to(request.membership)


def _beneficiary_for(request: HttpRequest, beneficiary_id) -> Beneficiary:
    people = Beneficiary.objects.for_organization(request.organization).not_anonymised()
    return get_object_or_404(people, id=beneficiary_id)


def _latest_case_url(request: HttpRequest, beneficiary: Beneficiary) -> str:
    case = _scoped_cases(request).filter(beneficiary=beneficiary).order_by("-opened_on").first()
    return reverse("cases:case_detail", args=[case.id]) if case else reverse("cases:case_list")


# --- Case list, export, « À faire » -------------------------------------------------------------


def _filtered_cases(request: HttpRequest) -> tuple[CaseFilterForm, object]:
    form = CaseFilterForm(request.GET, membership=request.membership)
    cases = form.filter(
        _scoped_cases(request).with_list_data().select_related("beneficiary__commune"),
        membership=request.membership,
    )
    return form, cases.order_by("beneficiary__last_name", "beneficiary__first_name", "id")


@caseworker_required
@require_GET
def case_list(request: HttpRequest) -> HttpResponse:
    """List the platform's cases with search, filters and pages; htmx refreshes the results."""
    form, cases = _filtered_cases(request)
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode()}
    template = "cases/case_list.html"
    response = render(request, f"{template}#results" if request.htmx else template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


CSV_COLUMNS = [
    "Nom", "Prénom", "Date de naissance", "Sexe", "Commune", "Code INSEE", "Statut",
    "Conseiller·e", "Site", "Origine", "Date d'entrée", "Date de sortie", "Motif de sortie",
]  # fmt: skip


@caseworker_required
@export_right_required
@require_GET
def case_export(request: HttpRequest) -> HttpResponse:
    """Download the filtered list as CSV (semicolons, for spreadsheets set to French)."""
    _form, cases = _filtered_cases(request)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    day = timezone.localdate()
    response["Content-Disposition"] = f'attachment; filename="accompagnements-{day:%Y-%m-%d}.csv"'
    response.write("\ufeff")
    writer = csv.writer(response, delimiter=";")
    writer.writerow(CSV_COLUMNS)
    exported = []
    for case in cases:
        person = case.beneficiary
        exported.append(person.pk)
        writer.writerow(
            [
                person.last_name, person.first_name,
                f"{person.birth_date:%d/%m/%Y}" if person.birth_date else "",
                person.get_sex_display(),
                person.commune.name if person.commune else "",
                person.commune.code if person.commune else "",
                case.get_status_display(),
                case.advisor.user.get_full_name() if case.advisor else "",
                case.site.name if case.site else "",
                case.get_origin_display(),
                f"{case.opened_on:%d/%m/%Y}",
                f"{case.closed_on:%d/%m/%Y}" if case.closed_on else "",
                case.get_exit_reason_display(),
            ]
        )  # fmt: skip
    log_beneficiaries_access(request, dict.fromkeys(exported), kind=AccessLog.Kind.EXPORT)
    return response


def todo_context(membership, *, today=None) -> dict:
    """What an advisor has to do today: follow-ups due, overdue actions, today's sessions.

    Advisors see their own cases; admins the whole platform.
    """
    today = today or timezone.localdate()
    organization = membership.organization
    follow_ups = FollowUp.objects.for_organization(organization).due(today)
    actions = Action.objects.for_organization(organization).overdue(today)
    appointments = Appointment.objects.visible_to(membership).on_day(today)
    workshops = Workshop.objects.visible_to(membership).filter(starts_at__date=today)
    latest_case = Case.objects.filter(beneficiary=OuterRef("pk")).order_by("-opened_on", "-id")
    retention = (
        Beneficiary.objects.for_organization(organization)
        .anonymisation_near(today)
        .annotate(case_id=Subquery(latest_case.values("id")[:1]))
    )
    if membership.role == membership.Role.ADVISOR:
        follow_ups = follow_ups.filter(case__advisor=membership)
        actions = actions.filter(goal__case__advisor=membership)
        appointments = appointments.filter(Q(staff=membership) | Q(case__advisor=membership))
        retention = retention.filter(
            Exists(Case.objects.filter(beneficiary=OuterRef("pk"), advisor=membership))
        )
    return {
        "today": today,
        "follow_ups": follow_ups.select_related("case__beneficiary").order_by("due_on", "id"),
        "actions": actions.select_related("goal__case__beneficiary").order_by("due_date", "id"),
        "appointments": appointments.select_related("case__beneficiary", "staff__user", "site"),
        "workshops": workshops.exclude(status=Workshop.Status.CANCELLED).select_related(
            "site", "coach__user"
        ),
        "retention": retention.order_by("last_contact_on", "last_name", "id")[:RETENTION_SHOWN],
    }


@caseworker_required
@require_GET
def todo(request: HttpRequest) -> HttpResponse:
    """Show the follow-ups due, the overdue actions and today's appointments and workshops."""
    # The advisor's home loads the same blocks with htmx.
    template = "cases/_todo_sections.html" if request.htmx else "cases/todo.html"
    response = render(request, template, todo_context(request.membership))
    patch_vary_headers(response, ["HX-Request"])
    return response


# --- New person and case, the person's file and consents ----------------------------------------


@caseworker_required
@GET_POST
def case_create(request: HttpRequest) -> HttpResponse:
    """Create a person's file and open their case; possible duplicates are shown first."""
    data = request.POST if request.method == "POST" else None
    initial = {"advisor": request.membership} if request.membership.role == "advisor" else {}
    case_form = CaseForm(data, organization=request.organization, initial=initial)
    entry = case_form["opened_on"].value() if data else None
    person_form = BeneficiaryForm(data, entry_date=_parse_date(entry))
    consents_form = ConsentsForm(data)
    duplicates: list[Beneficiary] = []
    forms = [person_form, case_form, consents_form]
    valid = [form.is_valid() for form in forms]  # every form, so that every error shows
    if data is not None and all(valid):
        try:
            case = services.enrol_new_person(
                organization=request.organization,
                by=request.membership,
                person=person_form.cleaned_data,
                case=case_form.cleaned_data,
                consents=consents_form.scopes(),
                consent_given_on=consents_form.cleaned_data["consent_given_on"],
                confirm_not_duplicate=data.get("confirm_not_duplicate") == "1",
            )
        except services.PossibleDuplicate as error:
            duplicates = error.duplicates
        except DomainError as error:
            _add_error_to_one(forms, error)
        else:
            messages.success(request, f"Le dossier de {case.beneficiary.full_name} est ouvert.")
            return redirect("cases:case_detail", case.id)
    context = {
        "person_form": person_form,
        "case_form": case_form,
        "consents_form": consents_form,
        "duplicates": duplicates,
    }
    return render(request, "cases/case_create.html", context)


def _parse_date(value):
    try:
        return DateField(required=False).clean(value)
    except ValidationError:  # an invalid entry date gets its own message on its field
        return None


@caseworker_required
@GET_POST
def beneficiary_edit(request: HttpRequest, beneficiary_id) -> HttpResponse:
    """Change a person's identity, contact, address or situation."""
    beneficiary = _beneficiary_for(request, beneficiary_id)
    if request.method == "GET":
        log_beneficiary_access(request, beneficiary)
    form = BeneficiaryForm(request.POST or None, instance=beneficiary)
    duplicates: list[Beneficiary] = []
    if request.method == "POST" and form.is_valid():
        try:
            services.update_beneficiary(
                beneficiary,
                by=request.membership,
                data={name: form.cleaned_data[name] for name in services.BENEFICIARY_FIELDS},
                confirm_not_duplicate=request.POST.get("confirm_not_duplicate") == "1",
            )
        except services.PossibleDuplicate as error:
            duplicates = error.duplicates
        except DomainError as error:
            _add_error_to_one([form], error)
        else:
            messages.success(request, "Les informations de la personne sont enregistrées.")
            return redirect(_latest_case_url(request, beneficiary))
    context = {"form": form, "beneficiary": beneficiary, "duplicates": duplicates}
    return render(request, "cases/beneficiary_edit.html", context)


@caseworker_required
@GET_POST
def beneficiary_consents(request: HttpRequest, beneficiary_id) -> HttpResponse:
    """List a person's consents, record a new one or a withdrawal."""
    beneficiary = _beneficiary_for(request, beneficiary_id)
    consents = ConsentRecord.objects.for_organization(request.organization).filter(
        beneficiary=beneficiary
    )
    form = ConsentForm(
        request.POST if "scope" in request.POST else None,
        initial={"given_on": timezone.localdate()},
    )
    if request.method == "POST":
        try:
            if "withdraw" in request.POST:
                consent = get_object_or_404(consents, id=request.POST["withdraw"])
                services.withdraw_consent(consent, by=request.membership)
                messages.success(request, f"Retrait enregistré : {consent.get_scope_display()}.")
                return redirect("cases:beneficiary_consents", beneficiary.id)
            if form.is_valid():
                services.record_consent(beneficiary, by=request.membership, **form.cleaned_data)
                messages.success(request, "Le consentement est enregistré.")
                return redirect("cases:beneficiary_consents", beneficiary.id)
        except DomainError as error:
            if not _add_error(form, error):
                messages.error(request, error.message)
    else:
        log_beneficiary_access(request, beneficiary)
    context = {
        "beneficiary": beneficiary,
        "consents": consents.select_related("recorded_by"),
        "form": form,
        "back_url": _latest_case_url(request, beneficiary),
    }
    return render(request, "cases/beneficiary_consents.html", context)


@caseworker_required
@GET_POST
def beneficiary_contact(request: HttpRequest, beneficiary_id) -> HttpResponse:
    """Record a contact that came from the person: their file is kept longer."""
    beneficiary = _beneficiary_for(request, beneficiary_id)
    form = ContactForm(request.POST or None, initial={"on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            contacts.record_contact(beneficiary, by=request.membership, **form.cleaned_data)
        except DomainError as error:
            _add_error_to_one([form], error)
        else:
            beneficiary.refresh_from_db()
            messages.success(
                request,
                f"Contact du {beneficiary.last_contact_on:%d/%m/%Y} enregistré : le dossier est "
                f"conservé jusqu'au {beneficiary.anonymisation_due_on:%d/%m/%Y}.",
            )
            return redirect(_latest_case_url(request, beneficiary))
    if request.method == "GET":
        log_beneficiary_access(request, beneficiary)
    context = {
        "beneficiary": beneficiary,
        "form": form,
        "back_url": _latest_case_url(request, beneficiary),
    }
    return render(request, "cases/beneficiary_contact.html", context)


# --- The case: summary, edit, transitions, exit, follow-ups, history ----------------------------


@caseworker_required
@require_GET
def case_detail(request: HttpRequest, case_id) -> HttpResponse:
    """Show the summary tab: the person, their situation, barriers, next steps and alerts."""
    case = get_object_or_404(
        _scoped_cases(request)
        .with_list_data()
        .select_related("beneficiary__commune__epci", "beneficiary__commune__departement"),
        id=case_id,
    )
    log_beneficiary_access(request, case.beneficiary)
    return render(request, "cases/case_detail.html", _summary(request, case))


def _summary(request: HttpRequest, case: Case) -> dict:
    organization, now = request.organization, timezone.now()
    today = timezone.localdate()
    follow_ups = list(FollowUp.objects.for_organization(organization).filter(case=case))
    consents = list(
        ConsentRecord.objects.for_organization(organization)
        .filter(beneficiary_id=case.beneficiary_id)
        .in_force()
    )
    return {
        "case": case,
        "active_tab": "summary",
        "person": case.beneficiary,
        "today": today,
        "barriers": CaseBarrier.objects.for_organization(organization)
        .filter(case=case)
        .current()
        .select_related("barrier__category"),
        "appointments": Appointment.objects.for_organization(organization)
        .filter(case=case, status=Appointment.Status.PLANNED, starts_at__gte=now)
        .select_related("staff__user", "site")[:5],
        "registrations": Registration.objects.for_organization(organization)
        .filter(case=case, workshop__ends_at__gte=now)
        .exclude(status=Registration.Status.CANCELLED)
        .select_related("workshop__site")
        .order_by("workshop__starts_at", "id")[:5],
        "actions": Action.objects.for_organization(organization)
        .filter(goal__case=case)
        .pending()
        .select_related("goal", "responsible__user")[:10],
        "agreements": case.funding_agreements.order_by("programme"),
        "follow_ups": follow_ups,
        "follow_ups_due": [f for f in follow_ups if f.done_on is None and f.due_on <= today],
        "consents": consents,
        "has_processing_consent": any(c.scope == ConsentRecord.Scope.PROCESSING for c in consents),
        "participation": Participation.objects.for_organization(organization)
        .filter(case=case)
        .first(),
    }


@caseworker_required
@GET_POST
def case_edit(request: HttpRequest, case_id) -> HttpResponse:
    """Change the case's advisor, site, origin, objective and agreements."""
    case = get_case_for(request, case_id)
    form = CaseForm(request.POST or None, instance=case, organization=request.organization)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_case(case, by=request.membership, **form.cleaned_data)
        except DomainError as error:
            _add_error_to_one([form], error)
        else:
            messages.success(request, "L'accompagnement est mis à jour.")
            return redirect("cases:case_detail", case.id)
    return render(request, "cases/case_edit.html", {"case": case, "form": form})


@caseworker_required
@require_POST
def case_transition(request: HttpRequest, case_id) -> HttpResponse:
    """Move the case to the next status the advisor chose."""
    case = get_case_for(request, case_id)
    to_status = request.POST.get("to_status", "")
    if to_status == CaseStatus.CLOSED and case.status == CaseStatus.CLOSING:
        return redirect("cases:case_exit", case.id)
    try:
        case = lifecycle.move_case(
            case,
            to_status=to_status,
            by=request.membership,
            comment=request.POST.get("comment", "").strip()[:500],
        )
    except (DomainError, ValueError) as error:
        message = getattr(error, "message", "Ce changement de statut n'existe pas.")
        messages.error(request, message)
    else:
        messages.success(request, f"Statut : {case.get_status_display()}.")
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure()):
        back = reverse("cases:case_detail", args=[case.id])
    return redirect(back)


@caseworker_required
@GET_POST
def case_exit(request: HttpRequest, case_id) -> HttpResponse:
    """Fill in the exit questionnaire and close the case."""
    case = get_case_for(request, case_id)
    if case.status != CaseStatus.CLOSING:
        messages.error(
            request, "Passez d'abord l'accompagnement en « Sortie en cours » pour le clôturer."
        )
        return redirect("cases:case_detail", case.id)
    form = ExitForm(request.POST or None, initial={"exit_date": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            lifecycle.close_case(case, by=request.membership, **form.cleaned_data)
        except DomainError as error:
            _add_error_to_one([form], error)
        else:
            messages.success(
                request, "L'accompagnement est clôturé ; les suivis à 3 et 6 mois sont planifiés."
            )
            return redirect("cases:case_detail", case.id)
    return render(request, "cases/case_exit.html", {"case": case, "form": form})


@caseworker_required
@GET_POST
def follow_up_record(request: HttpRequest, case_id, follow_up_id) -> HttpResponse:
    """Record the contact made with the person after the exit."""
    case = get_case_for(request, case_id)
    follow_up = get_object_or_404(
        FollowUp.objects.for_organization(request.organization).filter(case=case),
        id=follow_up_id,
    )
    form = FollowUpForm(
        request.POST or None,
        initial={"done_on": timezone.localdate()},
        ask_improvement=asks_improved_situation(follow_up),
    )
    if request.method == "POST" and form.is_valid():
        try:
            lifecycle.record_follow_up(follow_up, by=request.membership, **form.cleaned_data)
        except DomainError as error:
            _add_error_to_one([form], error)
        else:
            messages.success(request, f"{follow_up.get_kind_display()} enregistré.")
            return redirect("cases:case_detail", case.id)
    context = {"case": case, "follow_up": follow_up, "form": form}
    return render(request, "cases/follow_up_form.html", context)


@caseworker_required
@require_GET
def case_history(request: HttpRequest, case_id) -> HttpResponse:
    """Show the timeline of the case, the field changes and who opened the file."""
    case = get_case_for(request, case_id)
    log_beneficiary_access(request, case.beneficiary)
    organization = request.organization
    accesses = (
        AccessLog.objects.for_organization(organization)
        .filter(beneficiary_id=case.beneficiary_id)
        .select_related("user")[:20]
    )
    context = {
        "case": case,
        "active_tab": "history",
        "events": case_events(case, organization=organization),
        "changes": field_changes(case, organization=organization),
        "accesses": accesses,
    }
    return render(request, "cases/case_history.html", context)


# --- Access log (admins) ------------------------------------------------------------------------


@platform_admin_required
@require_GET
def access_log(request: HttpRequest) -> HttpResponse:
    """List who opened which person's file, filtered by person or by member."""
    form = AccessLogFilterForm(request.GET, organization=request.organization)
    entries = AccessLog.objects.for_organization(request.organization).select_related(
        "user", "beneficiary"
    )
    if form.is_valid():
        if form.cleaned_data["q"]:
            people = Beneficiary.objects.for_organization(request.organization).search(
                form.cleaned_data["q"]
            )
            entries = entries.filter(beneficiary__in=people)
        if form.cleaned_data["personne"]:
            entries = entries.filter(beneficiary_id=form.cleaned_data["personne"])
        if form.cleaned_data["utilisateur"]:
            entries = entries.filter(user_id=form.cleaned_data["utilisateur"].user_id)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode()}
    return render(request, "cases/access_log.html", context)


urlpatterns = [
    path("accompagnements/", case_list, name="case_list"),
    path("accompagnements/export.csv", case_export, name="case_export"),
    path("accompagnements/a-faire/", todo, name="todo"),
    path("accompagnements/nouveau/", case_create, name="case_create"),
    path("accompagnements/<uuid:case_id>/", case_detail, name="case_detail"),
    path("accompagnements/<uuid:case_id>/modifier/", case_edit, name="case_edit"),
    path("accompagnements/<uuid:case_id>/statut/", case_transition, name="case_transition"),
    path("accompagnements/<uuid:case_id>/sortie/", case_exit, name="case_exit"),
    path(
        "accompagnements/<uuid:case_id>/suivis/<uuid:follow_up_id>/",
        follow_up_record,
        name="follow_up_record",
    ),
    path("accompagnements/<uuid:case_id>/historique/", case_history, name="case_history"),
    path("personnes/journal-des-consultations/", access_log, name="access_log"),
    path("personnes/<uuid:beneficiary_id>/modifier/", beneficiary_edit, name="beneficiary_edit"),
    path(
        "personnes/<uuid:beneficiary_id>/consentements/",
        beneficiary_consents,
        name="beneficiary_consents",
    ),
    path(
        "personnes/<uuid:beneficiary_id>/contact/",
        beneficiary_contact,
        name="beneficiary_contact",
    ),
]
