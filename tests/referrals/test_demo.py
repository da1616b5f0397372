"""Demo referrals: every state, between the demo referrers and platforms."""

import random

from cases.demo import seed_cases
from cases.models import Case
from organizations.demo import seed_foundation
from referrals.demo import seed_referrals
from referrals.models import Referral, ReferralStatus, ReferralTransition
from tests.organizations.test_seed_demo import demo_territories  # noqa: F401 (fixture)


def test_the_demo_has_referrals_in_every_state_between_demo_organisations(demo_territories):  # noqa: F811
    seed_foundation(rng=random.Random(1), size="small")
    seed_cases(rng=random.Random(2), size="small")

    seed_referrals(rng=random.Random(3), size="small")

    referrals = Referral.objects.select_related("organization", "sender_organization", "case")
    assert set(referrals.values_list("status", flat=True)) == set(ReferralStatus.values)
    for referral in referrals:
        assert referral.organization.is_platform and referral.sender_organization.is_referrer
        assert referral.sender.organization == referral.sender_organization
        if referral.status in (ReferralStatus.ACCEPTED, ReferralStatus.CANCELLED):
            assert referral.case.origin == Case.Origin.REFERRAL
            assert referral.case.organization == referral.organization
            assert referral.last_name == referral.case.beneficiary.last_name
        if referral.status != ReferralStatus.DRAFT:
            last = referral.transitions.order_by("at", "id").last()
            assert last.to_status == referral.status
    transferred = referrals.filter(original_platform__isnull=False)
    assert transferred.exists()
    assert all(r.original_platform != r.organization for r in transferred)
    assert ReferralTransition.objects.filter(kind="reopen").exists()
