"""The platform directory referrers search: who covers a commune, what they offer, where."""

from __future__ import annotations

from django.db.models import Prefetch, Q
from django.utils import timezone

from cases.models import age_on
from catalog.matching import Profile, match_aids
from catalog.models import Aid
from organizations.models import Membership, Organization, Site, Territory

from .models import Referral


def _with_contact_details(platforms) -> list[Organization]:
    return list(
        platforms.prefetch_related(
            Prefetch(
                "sites",
                queryset=Site.objects.active().select_related("commune").order_by("name"),
                to_attr="open_sites",
            ),
            Prefetch(
                "coverage", queryset=Territory.objects.order_by("name"),
                to_attr="covered_territories",
            ),
        ).order_by("name", "id")
    )  # fmt: skip


def platforms_for(commune: Territory) -> tuple[list[Organization], list[Organization]]:
    """Return the platforms covering the commune, then the others of its département."""
    covering = _with_contact_details(Organization.objects.covering_commune(commune))
    nearby: list[Organization] = []
    if commune.departement_id:
        nearby = _with_contact_details(
            Organization.objects.platforms()
            .active()
            .filter(
                Q(coverage=commune.departement_id) | Q(coverage__departement=commune.departement_id)
            )
            .exclude(pk__in=[platform.pk for platform in covering])
            .distinct()
        )
    return covering, nearby


def matching_aids(membership: Membership, *, commune: Territory, referral: Referral | None = None):
    """The catalogue's aids the person may claim, from their commune and what the referral says."""
    today = timezone.localdate()
    profile = Profile(commune=commune)
    if referral is not None:
        profile = Profile(
            commune=commune,
            age=age_on(referral.birth_date, today),
            labour_market_status=referral.labour_market_status,
            receives_rsa=referral.receives_rsa,
            driving_licence=referral.driving_licence,
            job_or_training_start=referral.job_start_on or referral.training_start_on,
        )
    return match_aids(profile, on=today, queryset=Aid.objects.visible_to(membership))
