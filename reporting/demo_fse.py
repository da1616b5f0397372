"""FSE+ demo data, on top of the cases' step: consents to the FSE+ data collection (most people,
a few withdrawn), answers to the sensitive questions (declines included), some exit
questionnaires filled too late to count, and « situation professionnelle améliorée » at six
months for people employed at entry."""

from __future__ import annotations

import random
from datetime import timedelta

from django.db.models import Min
from django.utils import timezone

from cases.models import (
    Answer,
    Beneficiary,
    ConsentRecord,
    ExitQuestionnaire,
    FollowUp,
    Participation,
)
from catalog.models import LabourMarketStatus
from organizations.demo import DemoLogin, demo_platforms

BATCH = 1000
CONSENT_RATE = 0.88
WITHDRAWN_RATE = 0.03
ASKED_RATE = 0.6
LATE_EXIT_RATE = 0.08
# (yes, no, declined) weights of each sensitive question, once asked.
ANSWER_WEIGHTS = {
    "disability": (6, 80, 14),
    "third_country_national": (8, 85, 7),
    "foreign_background": (15, 70, 15),
    "minority": (3, 72, 25),
    "homeless": (5, 90, 5),
}
ANSWERS = (Answer.YES, Answer.NO, Answer.DECLINED)


def seed_fse_plus(*, rng: random.Random, size: str) -> list[DemoLogin]:
    """Add the FSE+ side of the demo cases of every demo platform."""
    today = timezone.localdate()
    for platform in demo_platforms().order_by("slug"):
        _consents(platform, rng, today)
        _sensitive_answers(platform, rng, today)
        _late_exits(platform, rng, today)
        _improved_situations(platform, rng)
    return []


def _consents(platform, rng: random.Random, today) -> None:
    people = (
        Beneficiary.objects.for_organization(platform)
        .not_anonymised()
        .exclude(consents__scope=ConsentRecord.Scope.FSE_REPORTING)
        .annotate(first_entry=Min("cases__opened_on"))
        .order_by("last_name", "first_name", "birth_date", "email")
        .values_list("pk", "first_entry")
    )
    consents = []
    for pk, first_entry in people:
        if rng.random() >= CONSENT_RATE:
            continue
        # Collected at the first interview, when the case opened.
        given_on = min(first_entry or today, today)
        withdrawn = rng.random() < WITHDRAWN_RATE
        consents.append(
            ConsentRecord(
                organization=platform,
                beneficiary_id=pk,
                scope=ConsentRecord.Scope.FSE_REPORTING,
                given_on=given_on,
                withdrawn_on=min(given_on + timedelta(days=rng.randint(20, 120)), today)
                if withdrawn
                else None,
                comment="Retiré à la demande de la personne" if withdrawn else "",
            )
        )
    ConsentRecord.objects.bulk_create(consents, batch_size=BATCH)


def _sensitive_answers(platform, rng: random.Random, today) -> None:
    participations = list(
        Participation.objects.for_organization(platform).order_by(
            "entry_date", "case__beneficiary__name_key", "case__beneficiary__birth_date"
        )
    )
    changed = []
    for participation in participations:
        if rng.random() >= ASKED_RATE:
            continue
        for field, weights in ANSWER_WEIGHTS.items():
            if field == "disability" and participation.disability == Answer.YES:
                continue  # a recognised disability (RQTH, AAH) stays « oui »
            setattr(participation, field, rng.choices(ANSWERS, weights)[0])
        participation.sensitive_questions_asked_on = min(
            participation.entry_date + timedelta(days=rng.randint(0, 10)), today
        )
        changed.append(participation)
    Participation.objects.bulk_update(
        changed, [*ANSWER_WEIGHTS, "sensitive_questions_asked_on"], batch_size=BATCH
    )


def _late_exits(platform, rng: random.Random, today) -> None:
    exits = list(
        ExitQuestionnaire.objects.for_organization(platform)
        .filter(exit_date__lte=today - timedelta(days=60))
        .order_by("exit_date", "case__beneficiary__name_key", "case__opened_on")
    )
    late = []
    for questionnaire in exits:
        if rng.random() < LATE_EXIT_RATE:
            questionnaire.filled_on = questionnaire.exit_date + timedelta(days=rng.randint(30, 50))
            late.append(questionnaire)
    ExitQuestionnaire.objects.bulk_update(late, ["filled_on"], batch_size=BATCH)


def _improved_situations(platform, rng: random.Random) -> None:
    follow_ups = list(
        FollowUp.objects.for_organization(platform)
        .filter(
            kind=FollowUp.Kind.MONTH_6,
            reached=True,
            case__participation__labour_market_status=LabourMarketStatus.EMPLOYED,
        )
        .order_by("due_on", "case__beneficiary__name_key", "case__opened_on")
    )
    for follow_up in follow_ups:
        follow_up.improved_situation = rng.random() < 0.4
    FollowUp.objects.bulk_update(follow_ups, ["improved_situation"], batch_size=BATCH)
