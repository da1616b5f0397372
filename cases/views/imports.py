"""The spreadsheet import, step by step: upload, column mapping, preview, commit, progress."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cases import imports
from cases.forms_imports import ImportCommitForm, ImportMappingForm, ImportUploadForm
from cases.models import ImportJob
from organizations.errors import DomainError

from .common import caseworker_required

Status = ImportJob.Status
PREVIEW_ROWS = 20
RECENT_JOBS = 10


def _get_job(request: HttpRequest, job_id) -> ImportJob:
    jobs = ImportJob.objects.for_organization(request.organization).select_related(
        "organization", "created_by__user"
    )
    return get_object_or_404(jobs, id=job_id)


def _next_step(job: ImportJob) -> HttpResponse | None:
    """Send a job that is past the editable steps (or whose file is gone) to its progress page."""
    if job.is_purged or job.status in (Status.QUEUED, Status.RUNNING, Status.DONE):
        return redirect("cases:import_status", job_id=job.pk)
    return None


@caseworker_required
@require_http_methods(["GET", "POST"])
def import_upload(request: HttpRequest) -> HttpResponse:
    """Step 1: upload the spreadsheet; the recent imports of the platform are listed below."""
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = imports.create_import_job(
                organization=request.organization,
                by=request.membership,
                uploaded_file=form.cleaned_data["file"],
            )
        except DomainError as error:
            form.add_error("file", error.message)
        else:
            return redirect("cases:import_mapping", job_id=job.pk)
    jobs = (
        ImportJob.objects.for_organization(request.organization)
        .select_related("created_by__user")
        .order_by("-created_at")[:RECENT_JOBS]
    )
    return render(request, "cases/imports/upload.html", {"form": form, "jobs": jobs})


@caseworker_required
@require_http_methods(["GET", "POST"])
def import_mapping(request: HttpRequest, job_id) -> HttpResponse:
    """Step 2: say which column of the file fills which field (guessed from the headers)."""
    job = _get_job(request, job_id)
    if response := _next_step(job):
        return response
    form = ImportMappingForm(request.POST or None, job=job)
    if request.method == "POST" and form.is_valid():
        try:
            imports.set_mapping(job, by=request.membership, mapping=form.mapping())
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            return redirect("cases:import_preview", job_id=job.pk)
    return render(request, "cases/imports/mapping.html", {"job": job, "form": form})


@caseworker_required
@require_GET
def import_preview(request: HttpRequest, job_id) -> HttpResponse:
    """Step 3: every row checked, errors by line, possible duplicates; nothing written yet."""
    job = _get_job(request, job_id)
    if response := _next_step(job):
        return response
    if job.status == Status.UPLOADED:
        return redirect("cases:import_mapping", job_id=job.pk)
    try:
        preview = imports.preview_job(job)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("cases:import_upload")
    context = {
        "job": job,
        "preview": preview,
        "rows": preview.rows[:PREVIEW_ROWS],
        "form": ImportCommitForm(),
        "in_background": job.total_rows > imports.BACKGROUND_THRESHOLD,
    }
    return render(request, "cases/imports/preview.html", context)


@caseworker_required
@require_POST
def import_commit(request: HttpRequest, job_id) -> HttpResponse:
    """Step 4: import everything or nothing; a large file goes to a background task."""
    job = _get_job(request, job_id)
    form = ImportCommitForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Dites que faire des doublons possibles.")
        return redirect("cases:import_preview", job_id=job.pk)
    try:
        job = imports.start_import(
            job, by=request.membership, duplicate_policy=form.cleaned_data["duplicate_policy"]
        )
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("cases:import_preview", job_id=job.pk)
    return redirect("cases:import_status", job_id=job.pk)


@caseworker_required
@require_GET
def import_status(request: HttpRequest, job_id) -> HttpResponse:
    """The import's progress (polled by htmx while it runs), then its outcome."""
    job = _get_job(request, job_id)
    template = "cases/imports/status.html"
    if getattr(request, "htmx", False):
        template += "#progress"
    response = render(request, template, {"job": job})
    patch_vary_headers(response, ["HX-Request"])
    return response


IMPORT = "personnes/import/"
urlpatterns = [
    path(IMPORT, import_upload, name="import_upload"),
    path(f"{IMPORT}<uuid:job_id>/colonnes/", import_mapping, name="import_mapping"),
    path(f"{IMPORT}<uuid:job_id>/apercu/", import_preview, name="import_preview"),
    path(f"{IMPORT}<uuid:job_id>/valider/", import_commit, name="import_commit"),
    path(f"{IMPORT}<uuid:job_id>/", import_status, name="import_status"),
]
