"""The referral workflow: one function per step, each atomic, locked, logged, mailed on commit.

draft → sent → in review ⇄ on hold → accepted (opens or links a case) / refused ; sent → expired
after the platform's delay ; withdrawn by the sender ; transferred to another platform (keeps
its origin) ; accepted → cancelled (never came) ; refused or expired → reopened by an admin.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from cases.models import OPEN_STATUSES, Barrier, Beneficiary, Case, ConsentRecord
from cases.services.contacts import note_contact
from cases.services.lifecycle import open_case
from cases.services.people import birth_date_error, create_beneficiary, record_consent
from organizations.errors import DomainError
from organizations.models import Membership, Organization, Territory

from ..models import (
    Referral,
    RefusalReason,
)
from .common import (
    PERSON_FIELDS,
    PLATFORM_ROLES,
    REFERRAL_FIELDS,
    REFERRER_ROLES,
    Kind,
    Status,
    check_platform,
    check_sender,
    check_step,
    locked,
    mark_first_answer,
    move,
    required_text,
    save_referral,
)
from .exchanges import add_attachment

# --- Drafts and sending ------------------------------------------------------------------------


def _clean(data: Mapping[str, Any]) -> dict[str, Any]:
    unknown = set(data) - set(REFERRAL_FIELDS)
    if unknown:
        raise DomainError(f"Champs inconnus : {', '.join(sorted(unknown))}.")
    values = dict(data)
    for name in ("first_name", "last_name"):
        if name in values:
            values[name] = " ".join(str(values[name] or "").split())
    error = birth_date_error(values.get("birth_date"))
    if error:
        raise DomainError(error, field="birth_date")
    consent_on = values.get("consent_given_on")
    if consent_on and consent_on > timezone.localdate():
        raise DomainError(
            "La date de l'accord de la personne ne peut pas être dans le futur.",
            field="consent_given_on",
        )
    for name in ("commune", "employer_commune"):
        commune = values.get(name)
        if commune is not None and (
            not isinstance(commune, Territory) or commune.level != Territory.Level.COMMUNE
        ):
            raise DomainError("Choisissez une commune dans la liste.", field=name)
    return values


def _check_platform_choice(platform: Organization) -> None:
    if not (platform.is_platform and platform.is_active):
        raise DomainError("Choisissez une plateforme de mobilité active.", field="organization")


def _shared_barriers(barriers: Iterable[Barrier]) -> list[Barrier]:
    chosen = list(barriers)
    allowed = set(
        Barrier.objects.filter(
            organization=None, is_active=True, pk__in=[b.pk for b in chosen]
        ).values_list("pk", flat=True)
    )
    if any(b.pk not in allowed for b in chosen):
        raise DomainError("Un frein choisi n'existe pas dans la liste commune.", field="barriers")
    return chosen


@transaction.atomic
def save_draft(
    *,
    by: Membership,
    platform: Organization,
    data: Mapping[str, Any],
    barriers: Iterable[Barrier] | None = None,
    referral: Referral | None = None,
) -> Referral:
    """Create or update a draft; nothing is checked for completeness until it is sent."""
    if by.organization.kind != Organization.Kind.REFERRER or by.role not in REFERRER_ROLES:
        raise DomainError(
            "Seul·es les prescripteur·rices peuvent orienter une personne.", code="forbidden"
        )
    _check_platform_choice(platform)
    values = _clean(data)
    if referral is None:
        referral = Referral(
            sender_organization=by.organization, sender=by, organization=platform, **values
        )
        referral._history_user = by.user
        referral.save()
    else:
        referral = locked(referral)
        check_sender(by, referral)
        if not referral.is_draft:
            raise DomainError(
                "Cette prescription a déjà été envoyée : elle ne peut plus être modifiée. "
                "Écrivez à la plateforme dans les messages.",
                code="invalid_transition",
            )
        referral.organization = platform
        for name, value in values.items():
            setattr(referral, name, value)
        save_referral(referral, by=by, fields=["organization", *values])
    if barriers is not None:
        referral.barriers.set(_shared_barriers(barriers))
    return referral


def covers(platform: Organization, commune: Territory) -> bool:
    return Organization.objects.covering_commune(commune).filter(pk=platform.pk).exists()


def _check_ready(referral: Referral) -> None:
    """Refuse to send a referral the platform could not act on; say which field to fill."""
    required_text(
        referral.first_name, field="first_name", message="Indiquez le prénom de la personne."
    )
    required_text(referral.last_name, field="last_name", message="Indiquez le nom de la personne.")
    if referral.commune_id is None:
        raise DomainError(
            "Indiquez la commune où habite la personne : elle décide de la plateforme compétente.",
            field="commune",
        )
    if not (referral.phone.strip() or referral.email.strip()):
        raise DomainError(
            "Indiquez un téléphone ou une adresse e-mail : la plateforme doit pouvoir joindre "
            "la personne.",
            field="phone",
        )
    required_text(
        referral.objective,
        field="objective",
        message="Décrivez l'objectif de la personne (emploi, formation, trajets à faire).",
    )
    if referral.consent_given_on is None or not referral.consent_text.strip():
        raise DomainError(
            "Le consentement de la personne est obligatoire : attestez qu'elle a accepté d'être "
            "orientée et que ses informations soient transmises, et indiquez à quelle date.",
            field="consent_given_on",
            code="consent_required",
        )
    _check_platform_choice(referral.organization)
    if not covers(referral.organization, referral.commune) and not (
        referral.coverage_override_reason.strip()
    ):
        raise DomainError(
            f"{referral.organization.name} ne couvre pas {referral.commune.name} : choisissez "
            "une plateforme qui couvre la commune, ou expliquez pourquoi vous orientez quand "
            "même la personne vers celle-ci.",
            field="coverage_override_reason",
            code="not_covered",
        )


@transaction.atomic
def send_referral(referral: Referral, *, by: Membership) -> Referral:
    """Send a complete draft to its platform."""
    referral = locked(referral)
    check_sender(by, referral)
    check_step(referral, Kind.SEND)
    _check_ready(referral)
    now = timezone.now()
    referral.sent_at = referral.received_at = now
    move(referral, kind=Kind.SEND, to_status=Status.SENT, by=by, fields=["sent_at", "received_at"])
    return referral


@transaction.atomic
def create_referral(
    *,
    by: Membership,
    platform: Organization,
    data: Mapping[str, Any],
    barriers: Iterable[Barrier] = (),
    attachments: Iterable[tuple[UploadedFile, str]] = (),
    send: bool = True,
) -> Referral:
    """Write a referral with its files and, unless kept as a draft, send it: all or nothing."""
    referral = save_draft(by=by, platform=platform, data=data, barriers=barriers)
    for uploaded_file, description in attachments:
        add_attachment(referral, by=by, uploaded_file=uploaded_file, description=description)
    return send_referral(referral, by=by) if send else referral


@transaction.atomic
def update_referral(
    referral: Referral,
    *,
    by: Membership,
    platform: Organization,
    data: Mapping[str, Any],
    barriers: Iterable[Barrier] = (),
    attachments: Iterable[tuple[UploadedFile, str]] = (),
    send: bool = False,
) -> Referral:
    """Change a draft, add its new files and, if asked, send it: all or nothing."""
    referral = save_draft(by=by, platform=platform, data=data, barriers=barriers, referral=referral)
    for uploaded_file, description in attachments:
        add_attachment(referral, by=by, uploaded_file=uploaded_file, description=description)
    return send_referral(referral, by=by) if send else referral


@transaction.atomic
def delete_draft(referral: Referral, *, by: Membership) -> None:
    """Delete a draft never sent, with its files once the deletion is committed."""
    referral = locked(referral)
    check_sender(by, referral)
    if not referral.is_draft:
        raise DomainError(
            "Seul un brouillon peut être supprimé : retirez plutôt la prescription.",
            code="invalid_transition",
        )
    files = [(a.file.storage, a.file.name) for a in referral.attachments.all()]
    referral._history_user = by.user
    referral.delete()
    for storage, name in files:
        transaction.on_commit(lambda s=storage, n=name: s.delete(n), robust=True)


# --- The platform's answer ---------------------------------------------------------------------


@transaction.atomic
def start_review(referral: Referral, *, by: Membership) -> Referral:
    """The platform starts examining a referral it received."""
    referral = locked(referral)
    check_platform(by, referral)
    check_step(referral, Kind.START_REVIEW)
    fields = mark_first_answer(referral, timezone.now())
    move(referral, kind=Kind.START_REVIEW, to_status=Status.IN_REVIEW, by=by, fields=fields)
    return referral


@transaction.atomic
def put_on_hold(referral: Referral, *, by: Membership, reason: str) -> Referral:
    """Pause the examination until something comes (a document, the person's call back)."""
    referral = locked(referral)
    check_platform(by, referral)
    check_step(referral, Kind.HOLD)
    reason = required_text(
        reason,
        field="reason",
        message="Indiquez ce que vous attendez pour reprendre l'examen (un justificatif, un "
        "rappel de la personne…) : le prescripteur le verra.",
    )
    referral.on_hold_reason = reason[:500]
    fields = ["on_hold_reason", *mark_first_answer(referral, timezone.now())]
    move(referral, kind=Kind.HOLD, to_status=Status.ON_HOLD, by=by, fields=fields, comment=reason)
    return referral


@transaction.atomic
def resume_referral(referral: Referral, *, by: Membership) -> Referral:
    """Take a referral on hold back into examination."""
    referral = locked(referral)
    check_platform(by, referral)
    check_step(referral, Kind.RESUME)
    referral.on_hold_reason = ""
    move(referral, kind=Kind.RESUME, to_status=Status.IN_REVIEW, by=by, fields=["on_hold_reason"])
    return referral


def caseworkers_of(organization: Organization):
    """The platform's members who may follow the person (admins and advisors)."""
    return (
        Membership.objects.for_organization(organization)
        .active()
        .filter(role__in=PLATFORM_ROLES)
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "id")
    )


