"""The indicator registry: each indicator defined once (code, French label, definition, unit),
computed by a pure function of the scope's data for a period.

``ReportData`` loads the scope's rows lazily (a frame is read the first time an indicator asks
for it), so a page that shows three indicators reads three kinds of rows, not all of them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

import pandas as pd

from .. import sources
from ..periods import Period
from ..scopes import Scope


@dataclass
class Cell:
    key: str
    label: str
    value: float | int | None
    # For a rate: the count it is computed on; for an amount: the count of items it sums.
    count: int | None = None
    hidden: str = ""


@dataclass
class Breakdown:
    code: str
    label: str
    cells: list[Cell]
    # The cells add up to the indicator's value (one category each): complementary suppression
    # applies. Multi-valued breakdowns (a person with several barriers) are not additive.
    additive: bool = True
    # The cells' unit when it is not the indicator's (counts of barriers under a percentage).
    unit: str = ""


@dataclass
class Value:
    value: float | int | None
    breakdowns: list[Breakdown] = field(default_factory=list)
    # For a rate, a mean or an amount: how many people or items it is computed on.
    count: int | None = None
    note: str = ""
    hidden: str = ""


@dataclass(frozen=True)
class Indicator:
    code: str
    label: str
    definition: str
    unit: str  # people, cases, count, percent, days_mean, hours, euros
    section: str
    compute: Callable[[ReportData], Value]
    # Counts of people or things (suppressed under 5); rates and amounts follow their count.
    is_count: bool = True
    # What the count of a rate, a mean or an amount counts (« sorties », « décisions »…).
    count_unit: str = ""


SECTIONS = {
    "activity": "Activité",
    "profile": "Profil des personnes accompagnées",
    "referrals": "Prescriptions",
    "diagnostics": "Diagnostics et freins",
    "sessions": "Séances et ateliers",
    "loans": "Prêts de véhicules",
    "aids": "Aides à la mobilité",
    "outcomes": "Sorties et suites de parcours",
}

REGISTRY: dict[str, Indicator] = {}


def indicator(
    code: str,
    *,
    label: str,
    definition: str,
    unit: str,
    section: str,
    is_count: bool = True,
    count_unit: str = "",
) -> Callable[[Callable[[ReportData], Value]], Callable[[ReportData], Value]]:
    """Register the decorated function as the computation of indicator ``code``."""

    def register(compute: Callable[[ReportData], Value]) -> Callable[[ReportData], Value]:
        if code in REGISTRY:
            raise ValueError(f"Indicator {code} is defined twice.")
        REGISTRY[code] = Indicator(
            code, label, definition, unit, section, compute, is_count, count_unit
        )
        return compute

    return register


class ReportData:
    """The rows of one scope over one period, read on first use."""

    def __init__(self, scope: Scope, period: Period, *, today: date) -> None:
        self.scope = scope
        self.period = period
        self.today = today

    @cached_property
    def cases(self) -> pd.DataFrame:
        return sources.cases_frame(self.scope.cases(), self.period)

    @cached_property
    def people(self) -> pd.DataFrame:
        return sources.people_frame(self.cases)

    @cached_property
    def diagnostics(self) -> pd.DataFrame:
        return sources.diagnostics_frame(self.scope.diagnostics(), self.period)

    @cached_property
    def barrier_counts(self) -> dict:
        return sources.barrier_counts(self.scope.diagnostic_items(), self.period)

    @cached_property
    def compared_items(self) -> pd.DataFrame:
        return sources.compared_items_frame(self.scope.diagnostic_items(), self.period)

    @cached_property
    def workshops(self) -> pd.DataFrame:
        return sources.workshops_frame(self.scope.workshops(), self.period)

    @cached_property
    def registrations(self) -> pd.DataFrame:
        return sources.registrations_frame(self.scope.registrations(), self.period)

    @cached_property
    def appointments(self) -> pd.DataFrame:
        return sources.appointments_frame(self.scope.appointments(), self.period)

    @cached_property
    def loans(self) -> pd.DataFrame:
        return sources.loans_frame(self.scope.loans(), self.period, self.today)

    @cached_property
    def extensions(self) -> pd.DataFrame:
        return sources.extensions_frame(self.scope.extensions(), self.period)

    @cached_property
    def aid_applications(self) -> pd.DataFrame:
        return sources.aid_applications_frame(self.scope.aid_applications(), self.period)

    @cached_property
    def exits(self) -> pd.DataFrame:
        return sources.exits_frame(self.scope.exit_questionnaires(), self.period)

    @cached_property
    def follow_ups(self) -> pd.DataFrame:
        return sources.follow_ups_frame(self.scope.follow_ups(), self.period)

    @cached_property
    def referrals(self) -> pd.DataFrame | None:
        transitions = self.scope.referral_transitions()
        if transitions is None:
            return None
        return sources.referral_episodes_frame(
            transitions, self.scope.referral_platform_ids(), self.period
        )


# --- Helpers the definitions share ---------------------------------------------------------


def counts(
    series: pd.Series,
    choices: list[tuple[str, str]],
    *,
    unknown: str | None = "Non renseigné",
) -> list[Cell]:
    """One cell per choice, in the choices' order, plus the unknown values if any."""
    tally = series.fillna("").astype(str).value_counts()
    cells = [Cell(key, label, int(tally.get(key, 0))) for key, label in choices]
    known = {key for key, _ in choices}
    rest = int(tally[[k for k in tally.index if k not in known]].sum())
    if rest and unknown is not None:
        cells.append(Cell("unknown", unknown, rest))
    return cells


def top_counts(
    labels: pd.Series, *, limit: int, other: str, keys: pd.Series | None = None
) -> list[Cell]:
    """The ``limit`` most frequent values, then the rest together (keeps the sum)."""
    keys = labels if keys is None else keys
    frame = pd.DataFrame({"key": keys.fillna(""), "label": labels.fillna("")})
    tally = (
        frame.groupby(["key", "label"], dropna=False)
        .size()
        .reset_index(name="n")
        .sort_values(["n", "label"], ascending=[False, True])
    )
    cells = [
        Cell(str(row.key) or "unknown", str(row.label) or "Non renseigné", int(row.n))
        for row in tally.head(limit).itertuples()
    ]
    rest = int(tally["n"].iloc[limit:].sum())
    if rest:
        cells.append(Cell("other", other, rest))
    return cells


def by_month(dates: pd.Series, period: Period) -> list[Cell]:
    from ..periods import month_label

    months = period.months()
    tally = dates.dt.to_period("M").value_counts()
    return [
        Cell(f"{m:%Y-%m}", month_label(m), int(tally.get(pd.Period(m, freq="M"), 0)))
        for m in months
    ]


def percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None
