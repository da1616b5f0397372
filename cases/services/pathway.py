"""A case's pathway: diagnostics and barriers, the action plan, aid applications, documents
and notes.

Each operation is keyword-only, runs in one transaction, locks what it changes, records who
acted (in the row where the model has a field for it, and in the history rows), and raises
``DomainError`` with a French message when a rule refuses it.
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from cases.models import (
    Action,
    AidApplication,
    Barrier,
    Case,
    CaseBarrier,
    CaseStatus,
    Diagnostic,
    DiagnosticItem,
    Document,
    Goal,
    Note,
    Severity,
)
from organizations.errors import DomainError
from organizations.models import Membership

from .access import check_not_anonymised
from .contacts import PERSON_DOCUMENT_KINDS, note_contact
from .lifecycle import check_caseworker

MAX_DOCUMENT_SIZE = 10 * 1024 * 1024
MAX_NOTE_LENGTH = 10_000


# --- Shared checks -------------------------------------------------------------------------------


def _ensure_can_edit(case: Case, by: Membership) -> None:
    check_caseworker(by, case.organization_id)
    check_not_anonymised(beneficiary_id=case.beneficiary_id)
    if case.status == CaseStatus.ARCHIVED:
        raise DomainError(
            "Cet accompagnement est archivé : il ne peut plus être modifié.", code="archived"
        )


def _save(instance: models.Model, *, by: Membership, update_fields: list[str] | None = None):
    # The history row names the actor even outside a request (commands, tasks, tests).
    instance._history_user = by.user
    instance.save(update_fields=update_fields)
    return instance


def _locked_case(case: Case) -> Case:
    return Case.objects.select_for_update().get(pk=case.pk)


def _required_text(value: str, *, field_name: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise DomainError(message, field=field_name)
    return value


def _not_in_future(day: date | None, *, field_name: str, what: str) -> None:
    if day is not None and day > timezone.localdate():
        raise DomainError(f"{what} ne peut pas être dans le futur.", field=field_name)


# --- Diagnostics and barriers --------------------------------------------------------------------


@transaction.atomic
def record_diagnostic(
    *,
    case: Case,
    by: Membership,
    kind: str,
    done_on: date,
    severities: Mapping[object, int],
    summary: str = "",
) -> Diagnostic:
    """Record a scored diagnostic; only entry and step diagnostics open the barriers found."""
    _ensure_can_edit(case, by)
    case = _locked_case(case)
    if kind not in Diagnostic.Kind.values:
        raise DomainError("Choisissez le type de diagnostic.", field="kind")
    if done_on < case.opened_on:
        raise DomainError(
            f"Le diagnostic ne peut pas précéder l'entrée dans l'accompagnement "
            f"({case.opened_on:%d/%m/%Y}).",
            field="done_on",
        )
    _not_in_future(done_on, field_name="done_on", what="La date du diagnostic")
    entry = case.diagnostics.filter(kind=Diagnostic.Kind.ENTRY).order_by("done_on").first()
    if kind == Diagnostic.Kind.ENTRY and entry is not None:
        raise DomainError(
            f"Le diagnostic d'entrée a déjà été fait le {entry.done_on:%d/%m/%Y} : enregistrez "
            "un point d'étape ou le diagnostic de sortie.",
            field="kind",
            code="entry_exists",
        )
    if kind == Diagnostic.Kind.EXIT and entry is not None and done_on < entry.done_on:
        raise DomainError(
            f"Le diagnostic de sortie ne peut pas précéder le diagnostic d'entrée "
            f"({entry.done_on:%d/%m/%Y}).",
            field="done_on",
        )
    wanted = {str(barrier_id): severity for barrier_id, severity in severities.items()}
    if not wanted:
        raise DomainError("Évaluez au moins un frein.", code="no_barrier")
    if any(severity not in Severity.values for severity in wanted.values()):
        raise DomainError("Choisissez une intensité valide pour chaque frein.")
    barriers = {
        str(pk): barrier
        for pk, barrier in Barrier.objects.available_to(case.organization)
        .in_bulk(list(wanted))
        .items()
    }
    if len(barriers) != len(wanted):
        raise DomainError(
            "Un des freins évalués n'existe pas ou n'est pas proposé par votre plateforme.",
            code="unknown_barrier",
        )

    diagnostic = _save(
        Diagnostic(
            case=case,
            kind=kind,
            done_on=done_on,
            done_by=by.user,
            score=sum(wanted.values()),
            summary=summary.strip(),
        ),
        by=by,
    )
    bulk_create_with_history(
        [
            DiagnosticItem(diagnostic=diagnostic, barrier=barriers[pk], severity=severity)
            for pk, severity in wanted.items()
        ],
        DiagnosticItem,
        default_user=by.user,
    )
    if kind != Diagnostic.Kind.EXIT:
        _open_case_barriers(case, {pk: s for pk, s in wanted.items() if s > 0}, done_on, by)
    return diagnostic


def _open_case_barriers(case: Case, found: dict[str, int], done_on: date, by: Membership) -> None:
    existing = {
        str(cb.barrier_id): cb
        for cb in CaseBarrier.objects.select_for_update().filter(case=case, barrier_id__in=found)
    }
    for pk, severity in found.items():
        case_barrier = existing.get(pk)
        if case_barrier is None:
            _save(
                CaseBarrier(
                    case=case,
                    barrier_id=pk,
                    severity=severity,
                    identified_on=done_on,
                    status=CaseBarrier.Status.OPEN,
                ),
                by=by,
            )
        elif case_barrier.status == CaseBarrier.Status.LIFTED:
            # A barrier found again after it was lifted is open again; its history keeps both.
            case_barrier.status = CaseBarrier.Status.OPEN
            case_barrier.lifted_on = None
            _save(case_barrier, by=by, update_fields=["status", "lifted_on"])


@dataclass(frozen=True)
class BarrierChange:
    """One barrier's severity in two diagnostics (a lower severity is an improvement)."""

    barrier: Barrier
    before: int
    after: int

    @property
    def change(self) -> int:
        return self.after - self.before

    @property
    def before_label(self) -> str:
        return Severity(self.before).label

    @property
    def after_label(self) -> str:
        return Severity(self.after).label

    @property
    def trend(self) -> str:
        if self.change < 0:
            return "better"
        return "worse" if self.change > 0 else "same"


