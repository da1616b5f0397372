"""The observatory, for logged-in members of every kind: figures by territory and year."""

from __future__ import annotations

import csv
import io

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_GET
from openpyxl import Workbook

from organizations.models import Territory
from organizations.tenancy import membership_required

from .. import observatory
from ..charts import bar_chart, column_chart
from ..engine import ShownCell
from ..forms import FIRST_YEAR
from ..periods import Period

Level = Territory.Level
LEVELS = (Level.REGION, Level.DEPARTEMENT, Level.EPCI)


def _territory(request: HttpRequest) -> Territory | None:
    raw = request.GET.get("territory", "")
    if not raw or raw == "all":
        return None
    level, _, code = raw.partition(":")
    territory = (
        Territory.objects.filter(level=level, code=code).exclude(level=Level.COMMUNE).first()
    )
    if territory is None or level not in LEVELS:
        raise Http404("Territoire introuvable.")
    return territory


def _period(request: HttpRequest) -> Period:
    today = timezone.localdate()
    try:
        year = int(request.GET.get("year") or today.year)
    except ValueError:
        year = today.year
    return Period.year(min(max(year, FIRST_YEAR), today.year))


def _years() -> list[int]:
    return list(range(timezone.localdate().year, FIRST_YEAR - 1, -1))


@membership_required
@require_GET
def observatory_page(request: HttpRequest) -> HttpResponse:
    """Figures of every platform for a territory and a year, small cells hidden."""
    territory = _territory(request)
    period = _period(request)
    view = observatory.build(territory, period)
    report = view.report
    charts = []
    if view.rows:
        cells = observatory.column_cells(view, "people")
        charts.append(
            bar_chart(cells, title=f"Personnes accompagnées par {view.child_label.lower()}")
        )
    months = view.months
    for measure, label in (
        ("people", "Personnes accompagnées"),
        ("entries", "Entrées"),
        ("exits", "Sorties"),
    ):
        cells = [
            ShownCell(
                f"{m['month']:%Y-%m}",
                m["label"],
                m[measure].value,
                m[measure].display,
                hidden=m[measure].hidden,
            )
            for m in months
        ]
        charts.append(column_chart(cells, title=f"{label} par mois"))
    sections = []
    for result in report.results:
        for breakdown in result.breakdowns:
            if breakdown.code in ("category", "situation", "kind") and breakdown.cells:
                sections.append(
                    {
                        "result": result,
                        "breakdown": breakdown,
                        "svg": bar_chart(
                            breakdown.cells,
                            title=f"{result.indicator.label} — {breakdown.label.lower()}",
                        ),
                    }
                )
    context = {
        "view": view,
        "territory": territory,
        "period": period,
        "years": _years(),
        "territory_code": f"{territory.level}:{territory.code}" if territory else "all",
        "charts": charts,
        "sections": sections,
        "measures": observatory.MEASURES,
    }
    return render(request, "reporting/observatory.html", context)


def _rows(view) -> list[list]:
    """The page's tables, one line per figure: section, label, code, indicator, value, shown."""
    lines = []
    for row in view.rows:
        for measure, label in observatory.MEASURES:
            cell = row.cells[measure]
            lines.append([view.child_label, row.label, row.key, label, cell.value, cell.display])
    for measure, label in observatory.MEASURES:
        cell = view.totals[measure]
        lines.append(["Total", view.title, "", label, cell.value, cell.display])
    for month in view.months:
        for measure, label in observatory.MEASURES:
            cell = month[measure]
            lines.append(
                ["Mois", month["label"], f"{month['month']:%Y-%m}", label, cell.value, cell.display]
            )
    for result in view.report.results:
        lines.append(
            [
                "Indicateur",
                result.indicator.label,
                result.code,
                result.indicator.label,
                result.value,
                result.display,
            ]
        )
        for breakdown in result.breakdowns:
            for cell in breakdown.cells:
                lines.append(
                    [
                        f"{result.indicator.label} — {breakdown.label.lower()}",
                        cell.label,
                        cell.key,
                        result.indicator.label,
                        cell.value,
                        cell.display,
                    ]
                )
    return lines


HEADER = ["rubrique", "libellé", "code", "indicateur", "valeur", "valeur affichée"]


@membership_required
@require_GET
def observatory_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The observatory's figures as CSV (UTF-8, « ; ») or XLSX, with the same hidden cells."""
    territory = _territory(request)
    period = _period(request)
    view = observatory.build(territory, period)
    name = f"observatoire-{territory.code if territory else 'tous'}-{period.start.year}"
    lines = _rows(view)
    if fmt == "xlsx":
        book = Workbook()
        sheet = book.active
        sheet.title = "Observatoire"
        sheet.append([f"Observatoire Mobicase — {view.title} — année {period.start.year}"])
        sheet.append(
            [
                "Effectifs de 1 à 4 : « < 5 » ; "
                "cases masquées pour empêcher une soustraction : « s »."
            ]
        )
        sheet.append(HEADER)
        for line in lines:
            sheet.append(line)
        buffer = io.BytesIO()
        book.save(buffer)
        response = HttpResponse(
            buffer.getvalue(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
        return response
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    response.write("\ufeff")  # so that spreadsheet software reads UTF-8
    writer = csv.writer(response, delimiter=";")
    writer.writerow(HEADER)
    for line in lines:
        writer.writerow(["" if v is None else v for v in line])
    return response


urlpatterns = [
    path("observatoire/", observatory_page, name="observatory"),
    path("observatoire/export.csv", observatory_export, {"fmt": "csv"}, name="observatory_csv"),
    path("observatoire/export.xlsx", observatory_export, {"fmt": "xlsx"}, name="observatory_xlsx"),
]
