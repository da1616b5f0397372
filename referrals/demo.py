"""Demo referrals for ``seed_demo``: between the demo referrers and platforms, in every state.

Accepted (and cancelled) referrals point at demo cases opened « sur prescription », with the
case's person; the others carry people of their own. Dates are relative to the day of seeding,
like the cases' demo data; the same seed gives the same referrals. Rows are bulk-inserted and
no e-mail is sent.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from django.core.files.base import ContentFile
from django.db.models import Q
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from cases.demo import FIRST_NAMES_F, FIRST_NAMES_M, LAST_NAMES, OBJECTIVES, STREETS
from cases.models import Barrier, Case, ConsentRecord
from organizations.demo import DEMO_EMAIL_SUFFIX, DemoLogin, demo_pdf, demo_platforms
from organizations.models import Membership, Organization, Territory

from .models import (
    CONSENT_TEXT,
    Attachment,
    Message,
    Referral,
    ReferralSettings,
    ReferralStatus,
    ReferralTransition,
    RefusalReason,
)

Status = ReferralStatus
Kind = ReferralTransition.Kind
# The states each platform receives (repeated for the large size).
STATES = [
    Status.DRAFT, Status.SENT, Status.SENT, Status.SENT, Status.IN_REVIEW, Status.IN_REVIEW,
    Status.ON_HOLD, Status.ACCEPTED, Status.ACCEPTED, Status.ACCEPTED, Status.ACCEPTED,
    Status.REFUSED, Status.REFUSED, Status.EXPIRED, Status.WITHDRAWN, Status.CANCELLED,
    "transferred", "reopened",
]  # fmt: skip
REPEAT = {"small": 1, "large": 3}
HOLD_REASONS = [
    "Nous attendons la promesse d'embauche pour vérifier les horaires.",
    "La personne doit nous rappeler pour fixer un premier rendez-vous.",
]
# What referrers join to the referrals still waiting for an answer (real PDF files).
ATTACHMENTS = [
    ("cv.pdf", "CV", "CV à jour, avec l'expérience en logistique"),
    ("fiche-liaison.pdf", "Fiche de liaison", "Fiche de liaison du parcours d'insertion"),
]
WAITING_STATES = (Status.SENT, Status.IN_REVIEW, Status.ON_HOLD)
MESSAGES = [
    ("platform", "Bonjour, pouvez-vous nous confirmer le numéro de téléphone de la personne ?"),
    ("referrer", "Bonjour, oui : c'est bien celui indiqué, elle est joignable le matin."),
    ("platform", "Merci, nous l'appelons cette semaine."),
]


def seed_referrals(*, rng: random.Random, size: str) -> list[DemoLogin]:
    """Create referrals in every state from the demo referrers to each demo platform."""
    referrers = list(
        Organization.objects.referrers()
        .filter(memberships__user__email__endswith=DEMO_EMAIL_SUFFIX)
        .distinct()
        .order_by("slug")
    )
    platforms = list(demo_platforms().order_by("slug"))
    if not referrers or not platforms:
        return []
    seeder = _Seeder(rng, referrers, platforms)
    for index, platform in enumerate(platforms):
        seeder.platform(platform, index, REPEAT[size])
    seeder.save()
    return []


class _Seeder:
    def __init__(self, rng: random.Random, referrers, platforms) -> None:
        self.rng = rng
        self.now = timezone.now()
        self.platforms = platforms
        self.referrers = referrers
        self.senders = {
            org.pk: list(
                Membership.objects.for_organization(org)
                .active()
                .filter(role=Membership.Role.REFERRER)
                .order_by("user__email")
            )
            for org in referrers
        }
        self.barriers = list(
            Barrier.objects.filter(organization=None, is_active=True).order_by("code")
        )
        self.referrals: list[Referral] = []
        self.barrier_links: list[tuple[Referral, Barrier]] = []
        self.transitions: list[ReferralTransition] = []
        self.messages: list[Message] = []
        self.consents: list[ConsentRecord] = []

    def platform(self, platform: Organization, index: int, repeat: int) -> None:
        coverage = list(platform.coverage.values_list("pk", flat=True))
        communes = list(
            Territory.objects.communes()
            .filter(Q(epci__in=coverage) | Q(pk__in=coverage))
            .order_by("code")
        )
        cases = list(
            Case.objects.filter(organization=platform, origin=Case.Origin.REFERRAL)
            .select_related("beneficiary")
            .order_by("opened_on", "id")
        )
        staff = list(
            Membership.objects.for_organization(platform)
            .active()
            .filter(role__in=(Membership.Role.ADMIN, Membership.Role.ADVISOR))
            .order_by("role", "user__email")
        )
        others = [p for p in self.platforms if p.pk != platform.pk]
        # Each platform hears mostly from the referrer of its area (same position), some others.
        main_referrer = self.referrers[index % len(self.referrers)]
        for _ in range(repeat):
            for state in STATES:
                sender_org = (
                    main_referrer if self.rng.random() < 0.7 else self.rng.choice(self.referrers)
                )
                case = (
                    cases.pop() if state in (Status.ACCEPTED, Status.CANCELLED) and cases else None
                )
                if state in (Status.ACCEPTED, Status.CANCELLED) and case is None:
                    state = Status.IN_REVIEW  # no case left to point at
                self._referral(platform, sender_org, state, communes, staff, others, case)

    def _referral(self, platform, sender_org, state, communes, staff, others, case) -> None:
        rng = self.rng
        senders = self.senders[sender_org.pk]
        sender = rng.choice(senders) if senders else None
        actor = rng.choice(staff) if staff else None
        # Waiting referrals are recent (the expiry would take them); decided ones older.
        sent_days = {
            Status.DRAFT: 0, Status.SENT: rng.randint(1, 12), "transferred": rng.randint(2, 12),
            Status.IN_REVIEW: rng.randint(3, 25), Status.ON_HOLD: rng.randint(5, 25),
            "reopened": rng.randint(8, 25), Status.EXPIRED: rng.randint(35, 60),
        }.get(state, rng.randint(10, 200))  # fmt: skip
        if case is not None:
            sent_days = max((timezone.localdate() - case.opened_on).days + rng.randint(1, 7), 1)
        sent_at = self.now - timedelta(days=sent_days, hours=rng.randint(0, 8))
        referral = self._person(platform, sender_org, sender, communes, case)
        referral.created_at = sent_at - timedelta(hours=rng.randint(1, 48))
        referral.consent_given_on = timezone.localdate(sent_at) - timedelta(days=rng.randint(0, 3))
        self.referrals.append(referral)
        self._sharing(referral, case, sender_org)
        for barrier in rng.sample(self.barriers, k=min(len(self.barriers), rng.randint(1, 3))):
            self.barrier_links.append((referral, barrier))
        if state == Status.DRAFT:
            referral.consent_given_on = None
            referral.consent_text = ""
            return
        referral.sent_at = referral.received_at = sent_at
        self._step(referral, Kind.SEND, "", Status.SENT, sender, sent_at)
        answer_at = sent_at + timedelta(days=rng.randint(0, 6), hours=rng.randint(1, 6))
        if state == "transferred" and others:
            origin = rng.choice(others)
            referral.original_platform = origin
            referral.organization = origin
            transfer_at = sent_at + timedelta(days=1)
            self._step(
                referral,
                Kind.START_REVIEW,
                Status.SENT,
                Status.IN_REVIEW,
                None,
                sent_at + timedelta(hours=3),
                organization=origin,
            )
            self._step(
                referral,
                Kind.TRANSFER,
                Status.IN_REVIEW,
                Status.SENT,
                None,
                transfer_at,
                organization=origin,
                to_organization=platform,
                comment="La personne habite sur votre territoire.",
            )
            referral.organization = platform
            referral.received_at = transfer_at
            referral.status = Status.SENT
            return
        if state == Status.SENT:
            return
        if state == Status.EXPIRED:
            expired_at = sent_at + timedelta(days=30)
            referral.closed_at = expired_at
            self._step(
                referral,
                Kind.EXPIRE,
                Status.SENT,
                Status.EXPIRED,
                None,
                expired_at,
                comment="Sans réponse après 30 jours",
            )
            return
        if state == Status.WITHDRAWN:
            referral.closed_at = answer_at
            self._step(
                referral,
                Kind.WITHDRAW,
                Status.SENT,
                Status.WITHDRAWN,
                sender,
                answer_at,
                comment="La personne a trouvé une solution de covoiturage.",
            )
            return
        referral.first_answered_at = answer_at
        self._step(referral, Kind.START_REVIEW, Status.SENT, Status.IN_REVIEW, actor, answer_at)
        self._thread(referral, sender, actor, answer_at)
        if state == Status.IN_REVIEW:
            return
        if state == Status.ON_HOLD:
            referral.on_hold_reason = rng.choice(HOLD_REASONS)
            self._step(
                referral,
                Kind.HOLD,
                Status.IN_REVIEW,
                Status.ON_HOLD,
                actor,
                answer_at + timedelta(hours=2),
                comment=referral.on_hold_reason,
            )
            return
        decided_at = answer_at + timedelta(days=rng.randint(0, 3), hours=1)
        referral.decided_at = decided_at
        if state in (Status.REFUSED, "reopened"):
            reason = rng.choice(
                [
                    RefusalReason.OUT_OF_TERRITORY,
                    RefusalReason.NO_CAPACITY,
                    RefusalReason.UNREACHABLE,
                ]
            )
            referral.refusal_reason = reason
            referral.refusal_comment = (
                "Orientez plutôt la personne vers l'agence de mobilité du département."
            )
            referral.share_reason_with_person = rng.random() < 0.5
            referral.closed_at = decided_at
            self._step(
                referral,
                Kind.REFUSE,
                Status.IN_REVIEW,
                Status.REFUSED,
                actor,
                decided_at,
                comment=RefusalReason(reason).label,
            )
            if state == "reopened":
                admin = next((m for m in staff if m.role == Membership.Role.ADMIN), actor)
                referral.refusal_reason = referral.refusal_comment = ""
                referral.share_reason_with_person = False
                referral.closed_at = referral.decided_at = None
                referral.status = Status.IN_REVIEW
                self._step(
                    referral,
                    Kind.REOPEN,
                    Status.REFUSED,
                    Status.IN_REVIEW,
                    admin,
                    decided_at + timedelta(days=2),
                    comment="Une place s'est libérée.",
                )
            return
        referral.case = case
        self._step(referral, Kind.ACCEPT, Status.IN_REVIEW, Status.ACCEPTED, actor, decided_at)
        if state == Status.CANCELLED:
            referral.closed_at = decided_at + timedelta(days=10)
            self._step(
                referral,
                Kind.CANCEL,
                Status.ACCEPTED,
                Status.CANCELLED,
                actor,
                referral.closed_at,
                comment="Trois rendez-vous manqués sans nouvelles.",
            )

    def _sharing(self, referral: Referral, case: Case | None, sender_org: Organization) -> None:
        """Most people let the platform share their follow-up; a few withdrew that consent.

        Derived from the referral's rank, not drawn: the draws of the seed stay as they were.
        """
        rank = len(self.referrals)
        referral.share_follow_up_with_referrer = (
            referral.share_diagnostic_with_referrer or rank % 4 != 0
        )
        if case is None:
            return
        if case.closed_on is not None:
            referral.outcome_notified_at = self.now  # announced when the pathway ended
        if not referral.share_follow_up_with_referrer:
            return
        today = timezone.localdate()
        given_on = min(referral.consent_given_on, today)
        self.consents.append(
            ConsentRecord(
                organization=referral.organization,
                beneficiary=case.beneficiary,
                scope=ConsentRecord.Scope.SHARE_WITH_REFERRER,
                given_on=given_on,
                withdrawn_on=max(given_on, today - timedelta(days=5)) if rank % 9 == 0 else None,
                comment=f"Attesté par {sender_org.name} dans la prescription"[:250],
            )
        )

    def _person(self, platform, sender_org, sender, communes, case) -> Referral:
        rng = self.rng
        commune = rng.choice(communes) if communes else None
        job_start = timezone.localdate() + timedelta(days=rng.randint(3, 40))
        referral = Referral(
            organization=platform,
            sender_organization=sender_org,
            sender=sender,
            status=Status.DRAFT,
            sex=rng.choice(["F", "M"]),
            commune=commune,
            postcode=(commune.postcodes.split() or [""])[0] if commune else "",
            address=f"{rng.randint(1, 120)} {rng.choice(STREETS)}",
            labour_market_status=rng.choice(["unemployed", "long_term_unemployed", "inactive"]),
            receives_rsa=rng.random() < 0.4,
            driving_licence=rng.choice(["none", "learning_code", "licence_b"]),
            has_bike_access=rng.random() < 0.3,
            objective=rng.choice(OBJECTIVES),
            job_start_on=job_start if rng.random() < 0.5 else None,
            job_interview_on=job_start - timedelta(days=2) if rng.random() < 0.3 else None,
            working_hours=rng.choice(["", "Horaires décalés de 5 h à 13 h", "Week-ends"]),
            consent_text=CONSENT_TEXT,
            share_diagnostic_with_referrer=rng.random() < 0.6,
        )
        if case is not None:
            person = case.beneficiary
            for name in (
                "first_name",
                "last_name",
                "sex",
                "birth_date",
                "email",
                "phone",
                "address",
                "postcode",
                "commune_id",
                "labour_market_status",
                "receives_rsa",
                "driving_licence",
            ):
                setattr(referral, name, getattr(person, name))
            return referral
        referral.first_name = rng.choice(FIRST_NAMES_F if referral.sex == "F" else FIRST_NAMES_M)
        referral.last_name = rng.choice(LAST_NAMES)
        referral.birth_date = timezone.localdate() - timedelta(days=rng.randint(18, 60) * 365)
        referral.phone = "06 " + " ".join(f"{rng.randint(10, 99)}" for _ in range(4))
        referral.email = (
            f"{referral.first_name}.{referral.last_name}{rng.randint(1, 99)}@exemple.fr".lower()
        )
        return referral

    def _step(
        self,
        referral,
        kind,
        from_status,
        to_status,
        by,
        at: datetime,
        *,
        organization=None,
        to_organization=None,
        comment="",
    ) -> None:
        referral.status = to_status
        self.transitions.append(
            ReferralTransition(
                referral=referral, kind=kind, from_status=from_status, to_status=to_status,
                organization=organization or referral.organization,
                to_organization=to_organization, by=by.user if by else None,
                by_organization=by.organization if by else None, at=at, comment=comment,
            )
        )  # fmt: skip

    def _thread(self, referral, sender, actor, start: datetime) -> None:
        if self.rng.random() < 0.5:
            return
        for offset, (side, body) in enumerate(MESSAGES):
            author = actor if side == "platform" else sender
            organization = (
                referral.organization if side == "platform" else referral.sender_organization
            )
            self.messages.append(
                Message(
                    referral=referral,
                    author=author,
                    author_organization=organization,
                    body=body,
                    created_at=start + timedelta(hours=offset + 1),
                )
            )

    def _attachments(self) -> list[Attachment]:
        attachments = []
        waiting = [r for r in self.referrals if r.status in WAITING_STATES and r.sent_at]
        for index, referral in enumerate(waiting):
            name, title, description = ATTACHMENTS[index % len(ATTACHMENTS)]
            pdf = demo_pdf(title, description)
            attachment = Attachment(
                referral=referral,
                original_name=name,
                content_type="application/pdf",
                size=len(pdf),
                description=description,
                uploaded_by=referral.sender.user if referral.sender else None,
                uploaded_at=referral.sent_at,
            )
            attachment.file.save(name, ContentFile(pdf), save=False)
            attachments.append(attachment)
        return attachments

    def save(self) -> None:
        bulk_create_with_history(self.referrals, Referral, batch_size=1000)
        Attachment.objects.bulk_create(self._attachments(), batch_size=1000)
        through = Referral.barriers.through
        through.objects.bulk_create(
            [through(referral_id=r.pk, barrier_id=b.pk) for r, b in self.barrier_links],
            batch_size=1000,
        )
        ReferralTransition.objects.bulk_create(self.transitions, batch_size=1000)
        Message.objects.bulk_create(self.messages, batch_size=1000)
        bulk_create_with_history(self.consents, ConsentRecord, batch_size=1000)
        first = self.platforms[0]
        ReferralSettings.objects.get_or_create(
            organization=first, defaults={"expiry_days": 30, "reminder_days": 5}
        )
