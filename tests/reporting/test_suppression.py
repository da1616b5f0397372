"""Small-cell suppression: no count under 5 is shown outside the platform, and no hidden cell can
be found again by subtracting the shown cells from the total."""

from __future__ import annotations

import itertools
import random

import pytest

from reporting.engine import compute
from reporting.scopes import agreement_scope, platform_scope
from reporting.suppression import COMPLEMENTARY, PRIMARY, WITHHELD, protect
from tests.reporting import world as w


def feasible_values(values, hidden, total):
    """Every value each hidden cell can take, for a reader who knows the rules and the total."""
    shown_sum = sum(v for v, h in zip(values, hidden, strict=True) if not h)
    ranges = []
    for h in hidden:
        if h == PRIMARY:
            ranges.append(range(0, 5))
        elif h == COMPLEMENTARY:
            ranges.append(range(5, total + 1))
    positions = [i for i, h in enumerate(hidden) if h]
    possible = {i: set() for i in positions}
    for combo in itertools.product(*ranges):
        if shown_sum + sum(combo) == total:
            for i, value in zip(positions, combo, strict=True):
                possible[i].add(value)
    return possible


def test_a_single_small_cell_gets_a_complementary_cell():
    assert protect([3, 20, 30], additive=True, total=53) == [PRIMARY, COMPLEMENTARY, ""]


def test_cells_of_five_and_more_and_zeros_are_shown():
    assert protect([0, 5, 12], additive=True, total=17) == ["", "", ""]


def test_a_multi_valued_breakdown_only_hides_the_small_cells():
    # A person counts in several categories: no total to subtract from.
    assert protect([2, 40, 7], additive=False, total=45) == [PRIMARY, "", ""]


def test_an_unprotectable_breakdown_is_withheld():
    assert protect([4, 4], additive=True, total=8) == [WITHHELD, WITHHELD]


@pytest.mark.parametrize("seed", range(300))
def test_no_hidden_cell_is_ever_pinned_down(seed):
    rng = random.Random(seed)
    values = [rng.choice([0, 1, 2, 3, 4, 5, 6, 7, 9, 15, 40]) for _ in range(rng.randint(2, 5))]
    total = sum(values)
    hidden = protect(values, additive=True, total=total)
    if WITHHELD in hidden:
        assert set(hidden) == {WITHHELD}
        return
    for value, flag in zip(values, hidden, strict=True):
        assert not (0 < value < 5) or flag == PRIMARY, (values, hidden)
    possible = feasible_values(values, hidden, total)
    for i, options in possible.items():
        assert values[i] in options
        assert len(options) >= 2, f"{values} {hidden}: la case {i} se retrouve ({options})"


@pytest.fixture
def world(db):
    return w.build()


def test_the_platform_sees_its_own_small_counts(world):
    report = compute(platform_scope(world.platform), w.PERIOD, suppress=False, today=w.TODAY)
    assert report["people_accompanied"].display == "5"
    assert report["people_qpv"].display == "1"


def test_a_funder_sees_small_counts_as_under_five_and_no_recoverable_cell(world):
    report = compute(agreement_scope(world.agreement), w.PERIOD, suppress=True, today=w.TODAY)
    people = report["people_accompanied"]
    assert people.value is None and people.display == "< 5" and people.hidden == PRIMARY
    # Every non-zero cell of a total under 5 is hidden too.
    for breakdown in people.breakdowns:
        for cell in breakdown.cells:
            assert cell.display in ("< 5", "0", "—"), (breakdown.code, cell)
    rate = report["positive_exit_rate"]
    assert rate.value is None and rate.display == "s"
    for result in report.results:
        shown = result.as_dict()
        if result.indicator.is_count:
            assert shown["value"] is None or not 0 < shown["value"] < 5, shown
            for breakdown in shown["breakdowns"]:
                for cell in breakdown["cells"]:
                    assert cell["value"] is None or not 0 < cell["value"] < 5, (shown, cell)
        else:
            assert shown["count"] is None or not 0 < shown["count"] < 5, shown
