"""A platform's exports of its own data (cases, sessions, loans), for members with the export
right, each one logged."""

from __future__ import annotations

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_GET

from cases.models import AccessLog
from cases.views.common import log_beneficiaries_access
from organizations.models import Organization
from organizations.tenancy import export_right_required, role_required

from .. import exports
from ..forms import FreePeriodForm

platform_staff_required = role_required("admin", "advisor", kinds=(Organization.Kind.PLATFORM,))
FORMATS = {
    "csv": ("text/csv; charset=utf-8", exports.as_csv),
    "xlsx": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        exports.as_xlsx,
    ),
}


class ExportForm(FreePeriodForm):
    table = forms.ChoiceField(
        label="Données", choices=[(k, label) for k, (label, _) in exports.TABLES.items()]
    )
    format = forms.ChoiceField(
        label="Format", choices=[("xlsx", "Excel (XLSX)"), ("csv", "CSV (UTF-8, « ; »)")]
    )


@platform_staff_required
@require_GET
def exports_page(request: HttpRequest) -> HttpResponse:
    """The platform's exports: choose the data, the period and the format."""
    return render(
        request,
        "reporting/exports.html",
        {"form": ExportForm(), "may_export": request.membership.may_export_personal_data},
    )


@platform_staff_required
@export_right_required
@require_GET
def export_download(request: HttpRequest) -> HttpResponse:
    """The table asked for, from the platform's own rows; logged as an export (the security
    log by the decorator, the read-access log here, person by person)."""
    form = ExportForm(request.GET)
    if not form.is_valid():
        return render(
            request,
            "reporting/exports.html",
            {"form": form, "may_export": True},
            status=400,
        )
    _, build = exports.TABLES[form.cleaned_data["table"]]
    period = form.chosen_period()
    table = build(request.organization, period)
    content_type, write = FORMATS[form.cleaned_data["format"]]
    log_beneficiaries_access(request, exports.distinct(table.people), kind=AccessLog.Kind.EXPORT)
    response = HttpResponse(write(table), content_type=content_type)
    filename = (
        f"{table.name}-{period.start:%Y-%m-%d}-{period.end:%Y-%m-%d}.{form.cleaned_data['format']}"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


urlpatterns = [
    path("statistiques/exports/", exports_page, name="exports"),
    path("statistiques/exports/telecharger/", export_download, name="export_download"),
]
