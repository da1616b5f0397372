"""Background work of the vehicles app (Django's task framework; django-tasks-db in production)."""

from __future__ import annotations

from django.tasks import task


@task
def daily_fleet_work(on: str | None = None) -> str:
    """Mark overdue loans, refresh vehicle statuses and send the reminders of the day."""
    from datetime import date

    from .services.reminders import run_daily_fleet_work

    report = run_daily_fleet_work(on=date.fromisoformat(on) if on else None)
    return report.summary()
