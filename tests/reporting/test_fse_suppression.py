"""Small cells of the FSE+ table, for readers outside the platform: hidden, and never found
again by subtraction along a row (the sexes) or a column (statuses, education levels)."""

import datetime as dt
import itertools
import math
import random

import pytest

from reporting.fse import fse_table
from reporting.fse_suppression import Line, protect_table
from reporting.periods import Period
from reporting.scopes import agreement_scope, is_suppressed_for, resolve_scope
from reporting.suppression import COMPLEMENTARY, PRIMARY, WITHHELD
from tests.reporting.fse_world import fse_agreement, participant

PERIOD = Period(dt.date(2026, 1, 1), dt.date(2026, 12, 31))


def possible_values(values, lines, hidden, limit=None) -> dict | None:
    """Every value each hidden cell may take, given the shown cells and all the lines at once
    (brute force: an independent check of what a reader can deduce); None beyond ``limit``
    combinations."""
    cells = [c for c in values if hidden[c]]
    ceiling = max(values.values())
    ranges = [
        range(0, 5)
        if hidden[c] == PRIMARY
        else range(5 if hidden[c] == COMPLEMENTARY else 0, ceiling + 1)
        for c in cells
    ]
    if limit is not None and math.prod(len(r) for r in ranges) > limit:
        return None
    found = {c: set() for c in cells}
    for guess in itertools.product(*ranges):
        world = {**values, **dict(zip(cells, guess, strict=True))}
        if all(sum(world[p] for p in line.parts) == world[line.total] for line in lines):
            for cell, value in zip(cells, guess, strict=True):
                found[cell].add(value)
    return found


def grid(rows: dict[str, list[int]], columns_add_up: list[tuple[str, list[str]]] = ()):
    """A small FSE+-like table: each row is its parts (women, men…) and its total."""
    values, lines = {}, []
    for name, parts in rows.items():
        for index, value in enumerate(parts):
            values[(name, index)] = value
        values[(name, "T")] = sum(parts)
        lines.append(Line(tuple((name, i) for i in range(len(parts))), (name, "T")))
    width = len(next(iter(rows.values())))
    for total, members in columns_add_up:
        for key in [*range(width), "T"]:
            lines.append(Line(tuple((m, key) for m in members), (total, key)))
    return values, lines


def test_a_small_cell_and_the_one_that_would_give_it_away_are_hidden():
    values, lines = grid({"EECO01": [3, 10, 0, 7]})

    hidden = protect_table(values, lines)

    assert hidden[("EECO01", 0)] == PRIMARY
    # 3 = total - 10 - 0 - 7: one more cell goes, the zero first (« < 5 » stays true).
    assert hidden[("EECO01", 2)] == PRIMARY
    assert hidden[("EECO01", 1)] == hidden[("EECO01", 3)] == hidden[("EECO01", "T")] == ""


def test_no_hidden_cell_is_found_again_through_the_columns():
    # Inactive women: 3. Unemployed + inactive + employed = all participants, column by column.
    values, lines = grid(
        {
            "EECO01": [8, 11, 0, 0],
            "EECO02": [5, 6, 0, 0],
            "EECO04": [3, 0, 0, 0],
            "EECO05": [0, 5, 0, 0],
        },
        [("EECO01", ["EECO02", "EECO04", "EECO05"])],
    )

    hidden = protect_table(values, lines)

    assert hidden[("EECO04", 0)] == hidden[("EECO04", "T")] == PRIMARY
    # Without more, 8 - 5 - 0 gives the 3 inactive women and 19 - 11 - 5 the 3 inactive people.
    assert hidden[("EECO05", 0)] == PRIMARY
    assert hidden[("EECO05", "T")] == COMPLEMENTARY
    seen = possible_values(values, lines, hidden)
    assert len(seen) == 4
    for cell, values_left in seen.items():
        assert len(values_left) >= 2, f"{cell} se retrouve : {values_left}"