def compare_diagnostics(entry: Diagnostic, exit: Diagnostic) -> list[BarrierChange]:
    """Return, per barrier found in either diagnostic, its severity before and after.

    Reads ``items`` (prefetch them with their barrier and category to stay at no query)."""
    if entry.case_id != exit.case_id:
        raise DomainError("Les deux diagnostics ne concernent pas le même accompagnement.")
    before = {item.barrier_id: item for item in entry.items.all()}
    after = {item.barrier_id: item for item in exit.items.all()}
    rows = []
    for barrier_id in before.keys() | after.keys():
        old, new = before.get(barrier_id), after.get(barrier_id)
        row = BarrierChange(
            barrier=(old or new).barrier,
            before=old.severity if old else Severity.NONE,
            after=new.severity if new else Severity.NONE,
        )
        if row.before or row.after:
            rows.append(row)
    return sorted(rows, key=lambda r: _barrier_order(r.barrier))


def _barrier_order(barrier: Barrier) -> tuple:
    category = barrier.category
    return (category.position, category.label, barrier.position, barrier.label)


@transaction.atomic
def set_case_barrier_status(
    *, case_barrier: CaseBarrier, status: str, by: Membership
) -> CaseBarrier:
    """Move a person's barrier between open, being worked and lifted (history keeps each step)."""
    _ensure_can_edit(case_barrier.case, by)
    if status not in CaseBarrier.Status.values:
        raise DomainError("Choisissez un statut pour ce frein.", field="status")
    case_barrier = CaseBarrier.objects.select_for_update().get(pk=case_barrier.pk)
    if case_barrier.status == status:
        return case_barrier
    case_barrier.status = status
    case_barrier.lifted_on = timezone.localdate() if status == CaseBarrier.Status.LIFTED else None
    return _save(case_barrier, by=by, update_fields=["status", "lifted_on"])


