"""What anonymising a person erases, in one table read by both the preview and the erasure.

A person's *footprint* is every row about them, current or deleted (the history tables keep
deleted rows): their file, consents, cases and everything hanging from the cases, their loans,
their referrals. ``TARGETS`` says, model by model, which fields hold identity or free text and
what becomes of them: emptied, replaced by a neutral marker, or the row deleted with its files.
Everything else stays — dates, statuses, amounts, codes, answers — so that every indicator
gives the same totals before and after. The history rows of the targeted objects, which hold
the old values, are purged; one new history row per object records that it was anonymised,
by whom and when.

The services (``privacy/services.py``) run ``erase`` inside their transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db import models, transaction
from django.utils import timezone
from simple_history.models import HistoricalRecords

from cases.models import (
    AccessLog,
    Action,
    AidApplication,
    Appointment,
    Beneficiary,
    Case,
    CaseBarrier,
    CaseTransition,
    ConsentRecord,
    Diagnostic,
    DiagnosticItem,
    Document,
    ExitQuestionnaire,
    FollowUp,
    Goal,
    Note,
    Participation,
    Registration,
    SkillAssessment,
)
from referrals.models import (
    Attachment,
    IdempotencyRecord,
    Message,
    Referral,
    ReferralTransition,
)
from vehicles.models import (
    Incident,
    Inspection,
    InspectionPhoto,
    Loan,
    LoanExtension,
    WaitingListEntry,
)

ANONYMISED_TEXT = "Contenu anonymisé"


# --- The footprint of a person ------------------------------------------------------------------


def has_history(model: type[models.Model]) -> bool:
    return hasattr(model, "history")


def _ids(model: type[models.Model], **lookup) -> set:
    """Ids of the rows matching ``lookup``, live or only left in the history table."""
    ids = set(model._default_manager.filter(**lookup).values_list("pk", flat=True))
    if has_history(model):
        ids |= set(model.history.filter(**lookup).values_list("id", flat=True))
    return ids


@dataclass
class Footprint:
    """The ids of every row about one person (or one referral), model by model."""

    ids: dict[type[models.Model], set] = field(default_factory=dict)

    def of(self, model: type[models.Model]) -> set:
        return self.ids.get(model, set())

    def add(self, model: type[models.Model], ids: Iterable) -> set:
        found = self.ids.setdefault(model, set())
        found |= set(ids)
        return found


def _add_referrals(footprint: Footprint, referral_ids: set) -> None:
    footprint.add(Referral, referral_ids)
    for model in (ReferralTransition, Message, Attachment, IdempotencyRecord):
        footprint.add(model, _ids(model, referral_id__in=referral_ids))


def person_footprint(person: Beneficiary) -> Footprint:
    """Every row about ``person``: file, consents, cases and their records, loans, referrals."""
    footprint = Footprint()
    footprint.add(Beneficiary, [person.pk])
    footprint.add(ConsentRecord, _ids(ConsentRecord, beneficiary_id=person.pk))
    footprint.add(AccessLog, _ids(AccessLog, beneficiary_id=person.pk))
    cases = footprint.add(Case, _ids(Case, beneficiary_id=person.pk))
    for model in (
        CaseTransition, Participation, Diagnostic, CaseBarrier, Goal, Appointment, Registration,
        SkillAssessment, AidApplication, Document, Note, ExitQuestionnaire, FollowUp, Loan,
        WaitingListEntry,
    ):  # fmt: skip
        footprint.add(model, _ids(model, case_id__in=cases))
    footprint.add(DiagnosticItem, _ids(DiagnosticItem, diagnostic_id__in=footprint.of(Diagnostic)))
    footprint.add(Action, _ids(Action, goal_id__in=footprint.of(Goal)))
    loans = footprint.of(Loan)
    for model in (LoanExtension, Inspection, Incident):
        footprint.add(model, _ids(model, loan_id__in=loans))
    footprint.add(
        InspectionPhoto, _ids(InspectionPhoto, inspection_id__in=footprint.of(Inspection))
    )
    _add_referrals(footprint, _ids(Referral, case_id__in=cases))
    return footprint


def referral_footprint(referral: Referral) -> Footprint:
    """The rows of one referral never linked to a person's file."""
    footprint = Footprint()
    _add_referrals(footprint, {referral.pk})
    return footprint


# --- What is erased -----------------------------------------------------------------------------


def _day(value: date | datetime) -> str:
    if isinstance(value, datetime):
        value = timezone.localtime(value)
    return f"{value:%d/%m/%Y}"


@dataclass(frozen=True)
class Target:
    """The personal fields of one model and what anonymisation does to them."""

    model: type[models.Model]
    label: str
    describe: Callable[[models.Model], str]
    blank: tuple[str, ...] = ()  # emptied
    mark: tuple[str, ...] = ()  # replaced by ANONYMISED_TEXT (required texts)
    files: tuple[str, ...] = ()  # files deleted from storage
    delete: bool = False  # the row itself is deleted
    stamp: bool = False  # ``anonymised_at`` is set

    def empty_value(self, name: str):
        model_field = self.model._meta.get_field(name)
        if isinstance(model_field, models.JSONField):
            return {}
        return None if model_field.null else ""


