"""The diagnostic summary a referrer may download when the person agreed to share it."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import timezone

from cases.models import CaseBarrier, ConsentRecord, Diagnostic, DiagnosticItem

from .models import Referral


def shared_diagnostic(referral: Referral) -> Diagnostic | None:
    """The latest diagnostic of the referral's case, if the person agreed to share it."""
    if referral.case_id is None or not referral.share_diagnostic_with_referrer:
        return None
    consent_in_force = (
        ConsentRecord.objects.filter(
            beneficiary_id=referral.case.beneficiary_id,
            scope=ConsentRecord.Scope.SHARE_WITH_REFERRER,
        )
        .in_force()
        .exists()
    )
    if not consent_in_force:
        return None
    return (
        Diagnostic.objects.filter(case_id=referral.case_id)
        .order_by("-done_on", "-created_at")
        .first()
    )


def diagnostic_summary_pdf(referral: Referral, diagnostic: Diagnostic) -> bytes:
    """Render the summary as PDF; barriers of health categories are never shared."""
    from weasyprint import HTML  # heavy import, only when a PDF is asked for

    items = (
        DiagnosticItem.objects.filter(diagnostic=diagnostic, barrier__category__is_health=False)
        .select_related("barrier__category")
        .order_by("barrier__category__position", "barrier__position", "id")
    )
    barriers = (
        CaseBarrier.objects.filter(case_id=referral.case_id, barrier__category__is_health=False)
        .select_related("barrier")
        .order_by("barrier__category__position", "barrier__position", "id")
    )
    html = render_to_string(
        "referrals/diagnostic_summary.html",
        {
            "referral": referral,
            "case": referral.case,
            "diagnostic": diagnostic,
            "items": items,
            "barriers": barriers,
            "generated_at": timezone.localtime(),
        },
    )
    return HTML(string=html).write_pdf()
