"""Compute the indicators of a scope over a period, and what each reader may see of them.

The same ``Report`` feeds the pages, the PDF, the CSV downloads and the API, so that a figure
reads the same everywhere: ``display`` is the French text of a value after suppression.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from django.utils import timezone

from cases.models import Case, ExitQuestionnaire
from organizations.models import FundingAgreement

from . import indicators, sources  # noqa: F401  (importing indicators registers them)
from .formats import SECRET, SMALL_CELL, format_value
from .indicators.base import REGISTRY, SECTIONS, Breakdown, Indicator, ReportData, Value
from .periods import Period
from .scopes import Scope, agreement_scope
from .suppression import COMPLEMENTARY, PRIMARY, WITHHELD, is_small, protect

COUNT_UNITS = ("people", "cases", "count", "days")


@dataclass
class ShownCell:
    key: str
    label: str
    value: float | int | None
    display: str
    count: int | None = None
    hidden: str = ""


@dataclass
class ShownBreakdown:
    code: str
    label: str
    additive: bool
    cells: list[ShownCell]
    withheld: bool = False

    @property
    def chartable(self) -> list[ShownCell]:
        return [c for c in self.cells if not c.hidden and c.value is not None]


@dataclass
class Result:
    indicator: Indicator
    value: float | int | None
    display: str
    count: int | None = None
    note: str = ""
    hidden: str = ""
    breakdowns: list[ShownBreakdown] = field(default_factory=list)

    @property
    def code(self) -> str:
        return self.indicator.code

    def breakdown(self, code: str) -> ShownBreakdown | None:
        return next((b for b in self.breakdowns if b.code == code), None)

    def as_dict(self) -> dict:
        return {
            "code": self.indicator.code,
            "label": self.indicator.label,
            "definition": self.indicator.definition,
            "unit": self.indicator.unit,
            "section": self.indicator.section,
            "value": self.value,
            "display": self.display,
            "count": self.count,
            "count_unit": self.indicator.count_unit,
            "suppressed": bool(self.hidden),
            "note": self.note,
            "breakdowns": [
                {
                    "code": b.code,
                    "label": b.label,
                    "additive": b.additive,
                    "withheld": b.withheld,
                    "cells": [
                        {
                            "key": c.key,
                            "label": c.label,
                            "value": c.value,
                            "display": c.display,
                            "count": c.count,
                            "suppressed": bool(c.hidden),
                        }
                        for c in b.cells
                    ],
                }
                for b in self.breakdowns
            ],
        }


@dataclass
class Report:
    scope: Scope
    period: Period
    suppressed: bool
    results: list[Result]
    computed_at: object = None

    def __getitem__(self, code: str) -> Result:
        for result in self.results:
            if result.code == code:
                return result
        raise KeyError(code)

    def get(self, code: str) -> Result | None:
        return next((r for r in self.results if r.code == code), None)

    def sections(self) -> list[tuple[str, str, list[Result]]]:
        return [
            (key, label, [r for r in self.results if r.indicator.section == key])
            for key, label in SECTIONS.items()
            if any(r.indicator.section == key for r in self.results)
        ]


def compute(
    scope: Scope,
    period: Period,
    *,
    suppress: bool,
    codes: Iterable[str] | None = None,
    today: date | None = None,
) -> Report:
    """Compute the indicators (all, or ``codes``) of ``scope`` over ``period``."""
    data = ReportData(scope, period, today=today or timezone.localdate())
    wanted = list(REGISTRY) if codes is None else list(codes)
    results = [
        present(REGISTRY[code], REGISTRY[code].compute(data), suppress=suppress) for code in wanted
    ]
    return Report(scope, period, suppress, results, computed_at=timezone.now())


def present(indicator: Indicator, value: Value, *, suppress: bool) -> Result:
    """Format a computed value, hiding what a reader outside the platform may not see."""
    unit = indicator.unit
    hidden = ""
    if suppress:
        basis = value.value if indicator.is_count else value.count
        if is_small(basis):
            hidden = PRIMARY
    result = Result(
        indicator,
        value=None if hidden else value.value,
        display=_display(value.value, unit, hidden, indicator.is_count),
        count=None if hidden else value.count,
        note=value.note,
        hidden=hidden,
    )
    for breakdown in value.breakdowns:
        result.breakdowns.append(
            _present_breakdown(indicator, value, breakdown, suppress=suppress, total_hidden=hidden)
        )
    return result


def _display(value, unit: str, hidden: str, is_count: bool) -> str:
    if hidden == PRIMARY:
        return SMALL_CELL if is_count else SECRET
    if hidden:
        return SECRET
    return format_value(value, unit)


def _present_breakdown(
    indicator: Indicator, value: Value, breakdown: Breakdown, *, suppress: bool, total_hidden: str
) -> ShownBreakdown:
    unit = breakdown.unit or indicator.unit
    cells_are_counts = unit in COUNT_UNITS if breakdown.unit else indicator.is_count
    cells = breakdown.cells
    hidden = [""] * len(cells)
    if suppress:
        if cells_are_counts:
            basis = [c.value for c in cells]
            total = None if total_hidden else value.value
        else:
            basis = [c.count for c in cells]
            total = None if total_hidden else value.count
        if total_hidden and breakdown.additive:
            # The total itself is under 5: so is every cell.
            hidden = [PRIMARY if b else "" for b in basis]
        else:
            hidden = protect([int(b or 0) for b in basis], additive=breakdown.additive, total=total)
    withheld = bool(hidden) and all(h == WITHHELD for h in hidden)
    shown = []
    for cell, flag in zip(cells, hidden, strict=True):
        if flag == WITHHELD:
            display = "—"
        elif flag == PRIMARY:
            display = SMALL_CELL if cells_are_counts else SECRET
        elif flag == COMPLEMENTARY:
            display = SECRET
        else:
            display = format_value(cell.value, unit)
        shown.append(
            ShownCell(
                cell.key,
                cell.label,
                None if flag else cell.value,
                display,
                None if flag else cell.count,
                flag,
            )
        )
    return ShownBreakdown(breakdown.code, breakdown.label, breakdown.additive, shown, withheld)


def compute_for_agreements(
    agreements: list[FundingAgreement],
    *,
    codes: Iterable[str],
    suppress: bool,
    today: date | None = None,
) -> list[tuple[FundingAgreement, Report]]:
    """Each agreement's indicators over its own period, from one read of all their cases.

    The cases and exit questionnaires of every agreement are read once and sliced per
    agreement, so a list of agreements costs the same few queries however long it is (for
    indicators computed from those two frames; others would read their own rows).
    """
    if not agreements:
        return []
    today = today or timezone.localdate()
    union = Period(min(a.start_date for a in agreements), max(a.end_date for a in agreements))
    links = Case.funding_agreements.through.objects.filter(
        fundingagreement__in=[a.pk for a in agreements]
    )
    linked = sources.frame(links, {"case_id": "case_id", "agreement_id": "fundingagreement_id"})
    linked["agreement_id"] = linked["agreement_id"].map(_as_uuid)
    cases = Case.objects.filter(pk__in=links.values("case_id"))
    all_cases = sources.cases_frame(cases, union)
    all_exits = sources.exits_frame(ExitQuestionnaire.objects.filter(case__in=cases), union)
    wanted = list(codes)
    reports = []
    for agreement in agreements:
        period = Period(agreement.start_date, agreement.end_date)
        case_ids = linked.loc[linked["agreement_id"] == agreement.pk, "case_id"]
        mine = all_cases[all_cases["case_id"].isin(case_ids)]
        mine = mine[
            (mine["opened_on"] <= sources.ts(period.end))
            & (mine["closed_on"].isna() | (mine["closed_on"] >= sources.ts(period.start)))
        ]
        closed = mine[mine["closed_on"].notna() & (mine["closed_on"] <= sources.ts(period.end))]
        data = ReportData(agreement_scope(agreement), period, today=today)
        data.__dict__["cases"] = mine
        data.__dict__["exits"] = all_exits[all_exits["case_id"].isin(closed["case_id"])]
        results = [
            present(REGISTRY[c], REGISTRY[c].compute(data), suppress=suppress) for c in wanted
        ]
        reports.append((agreement, Report(data.scope, period, suppress, results, timezone.now())))
    return reports


def _as_uuid(value) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
