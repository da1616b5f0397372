"""The people a platform accompanies, and what they consented to."""

from __future__ import annotations

import unicodedata
import uuid
from datetime import date, timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from catalog.models import LabourMarketStatus, LicenceStatus
from organizations.models import Organization, Territory

from ..retention import ANONYMISED_LABEL, anonymisation_date, contact_cutoff, warning_days


def name_key(first_name: str, last_name: str) -> str:
    """Return an accent-, case- and punctuation-insensitive key for duplicate detection."""
    text = f"{last_name} {first_name}"
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return " ".join("".join(c if c.isalnum() else " " for c in text).split())


def search_key(text: str) -> str:
    """Normalise a search string the same way as ``name_key``."""
    return name_key(text, "")


def age_on(birth_date: date | None, day: date) -> int | None:
    if birth_date is None:
        return None
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


class BeneficiaryQuerySet(models.QuerySet):
    def for_organization(self, organization: Organization) -> BeneficiaryQuerySet:
        return self.filter(organization=organization)

    def search(self, text: str) -> BeneficiaryQuerySet:
        """Match every word of ``text`` in the name, ignoring accents and case."""
        qs = self.not_anonymised()
        for word in search_key(text).split():
            qs = qs.filter(name_key__contains=word)
        return qs

    def possible_duplicates(
        self, *, first_name: str, last_name: str, birth_date: date | None
    ) -> BeneficiaryQuerySet:
        if birth_date is None:
            return self.none()
        return self.not_anonymised().filter(
            name_key=name_key(first_name, last_name), birth_date=birth_date
        )

    def not_anonymised(self) -> BeneficiaryQuerySet:
        return self.filter(anonymised_at__isnull=True)

    def due_for_anonymisation(self, day: date) -> BeneficiaryQuerySet:
        """Files whose retention period is over on ``day`` (last contact N years ago or more)."""
        return self.not_anonymised().filter(last_contact_on__lte=contact_cutoff(day))

    def anonymisation_near(self, today: date) -> BeneficiaryQuerySet:
        """Files anonymised within the warning period, or already due (advisors are warned)."""
        return self.due_for_anonymisation(today + timedelta(days=warning_days()))


