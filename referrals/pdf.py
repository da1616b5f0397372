"""The diagnostic summary a referrer may download when the person agreed to share it."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import timezone

from cases.models import CaseBarrier, Diagnostic, DiagnosticItem

from .models import Referral
from .sharing import shared_diagnostic as shared_diagnostic  # the rule lives in sharing.py


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
