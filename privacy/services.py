"""Domain operations on personal data: anonymisation, the retention run, the rights register.

- ``anonymise_person``: one person's file and everything about them (``anonymisation.TARGETS``),
  atomic and idempotent; the rows that make the statistics stay, without identity.
- ``apply_retention``: the daily run — files whose retention period is over, referrals never
  linked to a file, referral attachments after their delay, uploaded import spreadsheets after
  theirs, old entries of the access log.
- ``record_rights_request``, ``close_rights_request``, ``erase_on_request``: the register of
  the person's requests (access, portability, rectification, erasure, objection).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from cases.models import AccessLog, Beneficiary, Case, ImportJob
from cases.retention import contact_cutoff
from organizations.errors import DomainError
from organizations.models import Membership
from referrals.models import PENDING_STATUSES, Attachment, Referral, ReferralStatus

from .anonymisation import Erased, erase, person_footprint, referral_footprint
from .models import RightsRequest

RETENTION_REASON = "Anonymisation : durée de conservation écoulée"
ERASURE_REASON = "Anonymisation : demande d'effacement de la personne"
ERASURE_DONE = (
    "Dossier anonymisé. Restent, sans identité : les données statistiques de l'accompagnement "
    "et la comptabilité des prêts de véhicule (dates, montants, cautions, véhicule)."
)


def check_rights_handler(by: Membership, organization_id) -> None:
    """Refuse a member who may not handle the personal data requests of this platform."""
    if by.organization_id != organization_id or not by.may_export_personal_data:
        raise DomainError(
            "Seul·es les administrateur·rices de la plateforme et les conseiller·es qui ont le "
            "droit d'export traitent les demandes sur les données personnelles.",
            code="forbidden",
        )


# --- Anonymisation ------------------------------------------------------------------------------


@transaction.atomic
def anonymise_person(
    beneficiary: Beneficiary, *, by: Membership | None, reason: str = RETENTION_REASON
) -> Erased | None:
    """Anonymise a person's file and every record about them; None if it already was.

    ``by`` is None for the retention run (the system acts); a member needs the export right.
    """
    if by is not None:
        check_rights_handler(by, beneficiary.organization_id)
    # Cases first, then the person: the order in which the case services lock them.
    list(Case.objects.select_for_update().filter(beneficiary_id=beneficiary.pk).order_by("pk"))
    person = Beneficiary.objects.select_for_update().get(pk=beneficiary.pk)
    if person.anonymised_at is not None:
        return None
    return erase(
        person_footprint(person),
        user=by.user if by else None,
        reason=reason,
        now=timezone.now(),
    )


@transaction.atomic
def anonymise_referral(referral: Referral) -> Erased | None:
    """Anonymise a referral never linked to a person's file (the retention run)."""
    referral = Referral.objects.select_for_update().get(pk=referral.pk)
    if referral.anonymised_at is not None or referral.case_id is not None:
        return None
    return erase(
        referral_footprint(referral), user=None, reason=RETENTION_REASON, now=timezone.now()
    )


# --- The retention run --------------------------------------------------------------------------

CLOSED_REFERRAL_STATUSES = tuple(
    s for s in ReferralStatus if s not in PENDING_STATUSES and s != ReferralStatus.DRAFT
)


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _ended_before(moment: datetime, prefix: str = "") -> Q:
    """Referrals closed (or decided, for an acceptance) before ``moment``."""
    return Q(**{f"{prefix}status__in": CLOSED_REFERRAL_STATUSES}) & (
        Q(**{f"{prefix}closed_at__lt": moment})
        | Q(**{f"{prefix}closed_at__isnull": True, f"{prefix}decided_at__lt": moment})
    )


def people_due(today: date) -> QuerySet[Beneficiary]:
    """Files whose retention period is over on ``today``."""
    return Beneficiary.objects.due_for_anonymisation(today).order_by("last_contact_on", "pk")


def referrals_due(today: date) -> QuerySet[Referral]:
    """Referrals never linked to a file, ended (or left as drafts) N years ago or more."""
    limit = _start_of(contact_cutoff(today) + timedelta(days=1))
    return (
        Referral.objects.filter(case__isnull=True, anonymised_at__isnull=True)
        .filter(_ended_before(limit) | Q(status=ReferralStatus.DRAFT, updated_at__lt=limit))
        .order_by("created_at", "pk")
    )


