"""Everything the platform holds about one person, for their rights of access and portability.

One builder (``person_export``) reads the person's footprint (``anonymisation.person_footprint``)
into records and sections; two renderers turn it into JSON (portability: field names and
machine values) and PDF (reading: French labels and formatted values). It reads nothing of
anyone else: the workshop a person attended appears by its title and date, never with its other
participants; staff appear by name, as the person may know who handled and who opened the file.
Each section is one query, whatever the number of rows.
"""

from __future__ import annotations

import json
import os
import tempfile
import uuid
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import slugify

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
from organizations.models import Membership, Organization, Site, Territory, User
from referrals.models import Attachment, Message, Referral, ReferralTransition
from vehicles.models import (
    Incident,
    Inspection,
    InspectionPhoto,
    Loan,
    LoanExtension,
    WaitingListEntry,
)

from .anonymisation import TARGETS, Footprint, has_history, person_footprint
from .models import RightsRequest

FORMAT = "mobicase.donnees-personne"
VERSION = 1
# Fields never exported: bookkeeping of the application, not data about the person.
SKIPPED = {"name_key", "reminded_ending_on", "reminded_overdue_on", "outcome_notified_at"}
HISTORY_TYPES = {"+": "Création", "~": "Modification", "-": "Suppression"}


@dataclass
class Entry:
    name: str
    label: str
    value: Any
    text: str


@dataclass
class Section:
    key: str
    title: str
    records: list[Record] = field(default_factory=list)


@dataclass
class Record:
    title: str
    entries: list[Entry] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {entry.name: entry.value for entry in self.entries}
        for section in self.sections:
            data[section.key] = [record.as_json() for record in section.records]
        return data


@dataclass
class PersonExport:
    """The person's data, ready for JSON or PDF."""

    organization: Organization
    generated_at: datetime
    generated_by: str
    person: Record
    sections: list[Section]

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "export": {
                "format": FORMAT,
                "version": VERSION,
                "generated_at": self.generated_at.isoformat(),
                "generated_by": self.generated_by,
                "platform": self.organization.name,
            },
            "person": self.person.as_json(),
        }
        for section in self.sections:
            data[section.key] = [record.as_json() for record in section.records]
        return data


# --- Values -------------------------------------------------------------------------------------


def _person_name(user: User | None) -> str:
    return (user.get_full_name() or user.email) if user else ""


def _label(related: models.Model | None) -> str:
    if related is None:
        return ""
    if isinstance(related, User):
        return _person_name(related)
    if isinstance(related, Membership):
        return _person_name(related.user)
    if isinstance(related, Organization | Site):
        return related.name
    if isinstance(related, Territory):
        return f"{related.name} ({related.code})"
    return str(related)


def _french_number(value: Decimal) -> str:
    return f"{value:,.2f}".replace(",", " ").replace(".", ",")


