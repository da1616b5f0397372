"""The activity report (bilan d'activité) as a PDF/A-3b: cover, key figures, tables and SVG
charts by section, territories, and a methodology annex defining each indicator.

The figures are the engine's ``display`` strings, the same the pages and the API show.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from .charts import bar_chart, column_chart
from .engine import Report, Result, compute
from .fse import fse_table
from .periods import Period
from .scopes import Scope

KEY_FIGURES = (
    "people_accompanied",
    "new_entries",
    "exits",
    "active_cases",
    "referrals_received",
    "workshops_held",
    "loans_started",
    "aid_amount_granted",
    "positive_exit_rate",
)
TERRITORY_BREAKDOWNS = ("departement", "epci", "commune")
Progress = Callable[[int, str], None]


def _charts(result: Result) -> list:
    """One chart per breakdown worth drawing (territories are drawn in their own section)."""
    drawn = []
    for breakdown in result.breakdowns:
        if breakdown.code in TERRITORY_BREAKDOWNS or breakdown.withheld:
            continue
        if not any(c.value for c in breakdown.cells if not c.hidden):
            continue
        title = breakdown.label
        chart = column_chart if breakdown.code == "month" else bar_chart
        drawn.append(
            {"breakdown": breakdown, "svg": chart(breakdown.cells, title=title, width=400)}
        )
    return drawn


def report_context(report: Report, *, requested_by: str = "", fse_rows=None) -> dict:
    results = {r.code: r for r in report.results}
    sections = [
        {
            "label": label,
            "results": [{"result": r, "charts": _charts(r)} for r in section_results],
        }
        for _, label, section_results in report.sections()
    ]
    people = results.get("people_accompanied")
    territories = []
    if people is not None:
        for code in TERRITORY_BREAKDOWNS:
            breakdown = people.breakdown(code)
            if breakdown is not None and breakdown.cells:
                title = f"Personnes accompagnées — {breakdown.label.lower()}"
                territories.append(
                    {"breakdown": breakdown, "svg": bar_chart(breakdown.cells[:15], title=title)}
                )
    agreement = report.scope.agreement
    achievement = None
    target = agreement.target_participants if agreement is not None else None
    if target and people is not None and people.value is not None:
        achievement = round(100 * people.value / target, 1)
    return {
        "report": report,
        "scope": report.scope,
        "period": report.period,
        "agreement": agreement,
        "achievement": achievement,
        "key_figures": [results[c] for c in KEY_FIGURES if c in results],
        "sections": sections,
        "territories": territories,
        "indicators": report.results,
        "generated_at": timezone.localtime(report.computed_at),
        "requested_by": requested_by,
        "fse_rows": fse_rows,
    }


def render_pdf(report: Report, *, requested_by: str = "", fse_rows=None) -> bytes:
    """Render the report as PDF/A-3b."""
    from weasyprint import HTML  # heavy import, only when a PDF is asked for

    context = report_context(report, requested_by=requested_by, fse_rows=fse_rows)
    html = render_to_string("reporting/pdf/activity_report.html", context)
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf(pdf_variant="pdf/a-3b")


def activity_report_pdf(
    scope: Scope,
    period: Period,
    *,
    suppress: bool,
    requested_by: str = "",
    today: date | None = None,
    progress: Progress | None = None,
) -> bytes:
    """Compute the indicators and render the report, telling ``progress`` how far it got."""
    step = progress or (lambda percent, label: None)
    step(10, "Calcul des indicateurs")
    report = compute(scope, period, suppress=suppress, today=today)
    agreement = scope.agreement
    fse_rows = None
    if agreement is not None and agreement.is_fse_plus:
        step(50, "Calcul des indicateurs FSE+")
        fse_rows = fse_table(scope, period, suppress=suppress)
    step(60, "Mise en page du bilan")
    pdf = render_pdf(report, requested_by=requested_by, fse_rows=fse_rows)
    step(95, "Enregistrement du fichier")
    return pdf