class Beneficiary(models.Model):
    """A person accompanied by one platform (each platform keeps its own file)."""

    class Sex(models.TextChoices):
        FEMALE = "F", "Femme"
        MALE = "M", "Homme"
        NON_BINARY = "X", "Non binaire"
        NOT_STATED = "U", "Non renseigné"

    # The catalogue's vocabulary, so that matching reads a person's situation as recorded.
    LabourMarketStatus = LabourMarketStatus

    class EducationLevel(models.TextChoices):
        NONE = "none", "Aucun diplôme ou brevet des collèges"
        CAP_BEP = "cap_bep", "CAP, BEP (niveau 3)"
        BAC = "bac", "Baccalauréat (niveau 4)"
        BAC_2 = "bac_2", "Bac +2 (niveau 5)"
        BAC_3 = "bac_3", "Licence, bac +3 (niveau 6)"
        BAC_5 = "bac_5", "Master, bac +5 et plus (niveaux 7-8)"
        UNKNOWN = "unknown", "Non renseigné"

    DrivingLicence = LicenceStatus

    class BikeSkill(models.TextChoices):
        UNKNOWN = "unknown", "Non évalué"
        CANNOT_RIDE = "cannot_ride", "Ne sait pas faire de vélo"
        LEARNING = "learning", "Roule avec difficulté, hors circulation"
        SAFE_OFF_ROAD = "off_road", "Roule à l'aise hors circulation"
        AUTONOMOUS = "autonomous", "Autonome en circulation"

    ISCED_BANDS = {
        EducationLevel.NONE: "0-2",
        EducationLevel.CAP_BEP: "3-4",
        EducationLevel.BAC: "3-4",
        EducationLevel.BAC_2: "5-8",
        EducationLevel.BAC_3: "5-8",
        EducationLevel.BAC_5: "5-8",
    }

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        Organization,
        verbose_name="plateforme",
        on_delete=models.CASCADE,
        related_name="beneficiaries",
    )
    first_name = models.CharField("prénom", max_length=150)
    last_name = models.CharField("nom", max_length=150)
    name_key = models.CharField(max_length=310, editable=False, db_index=True)
    sex = models.CharField("sexe", max_length=1, choices=Sex.choices, default=Sex.NOT_STATED)
    birth_date = models.DateField("date de naissance", null=True, blank=True)
    email = models.EmailField("e-mail", blank=True)
    phone = models.CharField("téléphone", max_length=30, blank=True)
    address = models.CharField("adresse", max_length=250, blank=True)
    postcode = models.CharField("code postal", max_length=5, blank=True)
    commune = models.ForeignKey(
        Territory,
        verbose_name="commune",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"level": "commune"},
    )
    is_qpv_resident = models.BooleanField("habite un QPV", null=True, blank=True)
    labour_market_status = models.CharField(
        "situation à l'entrée",
        max_length=24,
        choices=LabourMarketStatus.choices,
        default=LabourMarketStatus.UNEMPLOYED,
    )
    job_seeker_since = models.DateField("inscrit·e à France Travail depuis", null=True, blank=True)
    france_travail_id = models.CharField("identifiant France Travail", max_length=20, blank=True)
    receives_rsa = models.BooleanField("bénéficiaire du RSA", default=False)
    receives_ass = models.BooleanField("bénéficiaire de l'ASS", default=False)
    receives_aah = models.BooleanField("bénéficiaire de l'AAH", default=False)
    has_rqth = models.BooleanField("RQTH", default=False)
    education_level = models.CharField(
        "niveau de diplôme",
        max_length=10,
        choices=EducationLevel.choices,
        default=EducationLevel.UNKNOWN,
    )
    driving_licence = models.CharField(
        "permis de conduire",
        max_length=16,
        choices=DrivingLicence.choices,
        default=DrivingLicence.NONE,
    )
    has_car_access = models.BooleanField("dispose d'une voiture", default=False)
    has_two_wheeler_access = models.BooleanField("dispose d'un deux-roues motorisé", default=False)
    has_bike_access = models.BooleanField("dispose d'un vélo", default=False)
    bike_skill = models.CharField(
        "pratique du vélo", max_length=12, choices=BikeSkill.choices, default=BikeSkill.UNKNOWN
    )
    created_at = models.DateTimeField("créé le", default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="créé par",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    last_contact_on = models.DateField(
        "dernier contact de la personne le",
        default=timezone.localdate,
        help_text=(
            "Dernier signe venu de la personne (entrée, rendez-vous honoré, présence à un "
            "atelier, suivi où elle a été jointe, justificatif fourni, remise ou retour d'un "
            "véhicule, contact enregistré). Le dossier est anonymisé quand la durée de "
            "conservation est écoulée depuis ce jour."
        ),
    )
    anonymised_at = models.DateTimeField("anonymisé le", null=True, blank=True)

    objects = BeneficiaryQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["name_key", "created_at"])

    class Meta:
        verbose_name = "personne accompagnée"
        verbose_name_plural = "personnes accompagnées"
        ordering = ["last_name", "first_name", "id"]
        indexes = [
            models.Index(fields=["organization", "name_key"]),
            models.Index(fields=["organization", "birth_date"]),
            models.Index(fields=["organization", "last_contact_on"]),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def is_anonymised(self) -> bool:
        return self.anonymised_at is not None

    @property
    def full_name(self) -> str:
        if self.is_anonymised:
            return ANONYMISED_LABEL
        return f"{self.first_name} {self.last_name.upper()}".strip()

    @property
    def list_name(self) -> str:
        """Last name first, as lists sort people."""
        if self.is_anonymised:
            return ANONYMISED_LABEL
        return f"{self.last_name.upper()} {self.first_name}".strip()

    @property
    def short_name(self) -> str:
        """First name and initial, where space is short (the fleet planning)."""
        if self.is_anonymised:
            return ANONYMISED_LABEL
        return f"{self.first_name} {self.last_name[:1].upper()}.".strip()

    @property
    def anonymisation_due_on(self) -> date | None:
        """The day the file will be anonymised if nothing comes from the person before."""
        if self.is_anonymised:
            return None
        return anonymisation_date(self.last_contact_on)

    @property
    def anonymisation_is_near(self) -> bool:
        """Within the warning period (or already due): the advisor is told on the case page."""
        due = self.anonymisation_due_on
        return due is not None and due <= timezone.localdate() + timedelta(days=warning_days())

    def age(self, on: date | None = None) -> int | None:
        return age_on(self.birth_date, on or date.today())

    def is_under_26(self, on: date | None = None) -> bool:
        age = self.age(on)
        return age is not None and age < 26

    def is_55_or_over(self, on: date | None = None) -> bool:
        age = self.age(on)
        return age is not None and age >= 55

    def is_long_term_unemployed(self, on: date | None = None) -> bool:
        """Registered as unemployed for 12 months or more, or declared so at entry."""
        if self.labour_market_status == self.LabourMarketStatus.LONG_TERM_UNEMPLOYED:
            return True
        if self.labour_market_status != self.LabourMarketStatus.UNEMPLOYED:
            return False
        if self.job_seeker_since is None:
            return False
        day = on or date.today()
        return (day - self.job_seeker_since).days >= 365

    @property
    def isced_band(self) -> str:
        return self.ISCED_BANDS.get(self.education_level, "")

    @property
    def receives_minimum_income(self) -> bool:
        return self.receives_rsa or self.receives_ass or self.receives_aah

    def departement(self) -> Territory | None:
        return self.commune.departement if self.commune_id else None

    def epci(self) -> Territory | None:
        return self.commune.epci if self.commune_id else None

    @property
    def is_rural(self) -> bool | None:
        return self.commune.is_rural if self.commune_id else None


class ConsentRecordQuerySet(models.QuerySet):
    def for_organization(self, organization: Organization) -> ConsentRecordQuerySet:
        return self.filter(organization=organization)

    def in_force(self) -> ConsentRecordQuerySet:
        return self.filter(given=True, withdrawn_on__isnull=True)


class ConsentRecord(models.Model):
    """What the person agreed to, when, and whether it was withdrawn."""

    class Scope(models.TextChoices):
        PROCESSING = "processing", "Traitement des données pour l'accompagnement"
        SHARE_WITH_REFERRER = "share_with_referrer", "Partage du suivi avec le prescripteur"
        FSE_REPORTING = "fse_reporting", "Collecte des données FSE+"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        Organization, verbose_name="plateforme", on_delete=models.CASCADE, related_name="+"
    )
    beneficiary = models.ForeignKey(
        Beneficiary, verbose_name="personne", on_delete=models.CASCADE, related_name="consents"
    )
    scope = models.CharField("objet", max_length=24, choices=Scope.choices)
    given = models.BooleanField("accord donné", default=True)
    given_on = models.DateField("date du recueil")
    withdrawn_on = models.DateField("retiré le", null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="recueilli par",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    comment = models.CharField("précision", max_length=250, blank=True)

    objects = ConsentRecordQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "consentement"
        verbose_name_plural = "consentements"
        ordering = ["-given_on", "scope"]

    def __str__(self) -> str:
        return f"{self.get_scope_display()} — {self.given_on:%d/%m/%Y}"

    @property
    def in_force(self) -> bool:
        return self.given and self.withdrawn_on is None


class AccessLogQuerySet(models.QuerySet):
    def for_organization(self, organization: Organization) -> AccessLogQuerySet:
        return self.filter(organization=organization)


class AccessLog(models.Model):
    """Who opened which beneficiary's file (CNIL expects it for social data)."""

    class Kind(models.TextChoices):
        VIEW = "view", "Consultation"
        EXPORT = "export", "Export"
        API = "api", "API"

    id = models.BigAutoField(primary_key=True)
    organization = models.ForeignKey(
        Organization, verbose_name="plateforme", on_delete=models.CASCADE, related_name="+"
    )
    beneficiary = models.ForeignKey(
        Beneficiary, verbose_name="personne", on_delete=models.CASCADE, related_name="access_logs"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="utilisateur",
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    kind = models.CharField("type", max_length=8, choices=Kind.choices, default=Kind.VIEW)
    path = models.CharField("page", max_length=250, blank=True)
    accessed_at = models.DateTimeField("le", auto_now_add=True, db_index=True)

    objects = AccessLogQuerySet.as_manager()

    class Meta:
        verbose_name = "consultation de dossier"
        verbose_name_plural = "journal des consultations"
        ordering = ["-accessed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.user} → {self.beneficiary_id} ({self.accessed_at:%d/%m/%Y %H:%M})"
