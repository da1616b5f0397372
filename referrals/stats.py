"""Response-time figures of a platform: time to first answer, outcomes, acceptance rate.

Computed from the transition log, so that a referral transferred away still counts for the
platform that answered it by a transfer. Each arrival at the platform (sending, or transfer to
it) opens an episode; its first answer is the platform's first step after the arrival; its
outcome is the last decision of the episode.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Q
from django.utils import timezone

from organizations.models import Organization

from .models import ReferralTransition

Kind = ReferralTransition.Kind
ANSWERS = (Kind.START_REVIEW, Kind.HOLD, Kind.ACCEPT, Kind.REFUSE, Kind.TRANSFER)
OUTCOMES = {
    Kind.ACCEPT: "accepted",
    Kind.REFUSE: "refused",
    Kind.EXPIRE: "expired",
    Kind.WITHDRAW: "withdrawn",
    Kind.TRANSFER: "transferred",
}


@dataclass
class Figures:
    """Counts and delays over a set of arrivals at one platform."""

    name: str = ""
    received: int = 0
    answered: int = 0
    accepted: int = 0
    refused: int = 0
    expired: int = 0
    withdrawn: int = 0
    transferred: int = 0
    pending: int = 0
    delays_hours: list[float] = field(default_factory=list)

    @property
    def median_days_to_first_answer(self) -> float | None:
        return round(statistics.median(self.delays_hours) / 24, 1) if self.delays_hours else None

    @property
    def mean_days_to_first_answer(self) -> float | None:
        return round(statistics.fmean(self.delays_hours) / 24, 1) if self.delays_hours else None

    @property
    def acceptance_rate(self) -> int | None:
        """Accepted among the platform's decisions (accepted or refused), in percent."""
        decided = self.accepted + self.refused
        return round(100 * self.accepted / decided) if decided else None

    def add(self, episode: dict) -> None:
        self.received += 1
        if episode["answered_at"] is not None:
            self.answered += 1
            delay = episode["answered_at"] - episode["arrived_at"]
            self.delays_hours.append(delay.total_seconds() / 3600)
        outcome = episode["outcome"]
        if outcome is None:
            self.pending += 1
        else:
            setattr(self, outcome, getattr(self, outcome) + 1)


def episodes(rows: list[dict], platform_ids: set) -> list[dict]:
    """Cut each referral's steps into its stays at the platforms of ``platform_ids``.

    ``rows`` are the referrals' transitions, ordered by referral then time, as dicts with
    ``referral_id``, ``kind``, ``organization_id``, ``to_organization_id``, ``at`` and
    ``referral__sender_organization__name``. Each episode records the platform it belongs to.
    """
    by_referral: dict = defaultdict(list)
    for row in rows:
        by_referral[row["referral_id"]].append(row)
    found = []
    for referral_id, steps in by_referral.items():
        current = None
        for step in steps:
            arrives_at = None
            if step["kind"] == Kind.SEND and step["organization_id"] in platform_ids:
                arrives_at = step["organization_id"]
            elif step["kind"] == Kind.TRANSFER and step["to_organization_id"] in platform_ids:
                arrives_at = step["to_organization_id"]
            if arrives_at is not None:
                current = {
                    "referral_id": referral_id,
                    "platform_id": arrives_at,
                    "arrived_at": step["at"],
                    "answered_at": None,
                    "outcome": None,
                    "sender": step["referral__sender_organization__name"],
                }
                found.append(current)
                continue
            if current is None or step["organization_id"] != current["platform_id"]:
                continue
            if step["kind"] in ANSWERS and current["answered_at"] is None:
                current["answered_at"] = step["at"]
            if step["kind"] == Kind.REOPEN:
                current["outcome"] = None
            elif step["kind"] in OUTCOMES:
                current["outcome"] = OUTCOMES[step["kind"]]
            if step["kind"] == Kind.TRANSFER:
                current = None
    return found


def platform_figures(
    organization: Organization, *, start: date, end: date
) -> tuple[Figures, list[Figures]]:
    """Return the platform's figures for referrals received in [start, end], and by referrer."""
    arrivals = ReferralTransition.objects.filter(
        Q(kind=Kind.SEND, organization=organization)
        | Q(kind=Kind.TRANSFER, to_organization=organization),
        at__date__gte=start,
        at__date__lte=end,
    )
    rows = list(
        ReferralTransition.objects.filter(referral__in=arrivals.values("referral"))
        .order_by("referral_id", "at", "id")
        .values(
            "referral_id", "kind", "organization_id", "to_organization_id", "at",
            "referral__sender_organization__name",
        )
    )  # fmt: skip
    total = Figures(name="Toutes les prescriptions")
    by_sender: dict[str, Figures] = {}
    for episode in episodes(rows, {organization.pk}):
        if not start <= _local_day(episode["arrived_at"]) <= end:
            continue
        total.add(episode)
        name = episode["sender"]
        by_sender.setdefault(name, Figures(name=name)).add(episode)
    return total, sorted(by_sender.values(), key=lambda f: (-f.received, f.name))


def _local_day(moment) -> date:
    return timezone.localdate(moment)
