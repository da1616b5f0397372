"""Small-cell suppression for figures read outside the platform (funders, observatory).

A count from 1 to 4 is shown as « < 5 » (primary suppression). In a breakdown whose cells add
up to a published total, one hidden cell could be found again by subtraction: other cells are
then hidden too (complementary suppression, shown as « s ») until no hidden cell can be pinned
down. What a reader can deduce is checked, not assumed: a « < 5 » cell lies in [0, 4], an « s »
cell in [5, total], the hidden cells add up to the total minus the shown ones; every hidden cell
must keep at least two possible values (when no choice achieves it, the breakdown is withheld).
Zero cells stay visible unless one is needed to protect another, and then read « < 5 »: true.
"""

from __future__ import annotations

from dataclasses import dataclass

THRESHOLD = 5
PRIMARY = "primary"
COMPLEMENTARY = "complementary"
# No choice of hidden cells protects the breakdown (say two cells of 4 and a total of 8):
# none of its cells is published.
WITHHELD = "withheld"


@dataclass
class Slot:
    """One count of a breakdown and how it is shown."""

    value: int
    hidden: str = ""  # "", PRIMARY or COMPLEMENTARY


def is_small(value) -> bool:
    return value is not None and 0 < value < THRESHOLD


def _bounds(slot: Slot, total: int) -> tuple[int, int]:
    if slot.hidden == PRIMARY:
        return 0, THRESHOLD - 1
    return THRESHOLD, total


def _pinned(slots: list[Slot], total: int) -> bool:
    """Whether a reader who knows the total can find one hidden cell exactly."""
    hidden = [s for s in slots if s.hidden]
    if not hidden:
        return False
    known = total - sum(s.value for s in slots if not s.hidden)
    bounds = [_bounds(s, total) for s in hidden]
    low_sum = sum(b[0] for b in bounds)
    high_sum = sum(b[1] for b in bounds)
    for low, high in bounds:
        can_low = max(low, known - (high_sum - high))
        can_high = min(high, known - (low_sum - low))
        if can_high <= can_low:
            return True
    return False


def protect(values: list[int], *, additive: bool, total: int | None = None) -> list[str]:
    """Return, for each count, "" (shown), PRIMARY (« < 5 »), COMPLEMENTARY (« s ») or
    WITHHELD (the whole breakdown is withheld). ``total`` is the published total the counts
    add up to (None when it is itself hidden)."""
    slots = [Slot(int(v or 0), PRIMARY if is_small(v) else "") for v in values]
    if not additive or total is None or not any(s.hidden for s in slots):
        return [s.hidden for s in slots]
    while _pinned(slots, total):
        candidates = sorted(
            (s for s in slots if not s.hidden),
            key=lambda s: (s.value != 0, s.value),
        )
        if not candidates:
            return [WITHHELD] * len(slots)
        choice = candidates[0]
        choice.hidden = PRIMARY if choice.value < THRESHOLD else COMPLEMENTARY
    return [s.hidden for s in slots]