def person_data(referral: Referral) -> dict[str, Any]:
    """The person's file as the referral describes it."""
    return {name: getattr(referral, name) for name in PERSON_FIELDS}


@transaction.atomic
def accept_referral(
    referral: Referral,
    *,
    by: Membership,
    beneficiary: Beneficiary | None = None,
    confirm_not_duplicate: bool = False,
    advisor: Membership | None = None,
) -> Case:
    """Accept: link the person already followed (or create their file) and open their case.

    Without ``beneficiary``, a person with the same name and birth date refuses with
    ``PossibleDuplicate`` unless ``confirm_not_duplicate``; with one whose case is still open,
    the referral is linked to that case instead of opening a second one.
    """
    referral = locked(referral)
    check_platform(by, referral)
    check_step(referral, Kind.ACCEPT)
    case = None
    if beneficiary is not None:
        if beneficiary.organization_id != referral.organization_id or beneficiary.anonymised_at:
            raise DomainError(
                "Cette personne n'est pas suivie par votre plateforme.", field="beneficiary"
            )
        case = beneficiary.cases.filter(status__in=OPEN_STATUSES).order_by("-opened_on").first()
    else:
        beneficiary = create_beneficiary(
            organization=referral.organization,
            by=by,
            data=person_data(referral),
            confirm_not_duplicate=confirm_not_duplicate,
        )
    if case is None:
        case = open_case(
            beneficiary=beneficiary,
            by=by,
            advisor=advisor,
            origin=Case.Origin.REFERRAL,
            origin_detail=f"Prescription de {referral.sender_organization.name}"[:200],
            objective=referral.objective,
            job_start_date=referral.job_start_on or referral.training_start_on,
        )
    else:
        # The person asked again to be accompanied: a contact coming from them.
        note_contact(
            beneficiary_ids=[beneficiary.pk],
            on=referral.consent_given_on or timezone.localdate(),
        )
    if referral.share_follow_up_with_referrer or referral.share_diagnostic_with_referrer:
        _record_sharing_consent(referral, beneficiary, by)
    now = timezone.now()
    referral.case = case
    referral.decided_at = now
    fields = ["case", "decided_at", *mark_first_answer(referral, now)]
    move(referral, kind=Kind.ACCEPT, to_status=Status.ACCEPTED, by=by, fields=fields)
    return case


