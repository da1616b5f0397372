"""Demo reports for ``seed_demo``: the funder finds the activity report of its agreement in
force ready to download, as if asked for the day before (small demo only: the large one is for
benchmarks)."""

from __future__ import annotations

import random

from django.core.files.base import ContentFile
from django.utils import timezone

from organizations.demo import FOUNDATION_FUNDER, DemoLogin
from organizations.models import FundingAgreement, Membership

from .models import ReportJob
from .pdf import activity_report_pdf
from .periods import Period
from .scopes import agreement_scope


def seed_reports(*, rng: random.Random, size: str) -> list[DemoLogin]:
    if size != "small":
        return []
    member = (
        Membership.objects.filter(
            organization__slug=FOUNDATION_FUNDER["slug"], role=Membership.Role.FUNDER
        )
        .select_related("organization", "user")
        .order_by("user__email")
        .first()
    )
    if member is None:
        return []
    today = timezone.localdate()
    agreement = (
        FundingAgreement.objects.filter(funder=member.organization)
        .active_on(today)
        .select_related("organization", "funder")
        .order_by("start_date", "programme")
        .first()
    )
    if agreement is None:
        return []
    period = Period(agreement.start_date, agreement.end_date)
    scope = agreement_scope(agreement)
    pdf = activity_report_pdf(scope, period, suppress=True, requested_by=member.organization.name)
    job = ReportJob(
        organization=member.organization,
        requested_by=member.user,
        scope_code=scope.code,
        scope_label=scope.label,
        start=period.start,
        end=period.end,
        suppressed=True,
        status=ReportJob.Status.DONE,
        progress=100,
        step="Prêt",
        size=len(pdf),
        finished_at=timezone.now(),
    )
    job.file.save(job.filename, ContentFile(pdf), save=False)
    job.save()
    return []