def is_liftable(case_barrier: CaseBarrier) -> bool:
    """A barrier not yet lifted whose actions are all finished, at least one of them done.

    Reads ``actions`` (prefetch them to stay at no query)."""
    statuses = {action.status for action in case_barrier.actions.all()}
    return (
        case_barrier.status != CaseBarrier.Status.LIFTED
        and Action.Status.DONE in statuses
        and not statuses & set(Action.PENDING_STATUSES)
    )


def liftable_barriers(case_barriers: models.QuerySet) -> list[CaseBarrier]:
    """The barriers among ``case_barriers`` that the advisor may now declare lifted."""
    return [
        cb
        for cb in case_barriers.select_related("barrier").prefetch_related("actions")
        if is_liftable(cb)
    ]


# --- Action plan ---------------------------------------------------------------------------------


def _check_goal_fields(case: Case, *, title: str, target_date: date | None) -> str:
    title = _required_text(title, field_name="title", message="Donnez un intitulé à l'objectif.")
    if target_date is not None and target_date < case.opened_on:
        raise DomainError(
            f"L'échéance ne peut pas précéder l'entrée dans l'accompagnement "
            f"({case.opened_on:%d/%m/%Y}).",
            field="target_date",
        )
    return title


@transaction.atomic
def add_goal(
    *,
    case: Case,
    by: Membership,
    title: str,
    description: str = "",
    target_date: date | None = None,
) -> Goal:
    """Add a goal at the end of the case's action plan."""
    _ensure_can_edit(case, by)
    case = _locked_case(case)
    title = _check_goal_fields(case, title=title, target_date=target_date)
    last = case.goals.aggregate(last=models.Max("position"))["last"]
    return _save(
        Goal(
            case=case,
            title=title,
            description=description.strip(),
            target_date=target_date,
            position=0 if last is None else last + 1,
        ),
        by=by,
    )


@transaction.atomic
def update_goal(
    *,
    goal: Goal,
    by: Membership,
    title: str,
    description: str = "",
    target_date: date | None = None,
    status: str = Goal.Status.OPEN,
) -> Goal:
    """Change a goal's wording, due date or status."""
    _ensure_can_edit(goal.case, by)
    goal = Goal.objects.select_for_update().select_related("case").get(pk=goal.pk)
    if status not in Goal.Status.values:
        raise DomainError("Choisissez un statut pour l'objectif.", field="status")
    goal.title = _check_goal_fields(goal.case, title=title, target_date=target_date)
    goal.description = description.strip()
    goal.target_date = target_date
    goal.status = status
    return _save(goal, by=by, update_fields=["title", "description", "target_date", "status"])


def _check_action_fields(
    case: Case,
    *,
    title: str,
    due_date: date | None,
    responsible: Membership | None,
    barriers: Iterable[CaseBarrier],
) -> tuple[str, list[CaseBarrier]]:
    title = _required_text(title, field_name="title", message="Décrivez l'action à mener.")
    if due_date is not None and due_date < case.opened_on:
        raise DomainError(
            f"L'échéance ne peut pas précéder l'entrée dans l'accompagnement "
            f"({case.opened_on:%d/%m/%Y}).",
            field="due_date",
        )
    if responsible is not None and (
        responsible.organization_id != case.organization_id
        or not responsible.is_active
        or not responsible.is_platform_staff
    ):
        raise DomainError(
            "La personne responsable doit être un membre actif de la plateforme.",
            field="responsible",
        )
    barriers = list(barriers)
    if any(cb.case_id != case.pk for cb in barriers):
        raise DomainError(
            "Un des freins choisis n'appartient pas à cet accompagnement.", field="barriers"
        )
    return title, barriers