def _record_sharing_consent(referral: Referral, beneficiary: Beneficiary, by: Membership) -> None:
    scope = ConsentRecord.Scope.SHARE_WITH_REFERRER
    if not ConsentRecord.objects.filter(beneficiary=beneficiary, scope=scope).in_force().exists():
        record_consent(
            beneficiary,
            by=by,
            scope=scope,
            given_on=referral.consent_given_on,
            comment=f"Attesté par {referral.sender_organization.name} dans la prescription"[:250],
        )


@transaction.atomic
def refuse_referral(
    referral: Referral,
    *,
    by: Membership,
    reason: str,
    comment: str = "",
    share_reason_with_person: bool = False,
) -> Referral:
    """Refuse with a structured reason, and say whether the reason may be told to the person."""
    referral = locked(referral)
    check_platform(by, referral)
    check_step(referral, Kind.REFUSE)
    if reason not in RefusalReason.values:
        raise DomainError("Choisissez le motif du refus.", field="reason")
    comment = (comment or "").strip()
    if reason == RefusalReason.OTHER and not comment:
        raise DomainError(
            "Pour « Autre motif », expliquez le refus au prescripteur.", field="comment"
        )
    now = timezone.now()
    referral.refusal_reason = reason
    referral.refusal_comment = comment
    referral.share_reason_with_person = share_reason_with_person
    referral.decided_at = referral.closed_at = now
    fields = [
        "refusal_reason", "refusal_comment", "share_reason_with_person", "decided_at",
        "closed_at", *mark_first_answer(referral, now),
    ]  # fmt: skip
    move(
        referral,
        kind=Kind.REFUSE,
        to_status=Status.REFUSED,
        by=by,
        fields=fields,
        comment=RefusalReason(reason).label,
    )
    return referral


