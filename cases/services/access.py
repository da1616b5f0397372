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


ANONYMISED_MESSAGE = "Ce dossier est anonymisé : il ne peut plus être modifié."


def check_not_anonymised(*, beneficiary_id) -> None:
    """Refuse any new data on the file of an anonymised person.

    Anonymisation erased who the person was; writing a note, a session or a document on the
    file afterwards would attach new personal data to a record nobody may identify or review.
    """
    from cases.models import Beneficiary

    if Beneficiary.objects.filter(pk=beneficiary_id, anonymised_at__isnull=False).exists():
        raise DomainError(ANONYMISED_MESSAGE, code="anonymised")
