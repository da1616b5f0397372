"""The requests a person makes about their data (RGPD articles 15 to 21), kept as a register.

A request names no one: it points at the person's file, which may since have been anonymised;
its comment says what was done, never who the person is. The register outlives the file.
"""

from __future__ import annotations

import uuid
from datetime import date

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import models
from django.utils import timezone

from cases.models import Beneficiary
from organizations.models import Organization


class RightsRequestQuerySet(models.QuerySet):
    def for_organization(self, organization: Organization) -> RightsRequestQuerySet:
        return self.filter(organization=organization)

    def pending(self) -> RightsRequestQuerySet:
        return self.filter(handled_on__isnull=True)


class RightsRequest(models.Model):
    """One request of a person about their data, from receipt to answer."""

    class Kind(models.TextChoices):
        ACCESS = "access", "Accès (copie des données)"
        PORTABILITY = "portability", "Portabilité (données dans un format réutilisable)"
        RECTIFICATION = "rectification", "Rectification"
        ERASURE = "erasure", "Effacement"
        OBJECTION = "objection", "Opposition ou limitation du traitement"

    class Outcome(models.TextChoices):
        GRANTED = "granted", "Satisfaite"
        PARTIAL = "partial", "Satisfaite en partie (exception légale)"
        REFUSED = "refused", "Refusée (motif légal)"
        WITHDRAWN = "withdrawn", "Abandonnée par la personne"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        Organization, verbose_name="plateforme", on_delete=models.CASCADE, related_name="+"
    )
    beneficiary = models.ForeignKey(
        Beneficiary,
        verbose_name="personne",
        on_delete=models.SET_NULL,
        null=True,
        related_name="rights_requests",
    )
    kind = models.CharField("demande", max_length=14, choices=Kind.choices)
    received_on = models.DateField("reçue le")
    comment = models.CharField(
        "précisions",
        max_length=500,
        blank=True,
        help_text="Ce qui est demandé et ce qui a été fait, sans nom ni coordonnées : ce registre "
        "est conservé après l'anonymisation du dossier.",
    )
    handled_on = models.DateField("traitée le", null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="traitée par",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    outcome = models.CharField("réponse", max_length=10, choices=Outcome.choices, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="enregistrée par",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField("enregistrée le", default=timezone.now)

    objects = RightsRequestQuerySet.as_manager()

    class Meta:
        verbose_name = "demande d'exercice des droits"
        verbose_name_plural = "registre des demandes d'exercice des droits"
        ordering = ["-received_on", "-created_at"]
        indexes = [models.Index(fields=["organization", "received_on"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(handled_on__isnull=True)
                | models.Q(handled_on__gte=models.F("received_on")),
                name="rights_request_handled_after_receipt",
            ),
            models.CheckConstraint(
                condition=models.Q(handled_on__isnull=True, outcome="")
                | models.Q(handled_on__isnull=False) & ~models.Q(outcome=""),
                name="rights_request_outcome_when_handled",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — reçue le {self.received_on:%d/%m/%Y}"

    @property
    def is_pending(self) -> bool:
        return self.handled_on is None

    @property
    def due_on(self) -> date:
        """The answer is due within one month of receipt (RGPD, article 12.3)."""
        return self.received_on + relativedelta(months=1)

    @property
    def is_overdue(self) -> bool:
        return self.is_pending and self.due_on < timezone.localdate()
