"""What a referrer may read of a referral once the platform accepted it: one rule for every
reader — the referral page, « Mes prescriptions », the API and the e-mails.

The referrer always sees the referral's own status and dates. What comes from the case — when
the pathway started, the next appointment, the situation at exit, the diagnostic summary — is
shared only while the person's consent « Partage du suivi avec le prescripteur » is in force at
the platform; the diagnostic summary also needs the referral's own « share the diagnostic »
flag, and never shows health barriers. A withdrawn consent stops the sharing from then on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.utils import timezone

from cases.models import Appointment, ConsentRecord, Diagnostic

from .models import Referral

NOT_SHARED_NOTICE = (
    "La personne n'a pas donné son accord, ou l'a retiré, pour que la plateforme vous "
    "transmette le suivi de son accompagnement : seul le statut de la prescription reste visible."
)


@dataclass(frozen=True)
class FollowUp:
    """The case data a referrer may read now (empty when the consent is not in force)."""

    shared: bool
    case_opened_on: date | None = None
    next_appointment_at: datetime | None = None
    outcome_summary: str = ""

    @property
    def notice(self) -> str:
        """Why the referrer sees the status only (empty when the follow-up is shared)."""
        return "" if self.shared else NOT_SHARED_NOTICE


def follow_up_is_shared(referral: Referral) -> bool:
    """The rule: a case exists and the person's consent to share its follow-up is in force.

    Reads the ``follow_up_consent`` annotation of ``Referral.objects.with_follow_up`` when
    present (lists stay at a constant number of queries), else asks the database.
    """
    if referral.case_id is None:
        return False
    annotated = getattr(referral, "follow_up_consent", None)
    if annotated is not None:
        return bool(annotated)
    return (
        ConsentRecord.objects.in_force()
        .filter(beneficiary__cases=referral.case_id, scope=ConsentRecord.Scope.SHARE_WITH_REFERRER)
        .exists()
    )


def follow_up_for(
    referral: Referral, *, now: datetime | None = None, as_platform: bool = False
) -> FollowUp:
    """The follow-up of the referral's case as the referrer may read it now.

    ``as_platform``: the platform reads its own case, whatever the consent.
    """
    if referral.case_id is None or not (as_platform or follow_up_is_shared(referral)):
        return FollowUp(shared=False)
    if hasattr(referral, "next_appointment_at"):
        next_appointment_at = referral.next_appointment_at
    else:
        next_appointment_at = (
            Appointment.objects.filter(
                case_id=referral.case_id,
                status=Appointment.Status.PLANNED,
                starts_at__gte=now or timezone.now(),
            )
            .order_by("starts_at")
            .values_list("starts_at", flat=True)
            .first()
        )
    return FollowUp(
        shared=True,
        case_opened_on=referral.case.opened_on,
        next_appointment_at=next_appointment_at,
        outcome_summary=referral.outcome_summary,
    )


def shared_diagnostic(referral: Referral) -> Diagnostic | None:
    """The latest diagnostic of the case, if the person agreed to share it (flag and consent)."""
    if not referral.share_diagnostic_with_referrer or not follow_up_is_shared(referral):
        return None
    return (
        Diagnostic.objects.filter(case_id=referral.case_id)
        .order_by("-done_on", "-created_at")
        .first()
    )
