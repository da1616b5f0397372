"""Demo personal data: files near and past the retention limit, requests in the register."""

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone

from cases.demo import seed_cases
from cases.models import Beneficiary, ConsentRecord
from organizations.demo import demo_platforms, seed_foundation
from privacy import services
from privacy.demo import RETENTION_STORY, seed_privacy
from privacy.models import RightsRequest
from referrals.demo import seed_referrals
from tests.organizations.test_seed_demo import demo_territories  # noqa: F401 (fixture)


def seed_world() -> None:
    seed_foundation(rng=random.Random(1), size="small")
    seed_cases(rng=random.Random(2), size="small")
    seed_referrals(rng=random.Random(3), size="small")


def test_the_demo_has_files_near_and_past_the_limit_and_requests(demo_territories):  # noqa: F811
    seed_world()
    seed_privacy(rng=random.Random(4), size="small")
    today = timezone.localdate()
    platforms = demo_platforms().count()

    due = services.people_due(today).count()
    assert due == platforms * sum(1 for days in RETENTION_STORY if days <= 0)
    assert Beneficiary.objects.anonymisation_near(today).count() >= platforms * len(RETENTION_STORY)
    assert RightsRequest.objects.filter(handled_on__isnull=True).count() == platforms
    assert ConsentRecord.objects.filter(
        scope=ConsentRecord.Scope.SHARE_WITH_REFERRER, withdrawn_on__isnull=False
    ).exists()
    assert services.apply_retention().people == due
    assert services.apply_retention().people == 0


def test_the_same_seed_gives_the_same_people_near_the_limit(demo_territories):  # noqa: F811
    seed_world()
    long_ago = timezone.now() - dt.timedelta(days=300)

    def story(seed: int) -> list[tuple]:
        with transaction.atomic():
            seed_privacy(rng=random.Random(seed), size="small")
            people = sorted(
                (b.first_name, b.last_name, b.birth_date, b.last_contact_on)
                for b in Beneficiary.objects.filter(created_at__lt=long_ago)
            )
            transaction.set_rollback(True)
        return people

    first = story(4)
    assert len(first) == demo_platforms().count() * len(RETENTION_STORY)
    assert story(4) == first
    assert story(5) != first
