"""Show catalogue changes to people: proposals side by side, and the history of an entry."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from organizations.models import Organization, Territory

from . import taxonomies
from .models import Aid, Benefit, ChangeProposal, LabourMarketStatus, LicenceStatus
from .services import current_json

_LIST_LABELS = {
    "labour_market_statuses": lambda: dict(LabourMarketStatus.choices),
    "licence_statuses": lambda: dict(LicenceStatus.choices),
    "required_benefits": lambda: dict(Benefit.choices),
    "thematiques": taxonomies.thematique_labels,
    "publics": taxonomies.public_labels,
}
HISTORY_LIMIT = 30


def field_label(name: str) -> str:
    label = str(Aid._meta.get_field(name).verbose_name)
    return label[:1].upper() + label[1:]


def display_value(name: str, value: Any) -> str:
    """Return a stored (JSON) value of an aid's field as a person reads it."""
    if value in (None, "", []):
        return "—"
    if name in _LIST_LABELS:
        labels = _LIST_LABELS[name]()
        return ", ".join(labels.get(item, str(item)) for item in value)
    if name == "coverage":
        rows = Territory.objects.filter(pk__in=value).order_by("level", "name")
        return ", ".join(str(t) for t in rows) or "—"
    if name == "provider":
        organization = Organization.objects.filter(pk=value).first()
        return organization.name if organization else "—"
    if name == "kind":
        return dict(Aid.Kind.choices).get(value, value)
    if isinstance(value, bool):
        return "Oui" if value else "Non"
    field = Aid._meta.get_field(name)
    parsed = field.to_python(value)
    if isinstance(parsed, dt.date):
        return f"{parsed:%d/%m/%Y}"
    if isinstance(parsed, Decimal):
        return f"{parsed:.2f}".replace(".", ",") + " €"
    return str(parsed)


@dataclass(frozen=True)
class ChangeRow:
    label: str
    before: str
    after: str


def proposal_rows(proposal: ChangeProposal) -> list[ChangeRow]:
    """Each proposed change: the field, its value now, the value proposed."""
    aid = proposal.aid
    return [
        ChangeRow(
            field_label(name),
            display_value(name, current_json(aid, name)),
            display_value(name, value),
        )
        for name, value in proposal.changes.items()
    ]


@dataclass(frozen=True)
class HistoryRow:
    when: dt.datetime
    who: str
    reason: str
    changed: list[str]


def history_rows(aid: Aid, limit: int = HISTORY_LIMIT) -> list[HistoryRow]:
    """Who changed the entry, when, and which fields, newest first."""
    records = list(
        aid.history.select_related("history_user").order_by("-history_date")[: limit + 1]
    )
    rows = []
    for index, record in enumerate(records[:limit]):
        previous = records[index + 1] if index + 1 < len(records) else None
        if previous is None or record.history_type == "+":
            changed = []
        else:
            delta = record.diff_against(previous, excluded_fields=["updated_at", "created_at"])
            changed = [_history_label(change.field) for change in delta.changes]
        user = record.history_user
        rows.append(
            HistoryRow(
                when=record.history_date,
                who=(user.get_full_name() or user.email) if user else "Mobicase",
                reason=record.history_change_reason or _TYPES.get(record.history_type, ""),
                changed=changed,
            )
        )
    return rows


_TYPES = {"+": "Création", "~": "Modification", "-": "Suppression"}


def _history_label(name: str) -> str:
    if name == "coverage_label":
        return "Territoires couverts"
    return field_label(name)
