"""E-mails of the referral workflow: to each side on each step, reminders, the daily digest.

Called once the transaction is committed (services use ``transaction.on_commit``). Mails name
the person by initials only, and carry a link to the referral page (login required). Each
member may opt out (``NotificationPreference``); a member with no preferences gets everything
but the digest.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from organizations.models import Membership, Organization

from .models import (
    PENDING_STATUSES,
    Message,
    NotificationPreference,
    Referral,
    ReferralTransition,
)
from .sharing import follow_up_for

Role = Membership.Role
Kind = ReferralTransition.Kind
PLATFORM_ROLES = (Role.ADMIN, Role.ADVISOR)
REFERRER_ROLES = (Role.ADMIN, Role.REFERRER)


def link(name: str, *args) -> str:
    return settings.SITE_URL + reverse(name, args=args)


def person_initials(referral: Referral) -> str:
    initials = [
        f"{part[:1].upper()}." for part in (referral.first_name, referral.last_name) if part
    ]
    return " ".join(initials) or "personne non nommée"


def referral_label(referral: Referral) -> str:
    day = timezone.localtime(referral.sent_at or referral.created_at)
    return f"la prescription du {day:%d/%m/%Y} ({person_initials(referral)})"


def _wants(memberships: list[Membership], field: str) -> list[Membership]:
    preferences = {
        p.membership_id: p
        for p in NotificationPreference.objects.filter(membership__in=memberships)
    }
    return [
        m for m in memberships
        if getattr(preferences.get(m.pk), field, True) and m.user.email
    ]  # fmt: skip


def platform_team(organization: Organization) -> list[Membership]:
    return list(
        Membership.objects.for_organization(organization)
        .active()
        .filter(role__in=PLATFORM_ROLES)
        .select_related("user")
        .order_by("user__email")
    )


def referrer_contacts(referral: Referral) -> list[Membership]:
    """The member who sent it if still there, else every referrer of the organisation."""
    members = (
        Membership.objects.for_organization(referral.sender_organization)
        .active()
        .filter(role__in=REFERRER_ROLES)
        .select_related("user")
        .order_by("user__email")
    )
    sender = next((m for m in members if m.pk == referral.sender_id), None)
    return [sender] if sender else list(members)


def _send(recipients: Iterable[Membership], *, subject: str, template: str, context: dict) -> int:
    sent = 0
    for membership in recipients:
        body = render_to_string(
            f"referrals/emails/{template}.txt",
            {**context, "recipient": membership, "site_url": settings.SITE_URL},
        )
        EmailMessage(f"[Mobicase] {subject}", body, to=[membership.user.email]).send()
        sent += 1
    return sent


def _not_actor(members: list[Membership], user_id) -> list[Membership]:
    return [m for m in members if m.user_id != user_id]


STEP_SENTENCES = {
    Kind.START_REVIEW: "{platform} examine {referral}.",
    Kind.HOLD: "{platform} a mis {referral} en attente.",
    Kind.RESUME: "{platform} a repris l'examen de {referral}.",
    Kind.ACCEPT: "{platform} a accepté {referral} : un accompagnement est ouvert.",
    Kind.REFUSE: "{platform} a refusé {referral}.",
    Kind.CANCEL: "{platform} a annulé {referral} : la personne n'est pas venue.",
    Kind.REOPEN: "{platform} a rouvert {referral} et l'examine de nouveau.",
    Kind.TRANSFER: "{platform} a transféré {referral} à {to_platform}.",
    Kind.EXPIRE: "{referral} a expiré sans réponse de {platform}.",
    Kind.WITHDRAW: "{sender} a retiré {referral}.",
}
SUBJECTS = {
    Kind.START_REVIEW: "Prescription en cours d'examen",
    Kind.HOLD: "Prescription mise en attente",
    Kind.RESUME: "Examen de la prescription repris",
    Kind.ACCEPT: "Prescription acceptée",
    Kind.REFUSE: "Prescription refusée",
    Kind.CANCEL: "Prescription annulée",
    Kind.REOPEN: "Prescription rouverte",
    Kind.TRANSFER: "Prescription transférée",
    Kind.EXPIRE: "Prescription expirée",
    Kind.WITHDRAW: "Prescription retirée",
}


def step_sentence(referral: Referral, transition: ReferralTransition) -> str:
    sentence = STEP_SENTENCES[transition.kind].format(
        platform=transition.organization.name,
        to_platform=transition.to_organization.name if transition.to_organization else "",
        sender=referral.sender_organization.name,
        referral=referral_label(referral),
    )
    return sentence[:1].upper() + sentence[1:]


def notify_transition(referral: Referral, transition: ReferralTransition) -> int:
    """Mail the side that did not act (both sides on expiry); return the number of mails."""
    kind = transition.kind
    context = {
        "referral": referral,
        "transition": transition,
        "url": link("referrals:detail", referral.pk),
    }
    if kind in (Kind.SEND, Kind.TRANSFER):
        team = _wants(platform_team(referral.organization), "new_referrals")
        sent = _send(
            team,
            subject=f"Nouvelle prescription de {referral.sender_organization.name}",
            template="new_referral",
            context={
                **context,
                "label": referral_label(referral),
                "inbox_url": link("referrals:inbox"),
            },
        )
        if kind == Kind.SEND:
            return sent
    else:
        sent = 0
    recipients: list[Membership] = []
    if kind in (Kind.WITHDRAW, Kind.EXPIRE):
        recipients += platform_team(referral.organization)
    if kind != Kind.WITHDRAW:
        recipients += referrer_contacts(referral)
    recipients = _wants(_not_actor(recipients, transition.by_id), "status_changes")
    return sent + _send(
        recipients,
        subject=SUBJECTS[kind],
        template="status_change",
        context={**context, "sentence": step_sentence(referral, transition)},
    )


def notify_message(message: Message) -> int:
    """Mail the other side of the thread that a message came."""
    referral = message.referral
    if message.author_organization_id == referral.sender_organization_id:
        recipients = platform_team(referral.organization)
    else:
        recipients = referrer_contacts(referral)
    author_user_id = message.author.user_id if message.author else None
    recipients = _wants(_not_actor(recipients, author_user_id), "messages")
    return _send(
        recipients,
        subject=f"Nouveau message de {message.author_organization.name}",
        template="message",
        context={
            "referral": referral,
            "label": referral_label(referral),
            "organization": message.author_organization,
            "url": link("referrals:detail", referral.pk) + "#messages",
        },
    )


def notify_outcome(referral: Referral) -> int:
    """Tell the referrer how the pathway ended, if the person lets the platform share it."""
    follow_up = follow_up_for(referral)
    if not follow_up.shared or not follow_up.outcome_summary:
        return 0
    return _send(
        _wants(referrer_contacts(referral), "status_changes"),
        subject="Fin de l'accompagnement",
        template="outcome",
        context={
            "referral": referral,
            "label": referral_label(referral),
            "platform": referral.organization,
            "outcome": follow_up.outcome_summary,
            "url": link("referrals:detail", referral.pk),
        },
    )


def send_reminder(platform: Organization, referrals: list[Referral], *, today: date) -> int:
    """Remind a platform's team of the referrals waiting for a first answer."""
    now = timezone.now()
    oldest = max((now - r.received_at).days for r in referrals)
    return _send(
        _wants(platform_team(platform), "reminders"),
        subject=f"{len(referrals)} prescription(s) attendent votre réponse",
        template="reminder",
        context={
            "platform": platform,
            "count": len(referrals),
            "oldest_days": oldest,
            "labels": [referral_label(r) for r in referrals[:20]],
            "inbox_url": link("referrals:inbox"),
            "today": today,
        },
    )


