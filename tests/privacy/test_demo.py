"""Demo personal data: files near and past the retention limit, requests in the register."""

import datetime as dt
import io
import random
import zipfile

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from cases.demo import seed_cases
from cases.models import Beneficiary, ConsentRecord, Document
from organizations.demo import demo_platforms, run_demo_steps, seed_foundation
from organizations.models import Membership
from privacy import services
from privacy.demo import RETENTION_STORY, seed_privacy
from privacy.models import RightsRequest
from referrals.demo import seed_referrals
from referrals.models import Attachment
from tests.organizations.test_seed_demo import demo_territories  # noqa: F401 (fixture)
from tests.privacy.test_rights import pdf_text
from vehicles.models import Loan


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


def test_the_demo_holds_real_files_that_the_persons_archive_hands_over(
    demo_territories,  # noqa: F811
    login,
):
    run_demo_steps(seed=7, size="small")

    for platform in demo_platforms():
        documents = Document.objects.for_organization(platform)
        assert documents.exists()
        assert Loan.objects.for_organization(platform).exclude(contract="").exists()
        assert Attachment.objects.filter(referral__organization=platform).exists()
    for document in Document.objects.order_by("pk")[:5]:
        with document.file.open("rb") as stored:
            assert pdf_text(stored.read()).startswith(document.get_kind_display())
    contract = Loan.objects.exclude(contract="").first()
    with contract.contract.open("rb") as stored:
        assert contract.vehicle.code in pdf_text(stored.read())

    person = Document.objects.select_related("case__beneficiary").first().case.beneficiary
    admin = Membership.objects.get(organization=person.organization, role=Membership.Role.ADMIN)
    client = login(admin)
    response = client.get(reverse("privacy:export_archive", args=[person.pk]))
    bundle = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    held = [name for name in bundle.namelist() if name.startswith("fichiers/documents/")]
    assert len(held) == Document.objects.filter(case__beneficiary=person).count() >= 1