def attachments_due(today: date) -> QuerySet[Attachment]:
    """Files of referrals closed ``REFERRAL_ATTACHMENT_RETENTION_DAYS`` days ago or more."""
    days = settings.REFERRAL_ATTACHMENT_RETENTION_DAYS
    limit = _start_of(today - timedelta(days=days) + timedelta(days=1))
    return Attachment.objects.filter(_ended_before(limit, "referral__")).order_by("pk")


def imports_due(today: date) -> QuerySet[ImportJob]:
    """Imports ended, or left unfinished, ``IMPORT_FILE_RETENTION_DAYS`` days ago or more.

    An import waiting for or held by the worker keeps its file until it ends.
    """
    days = settings.IMPORT_FILE_RETENTION_DAYS
    limit = _start_of(today - timedelta(days=days) + timedelta(days=1))
    ended = Q(finished_at__lt=limit) | Q(finished_at__isnull=True, created_at__lt=limit)
    return (
        ImportJob.objects.filter(purged_at__isnull=True)
        .exclude(status__in=(ImportJob.Status.QUEUED, ImportJob.Status.RUNNING))
        .filter(ended)
        .order_by("created_at", "pk")
    )


def access_logs_due(today: date) -> QuerySet[AccessLog]:
    """Read-access log entries older than ``ACCESS_LOG_RETENTION_MONTHS`` months."""
    months = settings.ACCESS_LOG_RETENTION_MONTHS
    return AccessLog.objects.filter(accessed_at__lt=_start_of(today - relativedelta(months=months)))


@dataclass(frozen=True)
class RetentionReport:
    """What a retention run did (or would do, in a dry run)."""

    people: int
    referrals: int
    attachments: int
    imports: int
    access_logs: int
    dry_run: bool = False

    def as_dict(self) -> dict[str, int]:
        return {
            "people": self.people,
            "referrals": self.referrals,
            "attachments": self.attachments,
            "imports": self.imports,
            "access_logs": self.access_logs,
        }

    def lines(self) -> list[str]:
        """The report in French, one line per kind of data."""
        verb = "à anonymiser" if self.dry_run else "anonymisée(s)"
        deleted = "à supprimer" if self.dry_run else "supprimée(s)"
        lines = [
            f"Personnes {verb} (durée de conservation écoulée) : {self.people}",
            f"Prescriptions sans accompagnement {verb} : {self.referrals}",
            f"Pièces jointes de prescriptions terminées {deleted} : {self.attachments}",
            f"Fichiers d'import de tableaux {deleted} : {self.imports}",
            f"Entrées du journal des consultations {deleted} : {self.access_logs}",
        ]
        if self.dry_run:
            lines.append("Simulation : rien n'a été modifié.")
        return lines


def apply_retention(*, today: date | None = None, dry_run: bool = False) -> RetentionReport:
    """Run every retention rule once; a second run the same day changes nothing.

    Each file and referral is anonymised in its own transaction: one failure leaves the others
    done, and the next run takes it again.
    """
    today = today or timezone.localdate()
    if dry_run:
        return RetentionReport(
            people=people_due(today).count(),
            referrals=referrals_due(today).count(),
            attachments=attachments_due(today).count(),
            imports=imports_due(today).count(),
            access_logs=access_logs_due(today).count(),
            dry_run=True,
        )
    people = sum(
        anonymise_person(person, by=None) is not None
        for person in people_due(today).only("pk", "organization_id")
    )
    referrals = sum(
        anonymise_referral(referral) is not None for referral in referrals_due(today).only("pk")
    )
    return RetentionReport(
        people=people,
        referrals=referrals,
        attachments=purge_referral_attachments(today=today),
        imports=purge_import_files(today=today),
        access_logs=purge_access_logs(today=today),
    )


@transaction.atomic
def purge_referral_attachments(*, today: date) -> int:
    """Delete the files of referrals closed long enough ago; their storage once committed."""
    attachments = list(attachments_due(today).select_for_update(of=("self",)))
    for attachment in attachments:
        storage, name = attachment.file.storage, attachment.file.name
        if name:
            transaction.on_commit(lambda s=storage, n=name: s.delete(n), robust=True)
    Attachment.objects.filter(pk__in=[a.pk for a in attachments]).delete()
    return len(attachments)


