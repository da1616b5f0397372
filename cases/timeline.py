"""Read models of a case's history tab: the timeline of events and the field changes.

Each source is read in one query whatever the number of rows, so the page's query count stays
constant as a case grows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time

from django.db import models
from django.utils import timezone

from cases.models import (
    Action,
    AidApplication,
    Appointment,
    Beneficiary,
    Case,
    CaseTransition,
    Diagnostic,
    Document,
    ExitQuestionnaire,
    FollowUp,
    Note,
    Registration,
)
from organizations.models import Membership, Organization, Site, Territory


@dataclass
class Event:
    when: datetime
    category: str
    title: str
    detail: str = ""
    by: str = ""
    date_only: bool = False


@dataclass
class Change:
    when: datetime
    subject: str
    kind: str
    by: str
    fields: list[tuple[str, str, str]] = field(default_factory=list)


def _name(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.email


def _at(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(0, 0)))


def case_events(case: Case, *, organization: Organization) -> list[Event]:
    """Every dated event of a case, most recent first."""
    events: list[Event] = []
    for step in (
        CaseTransition.objects.for_organization(organization).filter(case=case).select_related("by")
    ):
        title = (
            f"Statut : {step.get_from_status_display()} → {step.get_to_status_display()}"
            if step.from_status
            else f"Ouverture ({step.get_to_status_display()})"
        )
        events.append(Event(step.at, "Statut", title, step.comment, _name(step.by)))
    for diagnostic in (
        Diagnostic.objects.for_organization(organization)
        .filter(case=case)
        .select_related("done_by")
    ):
        events.append(
            Event(
                _at(diagnostic.done_on), "Diagnostic", str(diagnostic),
                f"Score : {diagnostic.score}", _name(diagnostic.done_by), date_only=True,
            )
        )  # fmt: skip
    for action in (
        Action.objects.for_organization(organization)
        .filter(goal__case=case, status=Action.Status.DONE)
        .select_related("goal")
    ):
        day = action.done_on or action.due_date or timezone.localdate(action.created_at)
        events.append(
            Event(_at(day), "Action réalisée", action.title, action.goal.title, date_only=True)
        )
    for appointment in (
        Appointment.objects.for_organization(organization)
        .filter(case=case)
        .select_related("staff__user")
    ):
        events.append(
            Event(
                appointment.starts_at, "Rendez-vous", appointment.get_kind_display(),
                appointment.get_status_display(),
                _name(appointment.staff.user) if appointment.staff else "",
            )
        )  # fmt: skip
    for registration in (
        Registration.objects.for_organization(organization)
        .filter(case=case)
        .exclude(attendance="")
        .select_related("workshop")
    ):
        events.append(
            Event(
                registration.workshop.starts_at, "Atelier", registration.workshop.title,
                registration.get_attendance_display(),
            )
        )  # fmt: skip
    for aid in AidApplication.objects.for_organization(organization).filter(case=case):
        events.append(
            Event(aid.created_at, "Aide", f"Demande : {aid.aid_name}", aid.get_status_display())
        )
        if aid.decided_on:
            events.append(
                Event(
                    _at(aid.decided_on), "Aide", f"Décision : {aid.aid_name}",
                    aid.get_status_display(), date_only=True,
                )
            )  # fmt: skip
    for document in (
        Document.objects.for_organization(organization)
        .filter(case=case)
        .select_related("uploaded_by")
    ):
        events.append(
            Event(
                document.uploaded_at, "Document", document.get_kind_display(),
                document.original_name, _name(document.uploaded_by),
            )
        )  # fmt: skip
    for note in (
        Note.objects.for_organization(organization).filter(case=case).select_related("author")
    ):
        events.append(Event(note.created_at, "Note", note.body[:140], "", _name(note.author)))
    for exit_ in (
        ExitQuestionnaire.objects.for_organization(organization)
        .filter(case=case)
        .select_related("filled_by")
    ):
        events.append(
            Event(
                _at(exit_.exit_date), "Sortie", "Questionnaire de sortie",
                exit_.get_situation_display(), _name(exit_.filled_by), date_only=True,
            )
        )  # fmt: skip
    for follow_up in (
        FollowUp.objects.for_organization(organization)
        .filter(case=case, done_on__isnull=False)
        .select_related("done_by")
    ):
        detail = follow_up.get_situation_display() if follow_up.reached else "Personne non jointe"
        events.append(
            Event(
                _at(follow_up.done_on), "Suivi", follow_up.get_kind_display(), detail,
                _name(follow_up.done_by), date_only=True,
            )
        )  # fmt: skip
    events.sort(key=lambda event: event.when, reverse=True)
    return events


def _display(model_field: models.Field, value, related: dict) -> str:
    if value is None or value == "":
        return "—"
    if model_field.is_relation:
        target = related.get((model_field.related_model, value))
        if isinstance(target, Membership):
            return _name(target.user)
        return str(target) if target is not None else "(supprimé)"
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "Oui" if value else "Non"
    if isinstance(value, date):
        return f"{value:%d/%m/%Y}"
    return str(value)


def _tracked_fields(model: type[models.Model], history_model) -> list[models.Field]:
    tracked = {f.attname for f in history_model._meta.get_fields() if hasattr(f, "attname")}
    return [
        f
        for f in model._meta.concrete_fields
        if f.attname in tracked and not f.primary_key and f.name != "organization"
    ]


def _record_changes(model, records: list, subject: str, related: dict) -> list[Change]:
    fields = _tracked_fields(model, type(records[0])) if records else []
    changes: list[Change] = []
    previous = None
    for record in records:
        by = _name(record.history_user)
        if record.history_type == "+":
            changes.append(Change(record.history_date, subject, "Création", by))
        elif record.history_type == "-":
            changes.append(Change(record.history_date, subject, "Suppression", by))
        elif previous is not None:
            diff = [
                (
                    str(f.verbose_name).capitalize(),
                    _display(f, getattr(previous, f.attname), related),
                    _display(f, getattr(record, f.attname), related),
                )
                for f in fields
                if getattr(previous, f.attname) != getattr(record, f.attname)
            ]
            if diff:
                changes.append(Change(record.history_date, subject, "Modification", by, diff))
        previous = record
    return changes


def _related_objects(records: list, fields: list[models.Field], organization) -> dict:
    """Fetch, one query per related model, the objects the history rows point to."""
    wanted: dict[type, set] = {}
    for record in records:
        for f in fields:
            value = getattr(record, f.attname)
            if f.is_relation and value is not None:
                wanted.setdefault(f.related_model, set()).add(value)
    querysets = {
        Membership: Membership.objects.for_organization(organization).select_related("user"),
        Site: Site.objects.for_organization(organization),
        Territory: Territory.objects.all(),
    }
    related: dict = {}
    for model, ids in wanted.items():
        if model in querysets:
            for pk, obj in querysets[model].in_bulk(ids).items():
                related[(model, pk)] = obj
    return related


def field_changes(case: Case, *, organization: Organization) -> list[Change]:
    """Who changed which field of the case and of the person's file, most recent first."""
    case_records = list(
        Case.history.filter(id=case.id)
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )
    person_records = list(
        Beneficiary.history.filter(id=case.beneficiary_id)
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )
    case_fields = _tracked_fields(Case, Case.history.model)
    person_fields = _tracked_fields(Beneficiary, Beneficiary.history.model)
    related = _related_objects(case_records, case_fields, organization)
    related.update(_related_objects(person_records, person_fields, organization))
    changes = _record_changes(Case, case_records, "Accompagnement", related)
    changes += _record_changes(Beneficiary, person_records, "Dossier de la personne", related)
    changes.sort(key=lambda change: change.when, reverse=True)
    return changes
