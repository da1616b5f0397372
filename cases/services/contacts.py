"""The last contact coming from the person, which starts their file's retention period.

What counts as a contact coming from the person (each service below notes it itself):

- the opening of a case (the person came, or accepted to be oriented: ``open_case``);
- an appointment marked « Honoré » (on the appointment's day);
- « Présent·e » at a workshop (on the workshop's day);
- a post-exit follow-up where the person was reached;
- a document the person provided: identity, proof of address, licence, work contract, proof of
  income (not an aid decision, nor « Autre »);
- the handover or the return of a lent vehicle (``vehicles`` services);
- a referral accepted for a person already followed (the person asked to be oriented again);
- « Enregistrer un contact », by an advisor, for any other sign (a call, a visit, a message).

Staff actions alone (a note, a plan, a transition) never extend the retention period.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.db import transaction
from django.utils import timezone

from cases.models import Beneficiary, Document
from organizations.errors import DomainError
from organizations.models import Membership

from .access import ANONYMISED_MESSAGE, check_caseworker

PERSON_DOCUMENT_KINDS = (
    Document.Kind.IDENTITY,
    Document.Kind.ADDRESS,
    Document.Kind.LICENCE,
    Document.Kind.EMPLOYMENT,
    Document.Kind.INCOME,
)


def note_contact(*, beneficiary_ids: Iterable, on: date) -> int:
    """Move these people's last contact forward to ``on`` (never back); return how many moved.

    Called by the services inside their transaction; writes no history row (the operation that
    brought the contact has its own).
    """
    on = min(on, timezone.localdate())
    return (
        Beneficiary.objects.not_anonymised()
        .filter(pk__in=list(beneficiary_ids), last_contact_on__lt=on)
        .update(last_contact_on=on)
    )


def note_contact_of_cases(*, case_ids: Iterable, on: date) -> int:
    """Like ``note_contact``, for the people of these cases."""
    from cases.models import Case

    people = Case.objects.filter(pk__in=list(case_ids)).values_list("beneficiary_id", flat=True)
    return note_contact(beneficiary_ids=set(people), on=on)


@transaction.atomic
def record_contact(
    beneficiary: Beneficiary, *, by: Membership, on: date | None = None
) -> Beneficiary:
    """Record a contact that came from the person (« Enregistrer un contact »)."""
    check_caseworker(by, beneficiary.organization_id)
    beneficiary = Beneficiary.objects.select_for_update().get(pk=beneficiary.pk)
    if beneficiary.is_anonymised:
        raise DomainError(ANONYMISED_MESSAGE, code="anonymised")
    today = timezone.localdate()
    on = on or today
    if on > today:
        raise DomainError("La date du contact ne peut pas être dans le futur.", field="on")
    if on <= beneficiary.last_contact_on:
        raise DomainError(
            f"Un contact du {beneficiary.last_contact_on:%d/%m/%Y} est déjà enregistré : "
            "seul un contact plus récent prolonge la conservation du dossier.",
            field="on",
            code="not_newer",
        )
    beneficiary.last_contact_on = on
    beneficiary._history_user = by.user
    beneficiary._change_reason = "Contact enregistré"
    beneficiary.save(update_fields=["last_contact_on"])
    return beneficiary
