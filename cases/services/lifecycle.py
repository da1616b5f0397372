"""A case's lifecycle: open, move between statuses, close with the exit questionnaire,
follow up at +3 and +6 months, archive, reopen. Every step is logged with its actor."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.utils import timezone

from cases.models import (
    ANONYMISED_ENDINGS,
    Beneficiary,
    Case,
    CaseStatus,
    CaseTransition,
    ExitQuestionnaire,
    FollowUp,
    Situation,
)
from organizations.errors import DomainError
from organizations.models import FundingAgreement, Membership, Site

from .access import CASEWORKER_ROLES as CASEWORKER_ROLES  # re-exported for the callers
from .access import check_caseworker, check_not_anonymised
from .contacts import note_contact
from .participations import asks_improved_situation, record_participation


def _log(case: Case, *, from_status: str, by: Membership, comment: str = "") -> None:
    CaseTransition.objects.create(
        case=case, from_status=from_status, to_status=case.status, by=by.user, comment=comment
    )


def _locked(case: Case) -> Case:
    return Case.objects.select_for_update().get(pk=case.pk)


@transaction.atomic
def open_case(
    *,
    beneficiary: Beneficiary,
    by: Membership,
    opened_on: date | None = None,
    advisor: Membership | None = None,
    site: Site | None = None,
    origin: str = Case.Origin.DIRECT,
    origin_detail: str = "",
    objective: str = "",
    job_start_date: date | None = None,
    funding_agreements: Iterable[FundingAgreement] = (),
) -> Case:
    """Open a new pathway for a person, at intake."""
    check_caseworker(by, beneficiary.organization_id)
    check_not_anonymised(beneficiary_id=beneficiary.pk)
    opened_on = opened_on or timezone.localdate()
    if opened_on > timezone.localdate():
        raise DomainError("La date d'entrée ne peut pas être dans le futur.", field="opened_on")
    for related, label in ((advisor, "Le ou la conseiller·e"), (site, "Le site")):
        if related is not None and related.organization_id != beneficiary.organization_id:
            raise DomainError(f"{label} n'appartient pas à cette plateforme.")
    agreements = list(funding_agreements)
    if any(a.organization_id != beneficiary.organization_id for a in agreements):
        raise DomainError("Une convention choisie ne concerne pas cette plateforme.")
    if (
        beneficiary.cases.filter(status__in=CaseStatus.values)
        .exclude(status__in=(CaseStatus.CLOSED, CaseStatus.FOLLOW_UP, CaseStatus.ARCHIVED))
        .exists()
    ):
        raise DomainError(
            "Cette personne a déjà un accompagnement en cours : reprenez-le plutôt que d'en "
            "ouvrir un second.",
            code="case_already_open",
        )
    case = Case.objects.create(
        organization_id=beneficiary.organization_id,
        beneficiary=beneficiary,
        advisor=advisor,
        site=site,
        origin=origin,
        origin_detail=origin_detail,
        objective=objective,
        job_start_date=job_start_date,
        opened_on=opened_on,
    )
    if agreements:
        case.funding_agreements.set(agreements)
    record_participation(case)
    note_contact(beneficiary_ids=[beneficiary.pk], on=opened_on)
    _log(case, from_status="", by=by, comment="Ouverture de l'accompagnement")
    return case


def _check_anonymised_ending(case: Case, *, to_status: str, comment: str) -> None:
    """An anonymised case only moves to its end (``ANONYMISED_ENDINGS``), with no free text."""
    if not case.beneficiary.is_anonymised:
        return
    if to_status not in ANONYMISED_ENDINGS:
        check_not_anonymised(beneficiary_id=case.beneficiary_id)
    if comment.strip():
        raise DomainError(
            "Ce dossier est anonymisé : il peut être clôturé, mais sans commentaire.",
            field="comment",
            code="anonymised",
        )


@transaction.atomic
def move_case(case: Case, *, to_status: str, by: Membership, comment: str = "") -> Case:
    """Move a case to a next status allowed by the lifecycle (not closing: see close_case)."""
    check_caseworker(by, case.organization_id)
    case = _locked(case)
    if to_status == CaseStatus.CLOSED:
        raise DomainError(
            "Pour clôturer, remplissez le questionnaire de sortie.", code="exit_required"
        )
    _check_anonymised_ending(case, to_status=to_status, comment=comment)
    if not case.can_move_to(to_status):
        raise DomainError(
            f"Impossible de passer de « {case.get_status_display()} » à "
            f"« {CaseStatus(to_status).label} ».",
            code="invalid_transition",
        )
    from_status = case.status
    fields = ["status", "updated_at"]
    if to_status == CaseStatus.ON_HOLD:
        case.on_hold_reason = comment
        fields.append("on_hold_reason")
    if to_status == CaseStatus.IN_PROGRESS and from_status in (
        CaseStatus.CLOSED,
        CaseStatus.FOLLOW_UP,
    ):
        _reopen(case)
        fields += ["closed_on", "exit_reason"]
    case.status = to_status
    case.save(update_fields=fields)
    _log(case, from_status=from_status, by=by, comment=comment)
    return case


def _reopen(case: Case) -> None:
    # The closed participation's record stays in the history tables; pending follow-ups go.
    ExitQuestionnaire.objects.filter(case=case).delete()
    case.follow_ups.filter(done_on__isnull=True).delete()
    case.closed_on = None
    case.exit_reason = ""


@transaction.atomic
def close_case(
    case: Case,
    *,
    by: Membership,
    exit_date: date,
    exit_reason: str,
    situation: str,
    qualification_gained: bool = False,
    licence_gained: bool = False,
    mobility_autonomy: bool = False,
    comment: str = "",
) -> Case:
    """Close a case with its exit questionnaire, and schedule the +3 and +6 month follow-ups."""
    check_caseworker(by, case.organization_id)
    case = _locked(case)
    if case.status != CaseStatus.CLOSING:
        raise DomainError(
            "Seul un accompagnement en « Sortie en cours » peut être clôturé.",
            code="invalid_transition",
        )
    _check_anonymised_ending(case, to_status=CaseStatus.CLOSED, comment=comment)
    today = timezone.localdate()
    if exit_date < case.opened_on:
        raise DomainError(
            f"La date de sortie ne peut pas précéder la date d'entrée ({case.opened_on:%d/%m/%Y}).",
            field="exit_date",
        )
    if exit_date > today:
        raise DomainError("La date de sortie ne peut pas être dans le futur.", field="exit_date")
    if exit_reason not in Case.ExitReason.values:
        raise DomainError("Choisissez un motif de sortie.", field="exit_reason")
    if situation not in Situation.values:
        raise DomainError("Choisissez la situation de la personne à la sortie.", field="situation")
    ExitQuestionnaire.objects.create(
        case=case,
        exit_date=exit_date,
        situation=situation,
        qualification_gained=qualification_gained,
        licence_gained=licence_gained,
        mobility_autonomy=mobility_autonomy,
        comment=comment,
        filled_on=today,
        filled_by=by.user,
    )
    FollowUp.objects.bulk_create(
        [
            FollowUp(
                case=case, kind=FollowUp.Kind.MONTH_3, due_on=exit_date + relativedelta(months=3)
            ),
            FollowUp(
                case=case, kind=FollowUp.Kind.MONTH_6, due_on=exit_date + relativedelta(months=6)
            ),
        ]
    )
    from_status = case.status
    case.status = CaseStatus.CLOSED
    case.closed_on = exit_date
    case.exit_reason = exit_reason
    case.save(update_fields=["status", "closed_on", "exit_reason", "updated_at"])
    _log(case, from_status=from_status, by=by, comment=Case.ExitReason(exit_reason).label)
    return case


@transaction.atomic
def record_follow_up(
    follow_up: FollowUp,
    *,
    by: Membership,
    done_on: date,
    reached: bool,
    situation: str = "",
    comment: str = "",
    improved_situation: bool | None = None,
) -> FollowUp:
    """Record the contact made with the person after the exit; the case enters follow-up.

    ``improved_situation`` (FSE+ EECR06) is asked at six months of people employed at entry.
    """
    case = _locked(follow_up.case)
    check_caseworker(by, case.organization_id)
    check_not_anonymised(beneficiary_id=case.beneficiary_id)
    follow_up = FollowUp.objects.select_for_update().get(pk=follow_up.pk)
    if follow_up.done_on is not None:
        raise DomainError("Ce suivi a déjà été renseigné.", code="already_done")
    if case.closed_on and done_on < case.closed_on:
        raise DomainError("Le suivi ne peut pas précéder la date de sortie.", field="done_on")
    if done_on > timezone.localdate():
        raise DomainError("La date du suivi ne peut pas être dans le futur.", field="done_on")
    if reached and situation not in Situation.values:
        raise DomainError("Indiquez la situation de la personne.", field="situation")
    if improved_situation is not None and not asks_improved_situation(follow_up):
        raise DomainError(
            "La situation professionnelle améliorée ne se renseigne qu'au suivi à 6 mois d'une "
            "personne en emploi à l'entrée.",
            field="improved_situation",
        )
    follow_up.done_on = done_on
    follow_up.reached = reached
    follow_up.situation = situation if reached else Situation.UNKNOWN
    follow_up.improved_situation = improved_situation if reached else None
    follow_up.comment = comment
    follow_up.done_by = by.user
    follow_up.save(
        update_fields=[
            "done_on",
            "reached",
            "situation",
            "improved_situation",
            "comment",
            "done_by",
        ]
    )
    if reached:
        note_contact(beneficiary_ids=[case.beneficiary_id], on=done_on)
    if case.status == CaseStatus.CLOSED:
        case.status = CaseStatus.FOLLOW_UP
        case.save(update_fields=["status", "updated_at"])
        _log(case, from_status=CaseStatus.CLOSED, by=by, comment=follow_up.get_kind_display())
    return follow_up
