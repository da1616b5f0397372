"""Template tags that show referral data inside other apps' pages (the case's Échanges tab)."""

from django import template

from referrals.models import Referral
from referrals.views.shared import thread_context

register = template.Library()


@register.inclusion_tag("referrals/_case_threads.html", takes_context=True)
def case_referral_threads(context, case) -> dict:
    """The referrals that started this case, each with its message thread."""
    request = context["request"]
    referrals = list(
        Referral.objects.visible_to(request.membership)
        .filter(case=case)
        .select_related("sender_organization")
        .order_by("sent_at", "id")
    )
    threads = [thread_context(referral) for referral in referrals]
    return {"threads": threads, "csrf_token": context.get("csrf_token"), "request": request}
