"""The observatory: anonymised figures of every platform by territory (all → region →
département → EPCI) and calendar year, with small-cell suppression.

The people, entries and exits of a territory are counted from one slim frame (one row per case
active in the year) and broken down by sub-territory and by month. A territory's own totals are
hidden whenever its cell is hidden in its parent's table, so that moving down the tree never
reveals what the level above hides. The other sections (barriers, outcomes, loans) are the
registry's indicators over the territory's scope.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
from django.core.cache import cache
from django.db.models import QuerySet

from cases.models import Case
from organizations.models import Territory

from .engine import Report, ShownCell, compute
from .formats import SECRET, SMALL_CELL, fr_number
from .periods import Period, month_label
from .scopes import Scope, territory_scope
from .sources import active_cases, communes_frame, frame, ts
from .suppression import COMPLEMENTARY, PRIMARY, WITHHELD, protect

Level = Territory.Level
CHILD_LEVEL = {None: Level.REGION, Level.REGION: Level.DEPARTEMENT, Level.DEPARTEMENT: Level.EPCI}
MEASURES = (
    ("people", "Personnes accompagnées"),
    ("entries", "Entrées"),
    ("exits", "Sorties"),
)
REGISTRY_SECTIONS = (
    "people_with_barriers",
    "exit_situation",
    "positive_exit_rate",
    "follow_up_6_months",
    "loans_started",
    "loan_days",
)


@dataclass
class Row:
    key: str
    label: str
    territory: Territory | None
    cells: dict[str, ShownCell] = field(default_factory=dict)


@dataclass
class Observatory:
    territory: Territory | None
    period: Period
    scope: Scope
    breadcrumbs: list[Territory]
    child_label: str
    rows: list[Row]
    totals: dict[str, ShownCell]
    months: list[dict]
    report: Report

    @property
    def title(self) -> str:
        return self.scope.label


def slim_frame(cases: QuerySet[Case], period: Period) -> pd.DataFrame:
    """One row per case active in the period: person, commune at entry, entry and exit days,
    with the commune's EPCI, département and région."""
    df = frame(
        active_cases(cases, period),
        {
            "person_id": "beneficiary_id",
            "commune_id": "participation__commune_id",
            "opened_on": "opened_on",
            "closed_on": "closed_on",
        },
        dates=("opened_on", "closed_on"),
    )
    df["commune_id"] = pd.to_numeric(df["commune_id"]).astype("Int64")
    return df.merge(communes_frame(), how="left", on="commune_id")


def _within(df: pd.DataFrame, territory: Territory | None) -> pd.DataFrame:
    if territory is None:
        return df
    column = {
        Level.REGION: "region_code",
        Level.DEPARTEMENT: "departement_code",
        Level.EPCI: "epci_code",
    }[territory.level]
    return df[df[column] == territory.code]


def _measures(df: pd.DataFrame, period: Period) -> dict[str, int]:
    entries = df["opened_on"] >= ts(period.start)
    exits = df["closed_on"].notna() & (df["closed_on"] <= ts(period.end))
    return {
        "people": int(df["person_id"].nunique()),
        "entries": int(entries.sum()),
        "exits": int(exits.sum()),
    }


def _child_table(df, period, child_level, children):
    """Raw counts per child territory (plus « non renseigné »), and the totals."""
    column = {
        Level.REGION: "region_code",
        Level.DEPARTEMENT: "departement_code",
        Level.EPCI: "epci_code",
    }[child_level]
    raw = []
    for child in children:
        counts = _measures(df[df[column] == child.code], period)
        if any(counts.values()):  # territories where no platform works stay out of the table
            raw.append((child.code, child.name, child, counts))
    unknown = df[df[column].isna()]
    if not unknown.empty:
        raw.append(("unknown", "Commune non renseignée", None, _measures(unknown, period)))
    return raw, _measures(df, period)


def _shown(value: int, flag: str) -> ShownCell:
    display = {
        PRIMARY: SMALL_CELL,
        COMPLEMENTARY: SECRET,
        WITHHELD: "—",
    }.get(flag, fr_number(value))
    return ShownCell("", "", None if flag else value, display, hidden=flag)


def _protect_table(raw, totals, hidden_totals: dict[str, str]) -> tuple[list[Row], dict]:
    """Suppress each measure's column against its total (hidden totals hide small cells only)."""
    rows = [Row(key, label, territory) for key, label, territory, _ in raw]
    shown_totals = {}
    for measure, _ in MEASURES:
        values = [counts[measure] for *_, counts in raw]
        total_flag = hidden_totals.get(measure) or (PRIMARY if 0 < totals[measure] < 5 else "")
        # A person lives in one sub-territory: every column adds up to its total.
        flags = protect(values, additive=True, total=None if total_flag else totals[measure])
        for row, value, flag in zip(rows, values, flags, strict=True):
            row.cells[measure] = _shown(value, flag)
        shown_totals[measure] = _shown(totals[measure], total_flag)
    return rows, shown_totals


