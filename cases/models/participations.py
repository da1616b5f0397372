"""A case's FSE+ participation record: the person's situation as observed on the entry date.

FSE+ counts participations, not people: the characteristics at entry are kept per case and
never follow later edits of the person's file (only an explicit correction changes them). They
hold no identity, so they outlive the anonymisation of the person and keep the statistics whole.
"""

from __future__ import annotations

import uuid

from django.db import models
from simple_history.models import HistoricalRecords

from catalog.models import LabourMarketStatus
from organizations.models import Organization, Territory

from .beneficiaries import Beneficiary
from .cases import Case


class Answer(models.TextChoices):
    """A sensitive question's answer: a refusal is recorded, never read as « non »."""

    NOT_ASKED = "", "Question non posée"
    YES = "yes", "Oui"
    NO = "no", "Non"
    DECLINED = "declined", "Ne souhaite pas répondre"


class IscedBand(models.TextChoices):
    ISCED_0_2 = "0-2", "CITE 0-2 (jusqu'au brevet)"
    ISCED_3_4 = "3-4", "CITE 3-4 (CAP, BEP, baccalauréat)"
    ISCED_5_8 = "5-8", "CITE 5-8 (enseignement supérieur)"
    UNKNOWN = "", "Non renseigné"


class ParticipationQuerySet(models.QuerySet):
    def for_organization(self, organization: Organization) -> ParticipationQuerySet:
        return self.filter(organization=organization)


class Participation(models.Model):
    """The entry characteristics of one case, as FSE+ and the activity reports count them."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        Organization, verbose_name="plateforme", on_delete=models.CASCADE, related_name="+"
    )
    case = models.OneToOneField(
        Case,
        verbose_name="accompagnement",
        on_delete=models.CASCADE,
        related_name="participation",
    )
    entry_date = models.DateField("date d'entrée")
    sex = models.CharField(
        "sexe", max_length=1, choices=Beneficiary.Sex.choices, default=Beneficiary.Sex.NOT_STATED
    )
    age_at_entry = models.PositiveSmallIntegerField("âge à l'entrée", null=True, blank=True)
    labour_market_status = models.CharField(
        "situation sur le marché du travail à l'entrée",
        max_length=24,
        choices=LabourMarketStatus.choices,
        default=LabourMarketStatus.UNEMPLOYED,
    )
    long_term_unemployed = models.BooleanField(
        "demandeur·se d'emploi de longue durée", default=False
    )
    isced_band = models.CharField(
        "niveau d'éducation (CITE)", max_length=3, choices=IscedBand.choices, blank=True
    )
    receives_rsa = models.BooleanField("bénéficiaire du RSA", default=False)
    receives_ass = models.BooleanField("bénéficiaire de l'ASS", default=False)
    receives_aah = models.BooleanField("bénéficiaire de l'AAH", default=False)
    has_rqth = models.BooleanField("RQTH", default=False)
    is_qpv_resident = models.BooleanField("habite un QPV", null=True, blank=True)
    commune = models.ForeignKey(
        Territory,
        verbose_name="commune de résidence à l'entrée",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"level": "commune"},
    )
    is_rural = models.BooleanField("commune rurale", null=True, blank=True)
    disability = models.CharField(
        "en situation de handicap", max_length=8, choices=Answer.choices, blank=True
    )
    third_country_national = models.CharField(
        "ressortissant·e d'un pays tiers (hors UE)",
        max_length=8,
        choices=Answer.choices,
        blank=True,
    )
    foreign_background = models.CharField(
        "d'origine étrangère", max_length=8, choices=Answer.choices, blank=True
    )
    minority = models.CharField(
        "minorité (y compris communautés marginalisées)",
        max_length=8,
        choices=Answer.choices,
        blank=True,
    )
    homeless = models.CharField(
        "sans domicile ou exclu·e du logement", max_length=8, choices=Answer.choices, blank=True
    )
    sensitive_questions_asked_on = models.DateField(
        "questions sensibles posées le", null=True, blank=True
    )
    updated_at = models.DateTimeField("modifiée le", auto_now=True)

    objects = ParticipationQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = "participation FSE+"
        verbose_name_plural = "participations FSE+"
        ordering = ["entry_date", "id"]
        indexes = [models.Index(fields=["organization", "entry_date"])]

    def __str__(self) -> str:
        return f"Participation du {self.entry_date:%d/%m/%Y}"

    @property
    def age_band(self) -> str:
        """Under 26, 26-54 or 55 and over at entry, as French insertion reports count them."""
        if self.age_at_entry is None:
            return ""
        if self.age_at_entry < 26:
            return "-26"
        return "55+" if self.age_at_entry >= 55 else "26-54"
