"""Writes to the catalogue: create, edit, propose a change, review, publish, verify.

Every write runs in a transaction, checks who acts (``can_propose``, ``can_review``,
``can_edit_directly``), validates the entry with the model's rules and records the actor in the
history (django-simple-history). Views, the API, the import command and the demo call these.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model
from django.utils import timezone

from organizations.errors import ConflictError, DomainError
from organizations.models import Membership, Organization, Territory

from .models import (
    LEVEL_ORDER,
    Aid,
    ChangeProposal,
    can_edit_directly,
    can_propose,
    can_review,
)

# The fields a member fills in; "coverage" is the list of Territory rows covered.
EDITABLE_FIELDS: tuple[str, ...] = (
    "name",
    "description",
    "kind",
    "provider",
    "provider_name",
    "thematiques",
    "publics",
    "nationwide",
    "coverage",
    "min_age",
    "max_age",
    "labour_market_statuses",
    "required_benefits",
    "qpv_only",
    "rural_only",
    "licence_statuses",
    "requires_job_or_training_start",
    "max_days_before_start",
    "max_days_after_start",
    "min_distance_km",
    "other_conditions",
    "amount_text",
    "amount_max",
    "valid_from",
    "valid_until",
    "how_to_apply",
    "url",
    "contact_email",
    "contact_phone",
    "source",
    "source_url",
    "last_verified_on",
)
# Fields the model's full_clean must not check (set by the services themselves).
_NOT_CLEANED = ["owner", "created_by", "status", "external_id", "coverage_label"]

Intent = Literal["draft", "propose", "publish"]
Decision = Literal["publish", "draft", "propose", "archive", "verify"]

FORBIDDEN = "Votre rôle ne permet pas de modifier le catalogue."


class Forbidden(DomainError):
    status_code = 403

    def __init__(self, message: str = FORBIDDEN) -> None:
        super().__init__(message, code="forbidden")


# --- Helpers ---------------------------------------------------------------------------------


def coverage_label_of(territories: Iterable[Territory], *, nationwide: bool) -> str:
    if nationwide:
        return "Toute la France"
    levels = dict(Territory.Level.choices)
    rows = sorted(territories, key=lambda t: (LEVEL_ORDER[t.level], t.name, t.code))
    return ", ".join(f"{t.name} ({levels[t.level]} {t.code})" for t in rows)


def _check_coverage(*, nationwide: bool, coverage: list[Territory]) -> None:
    if not nationwide and not coverage:
        raise DomainError(
            "Indiquez au moins un territoire couvert (région, département, EPCI ou commune), "
            "ou cochez « toute la France ».",
            field="coverage",
        )


def _apply(aid: Aid, values: Mapping[str, Any]) -> list[Territory] | None:
    """Set the given fields on ``aid``; return the new coverage, if given."""
    coverage = None
    for name, value in values.items():
        if name not in EDITABLE_FIELDS:
            raise DomainError(f"Champ inconnu : « {name} ».")
        if name == "coverage":
            coverage = list(value)
        elif isinstance(value, str):
            setattr(aid, name, value.strip())
        else:
            setattr(aid, name, value)
    return coverage


def _validate(aid: Aid) -> None:
    """Run the model's rules and raise the first error as a DomainError naming its field."""
    try:
        aid.full_clean(exclude=_NOT_CLEANED, validate_constraints=False)
    except ValidationError as error:
        field, messages = next(iter(error.message_dict.items()))
        raise DomainError(messages[0], field=None if field == "__all__" else field) from None


def _save(instance: Model, *, by: Membership | None, reason: str = "") -> Model:
    # The history row names the actor and the why, even outside a request.
    instance._history_user = by.user if by else None
    if reason:
        instance._change_reason = reason
    instance.save()
    return instance


def _write(aid: Aid, values: Mapping[str, Any], *, by: Membership | None, reason: str) -> Aid:
    coverage = _apply(aid, values)
    if coverage is None:
        current = [] if aid._state.adding else list(aid.coverage.all())
    else:
        current = coverage
    _check_coverage(nationwide=aid.nationwide, coverage=current)
    _validate(aid)
    # The history row carries the coverage as text: one row per change, with every field.
    aid.coverage_label = coverage_label_of(current, nationwide=aid.nationwide)
    _save(aid, by=by, reason=reason)
    if coverage is not None:
        aid.coverage.set(coverage)
    return aid