@transaction.atomic
def add_action(
    *,
    goal: Goal,
    by: Membership,
    title: str,
    due_date: date | None = None,
    responsible: Membership | None = None,
    barriers: Iterable[CaseBarrier] = (),
    comment: str = "",
) -> Action:
    """Add an action to a goal, linked to the barriers of the case it works on."""
    case = goal.case
    _ensure_can_edit(case, by)
    goal = Goal.objects.select_for_update().get(pk=goal.pk)
    title, barriers = _check_action_fields(
        case, title=title, due_date=due_date, responsible=responsible, barriers=barriers
    )
    action = _save(
        Action(
            goal=goal,
            title=title,
            due_date=due_date,
            responsible=responsible,
            comment=comment.strip(),
        ),
        by=by,
    )
    if barriers:
        action.barriers.set(barriers)
    return action


@transaction.atomic
def update_action(
    *,
    action: Action,
    by: Membership,
    title: str,
    due_date: date | None = None,
    responsible: Membership | None = None,
    barriers: Iterable[CaseBarrier] = (),
    comment: str = "",
) -> Action:
    """Change an action's wording, due date, responsible person or barriers."""
    case = action.goal.case
    _ensure_can_edit(case, by)
    action = Action.objects.select_for_update().get(pk=action.pk)
    action.title, barriers = _check_action_fields(
        case, title=title, due_date=due_date, responsible=responsible, barriers=barriers
    )
    action.due_date = due_date
    action.responsible = responsible
    action.comment = comment.strip()
    _save(action, by=by, update_fields=["title", "due_date", "responsible", "comment"])
    action.barriers.set(barriers)
    return action


@dataclass
class ActionStatusChange:
    """An action after its status changed, and the barriers it may now let the advisor lift."""

    action: Action
    liftable: list[CaseBarrier] = field(default_factory=list)


@transaction.atomic
def set_action_status(*, action: Action, status: str, by: Membership) -> ActionStatusChange:
    """Change an action's status; when it is done, suggest (never do) lifting its barriers."""
    _ensure_can_edit(action.goal.case, by)
    if status not in Action.Status.values:
        raise DomainError("Choisissez un statut pour l'action.", field="status")
    locked = Action.objects.select_for_update().get(pk=action.pk)
    if locked.status != status:
        locked.status = status
        locked.done_on = timezone.localdate() if status == Action.Status.DONE else None
        _save(locked, by=by, update_fields=["status", "done_on"])
    action.status, action.done_on = locked.status, locked.done_on
    change = ActionStatusChange(action=action)
    if status == Action.Status.DONE:
        change.liftable = liftable_barriers(locked.barriers.all())
    return change


# --- Aid applications ----------------------------------------------------------------------------

GRANTED_STATUSES = (
    AidApplication.Status.GRANTED,
    AidApplication.Status.PARTIALLY_GRANTED,
    AidApplication.Status.PAID,
)


@dataclass(frozen=True)
class AidData:
    """What an advisor types about an aid application."""

    aid_name: str
    status: str = AidApplication.Status.DRAFT
    funder_name: str = ""
    amount_requested: Decimal | None = None
    amount_granted: Decimal | None = None
    submitted_on: date | None = None
    decided_on: date | None = None
    comment: str = ""


def _check_aid(data: AidData) -> None:
    _required_text(data.aid_name, field_name="aid_name", message="Indiquez le nom de l'aide.")
    if data.status not in AidApplication.Status.values:
        raise DomainError("Choisissez le statut de la demande.", field="status")
    for name, amount in (
        ("amount_requested", data.amount_requested),
        ("amount_granted", data.amount_granted),
    ):
        if amount is not None and amount < 0:
            raise DomainError("Un montant ne peut pas être négatif.", field=name)
    if data.amount_granted and data.status not in GRANTED_STATUSES:
        raise DomainError(
            "Un montant accordé suppose une aide accordée : choisissez le statut « Accordée », "
            "« Accordée en partie » ou « Versée », ou laissez le montant vide.",
            field="amount_granted",
        )
    if data.decided_on is not None and data.status not in AidApplication.DECIDED:
        raise DomainError(
            "Une date de décision suppose une décision : choisissez le statut « Accordée », "
            "« Accordée en partie », « Refusée » ou « Versée », ou laissez la date vide.",
            field="decided_on",
        )
    _not_in_future(data.submitted_on, field_name="submitted_on", what="La date de dépôt")
    _not_in_future(data.decided_on, field_name="decided_on", what="La date de décision")
    if data.submitted_on and data.decided_on and data.decided_on < data.submitted_on:
        raise DomainError(
            "La décision ne peut pas précéder le dépôt de la demande.", field="decided_on"
        )


