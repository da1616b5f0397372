"""Demo personal data for ``seed_demo``: retention dates, files near and past the limit, requests.

Runs after the cases, referrals and vehicles steps. It dates every demo file's last contact
from its records, then adds on each demo platform five people whose pathway ended about two
years ago: two past the retention limit (``manage.py apply_retention`` anonymises them) and
three within the warning period (« À faire » lists them). Dates follow the day of seeding and
``PERSONAL_DATA_RETENTION_YEARS``; names follow the seed.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from django.db.models import Max
from django.utils import timezone

from cases.demo import FIRST_NAMES_F, FIRST_NAMES_M, LAST_NAMES, STREETS
from cases.models import (
    Answer,
    Appointment,
    Beneficiary,
    Case,
    CaseStatus,
    CaseTransition,
    ConsentRecord,
    Document,
    ExitQuestionnaire,
    FollowUp,
    Note,
    Participation,
    Registration,
    Situation,
    name_key,
)
from cases.retention import contact_cutoff
from cases.services.contacts import PERSON_DOCUMENT_KINDS
from cases.services.participations import entry_values
from organizations.demo import DemoLogin, demo_platforms
from organizations.models import Membership, Organization, Territory
from vehicles.models import Loan

from .models import RightsRequest

# Days between the retention limit and each demo person's last contact: negative ones are past.
RETENTION_STORY = (-40, -12, 6, 17, 27)


def _aware(day: date, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def seed_privacy(*, rng: random.Random, size: str) -> list[DemoLogin]:
    """Date the last contacts, add the retention story and a few requests on each platform."""
    today = timezone.localdate()
    platforms = list(demo_platforms().order_by("slug"))
    _date_last_contacts(platforms)
    for platform in platforms:
        advisor = (
            Membership.objects.for_organization(platform)
            .filter(role=Membership.Role.ADVISOR, is_active=True)
            .select_related("user")
            .order_by("user__email")
            .first()
        )
        admin = (
            Membership.objects.for_organization(platform)
            .filter(role=Membership.Role.ADMIN, is_active=True)
            .select_related("user")
            .order_by("user__email")
            .first()
        )
        communes = list(
            Territory.objects.communes()
            .filter(epci__in=platform.coverage.all())
            .order_by("code")[:20]
        )
        for offset in RETENTION_STORY:
            _person_near_the_limit(platform, advisor, rng, communes, today, offset)
        if admin is not None:
            _requests(platform, admin, today)
    return []


def _date_last_contacts(platforms: list[Organization]) -> None:
    """Each file's last contact, from the records the services count (see contacts.py)."""
    people = Beneficiary.objects.filter(organization__in=platforms)
    latest: dict = {}

    def bump(person_id, day: date | None) -> None:
        if day is not None and (person_id not in latest or latest[person_id] < day):
            latest[person_id] = day

    for row in (
        Case.objects.filter(beneficiary__in=people)
        .values("beneficiary_id")
        .annotate(last=Max("opened_on"))
    ):
        bump(row["beneficiary_id"], row["last"])
    reached = FollowUp.objects.filter(case__beneficiary__in=people, reached=True)
    for row in reached.values("case__beneficiary_id").annotate(last=Max("done_on")):
        bump(row["case__beneficiary_id"], row["last"])
    timed = (
        (Appointment.objects.filter(status=Appointment.Status.DONE), "starts_at"),
        (Registration.objects.filter(attendance=Registration.Attendance.PRESENT),
         "workshop__starts_at"),
        (Document.objects.filter(kind__in=PERSON_DOCUMENT_KINDS), "uploaded_at"),
        (Loan.objects.filter(checked_out_at__isnull=False), "checked_out_at"),
        (Loan.objects.filter(returned_at__isnull=False), "returned_at"),
    )  # fmt: skip
    for rows, field in timed:
        rows = rows.filter(case__beneficiary__in=people)
        for row in rows.values("case__beneficiary_id").annotate(last=Max(field)):
            if row["last"] is not None:
                bump(row["case__beneficiary_id"], timezone.localdate(row["last"]))
    changed = []
    for person in people.only("id", "last_contact_on").order_by("pk"):
        if person.pk in latest and person.last_contact_on != latest[person.pk]:
            person.last_contact_on = latest[person.pk]
            changed.append(person)
    Beneficiary.objects.bulk_update(changed, ["last_contact_on"], batch_size=2000)