def _locked(aid: Aid) -> Aid:
    return Aid.objects.select_for_update().get(pk=aid.pk)


# --- Creating and editing --------------------------------------------------------------------


@transaction.atomic
def create_aid(*, by: Membership, values: Mapping[str, Any], intent: Intent = "draft") -> Aid:
    """Add an entry owned by the member's organisation; reviewers may publish it at once."""
    if not can_propose(by):
        raise Forbidden()
    aid = Aid(owner=by.organization, created_by=by.user)
    if intent == "publish" and can_review(aid, by):
        aid.status = Aid.Status.PUBLISHED
    elif intent == "draft":
        aid.status = Aid.Status.DRAFT
    else:
        aid.status = Aid.Status.PROPOSED
    return _write(aid, values, by=by, reason="Création")


@transaction.atomic
def update_aid(*, aid: Aid, by: Membership, values: Mapping[str, Any]) -> Aid:
    """Change an entry directly (its reviewers, or its owner while it is not published)."""
    aid = _locked(aid)
    if not can_edit_directly(aid, by):
        raise Forbidden(
            "Cette fiche est publiée : proposez votre modification, l'organisation qui la tient "
            "la relira."
        )
    return _write(aid, values, by=by, reason="Modification")


@transaction.atomic
def save_imported_aid(
    *,
    existing: Aid | None,
    values: Mapping[str, Any],
    by: Membership | None,
    status: str,
    external_id: str = "",
) -> Aid:
    """Create or update an entry from a national directory (the import command)."""
    if existing is None:
        aid = Aid(
            owner=by.organization if by else None,
            created_by=by.user if by else None,
            status=status,
            external_id=external_id,
        )
    else:
        aid = _locked(existing)
    return _write(aid, values, by=by, reason="Import data·inclusion")


# --- Proposals -------------------------------------------------------------------------------


def to_json(name: str, value: Any) -> Any:
    """Return a field value in the form a proposal stores (JSON)."""
    if name == "coverage":
        return sorted(territory.pk for territory in value)
    if isinstance(value, Model):
        return value.pk
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        return value.strip()
    return value


def from_json(changes: Mapping[str, Any]) -> dict[str, Any]:
    """Turn a proposal's stored changes back into field values."""
    values: dict[str, Any] = {}
    for name, raw in changes.items():
        if name not in EDITABLE_FIELDS:
            continue
        if name == "coverage":
            territories = list(Territory.objects.filter(pk__in=raw))
            if len(territories) != len(set(raw)):
                raise DomainError(
                    "Un territoire de la proposition n'existe plus : refusez-la.", field="coverage"
                )
            values[name] = territories
        elif name == "provider":
            values[name] = Organization.objects.filter(pk=raw).first() if raw else None
        else:
            field = Aid._meta.get_field(name)
            values[name] = raw if raw is None else field.to_python(raw)
    return values


def current_json(aid: Aid, name: str) -> Any:
    if name == "coverage":
        return to_json(name, aid.coverage.all())
    if name == "provider":
        return aid.provider_id
    return to_json(name, getattr(aid, name))


def changes_between(aid: Aid, values: Mapping[str, Any]) -> dict[str, Any]:
    """Return, as JSON, the values that differ from the entry's current ones."""
    changes = {}
    for name, value in values.items():
        new = to_json(name, value)
        if new != current_json(aid, name):
            changes[name] = new
    return changes


@transaction.atomic
def propose_changes(
    *, aid: Aid, by: Membership, values: Mapping[str, Any], comment: str = ""
) -> ChangeProposal:
    """Suggest changes to an entry; they apply once its organisation accepts them."""
    if not can_propose(by):
        raise Forbidden()
    aid = _locked(aid)
    if aid.status == Aid.Status.ARCHIVED:
        raise ConflictError("Cette fiche est archivée : elle ne peut plus être modifiée.")
    changes = changes_between(aid, values)
    if not changes:
        raise DomainError("Vous n'avez rien changé : modifiez au moins un champ avant de proposer.")
    # Check now that the result would be a valid entry: the reviewer must not meet an error.
    preview = Aid.objects.get(pk=aid.pk)
    coverage = _apply(preview, from_json(changes))
    _check_coverage(
        nationwide=preview.nationwide,
        coverage=coverage if coverage is not None else list(aid.coverage.all()),
    )
    _validate(preview)
    proposal = ChangeProposal(
        aid=aid,
        organization=by.organization,
        proposed_by=by.user,
        changes=changes,
        comment=comment.strip(),
    )
    return _save(proposal, by=by)


