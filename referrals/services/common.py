"""What every referral service shares: the workflow table, who may act, the step log."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from organizations.errors import DomainError
from organizations.models import Membership, Organization

from .. import notifications
from ..models import (
    PENDING_STATUSES,
    Referral,
    ReferralStatus,
    ReferralTransition,
)

Role = Membership.Role
Status = ReferralStatus
Kind = ReferralTransition.Kind
REFERRER_ROLES = (Role.ADMIN, Role.REFERRER)
PLATFORM_ROLES = (Role.ADMIN, Role.ADVISOR)
MAX_MESSAGE_LENGTH = 5_000
MAX_ATTACHMENTS = 10

# What a referrer fills in about the person (the platform is chosen apart, barriers too).
REFERRAL_FIELDS = (
    "first_name",
    "last_name",
    "sex",
    "birth_date",
    "email",
    "phone",
    "address",
    "postcode",
    "commune",
    "france_travail_id",
    "labour_market_status",
    "receives_rsa",
    "driving_licence",
    "has_car_access",
    "has_two_wheeler_access",
    "has_bike_access",
    "barriers_comment",
    "objective",
    "job_interview_on",
    "job_start_on",
    "training_start_on",
    "employer_commune",
    "working_hours",
    "consent_given_on",
    "consent_text",
    "share_follow_up_with_referrer",
    "share_diagnostic_with_referrer",
    "coverage_override_reason",
)
# The referral's fields that become the person's file when the platform accepts.
PERSON_FIELDS = (
    "first_name",
    "last_name",
    "sex",
    "birth_date",
    "email",
    "phone",
    "address",
    "postcode",
    "commune",
    "france_travail_id",
    "labour_market_status",
    "receives_rsa",
    "driving_licence",
    "has_car_access",
    "has_two_wheeler_access",
    "has_bike_access",
)

# Step -> statuses it may start from.
ALLOWED_FROM: dict[str, tuple[str, ...]] = {
    Kind.SEND: (Status.DRAFT,),
    Kind.START_REVIEW: (Status.SENT,),
    Kind.HOLD: (Status.SENT, Status.IN_REVIEW),
    Kind.RESUME: (Status.ON_HOLD,),
    Kind.ACCEPT: PENDING_STATUSES,
    Kind.REFUSE: PENDING_STATUSES,
    Kind.EXPIRE: (Status.SENT,),
    Kind.WITHDRAW: PENDING_STATUSES,
    Kind.TRANSFER: PENDING_STATUSES,
    Kind.CANCEL: (Status.ACCEPTED,),
    Kind.REOPEN: (Status.REFUSED, Status.EXPIRED),
}
ACTION_PHRASES = {
    Kind.SEND: "d'envoyer {what}",
    Kind.START_REVIEW: "de commencer l'examen d'{what}",
    Kind.HOLD: "de mettre en attente {what}",
    Kind.RESUME: "de reprendre l'examen d'{what}",
    Kind.ACCEPT: "d'accepter {what}",
    Kind.REFUSE: "de refuser {what}",
    Kind.EXPIRE: "de faire expirer {what}",
    Kind.WITHDRAW: "de retirer {what}",
    Kind.TRANSFER: "de transférer {what}",
    Kind.CANCEL: "d'annuler {what}",
    Kind.REOPEN: "de rouvrir {what}",
}
STATUS_PHRASES = {
    Status.DRAFT: "une prescription encore en brouillon",
    Status.SENT: "une prescription envoyée qui attend sa première réponse",
    Status.IN_REVIEW: "une prescription en cours d'examen",
    Status.ON_HOLD: "une prescription en attente",
    Status.ACCEPTED: "une prescription déjà acceptée",
    Status.REFUSED: "une prescription refusée",
    Status.EXPIRED: "une prescription expirée",
    Status.WITHDRAWN: "une prescription retirée par le prescripteur",
    Status.CANCELLED: "une prescription annulée",
}


# --- Checks ------------------------------------------------------------------------------------


def is_sender(by: Membership, referral: Referral) -> bool:
    return (
        by.organization_id == referral.sender_organization_id
        and by.role in REFERRER_ROLES
        and by.organization.kind == Organization.Kind.REFERRER
    )


def is_platform_caseworker(by: Membership, referral: Referral) -> bool:
    return by.organization_id == referral.organization_id and by.role in PLATFORM_ROLES


def check_sender(by: Membership, referral: Referral) -> None:
    if not is_sender(by, referral):
        raise DomainError(
            "Seul·es les prescripteur·rices de l'organisation qui a envoyé cette prescription "
            "peuvent faire cela.",
            code="forbidden",
        )


def check_platform(by: Membership, referral: Referral, *, admin: bool = False) -> None:
    if not is_platform_caseworker(by, referral) or (admin and by.role != Role.ADMIN):
        who = "administrateur·rices" if admin else "conseiller·es et administrateur·rices"
        raise DomainError(
            f"Seul·es les {who} de la plateforme destinataire peuvent faire cela.",
            code="forbidden",
        )


def check_step(referral: Referral, kind: str) -> None:
    if referral.status not in ALLOWED_FROM[kind]:
        action = ACTION_PHRASES[kind].format(what=STATUS_PHRASES[referral.status])
        raise DomainError(f"Impossible {action}.", code="invalid_transition")


def can(referral: Referral, kind: str) -> bool:
    """Tell whether the referral's status allows this step (whoever asks)."""
    return referral.status in ALLOWED_FROM[kind]


def locked(referral: Referral) -> Referral:
    return (
        Referral.objects.select_for_update(of=("self",))
        .select_related("organization", "sender_organization", "sender__user", "commune")
        .get(pk=referral.pk)
    )


def log_step(
    referral: Referral,
    *,
    kind: str,
    from_status: str,
    by: Membership | None,
    organization: Organization | None = None,
    to_organization: Organization | None = None,
    comment: str = "",
) -> ReferralTransition:
    return ReferralTransition.objects.create(
        referral=referral,
        kind=kind,
        from_status=from_status,
        to_status=referral.status,
        organization=organization or referral.organization,
        to_organization=to_organization,
        by=by.user if by else None,
        by_organization=by.organization if by else None,
        comment=comment[:500],
    )


def save_referral(referral: Referral, *, by: Membership | None, fields: Iterable[str]) -> None:
    referral._history_user = by.user if by else None
    referral.save(update_fields=[*fields, "updated_at"])


def move(
    referral: Referral,
    *,
    kind: str,
    to_status: str,
    by: Membership | None,
    fields: Iterable[str] = (),
    comment: str = "",
    organization: Organization | None = None,
    to_organization: Organization | None = None,
) -> ReferralTransition:
    """Set the new status, save, log the step and mail the other side once committed."""
    from_status = referral.status
    referral.status = to_status
    save_referral(referral, by=by, fields=["status", *fields])
    transition = log_step(
        referral,
        kind=kind,
        from_status=from_status,
        by=by,
        organization=organization,
        to_organization=to_organization,
        comment=comment,
    )
    transaction.on_commit(
        lambda: notifications.notify_transition(referral, transition), robust=True
    )
    return transition


def mark_first_answer(referral: Referral, now) -> list[str]:
    if referral.first_answered_at is None:
        referral.first_answered_at = now
        return ["first_answered_at"]
    return []


def required_text(value: str | None, *, field: str, message: str) -> str:
    text = (value or "").strip()
    if not text:
        raise DomainError(message, field=field)
    return text