TARGETS: tuple[Target, ...] = (
    Target(
        Beneficiary,
        "Identité, coordonnées et adresse",
        lambda p: "Dossier de la personne",
        blank=(
            "first_name",
            "last_name",
            "name_key",
            "birth_date",
            "email",
            "phone",
            "address",
            "postcode",
            "france_travail_id",
            "job_seeker_since",
        ),
        stamp=True,
    ),
    Target(
        ConsentRecord,
        "Consentements",
        lambda c: f"{c.get_scope_display()} ({_day(c.given_on)})",
        blank=("comment",),
    ),
    Target(
        Case,
        "Accompagnements",
        lambda c: f"Accompagnement ouvert le {_day(c.opened_on)}",
        blank=("objective", "origin_detail", "on_hold_reason"),
    ),
    Target(
        CaseTransition,
        "Changements de statut",
        lambda t: f"{t.get_to_status_display()} le {_day(t.at)}",
        blank=("comment",),
    ),
    Target(Diagnostic, "Diagnostics", str, blank=("summary",)),
    Target(
        Goal,
        "Objectifs du plan d'action",
        lambda g: "Objectif",
        mark=("title",),
        blank=("description",),
    ),
    Target(
        Action, "Actions du plan d'action", lambda a: "Action", mark=("title",), blank=("comment",)
    ),
    Target(
        Appointment,
        "Rendez-vous",
        lambda a: f"{a.get_kind_display()} du {_day(a.starts_at)}",
        blank=("location", "notes"),
    ),
    Target(
        AidApplication, "Demandes d'aide", lambda a: f"Demande « {a.aid_name} »", blank=("comment",)
    ),
    Target(ExitQuestionnaire, "Questionnaire de sortie", str, blank=("comment",)),
    Target(FollowUp, "Suivis post-sortie", str, blank=("comment",)),
    Target(
        Document,
        "Documents",
        lambda d: f"Document du {_day(d.uploaded_at)}",
        blank=("original_name", "description"),
        files=("file",),
        delete=True,
    ),
    Target(Note, "Notes", lambda n: f"Note du {_day(n.created_at)}", blank=("body",), delete=True),
    Target(
        Loan,
        "Prêts de véhicules",
        lambda loan: f"Prêt du {_day(loan.start_date)}",
        blank=("notes", "cancel_reason"),
        mark=("deposit_retained_reason",),
        files=("contract",),
    ),
    Target(
        LoanExtension,
        "Prolongations de prêt",
        lambda e: f"Prolongation au {_day(e.new_end_date)}",
        blank=("reason",),
    ),
    Target(WaitingListEntry, "Listes d'attente de véhicules", str, blank=("notes",)),
    Target(Inspection, "États des lieux", str, blank=("comments",)),
    Target(InspectionPhoto, "Photos d'état des lieux", str, files=("image",), delete=True),
    Target(Incident, "Incidents", str, mark=("description",), blank=("reference",)),
    Target(
        Referral,
        "Prescriptions",
        lambda r: f"Prescription de {r.sender_organization.name}",
        blank=(
            "first_name",
            "last_name",
            "birth_date",
            "email",
            "phone",
            "address",
            "postcode",
            "france_travail_id",
            "barriers_comment",
            "objective",
            "working_hours",
            "coverage_override_reason",
            "on_hold_reason",
            "refusal_comment",
        ),
        stamp=True,
    ),
    Target(
        ReferralTransition,
        "Étapes des prescriptions",
        lambda t: f"{t.get_kind_display()} le {_day(t.at)}",
        blank=("comment",),
    ),
    Target(
        Message,
        "Messages des prescriptions",
        lambda m: f"Message du {_day(m.created_at)}",
        mark=("body",),
    ),
    Target(
        Attachment,
        "Pièces jointes des prescriptions",
        lambda a: f"Pièce jointe du {_day(a.uploaded_at)}",
        blank=("original_name", "description"),
        files=("file",),
        delete=True,
    ),
    Target(
        IdempotencyRecord,
        "Réponses enregistrées de l'API",
        lambda r: f"Réponse du {_day(r.created_at)}",
        blank=("key", "response_body"),
        delete=True,
    ),
)


def _is_empty(value) -> bool:
    return value in (None, "", {}, []) or (hasattr(value, "name") and not value.name)


def _shown(value) -> str:
    if isinstance(value, date | datetime):
        return _day(value)
    if isinstance(value, dict):
        return "réponse enregistrée"
    if hasattr(value, "name"):  # a file
        return "fichier enregistré"
    text = " ".join(str(value).split())
    return text if len(text) <= 120 else f"{text[:119]}…"


# --- The preview --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """One value that anonymisation removes."""

    subject: str
    field: str
    current: str
    becomes: str


