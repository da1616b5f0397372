"""The pathway tabs of a case: diagnostic, action plan, aids, documents and exchanges."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, Q, Sum
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cases.forms_pathway import (
    ActionForm,
    ActionStatusForm,
    AidApplicationForm,
    CaseBarrierStatusForm,
    DiagnosticForm,
    DocumentForm,
    GoalForm,
    NoteForm,
)
from cases.models import (
    Action,
    AidApplication,
    Barrier,
    Case,
    CaseBarrier,
    Diagnostic,
    DiagnosticItem,
    Document,
    Goal,
    Note,
)
from cases.services import pathway as services
from organizations.errors import DomainError

from .aid_matches import aid_matches_context
from .common import caseworker_required, get_case_for, log_beneficiary_access

GET_POST = require_http_methods(["GET", "POST"])
FORM_PAGE = "cases/_pathway_form_page.html"
CONFIRM_PAGE = "cases/_pathway_confirm_delete.html"


def _page(request: HttpRequest, case: Case, tab: str, template: str, context: dict):
    """Render a page of the case file, logging that the user opened it."""
    log_beneficiary_access(request, case.beneficiary)
    return render(request, template, {"case": case, "active_tab": tab, **context})


def _partial(request: HttpRequest, template: str, context: dict) -> HttpResponse:
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _add_domain_error(form: forms.BaseForm, error: DomainError) -> None:
    form.add_error(error.field if error.field in form.fields else None, error.message)


def _scoped(request: HttpRequest, model, case_id, object_id, *, via: str = "case"):
    """Fetch one row of the case, only if the case belongs to the current platform."""
    rows = model.objects.for_organization(request.organization)
    return get_object_or_404(rows, id=object_id, **{f"{via}_id": case_id})


# --- Diagnostic ----------------------------------------------------------------------------------


def _case_barriers(case_id, pk=None) -> list[CaseBarrier]:
    actions = Action.objects.order_by("due_date", "created_at")
    rows = (
        CaseBarrier.objects.filter(case_id=case_id)
        .select_related("barrier__category")
        .prefetch_related(Prefetch("actions", queryset=actions))
    )
    rows = list(rows.filter(pk=pk) if pk else rows)
    for row in rows:
        row.liftable = services.is_liftable(row)
    return rows


def _diagnostic_context(case: Case) -> dict:
    items = DiagnosticItem.objects.select_related("barrier__category")
    diagnostics = list(
        Diagnostic.objects.filter(case=case)
        .select_related("done_by")
        .prefetch_related(Prefetch("items", queryset=items))
    )
    entry = next((d for d in diagnostics if d.kind == Diagnostic.Kind.ENTRY), None)
    later = [d for d in diagnostics if d.kind == Diagnostic.Kind.EXIT] or [
        d for d in diagnostics if d.kind == Diagnostic.Kind.INTERMEDIATE
    ]
    latest = later[-1] if later else None
    return {
        "diagnostics": diagnostics,
        "entry": entry,
        "latest": latest,
        "comparison": services.compare_diagnostics(entry, latest) if entry and latest else [],
        "case_barriers": _case_barriers(case.pk),
        "barrier_statuses": CaseBarrier.Status.choices,
    }


@caseworker_required
@require_GET
def case_diagnostic(request: HttpRequest, case_id) -> HttpResponse:
    """The diagnostics, their score and change, and the person's barriers with their status."""
    case = get_case_for(request, case_id)
    return _page(
        request, case, "diagnostic", "cases/tab_diagnostic.html", _diagnostic_context(case)
    )