def _entry(obj: models.Model, model_field: models.Field) -> Entry:
    label = "identifiant" if model_field.primary_key else str(model_field.verbose_name)
    value = getattr(obj, model_field.name)
    if model_field.is_relation:
        text = _label(value)
        return Entry(model_field.name, label, text or None, text or "—")
    if isinstance(model_field, models.FileField):
        present = bool(value and value.name)
        return Entry(model_field.name, label, present, "fichier joint" if present else "—")
    if model_field.choices and value not in (None, ""):
        text = str(getattr(obj, f"get_{model_field.name}_display")())
        return Entry(model_field.name, label, value, text)
    return Entry(model_field.name, label, _json_value(value), _text(value))


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def _text(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "Oui" if value else "Non"
    if isinstance(value, datetime):
        return f"{timezone.localtime(value):%d/%m/%Y %H:%M}"
    if isinstance(value, date):
        return f"{value:%d/%m/%Y}"
    if isinstance(value, Decimal):
        return _french_number(value)
    if isinstance(value, list):
        return ", ".join(str(item) for item in value) or "—"
    return str(value)


def record(obj: models.Model, title: str, *, skip: tuple[str, ...] = ()) -> Record:
    """Every concrete field of ``obj``, but its bookkeeping and the links to its parents."""
    entries = [
        _entry(obj, model_field)
        for model_field in obj._meta.concrete_fields
        if model_field.name not in SKIPPED and model_field.name not in skip
    ]
    return Record(title=title, entries=entries)


def _related_to_load(model: type[models.Model], skip: tuple[str, ...]) -> list[str]:
    """The foreign keys ``record`` reads, with the user behind each membership."""
    names = []
    for model_field in model._meta.concrete_fields:
        if not model_field.is_relation or model_field.name in skip:
            continue
        names.append(model_field.name)
        if model_field.related_model is Membership:
            names.append(f"{model_field.name}__user")
    return names


def _rows(model: type[models.Model], ids: set, *, skip: tuple[str, ...], order: tuple[str, ...]):
    rows = model._default_manager.filter(pk__in=ids)
    related = _related_to_load(model, skip)
    if related:
        rows = rows.select_related(*related)
    return list(rows.order_by(*order, "pk"))


def _by(rows, attname: str) -> dict[Any, list]:
    grouped: dict[Any, list] = {}
    for row in rows:
        grouped.setdefault(getattr(row, attname), []).append(row)
    return grouped


# --- The builder --------------------------------------------------------------------------------

CASE_SKIP = ("case", "organization")


def person_export(person: Beneficiary, *, by: Membership) -> PersonExport:
    """Read everything held about ``person`` at their platform."""
    footprint = person_footprint(person)
    person_record = record(
        Beneficiary.objects.select_related("commune", "created_by").get(pk=person.pk),
        "La personne",
        skip=("organization",),
    )
    sections = [
        _flat(footprint, ConsentRecord, "consents", "Consentements", ("given_on", "scope")),
        Section("cases", "Accompagnements", _cases(footprint)),
        _history(footprint),
        _access_log(person),
        _rights_requests(person),
    ]
    return PersonExport(
        organization=by.organization,
        generated_at=timezone.now(),
        generated_by=_person_name(by.user),
        person=person_record,
        sections=sections,
    )


def _flat(
    footprint: Footprint,
    model: type[models.Model],
    key: str,
    title: str,
    order: tuple[str, ...],
    skip: tuple[str, ...] = ("organization", "beneficiary"),
) -> Section:
    rows = _rows(model, footprint.of(model), skip=skip, order=order)
    return Section(key, title, [record(row, str(row), skip=skip) for row in rows])


def _children(
    footprint: Footprint,
    model: type[models.Model],
    parent: str,
    order: tuple[str, ...],
    skip: tuple[str, ...] = CASE_SKIP,
) -> dict[Any, list[Record]]:
    """The records of ``model`` grouped by their parent's id (``parent`` is the FK's name)."""
    rows = _rows(model, footprint.of(model), skip=(*skip, parent), order=order)
    return {
        parent_id: [record(row, str(row), skip=(*skip, parent)) for row in group]
        for parent_id, group in _by(rows, f"{parent}_id").items()
    }


def _cases(footprint: Footprint) -> list[Record]:
    skip = ("beneficiary", "organization")
    cases = _rows(Case, footprint.of(Case), skip=skip, order=("opened_on",))
    agreements = _by(
        Case.funding_agreements.through.objects.filter(case_id__in=[c.pk for c in cases])
        .select_related("fundingagreement")
        .order_by("fundingagreement__programme"),
        "case_id",
    )
    parts = [
        ("participation", "Participation FSE+ (situation à l'entrée)",
         _children(footprint, Participation, "case", ("entry_date",))),
        ("transitions", "Changements de statut",
         _children(footprint, CaseTransition, "case", ("at",))),
        ("diagnostics", "Diagnostics",
         _nested(footprint, Diagnostic, "case", ("done_on",), DiagnosticItem, "diagnostic",
                 "items", "Freins évalués")),
        ("barriers", "Freins", _children(footprint, CaseBarrier, "case", ("identified_on",))),
        ("goals", "Plan d'action",
         _nested(footprint, Goal, "case", ("position",), Action, "goal", "actions", "Actions")),
        ("appointments", "Rendez-vous",
         _children(footprint, Appointment, "case", ("starts_at",))),
        ("workshops", "Ateliers", _children(footprint, Registration, "case", ("registered_at",))),
        ("skills", "Compétences évaluées",
         _children(footprint, SkillAssessment, "case", ("assessed_on",))),
        ("aids", "Demandes d'aide", _children(footprint, AidApplication, "case", ("created_at",))),
        ("documents", "Documents", _children(footprint, Document, "case", ("uploaded_at",))),
        ("notes", "Notes", _children(footprint, Note, "case", ("created_at",))),
        ("exit", "Questionnaire de sortie",
         _children(footprint, ExitQuestionnaire, "case", ("exit_date",))),
        ("follow_ups", "Suivis post-sortie", _children(footprint, FollowUp, "case", ("due_on",))),
        ("vehicle_loans", "Prêts de véhicules", _loans(footprint)),
        ("waiting_list", "Listes d'attente de véhicules",
         _children(footprint, WaitingListEntry, "case", ("wanted_from",))),
        ("referrals", "Prescriptions", _referrals(footprint)),
    ]  # fmt: skip
    records = []
    for case in cases:
        case_record = record(case, f"Accompagnement ouvert le {case.opened_on:%d/%m/%Y}", skip=skip)
        programmes = [link.fundingagreement.programme for link in agreements.get(case.pk, [])]
        case_record.entries.append(
            Entry("funding_agreements", "conventions", programmes, ", ".join(programmes) or "—")
        )
        case_record.sections = [
            Section(key, title, grouped.get(case.pk, [])) for key, title, grouped in parts
        ]
        records.append(case_record)
    return records


def _nested(
    footprint: Footprint,
    model: type[models.Model],
    parent: str,
    order: tuple[str, ...],
    child_model: type[models.Model],
    child_parent: str,
    key: str,
    title: str,
) -> dict[Any, list[Record]]:
    """Records of ``model`` by parent id, each with its own children (diagnostic items…)."""
    skip = (*CASE_SKIP, parent)
    rows = _rows(model, footprint.of(model), skip=skip, order=order)
    child_rows = _rows(child_model, footprint.of(child_model), skip=(child_parent,), order=("pk",))
    children = _by(child_rows, f"{child_parent}_id")
    grouped: dict[Any, list[Record]] = {}
    for row in rows:
        row_record = record(row, str(row), skip=skip)
        row_record.sections.append(
            Section(
                key,
                title,
                [record(c, str(c), skip=(child_parent,)) for c in children.get(row.pk, [])],
            )
        )
        grouped.setdefault(getattr(row, f"{parent}_id"), []).append(row_record)
    return grouped


def _loans(footprint: Footprint) -> dict[Any, list[Record]]:
    skip = ("case", "organization")
    loans = _rows(Loan, footprint.of(Loan), skip=skip, order=("start_date",))
    extensions = _children(footprint, LoanExtension, "loan", ("new_end_date",), skip=())
    incidents = _children(footprint, Incident, "loan", ("occurred_on",), skip=("organization",))
    inspections = _nested(
        footprint, Inspection, "loan", ("performed_at",), InspectionPhoto, "inspection",
        "photos", "Photos",
    )  # fmt: skip
    grouped: dict[Any, list[Record]] = {}
    for loan in loans:
        loan_record = record(loan, f"Prêt du {loan.start_date:%d/%m/%Y}", skip=skip)
        loan_record.sections += [
            Section("extensions", "Prolongations", extensions.get(loan.pk, [])),
            Section("inspections", "États des lieux", inspections.get(loan.pk, [])),
            Section("incidents", "Incidents", incidents.get(loan.pk, [])),
        ]
        grouped.setdefault(loan.case_id, []).append(loan_record)
    return grouped


def _referrals(footprint: Footprint) -> dict[Any, list[Record]]:
    skip = ("case",)
    referrals = _rows(Referral, footprint.of(Referral), skip=skip, order=("created_at",))
    barriers = _by(
        Referral.barriers.through.objects.filter(referral_id__in=[r.pk for r in referrals])
        .select_related("barrier")
        .order_by("barrier__label"),
        "referral_id",
    )
    transitions = _children(footprint, ReferralTransition, "referral", ("at",), skip=())
    messages = _children(footprint, Message, "referral", ("created_at",), skip=())
    attachments = _children(footprint, Attachment, "referral", ("uploaded_at",), skip=())
    grouped: dict[Any, list[Record]] = {}
    for referral in referrals:
        referral_record = record(
            referral, f"Prescription de {referral.sender_organization.name}", skip=skip
        )
        observed = [link.barrier.label for link in barriers.get(referral.pk, [])]
        referral_record.entries.append(
            Entry("barriers", "freins observés", observed, ", ".join(observed) or "—")
        )
        referral_record.sections += [
            Section("transitions", "Étapes", transitions.get(referral.pk, [])),
            Section("messages", "Messages", messages.get(referral.pk, [])),
            Section("attachments", "Pièces jointes", attachments.get(referral.pk, [])),
        ]
        grouped.setdefault(referral.case_id, []).append(referral_record)
    return grouped


def _history(footprint: Footprint) -> Section:
    """Every version the history tables keep of the person's objects."""
    records = []
    for model, ids in footprint.ids.items():
        if not ids or not has_history(model):
            continue
        tracked = [f for f in model.history.model._meta.concrete_fields if f.name in _names(model)]
        rows = (
            model.history.filter(id__in=ids)
            .select_related("history_user")
            .order_by("history_date", "history_id")
        )
        for row in rows:
            values = {f.attname: _json_value(getattr(row, f.attname)) for f in tracked}
            when = timezone.localtime(row.history_date)
            entries = [
                Entry(
                    "object",
                    "élément",
                    str(model._meta.verbose_name),
                    str(model._meta.verbose_name),
                ),
                Entry("id", "identifiant", str(row.id), str(row.id)),
                Entry("date", "date", when.isoformat(), f"{when:%d/%m/%Y %H:%M}"),
                Entry(
                    "type",
                    "type",
                    HISTORY_TYPES.get(row.history_type, row.history_type),
                    HISTORY_TYPES.get(row.history_type, row.history_type),
                ),
                Entry(
                    "by",
                    "par",
                    _person_name(row.history_user) or None,
                    _person_name(row.history_user) or "—",
                ),
                Entry(
                    "reason", "motif", row.history_change_reason, _text(row.history_change_reason)
                ),
                Entry(
                    "values",
                    "valeurs",
                    values,
                    "; ".join(f"{name} : {_text(value)}" for name, value in values.items()),
                ),
            ]
            records.append((row.history_date, Record(str(model._meta.verbose_name), entries)))
    records.sort(key=lambda pair: pair[0])
    return Section("history", "Historique des modifications", [r for _, r in records])


def _names(model: type[models.Model]) -> set[str]:
    return {f.name for f in model._meta.concrete_fields} - SKIPPED


def _access_log(person: Beneficiary) -> Section:
    rows = (
        AccessLog.objects.filter(beneficiary=person)
        .select_related("user")
        .order_by("accessed_at", "pk")
    )
    return Section(
        "access_log",
        "Consultations du dossier",
        [record(row, "Consultation", skip=("organization", "beneficiary", "id")) for row in rows],
    )


def _rights_requests(person: Beneficiary) -> Section:
    rows = (
        RightsRequest.objects.filter(beneficiary=person)
        .select_related("handled_by", "recorded_by")
        .order_by("received_on", "created_at")
    )
    return Section(
        "rights_requests",
        "Demandes d'exercice des droits",
        [record(row, str(row), skip=("organization", "beneficiary")) for row in rows],
    )


# --- The renderers ------------------------------------------------------------------------------


def export_json(export: PersonExport) -> bytes:
    return json.dumps(
        export.as_json(), cls=DjangoJSONEncoder, ensure_ascii=False, indent=2
    ).encode()


def export_pdf(export: PersonExport) -> bytes:
    """Render the export as a PDF for reading (WeasyPrint, DejaVu fonts)."""
    from weasyprint import HTML  # heavy import, only when a PDF is asked for

    html = render_to_string("privacy/pdf/export.html", {"export": export})
    return HTML(string=html).write_pdf()


# --- The complete archive: both renderings and the files themselves -----------------------------


@dataclass(frozen=True)
class HeldFile:
    """One stored file about the person, and where it goes in the archive."""

    folder: str  # French, as the reader sees it
    name: str
    file: Any  # a FieldFile


def _archive_name(index: int, name: str) -> str:
    stem, dot, suffix = os.path.basename(name).rpartition(".")
    stem = slugify(stem if dot else suffix) or "fichier"
    return f"{index:02d}-{stem}.{suffix.lower()}" if dot else f"{index:02d}-{stem}"


def person_files(person: Beneficiary) -> list[HeldFile]:
    """Every stored file about the person: documents, contracts, photos, referral attachments.

    The same list anonymisation deletes (``anonymisation.TARGETS``), read from the same
    footprint, so the archive and the erasure can never disagree on what is the person's.
    """
    footprint = person_footprint(person)
    held = []
    for target in TARGETS:
        ids = footprint.of(target.model)
        if not target.files or not ids:
            continue
        rows = target.model.objects.filter(pk__in=ids).order_by("pk")
        for row in rows:
            for name in target.files:
                stored = getattr(row, name)
                if stored:
                    suffix = os.path.splitext(stored.name)[1]
                    shown = getattr(row, "original_name", "") or f"{target.describe(row)}{suffix}"
                    held.append(HeldFile(target.label, _archive_name(len(held) + 1, shown), stored))
    return held


def export_archive(export: PersonExport, files: list[HeldFile]) -> tempfile.SpooledTemporaryFile:
    """A ZIP of the JSON, the PDF and every stored file, with a French read-me listing them.

    Written to a spooled temporary file (on disk past 10 MB), rewound for streaming.
    """
    # Closed by the FileResponse that streams it.
    archive = tempfile.SpooledTemporaryFile(max_size=10 * 1024 * 1024)  # noqa: SIM115
    made = timezone.localtime(export.generated_at)
    lines = [
        f"Données personnelles détenues par {export.organization.name}",
        f"Export du {made:%d/%m/%Y à %H:%M}, par {export.generated_by}.",
        "",
        "donnees-personnelles.pdf : toutes les données, pour la lecture.",
        "donnees-personnelles.json : les mêmes données, pour la portabilité.",
        "",
    ]
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr("donnees-personnelles.json", export_json(export))
        bundle.writestr("donnees-personnelles.pdf", export_pdf(export))
        lines.append(f"Fichiers ({len(files)}) :" if files else "Aucun fichier n'est conservé.")
        for held in files:
            path = f"fichiers/{slugify(held.folder)}/{held.name}"
            try:
                with held.file.open("rb") as stored:
                    bundle.writestr(path, stored.read())
            except FileNotFoundError:
                lines.append(f"- {held.folder} : {held.name} (fichier introuvable sur le serveur)")
            else:
                lines.append(f"- {held.folder} : {path}")
        bundle.writestr("LISEZMOI.txt", "\r\n".join(lines) + "\r\n")
    archive.seek(0)
    return archive
