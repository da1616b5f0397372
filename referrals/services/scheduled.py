"""Scheduled work of referrals: the platforms' delays, expiry, reminders, daily digests."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from organizations.errors import DomainError
from organizations.models import Membership, Organization

from .. import notifications
from ..models import (
    DEFAULT_EXPIRY_DAYS,
    DEFAULT_REMINDER_DAYS,
    NotificationPreference,
    Referral,
    ReferralSettings,
)
from .common import (
    Kind,
    Role,
    Status,
    locked,
    move,
)

# --- Scheduled work ------------------------------------------------------------------------------


def settings_for(organization: Organization) -> ReferralSettings:
    """The platform's delays (defaults when it never changed them), unsaved if new."""
    found = ReferralSettings.objects.for_organization(organization).first()
    return found or ReferralSettings(
        organization=organization,
        expiry_days=DEFAULT_EXPIRY_DAYS,
        reminder_days=DEFAULT_REMINDER_DAYS,
    )


@transaction.atomic
def update_settings(
    *, organization: Organization, by: Membership, expiry_days: int, reminder_days: int
) -> ReferralSettings:
    """Change a platform's expiry and reminder delays (its admins only)."""
    if by.organization_id != organization.pk or by.role != Role.ADMIN:
        raise DomainError(
            "Seul·es les administrateur·rices de la plateforme peuvent changer ces délais.",
            code="forbidden",
        )
    if not 1 <= expiry_days <= 365:
        raise DomainError("Le délai d'expiration va de 1 à 365 jours.", field="expiry_days")
    if not 1 <= reminder_days < expiry_days:
        raise DomainError(
            "La relance doit partir avant l'expiration : choisissez un délai plus court.",
            field="reminder_days",
        )
    found, _ = ReferralSettings.objects.select_for_update().get_or_create(organization=organization)
    found.expiry_days = expiry_days
    found.reminder_days = reminder_days
    found._history_user = by.user
    found.save()
    return found


def _delays_by_platform(platform_ids: Iterable) -> dict:
    rows = ReferralSettings.objects.filter(organization_id__in=set(platform_ids))
    return {row.organization_id: row for row in rows}


def expire_referrals(*, today: date | None = None) -> list[Referral]:
    """Expire the referrals sent with no answer for longer than their platform's delay."""
    today = today or timezone.localdate()
    candidates = list(
        Referral.objects.filter(status=Status.SENT, received_at__isnull=False).only(
            "id", "organization_id", "received_at"
        )
    )
    delays = _delays_by_platform(r.organization_id for r in candidates)
    expired = []
    for candidate in candidates:
        setting = delays.get(candidate.organization_id)
        days = setting.expiry_days if setting else DEFAULT_EXPIRY_DAYS
        if timezone.localdate(candidate.received_at) + timedelta(days=days) <= today:
            referral = _expire_one(candidate, days)
            if referral is not None:
                expired.append(referral)
    return expired


@transaction.atomic
def _expire_one(candidate: Referral, days: int) -> Referral | None:
    referral = locked(candidate)
    if referral.status != Status.SENT:  # answered meanwhile
        return None
    referral.closed_at = timezone.now()
    move(
        referral,
        kind=Kind.EXPIRE,
        to_status=Status.EXPIRED,
        by=None,
        fields=["closed_at"],
        comment=f"Sans réponse après {days} jours",
    )
    return referral


def remind_platforms(*, today: date | None = None) -> int:
    """Remind each platform's team of the referrals that wait too long; return mails sent."""
    today = today or timezone.localdate()
    waiting = list(
        Referral.objects.filter(status=Status.SENT, received_at__isnull=False)
        .select_related("organization")
        .order_by("received_at", "id")
    )
    delays = _delays_by_platform(r.organization_id for r in waiting)
    due: dict = {}
    for referral in waiting:
        setting = delays.get(referral.organization_id)
        days = setting.reminder_days if setting else DEFAULT_REMINDER_DAYS
        limit = today - timedelta(days=days)
        last = referral.reminded_at or referral.received_at
        if timezone.localdate(last) <= limit:
            due.setdefault(referral.organization, []).append(referral)
    sent = 0
    for platform, referrals in due.items():
        with transaction.atomic():
            Referral.objects.filter(pk__in=[r.pk for r in referrals]).update(
                reminded_at=timezone.now()
            )
            sent += notifications.send_reminder(platform, referrals, today=today)
    return sent


def send_outcomes() -> int:
    """Mail each referrer the outcome of the pathways that ended; return the mails sent.

    Each closed case is handled once: its outcome goes out if the person's consent to share the
    follow-up is in force that day, and never later otherwise (``referrals/sharing.py``).
    """
    now = timezone.now()
    candidates = list(
        Referral.objects.filter(
            status=Status.ACCEPTED, case__exit__isnull=False, outcome_notified_at__isnull=True
        )
        .order_by("decided_at", "id")
        .values_list("pk", flat=True)
    )
    sent = 0
    for pk in candidates:
        with transaction.atomic():
            referral = (
                Referral.objects.select_for_update(of=("self",))
                .with_follow_up(now)
                .select_related("organization", "sender_organization")
                .get(pk=pk)
            )
            if referral.outcome_notified_at is not None:  # handled meanwhile
                continue
            referral.outcome_notified_at = now
            referral.save(update_fields=["outcome_notified_at"])
            if referral.follow_up.shared:
                transaction.on_commit(
                    lambda r=referral: notifications.notify_outcome(r), robust=True
                )
                sent += 1
    return sent


def send_daily_digests(*, today: date | None = None) -> int:
    """Send the daily digest to the members who asked for it (once a day); return mails sent."""
    today = today or timezone.localdate()
    preferences = (
        NotificationPreference.objects.filter(daily_digest=True)
        .filter(Q(last_digest_on__isnull=True) | Q(last_digest_on__lt=today))
        .filter(membership__in=Membership.objects.active())
        .select_related("membership__user", "membership__organization")
        .order_by("id")
    )
    sent = 0
    for preference in preferences:
        if notifications.send_digest(preference.membership, today=today):
            sent += 1
        NotificationPreference.objects.filter(pk=preference.pk).update(last_digest_on=today)
    return sent
