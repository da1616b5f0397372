"""Small-cell suppression for a table whose counts add up along several lines.

``reporting.suppression.protect`` protects one breakdown against its total. The FSE+ table has
more equations than that: in each row, women + men + non-binary + not stated = total; in each
column, unemployed + inactive + employed = all participants, and the three ISCED bands plus the
unknown level = all participants. A cell hidden in a row could be found again from its column.

Here every line is an equation ``sum(parts) = total`` where the total may itself be hidden. The
reader's knowledge is checked, not assumed, as in ``protect``: a « < 5 » cell lies in [0, 4], an
« s » cell in [5, ceiling] (the largest count of the table); the bounds are then narrowed line
after line, all lines together, as a reader would combine a row with a column. While a hidden
cell is pinned to one value, the cheapest cell (or pair of cells) of its lines that frees it is
hidden too: a part before a total, zeros first (shown « < 5 », which is true), then the
smallest. Lines that cannot be protected are withheld (every cell of them shown as « — »).
"""

from __future__ import annotations

import itertools
from collections.abc import Hashable, Iterable
from dataclasses import dataclass

from .suppression import COMPLEMENTARY, PRIMARY, THRESHOLD, WITHHELD, is_small

Cell = Hashable


@dataclass(frozen=True)
class Line:
    """An equation of the table: the parts add up to the total."""

    parts: tuple[Cell, ...]
    total: Cell


def _bounds(state: str, ceiling: int) -> tuple[int, int]:
    if state == PRIMARY:
        return 0, THRESHOLD - 1
    return (THRESHOLD if state == COMPLEMENTARY else 0), ceiling


def deducible_bounds(
    values: dict[Cell, int], lines: list[Line], hidden: dict[Cell, str]
) -> dict[Cell, tuple[int, int]]:
    """The narrowest range a reader can give each hidden cell from the shown cells and every
    line at once (bounds propagated from line to line until nothing narrows)."""
    ceiling = max([THRESHOLD, *values.values()])
    bounds = {
        cell: (_bounds(hidden[cell], ceiling) if cell in hidden else (value, value))
        for cell, value in values.items()
    }
    narrowed = True
    while narrowed:
        narrowed = False
        for line in lines:
            low_sum = sum(bounds[c][0] for c in line.parts)
            high_sum = sum(bounds[c][1] for c in line.parts)
            total_low, total_high = bounds[line.total]
            updates = {line.total: (max(total_low, low_sum), min(total_high, high_sum))}
            for part in line.parts:
                low, high = bounds[part]
                updates[part] = (
                    max(low, total_low - (high_sum - high)),
                    min(high, total_high - (low_sum - low)),
                )
            for cell, (low, high) in updates.items():
                if cell in hidden and (low, high) != bounds[cell]:
                    bounds[cell] = (low, high)
                    narrowed = True
    return {cell: bounds[cell] for cell in hidden}


def _hide(cell: Cell, values: dict, hidden: dict) -> None:
    hidden[cell] = PRIMARY if values[cell] < THRESHOLD else COMPLEMENTARY


def _pinned(values: dict, lines: list[Line], hidden: dict) -> list[Cell]:
    bounds = deducible_bounds(values, lines, hidden)
    return [c for c, (low, high) in bounds.items() if high <= low and hidden[c] != WITHHELD]


def protect_table(values: dict[Cell, int], lines: Iterable[Line]) -> dict[Cell, str]:
    """Return, for each cell, "" (shown), PRIMARY (« < 5 »), COMPLEMENTARY (« s ») or
    WITHHELD (« — »)."""
    lines = list(lines)
    hidden: dict[Cell, str] = {c: PRIMARY for c, v in values.items() if is_small(v)}
    pinned = _pinned(values, lines, hidden)
    while pinned:
        through = [
            line for line in lines if any(c in line.parts or c == line.total for c in pinned)
        ]
        choice = _cheapest_protection(values, lines, hidden, through, len(pinned))
        if choice:
            for cell in choice:
                _hide(cell, values, hidden)
        else:
            for line in through:
                for cell in (*line.parts, line.total):
                    hidden[cell] = WITHHELD
        pinned = _pinned(values, lines, hidden)
    return {cell: hidden.get(cell, "") for cell in values}


PAIR_CANDIDATES = 12


def _cheapest_protection(
    values: dict, lines: list[Line], hidden: dict, through: list[Line], pinned: int
) -> tuple[Cell, ...]:
    """The cells to hide next: the cheapest one that frees a pinned cell, else the cheapest pair
    (a hidden cell often needs a partner in its row and in its column), else the cheapest cell.
    Cheap means a part before a total, a zero first (« < 5 » stays true), then the smallest."""
    parts = {c for line in through for c in line.parts if c not in hidden}
    totals = {line.total for line in through if line.total not in hidden} - parts

    def cost(cell: Cell) -> tuple[int, int, int]:
        return (int(cell in totals), int(values[cell] != 0), values[cell])

    candidates = sorted(parts | totals, key=lambda c: (cost(c), str(c)))
    if not candidates:
        return ()

    def still_pinned(cells: tuple[Cell, ...]) -> int:
        trial = dict(hidden)
        for cell in cells:
            _hide(cell, values, trial)
        return len(_pinned(values, lines, trial))

    options = [(c,) for c in candidates]
    options += list(itertools.combinations(candidates[:PAIR_CANDIDATES], 2))
    for size in (1, 2):
        scored = [
            (still_pinned(cells), tuple(map(sum, zip(*map(cost, cells), strict=True))), cells)
            for cells in options
            if len(cells) == size
        ]
        best = min(scored, key=lambda item: item[:2], default=None)
        if best is not None and best[0] < pinned:
            return best[2]
    return (candidates[0],)