@dataclass
class Group:
    label: str
    deleted: bool = False  # the rows go, with every version of their history
    changes: list[Change] = field(default_factory=list)
    history_rows: int = 0


@dataclass
class Plan:
    """Exactly what anonymising a footprint changes, group by group."""

    groups: list[Group]

    @property
    def change_count(self) -> int:
        return sum(len(group.changes) for group in self.groups)

    @property
    def history_rows(self) -> int:
        return sum(group.history_rows for group in self.groups)


def _live_rows(target: Target, ids: set) -> list[models.Model]:
    rows = target.model._default_manager.filter(pk__in=ids)
    if target.model is Referral:
        rows = rows.select_related("sender_organization")
    return list(rows.order_by("pk"))


def plan(footprint: Footprint) -> Plan:
    """Read, without changing anything, every value anonymising ``footprint`` would remove."""
    groups = []
    for target in TARGETS:
        ids = footprint.of(target.model)
        if not ids:
            continue
        group = Group(label=target.label, deleted=target.delete)
        for row in _live_rows(target, ids):
            subject = target.describe(row)
            if target.delete:
                group.changes.append(Change(subject, "", "", "supprimé"))
            for name in (*target.blank, *target.mark, *target.files):
                value = getattr(row, name)
                model_field = target.model._meta.get_field(name)
                if not model_field.editable:  # bookkeeping (the search key): erased unshown
                    continue
                if _is_empty(value) or (name in target.mark and value == ANONYMISED_TEXT):
                    continue
                if target.delete and name not in target.files:
                    becomes = "supprimé avec l'élément"
                elif name in target.files:
                    becomes = "fichier supprimé"
                elif name in target.mark:
                    becomes = f"remplacé par « {ANONYMISED_TEXT} »"
                else:
                    becomes = "effacé"
                label = str(model_field.verbose_name)
                group.changes.append(Change(subject, label, _shown(value), becomes))
        if has_history(target.model):
            group.history_rows = target.model.history.filter(id__in=ids).count()
        if group.changes or group.history_rows:
            groups.append(group)
    return Plan(groups=groups)


# --- The erasure --------------------------------------------------------------------------------


@dataclass
class Erased:
    """What an erasure did."""

    rows_changed: int = 0
    rows_deleted: int = 0
    files_deleted: int = 0
    history_rows_purged: int = 0

    def __iadd__(self, other: Erased) -> Erased:
        self.rows_changed += other.rows_changed
        self.rows_deleted += other.rows_deleted
        self.files_deleted += other.files_deleted
        self.history_rows_purged += other.history_rows_purged
        return self


def _purge_history(model: type[models.Model], ids: set) -> int:
    """Delete the history rows of these objects, and the snapshots of their relations."""
    if not has_history(model) or not ids:
        return 0
    history = model.history.model
    rows = history.objects.filter(id__in=ids)
    for m2m_field in getattr(history, "_history_m2m_fields", ()):
        snapshots = HistoricalRecords.m2m_models[m2m_field]
        snapshots.objects.filter(history_id__in=rows.values("history_id")).delete()
    return rows.delete()[0]


def _schedule_file_deletion(file) -> bool:
    if not file or not file.name:
        return False
    storage, name = file.storage, file.name
    transaction.on_commit(lambda: storage.delete(name), robust=True)
    return True


def erase(footprint: Footprint, *, user, reason: str, now: datetime) -> Erased:
    """Apply ``TARGETS`` to the footprint. Runs in the caller's transaction, rows locked."""
    done = Erased()
    for target in TARGETS:
        ids = footprint.of(target.model)
        if not ids:
            continue
        rows = list(
            target.model._default_manager.filter(pk__in=ids).select_for_update(of=("self",))
        )
        for row in rows:
            for name in target.files:
                done.files_deleted += _schedule_file_deletion(getattr(row, name))
        if target.delete:
            for row in rows:
                row._history_user = user
            done.rows_deleted += target.model._default_manager.filter(pk__in=ids).delete()[0]
            done.history_rows_purged += _purge_history(target.model, ids)
            continue
        done.history_rows_purged += _purge_history(target.model, ids)
        for row in rows:
            changed = _erase_row(row, target, now)
            if not changed and not has_history(target.model):
                continue
            row._history_user = user
            row._change_reason = reason
            # Saved even unchanged: its one history row now records the anonymisation.
            row.save(update_fields=changed or [(*target.blank, *target.mark, *target.files)[0]])
            done.rows_changed += bool(changed)
    return done


def _erase_row(row: models.Model, target: Target, now: datetime) -> list[str]:
    changed = []
    for name in (*target.blank, *target.files):
        empty = target.empty_value(name) if name in target.blank else ""
        if not _is_empty(getattr(row, name)):
            setattr(row, name, empty)
            changed.append(name)
    for name in target.mark:
        if not _is_empty(getattr(row, name)) and getattr(row, name) != ANONYMISED_TEXT:
            setattr(row, name, ANONYMISED_TEXT)
            changed.append(name)
    if target.stamp:
        row.anonymised_at = now
        changed.append("anonymised_at")
    return changed