@transaction.atomic
def review_proposal(
    *, proposal: ChangeProposal, by: Membership, accept: bool, comment: str = ""
) -> ChangeProposal:
    """Accept (apply) or refuse a proposal; a refusal says why."""
    proposal = ChangeProposal.objects.select_for_update().select_related("aid").get(pk=proposal.pk)
    if not can_review(proposal.aid, by):
        raise Forbidden(
            "Seul·e l'administrateur·rice de l'organisation qui tient la fiche relit les "
            "propositions."
        )
    if not proposal.is_pending:
        raise ConflictError("Cette proposition a déjà été relue.")
    comment = comment.strip()
    if accept:
        aid = _locked(proposal.aid)
        who = proposal.proposed_by or "un·e membre"
        reason = f"Proposition de {who} ({proposal.organization}) acceptée"
        _write(aid, from_json(proposal.changes), by=by, reason=reason[:100])
        proposal.status = ChangeProposal.Status.ACCEPTED
    else:
        if not comment:
            raise DomainError(
                "Dites en une phrase pourquoi la proposition est refusée.", field="review_comment"
            )
        proposal.status = ChangeProposal.Status.REJECTED
    proposal.reviewed_by = by.user
    proposal.reviewed_at = timezone.now()
    proposal.review_comment = comment
    return _save(proposal, by=by)


# --- Status and verification -----------------------------------------------------------------

_DECISIONS: dict[str, tuple[tuple[str, ...], str, str]] = {
    # decision: (statuses it applies to, resulting status, history reason)
    "publish": (
        (Aid.Status.DRAFT, Aid.Status.PROPOSED, Aid.Status.ARCHIVED),
        Aid.Status.PUBLISHED,
        "Publication",
    ),
    "draft": ((Aid.Status.PROPOSED,), Aid.Status.DRAFT, "Renvoyée en brouillon"),
    "propose": ((Aid.Status.DRAFT,), Aid.Status.PROPOSED, "Proposée à la relecture"),
    "archive": (
        (Aid.Status.DRAFT, Aid.Status.PROPOSED, Aid.Status.PUBLISHED),
        Aid.Status.ARCHIVED,
        "Archivage",
    ),
    "verify": ((Aid.Status.PUBLISHED,), Aid.Status.PUBLISHED, "Vérifiée"),
}
DECISION_LABELS = {
    "publish": "Publier",
    "draft": "Renvoyer en brouillon",
    "propose": "Proposer à la relecture",
    "archive": "Archiver",
    "verify": "Marquer comme vérifiée aujourd'hui",
}


def allowed_decisions(aid: Aid, membership: Membership) -> list[str]:
    """The status changes this member may make on this entry now."""
    if can_review(aid, membership):
        return [d for d, (sources, _, _) in _DECISIONS.items() if aid.status in sources]
    if can_edit_directly(aid, membership) and aid.status == Aid.Status.DRAFT:
        return ["propose"]
    return []


@transaction.atomic
def decide(
    *, aid: Aid, by: Membership, decision: str, comment: str = "", today: dt.date | None = None
) -> Aid:
    """Publish, return to draft, submit, archive or mark as verified an entry."""
    if decision not in _DECISIONS:
        raise DomainError("Choisissez une décision.", field="decision")
    aid = _locked(aid)
    if decision not in allowed_decisions(aid, by):
        if not can_review(aid, by) and (decision != "propose" or not can_edit_directly(aid, by)):
            raise Forbidden(
                "Seul·e l'administrateur·rice de l'organisation qui tient la fiche peut faire cela."
            )
        raise ConflictError(
            f"« {DECISION_LABELS[decision]} » n'est pas possible pour une fiche "
            f"« {aid.get_status_display().lower()} »."
        )
    if decision == "draft" and not comment.strip():
        raise DomainError(
            "Dites en une phrase ce qu'il faut reprendre avant publication.", field="comment"
        )
    _, status, reason = _DECISIONS[decision]
    aid.status = status
    if decision in ("verify", "publish"):
        aid.last_verified_on = today or timezone.localdate()
    if comment.strip():
        reason = f"{reason} : {comment.strip()}"
    return _save(aid, by=by, reason=reason[:100])
