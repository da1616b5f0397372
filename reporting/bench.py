"""Reporting benchmarks for ``make bench``: the observatory's aggregation against the equivalent
hand-written SQL GROUP BY on the same rows, and the activity report PDF of the largest platform
over a year. Never run by the tests."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import pandas as pd
from django.db import connection
from django.db.models import Count

from cases.models import Beneficiary
from organizations.models import Organization

from .engine import compute
from .observatory import (
    CHILD_LEVEL,
    _child_table,
    _protect_table,
    children_of,
    monthly_counts,
    monthly_rows,
)
from .observatory import slim_frame as observatory_frame
from .pdf import activity_report_pdf
from .periods import Period
from .scopes import platform_scope, territory_scope


@dataclass
class Timing:
    name: str
    median_s: float
    best_s: float
    runs: int


def timed(name: str, work: Callable[[], object], runs: int) -> tuple[Timing, object]:
    result = work()  # warm the connection and the caches of the database
    seconds = []
    for _ in range(runs):
        start = time.perf_counter()
        result = work()
        seconds.append(time.perf_counter() - start)
    return Timing(name, round(statistics.median(seconds), 3), round(min(seconds), 3), runs), result


def observatory_aggregation(period: Period) -> dict:
    """What the observatory counts across every platform: people, entries and exits by region
    and by month, from one frame, with its suppression (the observatory's own code path)."""
    df = observatory_frame(territory_scope(None).cases(), period)
    raw, totals = _child_table(df, period, CHILD_LEVEL[None], children_of(None))
    _, shown_totals = _protect_table(raw, totals, {})
    series = monthly_counts(df, period)
    monthly_rows(series, period, shown_totals)
    return {
        "regions": {code: counts for code, _, _, counts in raw},
        "months": list(
            zip(period.months(), series["people"], series["entries"], series["exits"], strict=True)
        ),
    }


def observatory_by_region(period: Period) -> dict:
    """Only the table by region (people, entries, exits), the observatory's way."""
    df = observatory_frame(territory_scope(None).cases(), period)
    raw, totals = _child_table(df, period, CHILD_LEVEL[None], children_of(None))
    _protect_table(raw, totals, {})
    return {code: counts for code, _, _, counts in raw}


def sql_aggregation(period: Period, *, with_months: bool = True) -> dict:
    """The same counts by hand-written SQL GROUP BY (one pass by region, one by month)."""
    ops = connection.ops
    start, end = ops.adapt_datefield_value(period.start), ops.adapt_datefield_value(period.end)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT r.code, COUNT(DISTINCT c.beneficiary_id),
                   SUM(CASE WHEN c.opened_on >= %s THEN 1 ELSE 0 END),
                   SUM(CASE WHEN c.closed_on IS NOT NULL AND c.closed_on <= %s THEN 1 ELSE 0 END)
            FROM cases_case c
            JOIN organizations_organization o ON o.id = c.organization_id
            LEFT JOIN cases_participation p ON p.case_id = c.id
            LEFT JOIN organizations_territory t ON t.id = p.commune_id
            LEFT JOIN organizations_territory r ON r.id = t.region_id
            WHERE o.kind = 'platform' AND c.opened_on <= %s
              AND (c.closed_on IS NULL OR c.closed_on >= %s)
            GROUP BY r.code
            """,
            [start, end, end, start],
        )
        regions = {
            code: {"people": people, "entries": int(entries), "exits": int(exits)}
            for code, people, entries, exits in cursor.fetchall()
            if code is not None
        }
        if not with_months:
            return {"regions": regions}
        months = period.months()
        columns, params = [], []
        for first in months:
            last = (pd.Timestamp(first) + pd.offsets.MonthEnd(0)).date()
            a, b = ops.adapt_datefield_value(first), ops.adapt_datefield_value(last)
            columns += [
                "COUNT(DISTINCT CASE WHEN c.opened_on <= %s AND (c.closed_on IS NULL OR "
                "c.closed_on >= %s) THEN c.beneficiary_id END)",
                "SUM(CASE WHEN c.opened_on >= %s AND c.opened_on <= %s THEN 1 ELSE 0 END)",
                "SUM(CASE WHEN c.closed_on >= %s AND c.closed_on <= %s THEN 1 ELSE 0 END)",
            ]
            params += [b, a, a, b, a, b]
        cursor.execute(
            f"""SELECT {", ".join(columns)} FROM cases_case c
                JOIN organizations_organization o ON o.id = c.organization_id
                WHERE o.kind = 'platform' AND c.opened_on <= %s
                  AND (c.closed_on IS NULL OR c.closed_on >= %s)""",
            [*params, end, start],
        )
        values = cursor.fetchone()
    by_month = [
        (first, int(values[3 * i]), int(values[3 * i + 1] or 0), int(values[3 * i + 2] or 0))
        for i, first in enumerate(months)
    ]
    return {"regions": regions, "months": by_month}


def run(*, runs: int, write: Callable[[str], None], today: date) -> dict:
    period = Period(date(today.year - 1, today.month, 1), today)
    write(f"\nStatistiques ({period}, moteur {connection.vendor}, {runs} mesures par cible)")
    ours, ours_result = timed(
        "Observatoire : agrégation (pandas)", lambda: observatory_aggregation(period), runs
    )
    sql, sql_result = timed(
        "Observatoire : SQL GROUP BY équivalent", lambda: sql_aggregation(period), runs
    )
    by_region, by_region_result = timed(
        "Observatoire : table par région seule (pandas)",
        lambda: observatory_by_region(period),
        runs,
    )
    sql_region, sql_region_result = timed(
        "Observatoire : SQL GROUP BY par région seul",
        lambda: sql_aggregation(period, with_months=False),
        runs,
    )
    same_regions = ours_result["regions"] == sql_result["regions"] == by_region_result
    same_regions = same_regions and by_region_result == sql_region_result["regions"]
    same_months = ours_result["months"] == sql_result["months"]
    ratio = round(ours.median_s / sql.median_s, 2) if sql.median_s else None
    platform = _largest_platform()
    pdf, pdf_bytes = timed(
        f"Bilan PDF de « {platform.name} » sur un an",
        lambda: activity_report_pdf(platform_scope(platform), period, suppress=False),
        max(1, min(runs, 3)),
    )
    region_ratio = (
        round(by_region.median_s / sql_region.median_s, 2) if sql_region.median_s else None
    )
    for timing in (ours, sql, by_region, sql_region, pdf):
        write(
            f"  {timing.name:<58} médiane {timing.median_s:>7.3f} s "
            f"  meilleur {timing.best_s:>7.3f} s"
        )
    write(
        f"  Rapport agrégation / SQL : {ratio} fois avec les mois, {region_ratio} fois par "
        f"région seule (objectif : 2 fois au plus) ; résultats identiques : "
        f"{'oui' if same_regions and same_months else 'NON'}"
    )
    write(f"  Bilan PDF : {len(pdf_bytes) // 1024} Ko, {pdf.median_s:.1f} s (objectif < 10 s)")
    retention = retention_check(write=write, today=today)
    return {
        "retention": retention,
        "observatory_s": ours.median_s,
        "sql_group_by_s": sql.median_s,
        "ratio": ratio,
        "region_only_s": by_region.median_s,
        "sql_region_only_s": sql_region.median_s,
        "region_ratio": region_ratio,
        "identical": same_regions and same_months,
        "pdf_s": pdf.median_s,
        "pdf_platform": platform.name,
        "pdf_kb": len(pdf_bytes) // 1024,
    }


def _largest_platform() -> Organization:
    return (
        Organization.objects.platforms().annotate(n=Count("cases")).order_by("-n", "slug").first()
    )


class _Rollback(Exception):
    """Undo the retention run of the check: the bench database stays as seeded."""


def retention_check(*, write: Callable[[str], None], today: date) -> dict:
    """On the large seed, in a transaction rolled back at the end: a retention run anonymises
    exactly the files past the limit and every indicator keeps its value."""
    from django.db import transaction

    from privacy import services as privacy  # a check across apps, for the bench only

    platform = _largest_platform()
    period = Period(date(today.year - 3, 1, 1), today)
    scopes = [platform_scope(platform), territory_scope(None)]

    def totals() -> list:
        return [
            [r.as_dict() for r in compute(scope, period, suppress=suppress, today=today).results]
            for scope, suppress in zip(scopes, (False, True), strict=True)
        ]

    outcome: dict = {}
    try:
        with transaction.atomic():
            due = set(privacy.people_due(today).values_list("pk", flat=True))
            before = totals()
            start = time.perf_counter()
            run = privacy.apply_retention(today=today)
            seconds = time.perf_counter() - start
            anonymised = set(
                Beneficiary.objects.filter(anonymised_at__isnull=False).values_list("pk", flat=True)
            )
            outcome = {
                "due": len(due),
                "anonymised": run.people,
                "exactly_due": anonymised == due,
                "totals_unchanged": totals() == before,
                "seconds": round(seconds, 2),
                "second_run": privacy.apply_retention(today=today).people,
            }
            raise _Rollback
    except _Rollback:
        pass
    write(
        f"  Conservation : {outcome['anonymised']} dossier(s) anonymisé(s) pour {outcome['due']} "
        f"échu(s) ({'exactement ceux-là' if outcome['exactly_due'] else 'ÉCART'}), en "
        f"{outcome['seconds']} s ; indicateurs de « {platform.name} » et de l'observatoire "
        f"{'inchangés' if outcome['totals_unchanged'] else 'MODIFIÉS'} ; second passage : "
        f"{outcome['second_run']} (base remise en l'état)"
    )
    return outcome
