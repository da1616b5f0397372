"""Canaries: unique marks planted in every text field of every row platform A owns.

A row is A's when a chain of foreign keys leads from it to platform A (``Case.organization``,
``Note.case``, ``Action.goal.case``…), found by walking the models of the project's apps, so
that a model added tomorrow gets its canaries without a line here. Each planted value is
registered with its audience: the actors who may read it (A's admin and advisor, plus the
parties a record is deliberately shared with). A response that shows a canary to an actor
outside its audience is a leak.
"""

from __future__ import annotations

import gzip
import io
import re
import subprocess
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import models
from django.db.models import Q

from organizations.models import Organization, User

# Lower-case letters and digits only: survives slugs, e-mail normalisation and upper-casing.
PREFIX = "zqk"
CANARY_RE = re.compile(rb"zqk[0-9a-z]{5}", re.IGNORECASE)

# The actors of the suite (see actors.py). A's admin and advisor may read all of A's data.
A_STAFF = frozenset({"admin_a", "advisor_a"})

# Fields that hold no information of A's but make the application work: a canary there would
# break what the suite requests, not test it.
FUNCTIONAL_FIELDS: dict[str, str] = {
    "organizations.User.password": "password hash",
    "organizations.Invitation.token_hash": "hash of the invitation's secret token",
    "cases.ImportJob.encoding": "codec the import reads the stored file with",
    "cases.ImportJob.delimiter": "CSV delimiter the import reads the stored file with",
    "cases.Document.content_type": "sent back as the Content-Type of the download",
    "referrals.Attachment.content_type": "sent back as the Content-Type of the download",
    "reporting.ReportJob.scope_code": "the scope the report is made and read again for",
}

# Models whose rows are deliberately public or shared with every tenant: no canary, and why.
UNMARKED_MODELS: dict[str, str] = {
    "organizations.Organization": (
        "A's public profile: referrers choose A by it, funders and aids name it"
    ),
    "organizations.Territory": "INSEE reference data, the same for everyone",
}

# Fields deliberately shared with another actor than A's staff: {"app.Model.field": actors}.
SHARED_FIELDS: dict[str, frozenset[str]] = {
    # The funder signed the agreement: it knows its programme and reference.
    "organizations.FundingAgreement.programme": frozenset({"funder_a"}),
    "organizations.FundingAgreement.reference": frozenset({"funder_a"}),
}


def is_public_row(instance: models.Model) -> bool:
    """Rows everyone may read by design (and their history), so that no canary goes there."""
    from catalog.models import Aid

    # A published aid is the public catalogue (anonymous search, /api/v1/aids/).
    if base_label(type(instance)) == "catalog.Aid":
        return Aid.objects.filter(pk=instance.pk, status=Aid.Status.PUBLISHED).exists()
    return False


@dataclass(frozen=True)
class Canary:
    value: str
    label: str  # "app.Model.field" of the base model (historical copies share it)
    pk: object
    audience: frozenset[str]
    history_only: bool = False  # a field of the historical copy alone (history_change_reason)

    def describe(self) -> str:
        return f"{self.label} (ligne {self.pk})"


@dataclass
class Registry:
    """Every planted canary, by value."""

    canaries: dict[str, Canary] = field(default_factory=dict)
    counter: int = 0
    skipped_fields: set[str] = field(default_factory=set)

    def new(
        self,
        label: str,
        pk: object,
        audience: frozenset[str] = A_STAFF,
        *,
        history_only: bool = False,
    ) -> str:
        self.counter += 1
        value = f"{PREFIX}{_base36(self.counter).rjust(5, '0')}"
        self.canaries[value] = Canary(value, label, pk, audience, history_only)
        return value

    def found_in(self, blob: bytes) -> list[Canary]:
        seen = {match.group(0).decode().lower() for match in CANARY_RE.finditer(blob)}
        return [self.canaries[value] for value in sorted(seen) if value in self.canaries]

    def kinds(self) -> set[str]:
        """The models (app.Model) that hold a canary in a field of their own."""
        return {c.label.rsplit(".", 1)[0] for c in self.canaries.values() if not c.history_only}


def _base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        number, rest = divmod(number, 36)
        out = digits[rest] + out
        if number == 0:
            return out


def project_models() -> list[type[models.Model]]:
    """Every concrete model of the project's own apps, historical copies included."""
    base = Path(settings.BASE_DIR).resolve()
    found = []
    for config in apps.get_app_configs():
        if not Path(config.path).resolve().is_relative_to(base):
            continue
        found.extend(m for m in config.get_models() if not m._meta.proxy)
    return found


def base_label(model: type[models.Model]) -> str:
    """``cases.Note`` for the Note model and for its historical copy."""
    instance_type = getattr(model, "instance_type", None)
    return (instance_type or model)._meta.label


