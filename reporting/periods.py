"""A reporting period: whole days from ``start`` to ``end``, both included, in Europe/Paris."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from dateutil.relativedelta import relativedelta
from django.utils import timezone

from organizations.errors import DomainError

MAX_YEARS = 10


@dataclass(frozen=True)
class Period:
    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise DomainError("La fin de la période précède son début.", field="end")
        if self.end > self.start + relativedelta(years=MAX_YEARS):
            raise DomainError(f"La période ne peut pas dépasser {MAX_YEARS} ans.", field="end")

    def __str__(self) -> str:
        return f"du {self.start:%d/%m/%Y} au {self.end:%d/%m/%Y}"

    @classmethod
    def year(cls, year: int) -> Period:
        return cls(date(year, 1, 1), date(year, 12, 31))

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def stop(self) -> date:
        """The first day after the period (half-open end)."""
        return self.end + timedelta(days=1)

    def aware_bounds(self) -> tuple[datetime, datetime]:
        """[first instant, first instant after) of the period in the current time zone."""
        zone = timezone.get_current_timezone()
        return (
            timezone.make_aware(datetime.combine(self.start, time.min), zone),
            timezone.make_aware(datetime.combine(self.stop, time.min), zone),
        )

    def months(self) -> list[date]:
        """First day of each calendar month the period touches."""
        first = self.start.replace(day=1)
        months = []
        while first <= self.end:
            months.append(first)
            first += relativedelta(months=1)
        return months

    @property
    def is_calendar_year(self) -> bool:
        return (self.start.month, self.start.day, self.end.month, self.end.day) == (
            1,
            1,
            12,
            31,
        ) and self.start.year == self.end.year


def default_period(today: date | None = None) -> Period:
    """From the first of January to today: the year so far."""
    today = today or timezone.localdate()
    return Period(date(today.year, 1, 1), today)


def month_label(first_day: date) -> str:
    return f"{MONTHS[first_day.month - 1]} {first_day.year}"


MONTHS = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
]
