"""Spreadsheet imports of beneficiaries and cases: the uploaded file, its mapping, its progress."""

from __future__ import annotations

import uuid

from django.db import models

from organizations.models import Membership, Organization


def import_file_path(instance: ImportJob, filename: str) -> str:
    # Like documents: the stored name never carries the uploaded file's name.
    suffix = ".xlsx" if instance.file_format == ImportJob.Format.XLSX else ".csv"
    return f"imports/{instance.organization_id}/{uuid.uuid4().hex}{suffix}"


class ImportJobQuerySet(models.QuerySet):
    def for_organization(self, organization: Organization) -> ImportJobQuerySet:
        return self.filter(organization=organization)


class ImportJob(models.Model):
    """One import of a spreadsheet: upload, column mapping, preview, then an atomic commit."""

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        XLSX = "xlsx", "Excel (XLSX)"

    class Status(models.TextChoices):
        UPLOADED = "uploaded", "Fichier déposé"
        MAPPED = "mapped", "Colonnes associées"
        QUEUED = "queued", "En attente de traitement"
        RUNNING = "running", "Import en cours"
        DONE = "done", "Import terminé"
        FAILED = "failed", "Import refusé, rien n'a été enregistré"

    class DuplicatePolicy(models.TextChoices):
        SKIP = "skip", "Ne pas importer les lignes signalées comme doublons"
        CREATE = "create", "Les importer : ce sont des personnes différentes"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        Organization, verbose_name="plateforme", on_delete=models.CASCADE, related_name="+"
    )
    created_by = models.ForeignKey(
        Membership,
        verbose_name="importé par",
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    created_at = models.DateTimeField("déposé le", auto_now_add=True)
    file = models.FileField("fichier", upload_to=import_file_path, max_length=250)
    original_name = models.CharField("nom du fichier", max_length=250)
    file_format = models.CharField("format", max_length=4, choices=Format.choices)
    encoding = models.CharField("encodage", max_length=20, blank=True)
    delimiter = models.CharField("séparateur", max_length=1, blank=True)
    columns = models.JSONField("colonnes du fichier", default=list)
    sample = models.JSONField("premières lignes", default=list, blank=True)
    mapping = models.JSONField("association des colonnes", default=dict)
    duplicate_policy = models.CharField(
        "doublons", max_length=6, choices=DuplicatePolicy.choices, default=DuplicatePolicy.SKIP
    )
    status = models.CharField(
        "statut", max_length=8, choices=Status.choices, default=Status.UPLOADED
    )
    total_rows = models.PositiveIntegerField("lignes", default=0)
    processed_rows = models.PositiveIntegerField("lignes traitées", default=0)
    errors = models.JSONField("erreurs", default=list)
    beneficiaries_created = models.PositiveIntegerField("personnes créées", default=0)
    cases_created = models.PositiveIntegerField("accompagnements ouverts", default=0)
    rows_skipped = models.PositiveIntegerField("lignes écartées (doublons)", default=0)
    started_at = models.DateTimeField("commencé le", null=True, blank=True)
    finished_at = models.DateTimeField("terminé le", null=True, blank=True)
    # The retention run deletes the file, its sample rows and its line errors (they hold people's
    # data); the counts stay.
    purged_at = models.DateTimeField("fichier supprimé le", null=True, blank=True)

    objects = ImportJobQuerySet.as_manager()

    class Meta:
        verbose_name = "import de fichier"
        verbose_name_plural = "imports de fichiers"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.created_at:%d/%m/%Y %H:%M})"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def is_purged(self) -> bool:
        return self.purged_at is not None

    @property
    def is_in_progress(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)

    @property
    def progress_percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        if not self.total_rows:
            return 0
        return min(100, self.processed_rows * 100 // self.total_rows)
