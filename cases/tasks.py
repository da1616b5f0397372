"""Background work of the cases app (Django's task framework; django-tasks-db in production)."""

from __future__ import annotations

from django.tasks import task

from .models import ImportJob


@task
def run_import_job(job_id: str) -> str:
    """Commit a large spreadsheet import; its progress and outcome are kept on the ImportJob."""
    from . import imports

    # A task has no request: the job names its organisation and the member who launched it.
    job = ImportJob.objects.select_related(
        "organization", "created_by__organization", "created_by__user"
    ).get(pk=job_id)
    job = imports.run_import(job)
    return job.status
