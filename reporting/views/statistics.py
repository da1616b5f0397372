"""Statistics pages: a platform's figures, a funder's agreements, and the activity reports
made in the background from them."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET, require_POST

from organizations.errors import DomainError
from organizations.models import Organization
from organizations.tenancy import membership_required, role_required

from ..charts import bar_chart, column_chart
from ..engine import Report, compute, compute_for_agreements
from ..forms import FixedPeriodForm, FreePeriodForm, presets
from ..fse import fse_table
from ..models import ReportJob
from ..pdf import KEY_FIGURES, TERRITORY_BREAKDOWNS
from ..scopes import (
    Scope,
    check_period,
    is_suppressed_for,
    resolve_scope,
    scope_choices,
    visible_agreements,
)
from ..services import request_report

Kind = Organization.Kind
funder_required = role_required("admin", "funder", kinds=(Kind.FUNDER,))


def _period_form(request: HttpRequest, scope: Scope, suppressed: bool):
    data = request.GET if {"start", "end", "period"} & set(request.GET) else None
    if suppressed:
        return FixedPeriodForm(data, scope=scope)
    form = FreePeriodForm(data)
    if data is None:
        period = form.chosen_period()
        form.initial = {"start": period.start, "end": period.end}
    return form


def _charted(report: Report) -> list[dict]:
    """Sections of the report, each result with the charts of its breakdowns."""
    sections = []
    for key, label, results in report.sections():
        items = []
        for result in results:
            charts = []
            for breakdown in result.breakdowns:
                if breakdown.withheld or not any(c.value for c in breakdown.cells if not c.hidden):
                    continue
                chart = column_chart if breakdown.code == "month" else bar_chart
                charts.append(
                    {"breakdown": breakdown, "svg": chart(breakdown.cells, title=breakdown.label)}
                )
            items.append({"result": result, "charts": charts})
        sections.append({"key": key, "label": label, "items": items})
    return sections


def _report_context(request: HttpRequest, scope: Scope) -> dict:
    membership = request.membership
    suppressed = is_suppressed_for(membership, scope)
    form = _period_form(request, scope, suppressed)
    period = form.chosen_period()
    report = compute(scope, period, suppress=suppressed)
    results = {r.code: r for r in report.results}
    agreement = scope.agreement
    return {
        "fse_rows": fse_table(scope, period, suppress=suppressed)
        if agreement is not None and agreement.is_fse_plus
        else None,
        "scope": scope,
        "period": period,
        "period_form": form,
        "presets": [] if suppressed else presets(),
        "report": report,
        "key_figures": [results[c] for c in KEY_FIGURES],
        "sections": _charted(report),
        "territory_breakdowns": [
            b
            for code in TERRITORY_BREAKDOWNS
            if (b := results["people_accompanied"].breakdown(code))
        ],
        "recent_jobs": ReportJob.objects.for_organization(membership.organization)
        .filter(scope_code=scope.code)
        .select_related("requested_by")[:5],
    }


@membership_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    """The figures of one scope the member may read, over a period."""
    scope = resolve_scope(request.membership, request.GET.get("scope"))
    if scope.kind == "territory":
        return redirect("reporting:observatory")
    context = _report_context(request, scope)
    context["scopes"] = [s for s in scope_choices(request.membership) if s.kind != "territory"]
    return render(request, "reporting/dashboard.html", context)


@funder_required
@require_GET
def funder_agreements(request: HttpRequest) -> HttpResponse:
    """« Mes conventions »: each agreement the funder holds, with its key figures to date."""
    agreements = list(visible_agreements(request.membership).order_by("-end_date", "programme"))
    reports = compute_for_agreements(
        agreements,
        codes=("people_accompanied", "new_entries", "exits", "positive_exit_rate"),
        suppress=True,
    )
    rows = [
        {"agreement": agreement, "scope": report.scope, "report": report}
        for agreement, report in reports
    ]
    return render(request, "reporting/agreements.html", {"rows": rows})


@membership_required
@require_POST
def report_create(request: HttpRequest) -> HttpResponse:
    """Queue the activity report PDF of the scope and period shown on the page."""
    scope = resolve_scope(request.membership, request.POST.get("scope"))
    suppressed = is_suppressed_for(request.membership, scope)
    form = (
        FixedPeriodForm(request.POST, scope=scope) if suppressed else FreePeriodForm(request.POST)
    )
    if not form.is_valid():
        messages.error(request, "Choisissez une période valide avant de demander le bilan.")
        return redirect(f"{reverse('reporting:dashboard')}?scope={scope.code}")
    try:
        period = form.chosen_period()
        check_period(scope, period, suppressed=suppressed)
        job = request_report(by=request.membership, scope=scope, period=period)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(f"{reverse('reporting:dashboard')}?scope={scope.code}")
    return redirect("reporting:report_job", job_id=job.pk)


def _get_job(request: HttpRequest, job_id) -> ReportJob:
    return get_object_or_404(ReportJob.objects.for_organization(request.organization), id=job_id)


@membership_required
@require_GET
def report_job(request: HttpRequest, job_id) -> HttpResponse:
    """The report's progress (polled by htmx while it is made), then its download."""
    job = _get_job(request, job_id)
    _check_still_readable(request, job)
    template = "reporting/report_job.html"
    if getattr(request, "htmx", False):
        template += "#progress"
    response = render(request, template, {"job": job})
    patch_vary_headers(response, ["HX-Request"])
    return response


@membership_required
@require_GET
def report_download(request: HttpRequest, job_id) -> HttpResponse:
    """The PDF, for the organisation that asked for it, while its member may still read it."""
    job = _get_job(request, job_id)
    _check_still_readable(request, job)
    if job.status != ReportJob.Status.DONE or not job.file:
        raise Http404("Bilan introuvable.")
    return FileResponse(
        job.file.open("rb"),
        as_attachment=True,
        filename=job.filename,
        content_type="application/pdf",
    )


def _check_still_readable(request: HttpRequest, job: ReportJob) -> None:
    """A report stays readable only as long as its scope is (a revoked role reads no more)."""
    try:
        resolve_scope(request.membership, job.scope_code)
    except Http404:
        raise PermissionDenied("Vous ne pouvez plus consulter ce périmètre.") from None


urlpatterns = [
    path("statistiques/", dashboard, name="dashboard"),
    path("statistiques/conventions/", funder_agreements, name="agreements"),
    path("statistiques/bilans/", report_create, name="report_create"),
    path("statistiques/bilans/<uuid:job_id>/", report_job, name="report_job"),
    path("statistiques/bilans/<uuid:job_id>/pdf/", report_download, name="report_download"),
]
