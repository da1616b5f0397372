"""Background work of personal data (Django's task framework; django-tasks-db in production)."""

from __future__ import annotations

from django.tasks import task

from . import services


@task
def run_retention() -> dict[str, int]:
    """Anonymise the files past their retention period and purge old files and logs."""
    return services.apply_retention().as_dict()
