"""What goes between the two sides: messages, attachments, and each member's e-mail wishes."""

from __future__ import annotations

from collections.abc import Mapping

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from cases.services.pathway import check_upload
from organizations.errors import DomainError
from organizations.models import Membership

from .. import notifications
from ..models import (
    Attachment,
    Message,
    NotificationPreference,
    Referral,
)
from .common import (
    MAX_ATTACHMENTS,
    MAX_MESSAGE_LENGTH,
    check_sender,
    is_platform_caseworker,
    is_sender,
    locked,
    required_text,
)

# --- Messages, files, preferences ---------------------------------------------------------------


@transaction.atomic
def post_message(referral: Referral, *, by: Membership, body: str) -> Message:
    """Write to the other side of the referral; they get an e-mail once committed."""
    referral = Referral.objects.select_related("organization", "sender_organization").get(
        pk=referral.pk
    )
    if not (is_sender(by, referral) or is_platform_caseworker(by, referral)):
        raise DomainError(
            "Seules les deux organisations de la prescription peuvent y écrire.",
            code="forbidden",
        )
    if referral.is_draft:
        raise DomainError(
            "Envoyez d'abord la prescription : la plateforme ne voit pas les brouillons.",
            code="invalid_transition",
        )
    body = required_text(body, field="body", message="Le message est vide : écrivez-le.")
    if len(body) > MAX_MESSAGE_LENGTH:
        raise DomainError(
            f"Le message est trop long ({len(body)} caractères, {MAX_MESSAGE_LENGTH} au plus).",
            field="body",
        )
    message = Message.objects.create(
        referral=referral, author=by, author_organization=by.organization, body=body
    )
    transaction.on_commit(lambda: notifications.notify_message(message), robust=True)
    return message


def _clean_file_name(name: str) -> str:
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1].strip() or "piece-jointe"
    stem, dot, extension = name.rpartition(".")
    if not dot:
        return name[:250]
    return stem[: 249 - len(extension)] + "." + extension


@transaction.atomic
def add_attachment(
    referral: Referral, *, by: Membership, uploaded_file: UploadedFile, description: str = ""
) -> Attachment:
    """Join a file to a referral not decided yet, after checking its size and real type."""
    referral = locked(referral)
    check_sender(by, referral)
    if not (referral.is_draft or referral.is_pending):
        raise DomainError(
            "La plateforme a déjà répondu : écrivez-lui plutôt dans les messages.",
            code="invalid_transition",
        )
    if referral.attachments.count() >= MAX_ATTACHMENTS:
        raise DomainError(
            f"Une prescription compte au plus {MAX_ATTACHMENTS} pièces jointes.", field="file"
        )
    file_format = check_upload(uploaded_file)
    return Attachment.objects.create(
        referral=referral,
        file=uploaded_file,
        original_name=_clean_file_name(uploaded_file.name),
        content_type=file_format.content_type,
        size=uploaded_file.size,
        description=(description or "").strip()[:250],
        uploaded_by=by.user,
    )


@transaction.atomic
def delete_attachment(attachment: Attachment, *, by: Membership) -> None:
    """Remove a file from a draft (once sent, the platform may already have read it)."""
    referral = locked(attachment.referral)
    check_sender(by, referral)
    if not referral.is_draft:
        raise DomainError(
            "La prescription est envoyée : ses pièces jointes ne peuvent plus être retirées.",
            code="invalid_transition",
        )
    storage, name = attachment.file.storage, attachment.file.name
    attachment.delete()
    transaction.on_commit(lambda: storage.delete(name), robust=True)


PREFERENCE_FIELDS = ("new_referrals", "status_changes", "messages", "reminders", "daily_digest")


def preferences_for(membership: Membership) -> NotificationPreference:
    """The member's preferences (everything on, no digest, when never changed), unsaved if new."""
    found = NotificationPreference.objects.filter(membership=membership).first()
    return found or NotificationPreference(membership=membership)


@transaction.atomic
def update_preferences(*, by: Membership, values: Mapping[str, bool]) -> NotificationPreference:
    """Save what the member wants to receive by e-mail."""
    unknown = set(values) - set(PREFERENCE_FIELDS)
    if unknown:
        raise DomainError(f"Préférences inconnues : {', '.join(sorted(unknown))}.")
    preference, _ = NotificationPreference.objects.select_for_update().get_or_create(membership=by)
    for name, value in values.items():
        setattr(preference, name, bool(value))
    preference.save()
    return preference