@caseworker_required
@GET_POST
def diagnostic_create(request: HttpRequest, case_id) -> HttpResponse:
    """Assess each barrier of the taxonomy, by category."""
    case = get_case_for(request, case_id)
    barriers = Barrier.objects.available_to(case.organization).select_related("category")
    last = case.diagnostics.order_by("done_on", "created_at").last()
    previous = dict(last.items.values_list("barrier_id", "severity")) if last else {}
    kind = Diagnostic.Kind.EXIT if last else Diagnostic.Kind.ENTRY
    form = DiagnosticForm(
        request.POST or None, barriers=barriers, previous=previous, default_kind=kind
    )
    if request.method == "POST" and form.is_valid():
        try:
            diagnostic = services.record_diagnostic(
                case=case,
                by=request.membership,
                kind=form.cleaned_data["kind"],
                done_on=form.cleaned_data["done_on"],
                severities=form.severities(),
                summary=form.cleaned_data["summary"],
            )
        except DomainError as error:
            _add_domain_error(form, error)
        else:
            messages.success(request, f"{diagnostic} enregistré : score {diagnostic.score}.")
            return redirect("cases:case_diagnostic", case.id)
    return _page(request, case, "diagnostic", "cases/_pathway_diagnostic_form.html", {"form": form})


@caseworker_required
@require_POST
def case_barrier_status(request: HttpRequest, case_id, case_barrier_id) -> HttpResponse:
    """Change the status of one of the person's barriers (htmx swaps the row)."""
    case_barrier = _scoped(request, CaseBarrier, case_id, case_barrier_id)
    form = CaseBarrierStatusForm(request.POST)
    error = None
    try:
        if not form.is_valid():
            raise DomainError("Choisissez un statut pour ce frein.")
        case_barrier = services.set_case_barrier_status(
            case_barrier=case_barrier, status=form.cleaned_data["status"], by=request.membership
        )
    except DomainError as exc:
        error = exc.message
    if not request.htmx:
        if error:
            messages.error(request, error)
        else:
            messages.success(
                request,
                f"Frein « {case_barrier.barrier} » : {case_barrier.get_status_display().lower()}.",
            )
        back = "cases:case_plan" if request.POST.get("next") == "plan" else "cases:case_diagnostic"
        return redirect(back, case_id)
    context = {
        "case_barrier": _case_barriers(case_barrier.case_id, case_barrier.pk)[0],
        "barrier_statuses": CaseBarrier.Status.choices,
        "row_error": error,
    }
    return _partial(request, "cases/tab_diagnostic.html#barrier-row", context)


# --- Plan ----------------------------------------------------------------------------------------


def _actions():
    barriers = CaseBarrier.objects.select_related("barrier")
    return Action.objects.select_related("responsible__user", "goal").prefetch_related(
        Prefetch("barriers", queryset=barriers)
    )


def _plan_context(case: Case, goal_form: GoalForm | None = None) -> dict:
    goals = Goal.objects.filter(case=case).prefetch_related(
        Prefetch("actions", queryset=_actions())
    )
    return {
        "goals": goals,
        "goal_form": goal_form or GoalForm(),
        "action_statuses": Action.Status.choices,
        "today": timezone.localdate(),
    }


@caseworker_required
@require_GET
def case_plan(request: HttpRequest, case_id) -> HttpResponse:
    """Goals and their actions, with statuses and due dates."""
    case = get_case_for(request, case_id)
    return _page(request, case, "plan", "cases/tab_plan.html", _plan_context(case))


@caseworker_required
@require_POST
def goal_create(request: HttpRequest, case_id) -> HttpResponse:
    """Add a goal to the plan (the form sits on the plan tab)."""
    case = get_case_for(request, case_id)
    form = GoalForm(request.POST)
    if form.is_valid():
        try:
            goal = services.add_goal(case=case, by=request.membership, **form.cleaned_data)
        except DomainError as error:
            _add_domain_error(form, error)
        else:
            messages.success(request, f"Objectif « {goal} » ajouté.")
            return redirect("cases:case_plan", case.id)
    return _page(request, case, "plan", "cases/tab_plan.html", _plan_context(case, form))