def test_when_the_parts_cannot_hide_each_other_the_total_is_hidden_too():
    # Two cells of 4 and a total of 8: hiding both small cells still gives them away.
    values = {"a": 4, "b": 4, "t": 8}
    lines = [Line(("a", "b"), "t")]

    hidden = protect_table(values, lines)

    assert hidden == {"a": PRIMARY, "b": PRIMARY, "t": COMPLEMENTARY}
    assert all(len(v) >= 2 for v in possible_values(values, lines, hidden).values())


def test_no_hidden_cell_of_a_random_table_can_be_found_again():
    # Tables of two sexes and two statuses with their margins, the shape of the FSE+ table.
    rng = random.Random(2026)
    checked = 0
    for _ in range(150):
        parts = {row: [rng.choice([0, 1, 2, 3, 4, 5, 6, 8, 12]) for _ in range(2)] for row in "ab"}
        values, lines = grid(
            {"all": [parts["a"][i] + parts["b"][i] for i in range(2)], **parts},
            [("all", ["a", "b"])],
        )
        hidden = protect_table(values, lines)
        seen = possible_values(values, lines, hidden, limit=20_000)
        if seen is None:
            continue
        checked += 1
        for cell, values_left in seen.items():
            assert hidden[cell] == WITHHELD or len(values_left) >= 2, (values, hidden, cell)
    assert checked > 50


# --- On the FSE+ table ----------------------------------------------------------------------


@pytest.fixture
def small_agreement(platform_a, departement):
    agreement = fse_agreement(platform_a, departement)
    for _ in range(6):
        participant(agreement, sex="F", status="unemployed")
    for _ in range(5):
        participant(agreement, sex="M", status="unemployed")
    for _ in range(2):
        participant(agreement, sex="F", status="inactive")
    participant(agreement, sex="M", status="employed", answers={"disability": "yes"})
    return agreement


@pytest.mark.django_db
def test_a_funder_reads_the_table_with_small_cells_hidden(small_agreement, fanny, alice):
    scope = resolve_scope(fanny, f"agreement:{small_agreement.pk}")
    assert is_suppressed_for(fanny, scope) is True
    assert is_suppressed_for(alice, agreement_scope(small_agreement)) is False

    rows = {(r.code, r.detail): r for r in fse_table(scope, PERIOD, suppress=True)}

    total = rows[("EECO01", "")]
    assert [c.display for c in total.cells] == ["8", "6", "0", "0", "14"]
    inactive = rows[("EECO04", "")]
    assert inactive.cell("F").display == "< 5" and inactive.cell("F").value is None
    assert inactive.total.display == "< 5"
    disability = rows[("EECO12", "")]
    assert disability.cell("M").suppressed and disability.total.suppressed
    # No figure a funder sees is a count from 1 to 4.
    for row in rows.values():
        for cell in row.cells:
            assert cell.value is None or not 0 < cell.value < 5, (row.code, row.detail, cell)


@pytest.mark.django_db
def test_the_hidden_inactive_count_cannot_be_found_from_the_other_statuses(small_agreement):
    rows = {
        (r.code, r.detail): r
        for r in fse_table(agreement_scope(small_agreement), PERIOD, suppress=True)
    }

    totals = [rows[(code, "")].total for code in ("EECO01", "EECO02", "EECO04", "EECO05")]
    # 14 = 11 + inactive + employed: with both small counts hidden, neither is known.
    assert [cell.display for cell in totals] == ["14", "11", "< 5", "< 5"]


@pytest.mark.django_db
def test_the_platform_reads_its_own_table_whole(small_agreement):
    rows = {
        (r.code, r.detail): r
        for r in fse_table(agreement_scope(small_agreement), PERIOD, suppress=False)
    }

    assert rows[("EECO04", "")].total.display == "2"
    assert not any(c.suppressed for r in rows.values() for c in r.cells)