@transaction.atomic
def transfer_referral(
    referral: Referral, *, by: Membership, to_platform: Organization, comment: str = ""
) -> Referral:
    """Hand the referral to another platform; it keeps its origin and leaves this inbox."""
    referral = locked(referral)
    check_platform(by, referral)
    check_step(referral, Kind.TRANSFER)
    if not (to_platform.is_platform and to_platform.is_active):
        raise DomainError("Choisissez une plateforme de mobilité active.", field="to_platform")
    if to_platform.pk == referral.organization_id:
        raise DomainError(
            "La prescription est déjà chez vous : choisissez une autre plateforme.",
            field="to_platform",
        )
    from_platform = referral.organization
    now = timezone.now()
    if referral.original_platform_id is None:
        referral.original_platform = from_platform
    referral.organization = to_platform
    referral.received_at = now
    referral.first_answered_at = None
    referral.reminded_at = None
    referral.on_hold_reason = ""
    fields = [
        "original_platform", "organization", "received_at", "first_answered_at",
        "reminded_at", "on_hold_reason",
    ]  # fmt: skip
    move(
        referral, kind=Kind.TRANSFER, to_status=Status.SENT, by=by, fields=fields,
        comment=comment.strip(), organization=from_platform, to_organization=to_platform,
    )  # fmt: skip
    return referral


@transaction.atomic
def cancel_referral(referral: Referral, *, by: Membership, comment: str = "") -> Referral:
    """The person never came: cancel an accepted referral (the case stays, to be closed)."""
    referral = locked(referral)
    check_platform(by, referral)
    check_step(referral, Kind.CANCEL)
    referral.closed_at = timezone.now()
    move(
        referral,
        kind=Kind.CANCEL,
        to_status=Status.CANCELLED,
        by=by,
        fields=["closed_at"],
        comment=comment.strip(),
    )
    return referral


@transaction.atomic
def reopen_referral(referral: Referral, *, by: Membership, comment: str = "") -> Referral:
    """An admin of the platform takes a refused or expired referral back into examination."""
    referral = locked(referral)
    check_platform(by, referral, admin=True)
    check_step(referral, Kind.REOPEN)
    referral.refusal_reason = ""
    referral.refusal_comment = ""
    referral.share_reason_with_person = False
    referral.decided_at = referral.closed_at = None
    fields = [
        "refusal_reason", "refusal_comment", "share_reason_with_person", "decided_at",
        "closed_at",
    ]  # fmt: skip
    move(
        referral,
        kind=Kind.REOPEN,
        to_status=Status.IN_REVIEW,
        by=by,
        fields=fields,
        comment=comment.strip(),
    )
    return referral


# --- The sender ----------------------------------------------------------------------------------


@transaction.atomic
def withdraw_referral(referral: Referral, *, by: Membership, comment: str = "") -> Referral:
    """The referrer withdraws a referral the platform has not decided on yet."""
    referral = locked(referral)
    check_sender(by, referral)
    check_step(referral, Kind.WITHDRAW)
    referral.closed_at = timezone.now()
    move(
        referral,
        kind=Kind.WITHDRAW,
        to_status=Status.WITHDRAWN,
        by=by,
        fields=["closed_at"],
        comment=comment.strip(),
    )
    return referral
