"""The planning grid (vehicles by days) and the fleet utilisation, as pure functions of rows
already fetched and scoped by the views (three queries whatever the size of the fleet)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from .models import Loan, MaintenanceRecord, Vehicle


@dataclass
class Cell:
    """A run of consecutive days of one vehicle with the same occupant (or none)."""

    start: date
    span: int
    state: str = "free"  # free, reserved, active, overdue, returned, maintenance
    loan: Loan | None = None
    record: MaintenanceRecord | None = None

    @property
    def end(self) -> date:
        return self.start + timedelta(days=self.span)


@dataclass
class Row:
    vehicle: Vehicle
    cells: list[Cell] = field(default_factory=list)


@dataclass
class Day:
    day: date
    is_weekend: bool
    is_today: bool


def days_of(start: date, count: int, today: date) -> list[Day]:
    return [
        Day(day=d, is_weekend=d.weekday() >= 5, is_today=d == today)
        for d in (start + timedelta(days=i) for i in range(count))
    ]


def planning_rows(
    vehicles: list[Vehicle],
    loans: list[Loan],
    records: list[MaintenanceRecord],
    *,
    start: date,
    days: int,
    today: date,
) -> list[Row]:
    """Lay loans and garage stays out on a grid of ``days`` days from ``start``."""
    end = start + timedelta(days=days)
    occupants: dict = defaultdict(lambda: [None] * days)

    def place(vehicle_id, first: date, last: date, occupant) -> None:
        slots = occupants[vehicle_id]
        for offset in range(max((first - start).days, 0), min((last - start).days, days)):
            if slots[offset] is None:
                slots[offset] = occupant

    for loan in sorted(loans, key=lambda item: (item.start_date, str(item.pk))):
        place(loan.vehicle_id, loan.start_date, loan.occupied_until(today), ("loan", loan))
    for record in records:
        place(record.vehicle_id, record.start_date, record.end_date or end, ("stay", record))

    rows = []
    for vehicle in vehicles:
        row = Row(vehicle=vehicle)
        for offset, occupant in enumerate(occupants[vehicle.pk]):
            previous = row.cells[-1] if row.cells else None
            if previous is not None and _same(previous, occupant):
                previous.span += 1
                continue
            cell = Cell(start=start + timedelta(days=offset), span=1)
            if occupant and occupant[0] == "loan":
                cell.loan, cell.state = occupant[1], occupant[1].status
            elif occupant:
                cell.record, cell.state = occupant[1], "maintenance"
            row.cells.append(cell)
        rows.append(row)
    return rows


def _same(cell: Cell, occupant) -> bool:
    if occupant is None:
        return False  # free days stay one cell each: weekends and today remain visible
    kind, row = occupant
    return (cell.loan if kind == "loan" else cell.record) is row


# --- Utilisation ------------------------------------------------------------------------------


@dataclass
class Usage:
    label: str
    available_days: int = 0
    loan_days: int = 0
    vehicles: int = 0
    vehicle: Vehicle | None = None

    @property
    def rate(self) -> Decimal | None:
        if not self.available_days:
            return None
        value = Decimal(min(self.loan_days, self.available_days) * 100) / self.available_days
        return value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _overlap(first: date, last: date, start: date, end: date) -> int:
    return max((min(last, end) - max(first, start)).days, 0)


def utilisation(
    vehicles: list[Vehicle],
    loans: list[Loan],
    records: list[MaintenanceRecord],
    *,
    start: date,
    end: date,
    today: date,
) -> tuple[list[Usage], list[Usage], Usage]:
    """Loan-days over available days in [start, end), by vehicle, by kind and in total.

    A vehicle is available from its acquisition to its retirement, except while at the garage.
    """
    stays: dict = defaultdict(list)
    for record in records:
        stays[record.vehicle_id].append(record)
    lent: dict = defaultdict(int)
    for loan in loans:
        lent[loan.vehicle_id] += _overlap(loan.start_date, loan.occupied_until(today), start, end)

    by_vehicle, by_kind = [], {}
    total = Usage(label="Tout le parc")
    for vehicle in vehicles:
        first = max(start, vehicle.acquired_on or start)
        last = min(end, vehicle.retired_on or end)
        available = _overlap(first, last, start, end)
        for record in stays[vehicle.pk]:
            available -= _overlap(record.start_date, record.end_date or end, first, last)
        usage = Usage(
            label=str(vehicle),
            available_days=max(available, 0),
            loan_days=lent[vehicle.pk],
            vehicles=1,
            vehicle=vehicle,
        )
        by_vehicle.append(usage)
        kind = by_kind.setdefault(vehicle.kind, Usage(label=vehicle.get_kind_display()))
        for bucket in (kind, total):
            bucket.available_days += usage.available_days
            bucket.loan_days += usage.loan_days
            bucket.vehicles += 1
    return by_vehicle, [by_kind[k] for k in sorted(by_kind)], total


def free_vehicle_counts(entries, vehicles, loans, stays) -> dict:
    """For each waiting-list entry, how many vehicles of its kind are free over its period."""
    busy: dict = defaultdict(list)
    for row in [*loans, *stays]:
        busy[row.vehicle_id].append((row.start_date, row.end_date))
    counts = {}
    for entry in entries:
        counts[entry.pk] = sum(
            1
            for vehicle in vehicles
            if vehicle.kind == entry.kind
            and not any(
                first < entry.wanted_until and (last is None or last > entry.wanted_from)
                for first, last in busy[vehicle.pk]
            )
        )
    return counts