def _apply_aid(application: AidApplication, data: AidData) -> None:
    application.aid_name = data.aid_name.strip()
    application.funder_name = data.funder_name.strip()
    application.status = data.status
    application.amount_requested = data.amount_requested
    application.amount_granted = data.amount_granted
    application.submitted_on = data.submitted_on
    application.decided_on = data.decided_on
    application.comment = data.comment.strip()


@transaction.atomic
def create_aid_application(*, case: Case, by: Membership, data: AidData) -> AidApplication:
    """Record an aid application made with the person."""
    _ensure_can_edit(case, by)
    _check_aid(data)
    application = AidApplication(case=case)
    _apply_aid(application, data)
    return _save(application, by=by)


@transaction.atomic
def update_aid_application(
    *, application: AidApplication, by: Membership, data: AidData
) -> AidApplication:
    """Update an aid application (status, amounts, dates)."""
    _ensure_can_edit(application.case, by)
    _check_aid(data)
    application = AidApplication.objects.select_for_update().get(pk=application.pk)
    _apply_aid(application, data)
    return _save(application, by=by)


def aid_warnings(application: AidApplication) -> list[str]:
    """Points worth a second look that are not errors."""
    warnings = []
    requested, granted = application.amount_requested, application.amount_granted
    if requested is not None and granted is not None and granted > requested:
        warnings.append("Le montant accordé dépasse le montant demandé : vérifiez la saisie.")
    return warnings


# --- Documents -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class FileFormat:
    content_type: str
    label: str
    extensions: tuple[str, ...]


FILE_FORMATS: dict[str, FileFormat] = {
    "pdf": FileFormat("application/pdf", "un PDF", (".pdf",)),
    "jpeg": FileFormat("image/jpeg", "une image JPEG", (".jpg", ".jpeg")),
    "png": FileFormat("image/png", "une image PNG", (".png",)),
    "webp": FileFormat("image/webp", "une image WebP", (".webp",)),
    "docx": FileFormat(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "un document Word (DOCX)",
        (".docx",),
    ),
    "odt": FileFormat(
        "application/vnd.oasis.opendocument.text", "un document OpenDocument (ODT)", (".odt",)
    ),
}
ACCEPTED_FORMATS_TEXT = (
    "un PDF, une image (JPEG, PNG ou WebP) ou un document texte (Word DOCX ou OpenDocument ODT)"
)
ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"


def sniff_format(uploaded_file: UploadedFile) -> str | None:
    """Return the key of FILE_FORMATS the file's content is, whatever its name says."""
    uploaded_file.seek(0)
    head = uploaded_file.read(1024)
    uploaded_file.seek(0)
    found = None
    if head.startswith(b"%PDF-"):
        found = "pdf"
    elif head.startswith(b"\xff\xd8\xff"):
        found = "jpeg"
    elif head.startswith(b"\x89PNG\r\n\x1a\n"):
        found = "png"
    elif head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        found = "webp"
    elif head.startswith(b"PK\x03\x04"):
        found = _sniff_zip(uploaded_file)
    uploaded_file.seek(0)
    return found


def _sniff_zip(uploaded_file: UploadedFile) -> str | None:
    try:
        with zipfile.ZipFile(uploaded_file) as archive:
            names = set(archive.namelist())
            if "[Content_Types].xml" in names and "word/document.xml" in names:
                return "docx"
            if "mimetype" in names and archive.read("mimetype").strip() == ODT_MIMETYPE:
                return "odt"
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        return None
    return None


def _size_in_mb(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}".replace(".", ",")


