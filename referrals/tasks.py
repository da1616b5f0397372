"""Background work of referrals (Django's task framework; django-tasks-db in production)."""

from __future__ import annotations

from django.tasks import task

from . import services


@task
def run_referral_reminders() -> dict[str, int]:
    """Expire unanswered referrals, remind the platforms, send the outcomes and digests."""
    return {
        "expired": len(services.expire_referrals()),
        "reminders": services.remind_platforms(),
        "outcomes": services.send_outcomes(),
        "digests": services.send_daily_digests(),
    }
