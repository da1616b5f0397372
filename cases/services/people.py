"""The people a platform accompanies: create and update their file, record their consents.

Possible duplicates (same name, accents and case ignored, and same birth date in the same
platform) are shown to the advisor before saving, never merged: the caller confirms that the
person is someone else with ``confirm_not_duplicate=True``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone

from cases.models import Beneficiary, Case, ConsentRecord, age_on, name_key
from cases.services.access import ANONYMISED_MESSAGE, check_not_anonymised
from cases.services.lifecycle import check_caseworker, open_case
from cases.services.participations import refresh_entry_participations
from organizations.errors import DomainError
from organizations.models import Membership, Organization, Territory

# The fields of a person's file an advisor fills in (everything but bookkeeping).
BENEFICIARY_FIELDS = (
    "first_name",
    "last_name",
    "sex",
    "birth_date",
    "email",
    "phone",
    "address",
    "postcode",
    "commune",
    "is_qpv_resident",
    "labour_market_status",
    "job_seeker_since",
    "france_travail_id",
    "receives_rsa",
    "receives_ass",
    "receives_aah",
    "has_rqth",
    "education_level",
    "driving_licence",
    "has_car_access",
    "has_two_wheeler_access",
    "has_bike_access",
    "bike_skill",
)
MIN_BIRTH_YEAR = 1900
MIN_AGE = 14
MAX_AGE = 100


class PossibleDuplicate(DomainError):
    """People with the same name and birth date are already followed by the platform."""

    def __init__(self, duplicates: list[Beneficiary]) -> None:
        first = duplicates[0]
        super().__init__(
            f"Une personne portant ce nom et née le {first.birth_date:%d/%m/%Y} est déjà "
            "suivie par la plateforme. Ouvrez son dossier, ou confirmez qu'il s'agit d'une "
            "autre personne.",
            code="possible_duplicate",
        )
        self.duplicates = duplicates


def birth_date_error(birth_date: date | None, *, on: date | None = None) -> str | None:
    """Return why a birth date cannot be right for a person entering on ``on``, or None."""
    if birth_date is None:
        return None
    today = timezone.localdate()
    on = on or today
    if birth_date > today:
        return "La date de naissance ne peut pas être dans le futur."
    if birth_date.year < MIN_BIRTH_YEAR:
        return f"La date de naissance ne peut pas être antérieure à {MIN_BIRTH_YEAR}."
    age = age_on(birth_date, on)
    if age is not None and age < MIN_AGE:
        return (
            f"La personne aurait {age} ans à son entrée : l'accompagnement est ouvert à partir "
            f"de {MIN_AGE} ans. Vérifiez la date de naissance."
        )
    if age is not None and age > MAX_AGE:
        return (
            f"La personne aurait {age} ans à son entrée : vérifiez la date de naissance "
            "(l'année en particulier)."
        )
    return None


def _clean(data: Mapping[str, Any], *, on: date | None) -> dict[str, Any]:
    unknown = set(data) - set(BENEFICIARY_FIELDS)
    if unknown:
        raise DomainError(f"Champs inconnus : {', '.join(sorted(unknown))}.")
    values = dict(data)
    for field in ("first_name", "last_name"):
        if field in values:
            values[field] = " ".join(str(values[field] or "").split())
            if not values[field]:
                label = "prénom" if field == "first_name" else "nom"
                raise DomainError(f"Indiquez le {label} de la personne.", field=field)
    error = birth_date_error(values.get("birth_date"), on=on)
    if error:
        raise DomainError(error, field="birth_date")
    if "commune" in values:
        values["commune"] = _known_commune(values["commune"])
    job_seeker_since = values.get("job_seeker_since")
    if job_seeker_since and job_seeker_since > timezone.localdate():
        raise DomainError(
            "La date d'inscription à France Travail ne peut pas être dans le futur.",
            field="job_seeker_since",
        )
    return values


def _known_commune(commune: Territory | str | None) -> Territory | None:
    if commune in (None, ""):
        return None
    communes = Territory.objects.communes()
    if isinstance(commune, Territory):
        found = communes.filter(pk=commune.pk).first()
    else:
        found = communes.filter(code=str(commune).strip().upper()).first()
    if found is None:
        raise DomainError(
            "Commune inconnue : saisissez le code INSEE à 5 chiffres ou choisissez une commune "
            "dans la liste.",
            field="commune",
        )
    return found


def find_possible_duplicates(
    *,
    organization: Organization,
    first_name: str,
    last_name: str,
    birth_date: date | None,
    exclude: Beneficiary | None = None,
) -> list[Beneficiary]:
    """Return the platform's people with the same name (accents, case ignored) and birth date."""
    people = Beneficiary.objects.for_organization(organization).possible_duplicates(
        first_name=first_name, last_name=last_name, birth_date=birth_date
    )
    if exclude is not None:
        people = people.exclude(pk=exclude.pk)
    return list(people.prefetch_related("cases").order_by("created_at", "id"))


