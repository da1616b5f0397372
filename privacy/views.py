"""The personal data pages: the person's rights page and register, exports, the anonymisation
preview and the erasure on request, the platform's register of requests.

The preview is for every caseworker (admins and advisors, warned before a file is anonymised);
the rest is for the members who hold the export right (``Membership.may_export_personal_data``:
platform admins, and the advisors their admin granted it).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cases.models import AccessLog, Beneficiary, Case
from cases.views.common import caseworker_required, log_beneficiary_access
from organizations.errors import DomainError
from organizations.tenancy import export_right_required

from . import services
from .anonymisation import person_footprint, plan
from .export import export_archive, export_json, export_pdf, person_export, person_files
from .forms import AnswerForm, ErasureForm, RegisterFilterForm, RightsRequestForm
from .models import RightsRequest

GET_POST = require_http_methods(["GET", "POST"])
PAGE_SIZE = 50


def rights_handler_required(view: Callable) -> Callable:
    """Let a caseworker through only with the export right (else 403): handling a person's
    rights means reading and exporting their whole file."""

    @caseworker_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        if not request.membership.may_export_personal_data:
            raise PermissionDenied(
                "Le droit d'export des données personnelles est nécessaire : demandez-le à "
                "l'administrateur·rice de votre plateforme."
            )
        return view(request, *args, **kwargs)

    return wrapper


def _person_for(request: HttpRequest, beneficiary_id) -> Beneficiary:
    """The platform's person (anonymised too: the register outlives the file), else 404."""
    people = Beneficiary.objects.for_organization(request.organization)
    return get_object_or_404(people, id=beneficiary_id)


def _latest_case(request: HttpRequest, person: Beneficiary) -> Case | None:
    return (
        Case.objects.visible_to(request.membership)
        .filter(beneficiary=person)
        .order_by("-opened_on", "-created_at")
        .first()
    )


def log_export(request: HttpRequest, person: Beneficiary) -> None:
    """An export goes to the person's access log (``export_right_required`` writes the
    security log, with the address that names the file, never the identity)."""
    log_beneficiary_access(request, person, AccessLog.Kind.EXPORT)


# --- The person's rights page -------------------------------------------------------------------


@rights_handler_required
@GET_POST
def rights(request: HttpRequest, beneficiary_id) -> HttpResponse:
    """The person's rights: their requests, exports, rectification and erasure."""
    person = _person_for(request, beneficiary_id)
    form = RightsRequestForm(request.POST or None, initial={"received_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.record_rights_request(
                beneficiary=person, by=request.membership, **form.cleaned_data
            )
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, "La demande est inscrite au registre.")
            return redirect("privacy:person", person.id)
    if request.method == "GET" and not person.is_anonymised:
        log_beneficiary_access(request, person)
    requests = (
        RightsRequest.objects.for_organization(request.organization)
        .filter(beneficiary=person)
        .select_related("handled_by", "recorded_by")
    )
    context = {
        "person": person,
        "case": _latest_case(request, person),
        "requests": requests,
        "form": form,
    }
    return render(request, "privacy/person.html", context)


@rights_handler_required
@export_right_required
@require_GET
def export_pdf_view(request: HttpRequest, beneficiary_id) -> HttpResponse:
    """Everything held about the person, as a PDF to read (right of access)."""
    person = _person_for(request, beneficiary_id)
    pdf = export_pdf(person_export(person, by=request.membership))
    log_export(request, person)
    response = HttpResponse(pdf, content_type="application/pdf")
    day = timezone.localdate()
    response["Content-Disposition"] = f'attachment; filename="donnees-personnelles-{day}.pdf"'
    return response


@rights_handler_required
@export_right_required
@require_GET
def export_json_view(request: HttpRequest, beneficiary_id) -> HttpResponse:
    """Everything held about the person, as JSON (right to portability)."""
    person = _person_for(request, beneficiary_id)
    body = export_json(person_export(person, by=request.membership))
    log_export(request, person)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    day = timezone.localdate()
    response["Content-Disposition"] = f'attachment; filename="donnees-personnelles-{day}.json"'
    return response


@rights_handler_required
@export_right_required
@require_GET
def export_archive_view(request: HttpRequest, beneficiary_id) -> HttpResponse:
    """The PDF, the JSON and every stored file about the person, in one ZIP (to hand over)."""
    person = _person_for(request, beneficiary_id)
    archive = export_archive(person_export(person, by=request.membership), person_files(person))
    log_export(request, person)
    name = f"donnees-personnelles-{timezone.localdate()}.zip"
    return FileResponse(archive, as_attachment=True, filename=name, content_type="application/zip")


# --- Anonymisation: preview and erasure on request ----------------------------------------------


@caseworker_required
@require_GET
def preview(request: HttpRequest, beneficiary_id) -> HttpResponse:
    """Show, value by value, what anonymising the person would erase, and what stays."""
    person = _person_for(request, beneficiary_id)
    if not person.is_anonymised:
        log_beneficiary_access(request, person)
    context = {
        "person": person,
        "case": _latest_case(request, person),
        "plan": None if person.is_anonymised else plan(person_footprint(person)),
        "form": ErasureForm(initial={"received_on": timezone.localdate()}),
    }
    return render(request, "privacy/preview.html", context)


@rights_handler_required
@require_POST
def erase(request: HttpRequest, beneficiary_id) -> HttpResponse:
    """The person asked for erasure: anonymise the file now and answer the request."""
    person = _person_for(request, beneficiary_id)
    form = ErasureForm(request.POST)
    if form.is_valid():
        try:
            services.erase_on_request(
                person, by=request.membership, received_on=form.cleaned_data["received_on"]
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request, "Le dossier est anonymisé ; la demande d'effacement est close au registre."
            )
            return redirect("privacy:person", person.id)
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return redirect("privacy:preview", person.id)


# --- The platform's register --------------------------------------------------------------------


@rights_handler_required
@require_GET
def register(request: HttpRequest) -> HttpResponse:
    """The platform's register of the people's requests, pending first."""
    form = RegisterFilterForm(request.GET)
    requests = form.filter(
        RightsRequest.objects.for_organization(request.organization).select_related(
            "beneficiary", "handled_by"
        )
    ).order_by("handled_on", "received_on", "created_at")
    page = Paginator(requests, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode()}
    return render(request, "privacy/register.html", context)


@rights_handler_required
@GET_POST
def answer(request: HttpRequest, request_id) -> HttpResponse:
    """Record the answer given to one request of the register."""
    rights_request = get_object_or_404(
        RightsRequest.objects.for_organization(request.organization).select_related("beneficiary"),
        id=request_id,
    )
    form = AnswerForm(request.POST or None, initial={"handled_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.close_rights_request(
                rights_request, by=request.membership, **form.cleaned_data
            )
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, "La réponse est inscrite au registre.")
            if rights_request.beneficiary_id:
                return redirect("privacy:person", rights_request.beneficiary_id)
            return redirect("privacy:register")
    context = {"rights_request": rights_request, "form": form}
    return render(request, "privacy/answer.html", context)
