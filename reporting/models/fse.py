"""The FSE+ common indicators as reference data: codes and labels come from the data (editable
in the admin, with history); how each code is computed is code (``reporting.fse``)."""

from __future__ import annotations

from django.db import models
from simple_history.models import HistoricalRecords


class FsePlusIndicatorQuerySet(models.QuerySet):
    def active(self) -> FsePlusIndicatorQuerySet:
        return self.filter(is_active=True)


class FsePlusIndicator(models.Model):
    """One common indicator of Regulation (EU) 2021/1057, Annex I."""

    class Kind(models.TextChoices):
        OUTPUT = "output", "Réalisations (situation à l'entrée)"
        IMMEDIATE_RESULT = "immediate_result", "Résultats immédiats (à la sortie)"
        LONGER_TERM_RESULT = "longer_term_result", "Résultats à plus long terme (six mois après)"

    class Unit(models.TextChoices):
        PARTICIPANTS = "participants", "participants"
        ENTITIES = "entities", "entités"
        ENTERPRISES = "enterprises", "entreprises"

    code = models.CharField("code", max_length=12, unique=True)
    kind = models.CharField("type", max_length=20, choices=Kind.choices)
    label_en = models.CharField("libellé anglais (règlement)", max_length=250)
    label_fr = models.CharField("libellé français", max_length=250)
    label_fr_is_official = models.BooleanField(
        "libellé français officiel",
        default=False,
        help_text=(
            "Coché si le libellé français vient d'un texte officiel (règlement, guide de "
            "l'autorité de gestion, FAQ de la Commission). Sinon l'application l'affiche comme "
            "libellé non officiel."
        ),
    )
    definition = models.TextField("définition", blank=True)
    unit = models.CharField("unité", max_length=12, choices=Unit.choices)
    is_confirmed = models.BooleanField(
        "code et libellé confirmés",
        default=False,
        help_text=(
            "Décoché tant que le code ou le libellé n'a pas été vérifié dans un texte officiel : "
            "l'application affiche alors « à confirmer »."
        ),
    )
    source = models.TextField("source", blank=True)
    position = models.PositiveSmallIntegerField("ordre", default=0)
    is_active = models.BooleanField(
        "affiché",
        default=True,
        help_text="Décocher pour retirer l'indicateur des tableaux FSE+ sans effacer son histoire.",
    )

    objects = FsePlusIndicatorQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "indicateur FSE+"
        verbose_name_plural = "indicateurs FSE+"
        ordering = ["position", "code"]

    def __str__(self) -> str:
        return f"{self.code} — {self.label_fr}"
