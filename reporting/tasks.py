"""Background work of the reporting app (Django's task framework; django-tasks-db in production)."""

from __future__ import annotations

from django.tasks import task

from .models import ReportJob


@task
def make_report(job_id: str) -> str:
    """Make an activity report PDF; its progress and outcome are kept on the ReportJob."""
    from .services import run_report

    job = ReportJob.objects.get(pk=job_id)
    return run_report(job).status