@transaction.atomic
def create_beneficiary(
    *,
    organization: Organization,
    by: Membership,
    data: Mapping[str, Any],
    confirm_not_duplicate: bool = False,
    on: date | None = None,
) -> Beneficiary:
    """Create a person's file; refuse with the possible duplicates unless confirmed.

    ``on`` is the entry date used to check the age (today by default).
    """
    check_caseworker(by, organization.pk)
    values = _clean(data, on=on)
    for field in ("first_name", "last_name"):
        if not values.get(field):
            label = "prénom" if field == "first_name" else "nom"
            raise DomainError(f"Indiquez le {label} de la personne.", field=field)
    if not confirm_not_duplicate:
        duplicates = find_possible_duplicates(
            organization=organization,
            first_name=values["first_name"],
            last_name=values["last_name"],
            birth_date=values.get("birth_date"),
        )
        if duplicates:
            raise PossibleDuplicate(duplicates)
    # Creating the file is a contact with the person, dated by the entry when one is given.
    last_contact_on = min(on or timezone.localdate(), timezone.localdate())
    beneficiary = Beneficiary(
        organization=organization, created_by=by.user, last_contact_on=last_contact_on, **values
    )
    beneficiary.name_key = name_key(beneficiary.first_name, beneficiary.last_name)
    beneficiary._history_user = by.user
    beneficiary.save()
    return beneficiary


@transaction.atomic
def update_beneficiary(
    beneficiary: Beneficiary,
    *,
    by: Membership,
    data: Mapping[str, Any],
    confirm_not_duplicate: bool = False,
) -> Beneficiary:
    """Change a person's file; a new name or birth date is checked against duplicates."""
    check_caseworker(by, beneficiary.organization_id)
    beneficiary = Beneficiary.objects.select_for_update().get(pk=beneficiary.pk)
    if beneficiary.anonymised_at is not None:
        raise DomainError(ANONYMISED_MESSAGE, code="anonymised")
    first_case = beneficiary.cases.order_by("opened_on").first()
    values = _clean(data, on=first_case.opened_on if first_case else None)
    identity_changed = any(
        field in values and values[field] != getattr(beneficiary, field)
        for field in ("first_name", "last_name", "birth_date")
    )
    for field, value in values.items():
        setattr(beneficiary, field, value)
    if identity_changed and not confirm_not_duplicate:
        duplicates = find_possible_duplicates(
            organization=beneficiary.organization,
            first_name=beneficiary.first_name,
            last_name=beneficiary.last_name,
            birth_date=beneficiary.birth_date,
            exclude=beneficiary,
        )
        if duplicates:
            raise PossibleDuplicate(duplicates)
    beneficiary.name_key = name_key(beneficiary.first_name, beneficiary.last_name)
    beneficiary._history_user = by.user
    beneficiary.save(update_fields=[*values, "name_key"])
    refresh_entry_participations(beneficiary)
    return beneficiary


@transaction.atomic
def record_consent(
    beneficiary: Beneficiary,
    *,
    by: Membership,
    scope: str,
    given_on: date | None = None,
    given: bool = True,
    comment: str = "",
) -> ConsentRecord:
    """Record what the person agreed (or refused) to, on which day."""
    check_caseworker(by, beneficiary.organization_id)
    check_not_anonymised(beneficiary_id=beneficiary.pk)
    if scope not in ConsentRecord.Scope.values:
        raise DomainError("Choisissez l'objet du consentement.", field="scope")
    given_on = given_on or timezone.localdate()
    if given_on > timezone.localdate():
        raise DomainError("La date du recueil ne peut pas être dans le futur.", field="given_on")
    in_force = (
        ConsentRecord.objects.for_organization(beneficiary.organization)
        .filter(beneficiary=beneficiary, scope=scope)
        .in_force()
        .select_for_update()
    )
    if given and in_force.exists():
        raise DomainError(
            f"Le consentement « {ConsentRecord.Scope(scope).label} » est déjà enregistré.",
            field="scope",
            code="already_given",
        )
    consent = ConsentRecord(
        organization_id=beneficiary.organization_id,
        beneficiary=beneficiary,
        scope=scope,
        given=given,
        given_on=given_on,
        recorded_by=by.user,
        comment=comment,
    )
    consent._history_user = by.user
    consent.save()
    return consent