def _person_near_the_limit(
    platform: Organization,
    advisor: Membership | None,
    rng: random.Random,
    communes: list[Territory],
    today: date,
    offset: int,
) -> None:
    """A person whose archived pathway ended on their last contact, ``offset`` days from the
    retention limit (negative: past it)."""
    last_contact = contact_cutoff(today) + timedelta(days=offset)
    opened = last_contact - timedelta(days=rng.randint(120, 200))
    sex = rng.choice(["F", "M"])
    first = rng.choice(FIRST_NAMES_F if sex == "F" else FIRST_NAMES_M)
    last = rng.choice(LAST_NAMES)
    commune = rng.choice(communes) if communes else None
    user = advisor.user if advisor else None
    person = Beneficiary.objects.create(
        organization=platform,
        first_name=first,
        last_name=last,
        name_key=name_key(first, last),
        sex=sex,
        birth_date=opened - timedelta(days=rng.randint(20, 50) * 365 + rng.randint(0, 364)),
        phone=f"06 {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)} "
        f"{rng.randint(10, 99)}",
        address=f"{rng.randint(1, 120)} {rng.choice(STREETS)}",
        postcode=(commune.postcodes.split() or [""])[0] if commune else "",
        commune=commune,
        created_at=_aware(opened, 9),
        created_by=user,
        last_contact_on=last_contact,
    )
    ConsentRecord.objects.create(
        organization=platform,
        beneficiary=person,
        scope=ConsentRecord.Scope.PROCESSING,
        given_on=opened,
        recorded_by=user,
    )
    case = Case.objects.create(
        organization=platform,
        beneficiary=person,
        status=CaseStatus.ARCHIVED,
        advisor=advisor,
        origin=Case.Origin.DIRECT,
        objective="Trouver une solution pour se rendre à la formation d'aide à domicile.",
        opened_on=opened,
        closed_on=last_contact,
        exit_reason=Case.ExitReason.JOB_OR_TRAINING,
        created_at=_aware(opened, 9),
    )
    Participation.objects.create(
        organization=platform,
        case=case,
        disability=Answer.NOT_ASKED,
        **entry_values(person, opened),
    )
    steps = [
        ("", CaseStatus.INTAKE, opened),
        (CaseStatus.INTAKE, CaseStatus.CLOSING, last_contact - timedelta(days=7)),
        (CaseStatus.CLOSING, CaseStatus.CLOSED, last_contact),
        (CaseStatus.CLOSED, CaseStatus.ARCHIVED, min(last_contact + timedelta(days=200), today)),
    ]
    CaseTransition.objects.bulk_create(
        [
            CaseTransition(case=case, from_status=a, to_status=b, by=user, at=_aware(day, 10))
            for a, b, day in steps
        ]
    )
    Appointment.objects.create(
        organization=platform,
        case=case,
        staff=advisor,
        kind=Appointment.Kind.INTAKE,
        starts_at=_aware(opened, 10),
        status=Appointment.Status.DONE,
        notes="Premier accueil : la personne commence une formation dans six semaines.",
    )
    ExitQuestionnaire.objects.create(
        case=case,
        exit_date=last_contact,
        situation=Situation.TRAINING,
        filled_on=last_contact,
        filled_by=user,
        comment="Formation commencée, trajet en bus maîtrisé.",
    )
    Note.objects.create(
        case=case,
        author=user,
        body="Dernier échange : la personne n'a plus besoin d'accompagnement.",
        created_at=_aware(last_contact, 11),
    )


def _requests(platform: Organization, admin: Membership, today: date) -> None:
    """An access request waiting for its answer, and a rectification answered."""
    people = list(
        Beneficiary.objects.filter(organization=platform, anonymised_at__isnull=True)
        .exclude(created_at__lt=_aware(today - timedelta(days=400), 0))
        .order_by("name_key", "birth_date", "email")[:2]
    )
    if len(people) < 2:
        return
    RightsRequest.objects.create(
        organization=platform,
        beneficiary=people[0],
        kind=RightsRequest.Kind.ACCESS,
        received_on=today - timedelta(days=9),
        comment="Demande reçue par courrier : copie de son dossier.",
        recorded_by=admin.user,
    )
    RightsRequest.objects.create(
        organization=platform,
        beneficiary=people[1],
        kind=RightsRequest.Kind.RECTIFICATION,
        received_on=today - timedelta(days=40),
        comment="Nouvelle adresse après un déménagement.",
        handled_on=today - timedelta(days=38),
        handled_by=admin.user,
        outcome=RightsRequest.Outcome.GRANTED,
        recorded_by=admin.user,
    )
