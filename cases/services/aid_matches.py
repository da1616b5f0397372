"""Start an aid application from a catalogue aid the person matches."""

from __future__ import annotations

from django.db import transaction

from catalog.models import Aid
from organizations.errors import ConflictError, DomainError
from organizations.models import Membership

from ..models import AidApplication, Case, CaseStatus
from .access import check_not_anonymised
from .lifecycle import check_caseworker

# Applications still alive: a second one for the same aid is surely a double click.
LIVE_STATUSES = (
    AidApplication.Status.DRAFT,
    AidApplication.Status.SUBMITTED,
    AidApplication.Status.GRANTED,
    AidApplication.Status.PARTIALLY_GRANTED,
    AidApplication.Status.PAID,
)


@transaction.atomic
def prepare_aid_application(*, case: Case, aid: Aid, by: Membership) -> AidApplication:
    """Create a draft application prefilled from the catalogue aid (name, provider, amount)."""
    check_caseworker(by, case.organization_id)
    case = Case.objects.select_for_update().get(pk=case.pk)
    check_not_anonymised(beneficiary_id=case.beneficiary_id)
    if case.status == CaseStatus.ARCHIVED:
        raise DomainError(
            "Cet accompagnement est archivé : il ne peut plus être modifié.", code="archived"
        )
    if not aid.is_published:
        raise DomainError("Cette aide n'est plus publiée dans le catalogue.")
    existing = AidApplication.objects.filter(case=case, aid=aid, status__in=LIVE_STATUSES)
    if existing.exists():
        raise ConflictError(f"Une demande « {aid.name} » existe déjà pour cet accompagnement.")
    application = AidApplication(
        case=case,
        aid=aid,
        aid_name=aid.name[:200],
        funder_name=aid.provider_label[:200],
        amount_requested=aid.amount_max,
        status=AidApplication.Status.DRAFT,
        comment=_comment(aid),
    )
    application._history_user = by.user
    application.save()
    return application


def _comment(aid: Aid) -> str:
    lines = []
    if aid.amount_text:
        lines.append(f"Montant indiqué au catalogue : {aid.amount_text}.")
    if aid.how_to_apply:
        lines.append(f"Démarche : {aid.how_to_apply}")
    if aid.url:
        lines.append(aid.url)
    return "\n".join(lines)
