"""Reporting's writes: asking for an activity report and making it in the background."""

from __future__ import annotations

import logging

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from organizations.errors import DomainError
from organizations.models import Membership

from .models import ReportJob
from .pdf import activity_report_pdf
from .periods import Period
from .scopes import Scope, check_period, is_suppressed_for, resolve_scope

logger = logging.getLogger(__name__)


@transaction.atomic
def request_report(*, by: Membership, scope: Scope, period: Period) -> ReportJob:
    """Queue the activity report of ``scope`` over ``period`` for the member's organisation."""
    suppressed = is_suppressed_for(by, scope)
    check_period(scope, period, suppressed=suppressed)
    job = ReportJob.objects.create(
        organization=by.organization,
        requested_by=by.user,
        scope_code=scope.code,
        scope_label=scope.label[:300],
        start=period.start,
        end=period.end,
        suppressed=suppressed,
    )
    from .tasks import make_report

    job_id = str(job.pk)
    transaction.on_commit(lambda: make_report.enqueue(job_id))
    return job


def _save(job: ReportJob, **values) -> None:
    for name, value in values.items():
        setattr(job, name, value)
    ReportJob.objects.filter(pk=job.pk).update(**values)


def run_report(job: ReportJob) -> ReportJob:
    """Make the PDF of a queued job; its member's rights are checked again, now."""
    if job.status != ReportJob.Status.QUEUED:
        return job  # already made (a task delivered twice)
    _save(job, status=ReportJob.Status.RUNNING, progress=5, step="Démarrage")
    try:
        membership = (
            Membership.objects.active()
            .select_related("organization", "user")
            .get(user_id=job.requested_by_id, organization_id=job.organization_id)
        )
        scope = resolve_scope(membership, job.scope_code)
        pdf = activity_report_pdf(
            scope,
            Period(job.start, job.end),
            suppress=job.suppressed,
            requested_by=membership.organization.name,
            progress=lambda percent, step: _save(job, progress=percent, step=step),
        )
    except Membership.DoesNotExist:
        _fail(job, "Le compte qui a demandé ce bilan n'a plus accès à cette organisation.")
        return job
    except DomainError as error:
        _fail(job, error.message)
        return job
    except Exception:
        logger.exception("Activity report %s failed", job.pk)
        _fail(job, "Le bilan n'a pas pu être produit à cause d'une erreur inattendue. Réessayez.")
        return job
    job.file.save(job.filename, ContentFile(pdf), save=False)
    _save(
        job,
        file=job.file.name,
        size=len(pdf),
        status=ReportJob.Status.DONE,
        progress=100,
        step="Prêt",
        finished_at=timezone.now(),
    )
    return job


def _fail(job: ReportJob, message: str) -> None:
    _save(job, status=ReportJob.Status.FAILED, error=message[:500], finished_at=timezone.now())