@caseworker_required
@GET_POST
def goal_edit(request: HttpRequest, case_id, goal_id) -> HttpResponse:
    """Change a goal's wording, due date or status."""
    case = get_case_for(request, case_id)
    goal = get_object_or_404(Goal.objects.filter(case=case), id=goal_id)
    form = GoalForm(request.POST or None, initial=GoalForm.initial_for(goal), with_status=True)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_goal(goal=goal, by=request.membership, **form.cleaned_data)
        except DomainError as error:
            _add_domain_error(form, error)
        else:
            messages.success(request, "Objectif enregistré.")
            return redirect("cases:case_plan", case.id)
    context = {
        "form": form,
        "title": f"Modifier l'objectif « {goal} »",
        "cancel_url": reverse("cases:case_plan", args=[case.id]),
    }
    return _page(request, case, "plan", FORM_PAGE, context)


@caseworker_required
@GET_POST
def action_create(request: HttpRequest, case_id) -> HttpResponse:
    """Add an action to a goal, with the barriers it works on."""
    case = get_case_for(request, case_id)
    form = ActionForm(
        request.POST or None, case=case, initial={"goal": request.GET.get("objectif")}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            action = services.add_action(goal=data.pop("goal"), by=request.membership, **data)
        except DomainError as error:
            _add_domain_error(form, error)
        else:
            messages.success(request, f"Action « {action} » ajoutée au plan.")
            return redirect("cases:case_plan", case.id)
    context = {
        "form": form,
        "title": "Ajouter une action",
        "cancel_url": reverse("cases:case_plan", args=[case.id]),
    }
    return _page(request, case, "plan", FORM_PAGE, context)


@caseworker_required
@GET_POST
def action_edit(request: HttpRequest, case_id, action_id) -> HttpResponse:
    """Change an action's wording, due date, responsible person or barriers."""
    case = get_case_for(request, case_id)
    action = get_object_or_404(
        Action.objects.filter(goal__case=case).select_related("goal"), id=action_id
    )
    form = ActionForm(
        request.POST or None, case=case, with_goal=False, initial=ActionForm.initial_for(action)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_action(action=action, by=request.membership, **form.cleaned_data)
        except DomainError as error:
            _add_domain_error(form, error)
        else:
            messages.success(request, "Action enregistrée.")
            return redirect("cases:case_plan", case.id)
    context = {
        "form": form,
        "title": f"Modifier l'action « {action} »",
        "cancel_url": reverse("cases:case_plan", args=[case.id]),
    }
    return _page(request, case, "plan", FORM_PAGE, context)


@caseworker_required
@require_POST
def action_status(request: HttpRequest, case_id, action_id) -> HttpResponse:
    """Change an action's status (htmx swaps the row and suggests barriers to lift)."""
    action = _scoped(request, Action, case_id, action_id, via="goal__case")
    form = ActionStatusForm(request.POST)
    error, liftable = None, []
    try:
        if not form.is_valid():
            raise DomainError("Choisissez un statut pour l'action.")
        liftable = services.set_action_status(
            action=action, status=form.cleaned_data["status"], by=request.membership
        ).liftable
    except DomainError as exc:
        error = exc.message
    if not request.htmx:
        if error:
            messages.error(request, error)
        for cb in liftable:
            messages.info(
                request,
                f"Toutes les actions du frein « {cb.barrier} » sont "
                "terminées : vous pouvez le déclarer levé.",
            )
        return redirect("cases:case_plan", case_id)
    context = {
        "action": _actions().get(pk=action.pk),
        "liftable": liftable,
        "row_error": error,
        "action_statuses": Action.Status.choices,
        "today": timezone.localdate(),
    }
    return _partial(request, "cases/tab_plan.html#action-row", context)


# --- Aids ----------------------------------------------------------------------------------------


@caseworker_required
@require_GET
def case_aids(request: HttpRequest, case_id) -> HttpResponse:
    """Aid applications with their amounts and statuses, and the totals."""
    case = get_case_for(request, case_id)
    applications = AidApplication.objects.filter(case=case)
    totals = applications.aggregate(
        requested=Sum("amount_requested", filter=~Q(status=AidApplication.Status.CANCELLED)),
        granted=Sum("amount_granted", filter=Q(status__in=services.GRANTED_STATUSES)),
    )
    context = {"applications": applications, "totals": totals}
    context.update(aid_matches_context(request, case))
    return _page(request, case, "aids", "cases/tab_aids.html", context)


def _aid_form_page(request: HttpRequest, case: Case, application: AidApplication | None):
    initial = AidApplicationForm.initial_for(application) if application else {}
    form = AidApplicationForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = services.AidData(**form.cleaned_data)
        try:
            if application is None:
                application = services.create_aid_application(
                    case=case, by=request.membership, data=data
                )
            else:
                application = services.update_aid_application(
                    application=application, by=request.membership, data=data
                )
        except DomainError as error:
            _add_domain_error(form, error)
        else:
            messages.success(request, f"Demande « {application} » enregistrée.")
            for warning in services.aid_warnings(application):
                messages.warning(request, warning)
            return redirect("cases:case_aids", case.id)
    title = f"Modifier la demande « {application} »" if application else "Nouvelle demande d'aide"
    context = {
        "form": form,
        "title": title,
        "cancel_url": reverse("cases:case_aids", args=[case.id]),
    }
    return _page(request, case, "aids", FORM_PAGE, context)


@caseworker_required
@GET_POST
def aid_create(request: HttpRequest, case_id) -> HttpResponse:
    """Record an aid application."""
    return _aid_form_page(request, get_case_for(request, case_id), None)


@caseworker_required
@GET_POST
def aid_edit(request: HttpRequest, case_id, application_id) -> HttpResponse:
    """Update an aid application's status, amounts and dates."""
    case = get_case_for(request, case_id)
    application = get_object_or_404(AidApplication.objects.filter(case=case), id=application_id)
    return _aid_form_page(request, case, application)


# --- Documents -----------------------------------------------------------------------------------


def _documents_page(request: HttpRequest, case: Case, form: DocumentForm | None = None):
    documents = Document.objects.filter(case=case).select_related("uploaded_by")
    context = {"documents": documents, "form": form or DocumentForm()}
    return _page(request, case, "documents", "cases/tab_documents.html", context)


@caseworker_required
@require_GET
def case_documents(request: HttpRequest, case_id) -> HttpResponse:
    """The case's documents and the upload form."""
    return _documents_page(request, get_case_for(request, case_id))


@caseworker_required
@require_POST
def document_upload(request: HttpRequest, case_id) -> HttpResponse:
    """Store a file after checking its size and real type."""
    case = get_case_for(request, case_id)
    form = DocumentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            document = services.attach_document(
                case=case,
                by=request.membership,
                uploaded_file=form.cleaned_data["file"],
                kind=form.cleaned_data["kind"],
                description=form.cleaned_data["description"],
            )
        except DomainError as error:
            _add_domain_error(form, error)
        else:
            messages.success(request, f"Document « {document} » déposé.")
            return redirect("cases:case_documents", case.id)
    return _documents_page(request, case, form)


@caseworker_required
@require_GET
def document_download(request: HttpRequest, case_id, document_id) -> FileResponse:
    """Send the file as an attachment under its original name."""
    document = _scoped(request, Document, case_id, document_id)
    try:
        stream = document.file.open("rb")
    except FileNotFoundError as missing:
        raise Http404("Ce fichier n'est plus disponible.") from missing
    log_beneficiary_access(request, document.case.beneficiary)
    return FileResponse(
        stream,
        as_attachment=True,
        filename=document.original_name,
        content_type=document.content_type,
    )


@caseworker_required
@GET_POST
def document_delete(request: HttpRequest, case_id, document_id) -> HttpResponse:
    """Confirm, then delete a document and its file."""
    case = get_case_for(request, case_id)
    document = get_object_or_404(Document.objects.filter(case=case), id=document_id)
    if request.method == "POST":
        try:
            services.delete_document(document=document, by=request.membership)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"Document « {document} » supprimé.")
        return redirect("cases:case_documents", case.id)
    context = {
        "what": f"le document « {document} »",
        "cancel_url": reverse("cases:case_documents", args=[case.id]),
    }
    return _page(request, case, "documents", CONFIRM_PAGE, context)


# --- Exchanges -----------------------------------------------------------------------------------


def _exchanges_page(request: HttpRequest, case: Case, form: NoteForm | None = None):
    notes = Note.objects.filter(case=case).select_related("author").order_by("-created_at")
    context = {"notes": notes, "form": form or NoteForm()}
    return _page(request, case, "exchanges", "cases/tab_exchanges.html", context)


@caseworker_required
@require_GET
def case_exchanges(request: HttpRequest, case_id) -> HttpResponse:
    """The notes of the case, newest first, and the form to add one."""
    return _exchanges_page(request, get_case_for(request, case_id))


@caseworker_required
@require_POST
def note_create(request: HttpRequest, case_id) -> HttpResponse:
    """Add a note to the case."""
    case = get_case_for(request, case_id)
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            services.add_note(case=case, by=request.membership, body=form.cleaned_data["body"])
        except DomainError as error:
            _add_domain_error(form, error)
        else:
            messages.success(request, "Note ajoutée.")
            return redirect("cases:case_exchanges", case.id)
    return _exchanges_page(request, case, form)


@caseworker_required
@GET_POST
def note_delete(request: HttpRequest, case_id, note_id) -> HttpResponse:
    """Confirm, then delete a note (its author or an admin only)."""
    case = get_case_for(request, case_id)
    note = get_object_or_404(Note.objects.filter(case=case), id=note_id)
    if not services.can_delete_note(note, request.membership):
        raise PermissionDenied(
            "Seul·e l'auteur·rice de la note ou un·e administrateur·rice peut la supprimer."
        )
    if request.method == "POST":
        services.delete_note(note=note, by=request.membership)
        messages.success(request, "Note supprimée.")
        return redirect("cases:case_exchanges", case.id)
    context = {"what": "cette note", "cancel_url": reverse("cases:case_exchanges", args=[case.id])}
    return _page(request, case, "exchanges", CONFIRM_PAGE, context)


CASE = "accompagnements/<uuid:case_id>/"
urlpatterns = [
    path(f"{CASE}diagnostic/", case_diagnostic, name="case_diagnostic"),
    path(f"{CASE}diagnostic/nouveau/", diagnostic_create, name="diagnostic_create"),
    path(
        f"{CASE}freins/<uuid:case_barrier_id>/statut/",
        case_barrier_status,
        name="case_barrier_status",
    ),
    path(f"{CASE}plan/", case_plan, name="case_plan"),
    path(f"{CASE}plan/objectifs/nouveau/", goal_create, name="goal_create"),
    path(f"{CASE}plan/objectifs/<uuid:goal_id>/", goal_edit, name="goal_edit"),
    path(f"{CASE}plan/actions/nouvelle/", action_create, name="action_create"),
    path(f"{CASE}plan/actions/<uuid:action_id>/", action_edit, name="action_edit"),
    path(f"{CASE}plan/actions/<uuid:action_id>/statut/", action_status, name="action_status"),
    path(f"{CASE}aides/", case_aids, name="case_aids"),
    path(f"{CASE}aides/nouvelle/", aid_create, name="aid_create"),
    path(f"{CASE}aides/<uuid:application_id>/", aid_edit, name="aid_edit"),
    path(f"{CASE}documents/", case_documents, name="case_documents"),
    path(f"{CASE}documents/deposer/", document_upload, name="document_upload"),
    path(f"{CASE}documents/<uuid:document_id>/", document_download, name="document_download"),
    path(f"{CASE}documents/<uuid:document_id>/supprimer/", document_delete, name="document_delete"),
    path(f"{CASE}echanges/", case_exchanges, name="case_exchanges"),
    path(f"{CASE}echanges/notes/", note_create, name="note_create"),
    path(f"{CASE}echanges/notes/<uuid:note_id>/supprimer/", note_delete, name="note_delete"),
]