@transaction.atomic
def purge_import_files(*, today: date) -> int:
    """Delete the spreadsheets of old imports and the rows copied from them (preview, errors).

    The job stays, with its counts, so the platform still sees what was imported and when.
    """
    jobs = list(imports_due(today).select_for_update(of=("self",)))
    now = timezone.now()
    for job in jobs:
        storage, name = job.file.storage, job.file.name
        if name:
            transaction.on_commit(lambda s=storage, n=name: s.delete(n), robust=True)
        job.file, job.sample, job.errors, job.purged_at = "", [], [], now
    ImportJob.objects.bulk_update(jobs, ["file", "sample", "errors", "purged_at"])
    return len(jobs)


@transaction.atomic
def purge_access_logs(*, today: date) -> int:
    """Delete the read-access log entries older than their retention period."""
    return access_logs_due(today).delete()[0]


# --- The rights of the person -------------------------------------------------------------------


def _check_day(day: date, *, field: str, what: str) -> None:
    if day > timezone.localdate():
        raise DomainError(f"{what} ne peut pas être dans le futur.", field=field)


@transaction.atomic
def record_rights_request(
    *,
    beneficiary: Beneficiary,
    by: Membership,
    kind: str,
    received_on: date,
    comment: str = "",
) -> RightsRequest:
    """Enter a request of the person in the register (answer due within one month)."""
    check_rights_handler(by, beneficiary.organization_id)
    if kind not in RightsRequest.Kind.values:
        raise DomainError("Choisissez le type de demande.", field="kind")
    _check_day(received_on, field="received_on", what="La date de réception")
    return RightsRequest.objects.create(
        organization_id=beneficiary.organization_id,
        beneficiary=beneficiary,
        kind=kind,
        received_on=received_on,
        comment=comment.strip(),
        recorded_by=by.user,
    )


@transaction.atomic
def close_rights_request(
    rights_request: RightsRequest,
    *,
    by: Membership,
    outcome: str,
    handled_on: date | None = None,
    comment: str | None = None,
) -> RightsRequest:
    """Record the answer given to a request."""
    check_rights_handler(by, rights_request.organization_id)
    rights_request = RightsRequest.objects.select_for_update().get(pk=rights_request.pk)
    if not rights_request.is_pending:
        raise DomainError(
            f"Cette demande a déjà reçu une réponse le {rights_request.handled_on:%d/%m/%Y}.",
            code="already_handled",
        )
    if outcome not in RightsRequest.Outcome.values:
        raise DomainError("Choisissez la réponse donnée.", field="outcome")
    handled_on = handled_on or timezone.localdate()
    _check_day(handled_on, field="handled_on", what="La date de réponse")
    if handled_on < rights_request.received_on:
        raise DomainError(
            f"La réponse ne peut pas précéder la demande ({rights_request.received_on:%d/%m/%Y}).",
            field="handled_on",
        )
    rights_request.outcome = outcome
    rights_request.handled_on = handled_on
    rights_request.handled_by = by.user
    fields = ["outcome", "handled_on", "handled_by"]
    if comment is not None and comment.strip():
        rights_request.comment = comment.strip()[:500]
        fields.append("comment")
    rights_request.save(update_fields=fields)
    return rights_request


@transaction.atomic
def erase_on_request(
    beneficiary: Beneficiary,
    *,
    by: Membership,
    received_on: date | None = None,
) -> RightsRequest:
    """The person asked for erasure: anonymise now and answer the request in the register.

    Uses the pending erasure request of the person if there is one, else enters it.
    """
    check_rights_handler(by, beneficiary.organization_id)
    rights_request = (
        RightsRequest.objects.select_for_update()
        .filter(beneficiary=beneficiary, kind=RightsRequest.Kind.ERASURE)
        .pending()
        .order_by("received_on", "created_at")
        .first()
    )
    if rights_request is None:
        rights_request = record_rights_request(
            beneficiary=beneficiary,
            by=by,
            kind=RightsRequest.Kind.ERASURE,
            received_on=received_on or timezone.localdate(),
        )
    if anonymise_person(beneficiary, by=by, reason=ERASURE_REASON) is None:
        raise DomainError("Ce dossier est déjà anonymisé.", code="already_anonymised")
    return close_rights_request(
        rights_request,
        by=by,
        outcome=RightsRequest.Outcome.GRANTED,
        comment=f"{rights_request.comment} {ERASURE_DONE}".strip(),
    )