def check_upload(uploaded_file: UploadedFile) -> FileFormat:
    """Refuse a file too big, empty, of a type not accepted or not the type its name claims."""
    if uploaded_file.size > MAX_DOCUMENT_SIZE:
        raise DomainError(
            f"Ce fichier fait {_size_in_mb(uploaded_file.size)} Mo : la taille maximale est "
            "de 10 Mo. Réduisez-le (numérisation en noir et blanc, photo moins lourde) puis "
            "déposez-le de nouveau.",
            field="file",
            code="too_big",
        )
    if not uploaded_file.size:
        raise DomainError("Ce fichier est vide : choisissez un autre fichier.", field="file")
    extension = os.path.splitext(uploaded_file.name or "")[1].lower()
    claimed = next((f for f in FILE_FORMATS.values() if extension in f.extensions), None)
    found = sniff_format(uploaded_file)
    if claimed is not None and (found is None or FILE_FORMATS[found] != claimed):
        raise DomainError(
            f"Ce fichier n'est pas {claimed.label} valide : son contenu ne correspond pas à son "
            f"extension « {extension} ». Enregistrez-le de nouveau au bon format, ou déposez "
            f"{ACCEPTED_FORMATS_TEXT}.",
            field="file",
            code="type_mismatch",
        )
    if found is None or (extension and claimed is None):
        raise DomainError(
            f"Ce type de fichier n'est pas accepté : déposez {ACCEPTED_FORMATS_TEXT}.",
            field="file",
            code="type_not_accepted",
        )
    return FILE_FORMATS[found]


def _clean_file_name(name: str) -> str:
    name = os.path.basename((name or "").replace("\\", "/")).strip() or "document"
    stem, extension = os.path.splitext(name)
    return stem[: 250 - len(extension)] + extension


@transaction.atomic
def attach_document(
    *,
    case: Case,
    by: Membership,
    uploaded_file: UploadedFile,
    kind: str = Document.Kind.OTHER,
    description: str = "",
) -> Document:
    """Store a file on the case after checking its size and its real type."""
    _ensure_can_edit(case, by)
    if kind not in Document.Kind.values:
        raise DomainError("Choisissez le type de document.", field="kind")
    file_format = check_upload(uploaded_file)
    original_name = _clean_file_name(uploaded_file.name)
    if kind in PERSON_DOCUMENT_KINDS:
        note_contact(beneficiary_ids=[case.beneficiary_id], on=timezone.localdate())
    # Saved last: the storage write is the one step a rollback cannot undo.
    return _save(
        Document(
            case=case,
            kind=kind,
            file=uploaded_file,
            original_name=original_name,
            content_type=file_format.content_type,
            size=uploaded_file.size,
            description=description.strip(),
            uploaded_by=by.user,
        ),
        by=by,
    )


@transaction.atomic
def delete_document(*, document: Document, by: Membership) -> None:
    """Delete a document and, once the deletion is committed, its stored file."""
    _ensure_can_edit(document.case, by)
    storage, name = document.file.storage, document.file.name
    document._history_user = by.user
    document.delete()
    if name:
        transaction.on_commit(lambda: storage.delete(name))


# --- Notes ---------------------------------------------------------------------------------------


@transaction.atomic
def add_note(*, case: Case, by: Membership, body: str) -> Note:
    """Write a note on the case, signed by its author."""
    _ensure_can_edit(case, by)
    body = _required_text(body, field_name="body", message="La note est vide : écrivez-la.")
    if len(body) > MAX_NOTE_LENGTH:
        raise DomainError(
            f"La note est trop longue ({len(body)} caractères, {MAX_NOTE_LENGTH} au plus) : "
            "découpez-la ou joignez un document.",
            field="body",
        )
    return _save(Note(case=case, author=by.user, body=body), by=by)


def can_delete_note(note: Note, membership: Membership) -> bool:
    return note.author_id == membership.user_id or membership.role == Membership.Role.ADMIN


@transaction.atomic
def delete_note(*, note: Note, by: Membership) -> None:
    """Delete a note: only its author or an admin of the platform may."""
    _ensure_can_edit(note.case, by)
    if not can_delete_note(note, by):
        raise DomainError(
            "Seul·e l'auteur·rice de la note ou un·e administrateur·rice peut la supprimer.",
            code="forbidden",
        )
    note._history_user = by.user
    note.delete()