def owned_rows(organization: Organization) -> dict[type[models.Model], set]:
    """Return the primary keys of every row a chain of foreign keys ties to ``organization``.

    Users are A's when they are members of A (and of nothing else); a user is never a link of
    the chain, or every row a member of A once touched would count as A's.
    """
    owned: dict[type[models.Model], set] = {Organization: {organization.pk}}
    members = set(
        User.objects.filter(memberships__organization=organization)
        .exclude(memberships__organization__in=Organization.objects.exclude(pk=organization.pk))
        .values_list("pk", flat=True)
    )
    owned[User] = members
    candidates = [m for m in project_models() if m not in (Organization, User)]
    changed = True
    while changed:
        changed = False
        for model in candidates:
            condition = Q()
            for fk in model._meta.concrete_fields:
                target = fk.related_model if fk.is_relation else None
                if target is None or target is User or not owned.get(target):
                    continue
                condition |= Q(**{f"{fk.attname}__in": owned[target]})
            if not condition:
                continue
            pks = set(model._base_manager.filter(condition).values_list("pk", flat=True))
            if pks - owned.get(model, set()):
                owned[model] = owned.get(model, set()) | pks
                changed = True
    return {model: pks for model, pks in owned.items() if model is not Organization and pks}


def tenant_scoped_models() -> list[type[models.Model]]:
    """Project models a chain of foreign keys ties to an organisation (users aside)."""
    scoped = {Organization}
    candidates = [m for m in project_models() if m not in (Organization, User)]
    changed = True
    while changed:
        changed = False
        for model in candidates:
            if model in scoped:
                continue
            targets = {f.related_model for f in model._meta.concrete_fields if f.is_relation}
            if targets & scoped:
                scoped.add(model)
                changed = True
    return [m for m in scoped if m is not Organization and not hasattr(m, "instance_type")]


def text_fields(model: type[models.Model], registry: Registry) -> list[models.Field]:
    """The free-text fields of ``model`` that a canary fits in."""
    fields = []
    for f in model._meta.concrete_fields:
        if not isinstance(f, models.CharField | models.TextField) or f.choices or f.primary_key:
            continue
        label = f"{base_label(model)}.{f.name}"
        if label in FUNCTIONAL_FIELDS:
            continue
        room = f.max_length or 10_000
        if room < len(PREFIX) + 5 + (
            len("@example.org") if isinstance(f, models.EmailField) else 0
        ):
            registry.skipped_fields.add(label)
            continue
        fields.append(f)
    return fields


def canary_value(f: models.Field, canary: str) -> str:
    if isinstance(f, models.EmailField):
        return f"{canary}@example.org"
    if isinstance(f, models.URLField):
        return f"https://{canary}.example.org/"
    return canary


def plant(organization: Organization, registry: Registry) -> dict[str, int]:
    """Write a canary in every text field of every row ``organization`` owns; count per model."""
    planted: dict[str, int] = {}
    for model, pks in owned_rows(organization).items():
        label = base_label(model)
        if label in UNMARKED_MODELS:
            continue
        fields = text_fields(model, registry)
        if not fields:
            continue
        own = {f.name for f in apps.get_model(label)._meta.concrete_fields}
        for instance in model._base_manager.filter(pk__in=pks):
            if is_public_row(instance):
                continue
            values = {}
            for f in fields:
                field_label = f"{label}.{f.name}"
                audience = A_STAFF | SHARED_FIELDS.get(field_label, frozenset())
                canary = registry.new(
                    field_label, instance.pk, audience, history_only=f.name not in own
                )
                values[f.attname] = canary_value(f, canary)
            model._base_manager.filter(pk=instance.pk).update(**values)
            planted[label] = planted.get(label, 0) + 1
    return planted


# --- Reading responses ----------------------------------------------------------------------


def response_blobs(response) -> Iterable[tuple[str, bytes]]:
    """Yield every readable form of a response: headers, body, and text inside files."""
    yield "en-têtes", "\n".join(f"{k}: {v}" for k, v in response.items()).encode()
    if getattr(response, "streaming", False):
        body = b"".join(response.streaming_content)
    else:
        body = response.content
    if response.get("Content-Encoding") == "gzip":
        body = gzip.decompress(body)
    yield "corps", body
    if body.startswith(b"%PDF"):
        yield "texte du PDF", pdf_text(body)
    if body.startswith(b"PK\x03\x04"):
        # XLSX, ODS, DOCX: text lives in compressed XML members.
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            for name in archive.namelist():
                yield f"fichier {name} de l'archive", archive.read(name)


def pdf_text(pdf: bytes) -> bytes:
    result = subprocess.run(
        ["pdftotext", "-q", "-", "-"], input=pdf, capture_output=True, check=False, timeout=60
    )
    return result.stdout
