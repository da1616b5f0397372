"""Activity reports made in the background: who asked for which scope and period, progress,
and the PDF, downloadable only by the organisation that asked for it."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from organizations.models import Organization


def report_path(instance: ReportJob, filename: str) -> str:
    return f"reports/{instance.organization_id}/{instance.pk}.pdf"


class ReportJobQuerySet(models.QuerySet):
    def for_organization(self, organization: Organization) -> ReportJobQuerySet:
        return self.filter(organization=organization)


class ReportJob(models.Model):
    """An activity report asked for by a member, made by a background task."""

    class Status(models.TextChoices):
        QUEUED = "queued", "En attente"
        RUNNING = "running", "En cours"
        DONE = "done", "Prêt"
        FAILED = "failed", "Échec"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        Organization,
        verbose_name="demandé pour",
        on_delete=models.CASCADE,
        related_name="+",
        help_text="L'organisation du membre qui a demandé le bilan : elle seule le télécharge.",
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="demandé par",
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    scope_code = models.CharField("périmètre", max_length=120)
    scope_label = models.CharField("libellé du périmètre", max_length=300)
    start = models.DateField("début de la période")
    end = models.DateField("fin de la période")
    suppressed = models.BooleanField("petits effectifs masqués", default=True)
    status = models.CharField("état", max_length=8, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField("avancement (%)", default=0)
    step = models.CharField("étape", max_length=200, blank=True)
    error = models.CharField("erreur", max_length=500, blank=True)
    file = models.FileField("bilan PDF", upload_to=report_path, blank=True)
    size = models.PositiveIntegerField("taille (octets)", default=0)
    created_at = models.DateTimeField("demandé le", default=timezone.now)
    finished_at = models.DateTimeField("terminé le", null=True, blank=True)

    objects = ReportJobQuerySet.as_manager()

    class Meta:
        verbose_name = "bilan d'activité"
        verbose_name_plural = "bilans d'activité"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["organization", "created_at"])]

    def __str__(self) -> str:
        return f"Bilan {self.scope_label}, du {self.start:%d/%m/%Y} au {self.end:%d/%m/%Y}"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def filename(self) -> str:
        return f"bilan-activite-{self.start:%Y-%m-%d}-{self.end:%Y-%m-%d}.pdf"