def monthly_counts(df: pd.DataFrame, period: Period) -> dict[str, list[int]]:
    """People active, entries and exits in each month of the period."""
    series: dict[str, list[int]] = {"people": [], "entries": [], "exits": []}
    for first in period.months():
        start = pd.Timestamp(first)
        last = (start + pd.offsets.MonthEnd(0)).normalize()
        active = (df["opened_on"] <= last) & (df["closed_on"].isna() | (df["closed_on"] >= start))
        series["people"].append(int(df.loc[active, "person_id"].nunique()))
        series["entries"].append(int(df["opened_on"].between(start, last).sum()))
        series["exits"].append(int(df["closed_on"].between(start, last).sum()))
    return series


def monthly_rows(
    series: dict[str, list[int]], period: Period, totals: dict[str, ShownCell]
) -> list[dict]:
    """The months as shown: entries and exits add up to the year's totals, people do not."""
    flags = {
        "people": protect(series["people"], additive=False),
        "entries": protect(series["entries"], additive=True, total=totals["entries"].value),
        "exits": protect(series["exits"], additive=True, total=totals["exits"].value),
    }
    return [
        {
            "month": first,
            "label": month_label(first),
            **{m: _shown(series[m][i], flags[m][i]) for m in series},
        }
        for i, first in enumerate(period.months())
    ]


def children_of(territory: Territory | None) -> list[Territory]:
    """The territories one level down: regions, a region's départements, a département's EPCI."""
    if territory is None:
        children = Territory.objects.regions()
    elif territory.level == Level.REGION:
        children = Territory.objects.departements().filter(region=territory)
    elif territory.level == Level.DEPARTEMENT:
        children = Territory.objects.epcis().filter(member_communes__departement=territory)
    else:
        return []
    return list(children.distinct().order_by("name"))


def _parent(territory: Territory) -> Territory | None:
    if territory.level == Level.REGION:
        return None
    if territory.level == Level.DEPARTEMENT:
        return territory.region
    # An EPCI's département: the one of its communes (most of them when it straddles two).
    return (
        Territory.objects.filter(
            level=Level.DEPARTEMENT,
            pk__in=Territory.objects.communes().filter(epci=territory).values("departement"),
        )
        .order_by("code")
        .first()
    )


def breadcrumbs(territory: Territory | None) -> list[Territory]:
    chain = []
    current = territory
    while current is not None:
        chain.insert(0, current)
        current = _parent(current)
    return chain


CACHE_SECONDS = 30 * 60


def build(territory: Territory | None, period: Period) -> Observatory:
    """The observatory page of ``territory`` (every territory when None) for ``period``,
    kept for half an hour: the same figures for everyone, costly across all platforms."""
    key = f"observatory:{territory.level + ':' + territory.code if territory else 'all'}:"
    key += f"{period.start:%Y%m%d}-{period.end:%Y%m%d}"
    return cache.get_or_set(key, lambda: _build(territory, period), CACHE_SECONDS)


def _build(territory: Territory | None, period: Period) -> Observatory:
    scope = territory_scope(territory)
    parent = _parent(territory) if territory is not None else None
    top = territory_scope(parent) if territory is not None else scope
    # One frame for the parent's table (its cell for this territory decides what is hidden
    # here) and, filtered, for this territory's own table.
    wide = slim_frame(top.cases(), period)
    hidden_totals: dict[str, str] = {}
    if territory is not None:
        siblings = children_of(parent)
        raw, totals = _child_table(wide, period, territory.level, siblings)
        parent_rows, _ = _protect_table(raw, totals, {})
        mine = next((r for r in parent_rows if r.territory == territory), None)
        if mine is not None:
            hidden_totals = {m: c.hidden for m, c in mine.cells.items() if c.hidden}
    df = _within(wide, territory)
    children = children_of(territory)
    child_level = CHILD_LEVEL.get(territory.level if territory else None)
    if child_level is not None:
        raw, totals = _child_table(df, period, child_level, children)
    else:
        raw, totals = [], _measures(df, period)
    rows, shown_totals = _protect_table(raw, totals, hidden_totals)
    report = compute(scope, period, suppress=True, codes=REGISTRY_SECTIONS)
    return Observatory(
        territory=territory,
        period=period,
        scope=scope,
        breadcrumbs=breadcrumbs(territory),
        child_label=Level(child_level).label if child_level else "",
        rows=rows,
        totals=shown_totals,
        months=monthly_rows(monthly_counts(df, period), period, shown_totals),
        report=report,
    )


def column_cells(observatory: Observatory, measure: str) -> list[ShownCell]:
    """One measure of the sub-territory table, as cells for a chart."""
    return [
        ShownCell(
            r.key,
            r.label,
            r.cells[measure].value,
            r.cells[measure].display,
            hidden=r.cells[measure].hidden,
        )
        for r in observatory.rows
    ]