def _day_bounds(today: date) -> tuple[datetime, datetime]:
    start = timezone.make_aware(datetime.combine(today - timedelta(days=1), time.min))
    return start, start + timedelta(days=1)


def send_digest(membership: Membership, *, today: date) -> bool:
    """Mail yesterday's activity to one member; tell whether there was anything to say."""
    start, end = _day_bounds(today)
    organization = membership.organization
    steps = ReferralTransition.objects.filter(at__gte=start, at__lt=end).select_related(
        "referral", "organization", "to_organization", "referral__sender_organization"
    )
    messages = Message.objects.filter(created_at__gte=start, created_at__lt=end)
    if organization.kind == Organization.Kind.PLATFORM:
        if membership.role not in PLATFORM_ROLES:
            return False
        received = [
            s for s in steps.filter(kind__in=(Kind.SEND, Kind.TRANSFER)).order_by("at", "id")
            if (s.to_organization_id or s.organization_id) == organization.pk
        ]  # fmt: skip
        lines = [
            f"Reçue : {referral_label(s.referral)} de {s.referral.sender_organization.name}"
            for s in received
        ]
        messages = messages.filter(referral__organization=organization).exclude(
            author_organization=organization
        )
        pending = (
            Referral.objects.received_by(organization).filter(status__in=PENDING_STATUSES).count()
        )
        url = link("referrals:inbox")
    else:
        if membership.role not in REFERRER_ROLES:
            return False
        changed = (
            steps.filter(referral__sender_organization=organization)
            .exclude(kind=Kind.SEND)
            .order_by("at", "id")
        )
        lines = [step_sentence(s.referral, s) for s in changed]
        messages = messages.filter(referral__sender_organization=organization).exclude(
            author_organization=organization
        )
        pending = None
        url = link("referrals:sent")
    message_count = messages.count()
    if not lines and not message_count:
        return False
    _send(
        [membership],
        subject=f"Récapitulatif des prescriptions du {start:%d/%m/%Y}",
        template="digest",
        context={
            "day": start,
            "lines": lines,
            "message_count": message_count,
            "pending": pending,
            "url": url,
        },
    )
    return True
