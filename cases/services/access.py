"""Who may change case data: the platform's admins and advisors."""

from __future__ import annotations

from organizations.errors import DomainError
from organizations.models import Membership

CASEWORKER_ROLES = (Membership.Role.ADMIN, Membership.Role.ADVISOR)


def check_caseworker(by: Membership, organization_id) -> None:
    """Refuse an actor who is not an admin or advisor of the case's platform."""
    if by.organization_id != organization_id or by.role not in CASEWORKER_ROLES:
        raise DomainError(
            "Seuls les conseiller·es et administrateur·rices de la plateforme peuvent "
            "modifier cet accompagnement.",
            code="forbidden",
        )