@transaction.atomic
def withdraw_consent(
    consent: ConsentRecord, *, by: Membership, withdrawn_on: date | None = None
) -> ConsentRecord:
    """Record that the person withdrew a consent they had given."""
    check_caseworker(by, consent.organization_id)
    consent = ConsentRecord.objects.select_for_update().get(pk=consent.pk)
    if not consent.in_force:
        raise DomainError("Ce consentement n'est pas en vigueur : il ne peut pas être retiré.")
    withdrawn_on = withdrawn_on or timezone.localdate()
    if withdrawn_on > timezone.localdate():
        raise DomainError(
            "La date du retrait ne peut pas être dans le futur.", field="withdrawn_on"
        )
    if withdrawn_on < consent.given_on:
        raise DomainError(
            f"Le retrait ne peut pas précéder le recueil ({consent.given_on:%d/%m/%Y}).",
            field="withdrawn_on",
        )
    consent.withdrawn_on = withdrawn_on
    consent._history_user = by.user
    consent.save(update_fields=["withdrawn_on"])
    return consent


@transaction.atomic
def enrol_new_person(
    *,
    organization: Organization,
    by: Membership,
    person: Mapping[str, Any],
    case: Mapping[str, Any],
    consents: Iterable[str],
    consent_given_on: date | None = None,
    confirm_not_duplicate: bool = False,
) -> Case:
    """Create a person's file, record their consents and open their case, all or nothing.

    ``case`` holds the arguments of ``open_case`` (opened_on, advisor, site, origin, …).
    """
    scopes = set(consents)
    if ConsentRecord.Scope.PROCESSING not in scopes:
        raise DomainError(
            "Le consentement au traitement des données est nécessaire pour ouvrir un "
            "accompagnement.",
            field="consent_processing",
        )
    opened_on = case.get("opened_on") or timezone.localdate()
    beneficiary = create_beneficiary(
        organization=organization,
        by=by,
        data=person,
        confirm_not_duplicate=confirm_not_duplicate,
        on=opened_on,
    )
    for scope in ConsentRecord.Scope.values:
        if scope in scopes:
            record_consent(beneficiary, by=by, scope=scope, given_on=consent_given_on)
    return open_case(beneficiary=beneficiary, by=by, **{**case, "opened_on": opened_on})


@transaction.atomic
def update_case(
    case: Case,
    *,
    by: Membership,
    advisor: Membership | None,
    site,
    origin: str,
    origin_detail: str = "",
    objective: str = "",
    job_start_date: date | None = None,
    funding_agreements: Iterable = (),
) -> Case:
    """Change who follows a case, where, why, and which agreements fund it."""
    check_caseworker(by, case.organization_id)
    case = Case.objects.select_for_update().get(pk=case.pk)
    check_not_anonymised(beneficiary_id=case.beneficiary_id)
    for related, label in ((advisor, "Le ou la conseiller·e"), (site, "Le site")):
        if related is not None and related.organization_id != case.organization_id:
            raise DomainError(f"{label} n'appartient pas à cette plateforme.")
    agreements = list(funding_agreements)
    if any(a.organization_id != case.organization_id for a in agreements):
        raise DomainError(
            "Une convention choisie ne concerne pas cette plateforme.", field="funding_agreements"
        )
    if origin not in Case.Origin.values:
        raise DomainError("Choisissez l'origine de l'accompagnement.", field="origin")
    case.advisor = advisor
    case.site = site
    case.origin = origin
    case.origin_detail = origin_detail
    case.objective = objective
    case.job_start_date = job_start_date
    case._history_user = by.user
    case.save(
        update_fields=[
            "advisor",
            "site",
            "origin",
            "origin_detail",
            "objective",
            "job_start_date",
            "updated_at",
        ]
    )
    case.funding_agreements.set(agreements)
    return case
