"""API access for other systems: a system account per organisation and its DRF token."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from rest_framework.authtoken.models import Token

from .errors import DomainError
from .models import Membership, Organization, User

SYSTEM_ACCOUNT_FIRST_NAME = "Compte système"

# The least powerful role that can still read the organisation's data through the API.
DEFAULT_SYSTEM_ROLE: dict[str, str] = {
    Organization.Kind.PLATFORM: Membership.Role.ADVISOR,
    Organization.Kind.REFERRER: Membership.Role.REFERRER,
    Organization.Kind.FUNDER: Membership.Role.FUNDER,
}


@dataclass(frozen=True)
class SystemAccess:
    user: User
    membership: Membership
    token: str
    created: bool


def provision_api_token(
    *, organization: Organization, email: str, role: str | None = None
) -> SystemAccess:
    """Create or reuse the system account ``email`` in ``organization`` and return its token.

    A system account has no usable password: it only calls the API with its token. An address
    that belongs to a person who logs in is refused. An existing membership keeps its role
    unless ``role`` is given, and is reactivated.
    """
    email = User.objects.normalize_email(email.strip()).lower()
    try:
        validate_email(email)
    except ValidationError:
        raise DomainError(f"L'adresse « {email} » n'est pas valide.", field="email") from None
    if not organization.is_active:
        raise DomainError(f"L'organisation « {organization.name} » est désactivée.")
    allowed = organization.allowed_roles()
    if role is not None and role not in allowed:
        labels = ", ".join(f"{r.value} ({r.label})" for r in allowed)
        raise DomainError(
            f"Le rôle « {role} » n'existe pas pour une organisation de type "
            f"« {organization.get_kind_display()} ». Rôles possibles : {labels}.",
            field="role",
        )

    with transaction.atomic():
        user = User.objects.select_for_update().filter(email__iexact=email).first()
        created = user is None
        if user is None:
            user = User.objects.create_user(
                email=email,
                password=None,  # unusable: nobody logs in as a system account
                first_name=SYSTEM_ACCOUNT_FIRST_NAME,
                last_name=organization.name,
            )
        elif user.has_usable_password():
            raise DomainError(
                f"L'adresse « {email} » appartient à une personne qui se connecte à Mobicase. "
                "Choisissez une adresse réservée au compte système.",
                field="email",
            )
        elif not user.is_active:
            raise DomainError(f"Le compte système « {email} » est désactivé.", field="email")

        membership = (
            Membership.objects.select_for_update()
            .filter(user=user, organization=organization)
            .first()
        )
        if membership is None:
            membership = Membership.objects.create(
                user=user,
                organization=organization,
                role=role or DEFAULT_SYSTEM_ROLE[organization.kind],
            )
        else:
            changed = []
            if role is not None and membership.role != role:
                membership.role = role
                changed.append("role")
            if not membership.is_active:
                membership.is_active = True
                membership.deactivated_at = None
                changed += ["is_active", "deactivated_at"]
            if changed:
                membership.save(update_fields=changed)

        token, _ = Token.objects.get_or_create(user=user)
    return SystemAccess(user=user, membership=membership, token=token.key, created=created)
