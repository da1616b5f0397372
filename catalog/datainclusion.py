"""The catalogue in the data·inclusion *service* format (schema v1), both ways.

Export: each entry becomes a service that validates against the vendored JSON Schema
(``data/data-inclusion/service.schema.json``). The structured criteria are not in the national
format: they are written out in French in ``conditions_acces``. A region is listed as its
départements (as the schema asks), a nationwide entry as ``france``.

Import: a JSON list of services creates or updates entries, all or nothing, with French errors
that name the service. An entry is found again by its data·inclusion ``id`` (or by its UUID when
the ``id`` is one of ours, ``mobicase--<uuid>``).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone
from jsonschema import Draft202012Validator, FormatChecker

from organizations.errors import DomainError
from organizations.models import Membership, Territory

from . import services, taxonomies
from .models import Aid

SOURCE = "mobicase"
ID_PREFIX = f"{SOURCE}--"
NATIONWIDE_CODES = {"france", "99100"}

# Our kinds, as the national types of services.
SERVICE_TYPES = {
    Aid.Kind.FINANCIAL: "aide-financiere",
    Aid.Kind.LICENCE: "aide-financiere",
    Aid.Kind.TRANSPORT_PASS: "aide-financiere",
    Aid.Kind.VEHICLE_LOAN: "aide-materielle",
    Aid.Kind.REPAIR: "aide-materielle",
    Aid.Kind.CYCLING_SCHOOL: "formation",
    Aid.Kind.CARPOOLING: "aide-materielle",
    Aid.Kind.ADVICE: "accompagnement",
    Aid.Kind.OTHER: "information",
}
# And back: a national type gives a kind; the thematique refines it.
KIND_BY_THEMATIQUE = {
    "mobilite--preparer-un-permis": Aid.Kind.LICENCE,
    "mobilite--acceder-a-un-vehicule": Aid.Kind.VEHICLE_LOAN,
    "mobilite--entretenir-reparer-son-vehicule": Aid.Kind.REPAIR,
    "mobilite--etre-accompagne-dans-son-parcours-mobilite": Aid.Kind.ADVICE,
}
KIND_BY_TYPE = {
    "aide-financiere": Aid.Kind.FINANCIAL,
    "aide-materielle": Aid.Kind.OTHER,
    "accompagnement": Aid.Kind.ADVICE,
    "atelier": Aid.Kind.OTHER,
    "formation": Aid.Kind.OTHER,
    "information": Aid.Kind.OTHER,
}


def validator() -> Draft202012Validator:
    return Draft202012Validator(taxonomies.service_schema(), format_checker=FormatChecker())


def schema_errors(service: dict) -> list[str]:
    """Return the JSON Schema errors of one service, in a readable form."""
    errors = sorted(validator().iter_errors(service), key=lambda e: list(e.absolute_path))
    return [
        f"{'.'.join(str(p) for p in e.absolute_path) or 'service'} : {e.message}" for e in errors
    ]


# --- Export ----------------------------------------------------------------------------------


def service_id(aid: Aid) -> str:
    return aid.external_id or f"{ID_PREFIX}{aid.id}"


def _structure_id(aid: Aid) -> str:
    if aid.provider_id:
        return f"{ID_PREFIX}{aid.provider.slug}"
    return f"{ID_PREFIX}{_slug(aid.provider_name) or 'organisme'}"


def _slug(text: str) -> str:
    from django.utils.text import slugify

    return slugify(text)[:80]


def zone_eligibilite(aid: Aid, departements_by_region: dict[int, list[str]]) -> list[str] | None:
    if aid.nationwide:
        return ["france"]
    codes: list[str] = []
    for territory in aid.coverage.all():
        if territory.level == Territory.Level.REGION:
            codes.extend(departements_by_region.get(territory.pk, []))
        else:
            codes.append(territory.code)
    return sorted(dict.fromkeys(codes)) or None


def _conditions(aid: Aid) -> str | None:
    rows = aid.criteria_labels()
    if aid.other_conditions:
        rows.append(aid.other_conditions.strip())
    return " ; ".join(rows) or None


def _or_none(value: str) -> str | None:
    value = (value or "").strip()
    return value or None


def export_service(aid: Aid, departements_by_region: dict[int, list[str]]) -> dict[str, Any]:
    """Return one entry as a data·inclusion service (coverage and provider prefetched)."""
    day = aid.last_verified_on or timezone.localdate(aid.updated_at)
    precisions = aid.amount_display()
    return {
        "source": SOURCE,
        "structure_id": _structure_id(aid),
        "id": service_id(aid),
        "nom": aid.name[:150],
        "description": aid.description.strip(),
        "type": SERVICE_TYPES.get(aid.kind),
        "thematiques": list(aid.thematiques) or None,
        "publics": list(aid.publics) or None,
        "publics_precisions": None,
        "conditions_acces": _conditions(aid),
        "frais": None,
        "frais_precisions": precisions or None,
        "zone_eligibilite": zone_eligibilite(aid, departements_by_region),
        "lien_mobilisation": _or_none(aid.url),
        "lien_source": _or_none(aid.source_url),
        "mobilisation_precisions": _or_none(aid.how_to_apply),
        "modes_mobilisation": _modes(aid),
        "mobilisable_par": ["professionnels", "usagers"],
        "courriel": _or_none(aid.contact_email),
        "telephone": _or_none(aid.contact_phone),
        "date_maj": day.isoformat(),
    }


def _modes(aid: Aid) -> list[str] | None:
    modes = []
    if aid.url:
        modes.append("utiliser-lien-mobilisation")
    if aid.contact_email:
        modes.append("envoyer-un-courriel")
    if aid.contact_phone:
        modes.append("telephoner")
    return modes or None


def departements_by_region() -> dict[int, list[str]]:
    rows = Territory.objects.departements().exclude(region=None).order_by("code")
    result: dict[int, list[str]] = {}
    for region_id, code in rows.values_list("region_id", "code"):
        result.setdefault(region_id, []).append(code)
    return result


def export_services(aids: Iterable[Aid] | None = None) -> list[dict[str, Any]]:
    """Return the published catalogue (or the given entries) as data·inclusion services."""
    if aids is None:
        aids = Aid.objects.published().with_list_data().order_by("name", "id")
    by_region = departements_by_region()
    return [export_service(aid, by_region) for aid in aids]


# --- Import ----------------------------------------------------------------------------------


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{len(self.created)} fiche(s) créée(s), {len(self.updated)} fiche(s) mise(s) à jour."
        )


class ImportError_(DomainError):
    """The file cannot be imported; nothing was written."""


# What a re-import changes on an entry already in the catalogue.
UPDATED_ON_IMPORT = {
    "name",
    "description",
    "thematiques",
    "publics",
    "nationwide",
    "coverage",
    "amount_text",
    "how_to_apply",
    "url",
    "contact_email",
    "contact_phone",
    "source_url",
    "last_verified_on",
}


def _where(index: int, service: Any) -> str:
    name = service.get("nom") if isinstance(service, dict) else None
    return f"Service n° {index + 1}" + (f" (« {name} »)" if name else "")


def _territories(codes: list[str], where: str) -> tuple[bool, list[Territory]]:
    if any(code.lower() in NATIONWIDE_CODES for code in codes):
        return True, []
    found: list[Territory] = []
    unknown: list[str] = []
    for code in codes:
        if len(code) == 9 and code.isdigit():
            level = Territory.Level.EPCI
        elif len(code) == 5:
            level = Territory.Level.COMMUNE
        else:
            level = Territory.Level.DEPARTEMENT
        territory = Territory.objects.filter(level=level, code=code.upper()).first()
        if territory is None:
            unknown.append(code)
        else:
            found.append(territory)
    if unknown:
        raise ImportError_(
            f"{where} : territoire inconnu dans « zone_eligibilite » : {', '.join(unknown)}. "
            "Chargez le référentiel des territoires (manage.py load_territories) ou corrigez "
            "les codes."
        )
    return False, found


def _values(service: dict, where: str) -> dict[str, Any]:
    thematiques = service.get("thematiques") or []
    kind = next((KIND_BY_THEMATIQUE[t] for t in thematiques if t in KIND_BY_THEMATIQUE), None)
    kind = kind or KIND_BY_TYPE.get(service.get("type") or "", Aid.Kind.OTHER)
    nationwide, coverage = _territories(service.get("zone_eligibilite") or [], where)
    if not nationwide and not coverage:
        raise ImportError_(
            f"{where} : « zone_eligibilite » est vide ; indiquez au moins un code de territoire "
            "ou « france »."
        )
    conditions = [
        text
        for text in (service.get("conditions_acces"), service.get("publics_precisions"))
        if text
    ]
    date_maj = service.get("date_maj")
    return {
        "name": service["nom"].strip(),
        "description": service["description"].strip(),
        "kind": kind,
        "provider": None,
        "provider_name": service.get("structure_id", "")[:200],
        "thematiques": list(thematiques),
        "publics": list(service.get("publics") or []),
        "nationwide": nationwide,
        "coverage": coverage,
        "other_conditions": "\n".join(conditions),
        "amount_text": (service.get("frais_precisions") or "")[:250],
        "how_to_apply": service.get("mobilisation_precisions") or "",
        "url": service.get("lien_mobilisation") or "",
        "contact_email": service.get("courriel") or "",
        "contact_phone": (service.get("telephone") or "")[:30],
        "source": f"data·inclusion ({service['source']})"[:250],
        "source_url": service.get("lien_source") or "",
        "last_verified_on": date.fromisoformat(date_maj) if date_maj else None,
    }


def _existing(service_id_: str) -> Aid | None:
    if service_id_.startswith(ID_PREFIX):
        try:
            pk = uuid.UUID(service_id_.removeprefix(ID_PREFIX))
        except ValueError:
            pk = None
        if pk is not None and (aid := Aid.objects.filter(pk=pk).first()):
            return aid
    return Aid.objects.filter(external_id=service_id_).first()


@transaction.atomic
def import_services(
    data: Any, *, by: Membership | None = None, status: str = Aid.Status.PROPOSED
) -> ImportReport:
    """Create or update entries from a list of services; nothing is written on any error."""
    if not isinstance(data, list):
        raise ImportError_("Le fichier doit contenir une liste JSON de services data·inclusion.")
    if status not in Aid.Status.values:
        raise ImportError_(f"Statut inconnu : « {status} ».")
    report = ImportReport()
    seen: set[str] = set()
    for index, service in enumerate(data):
        where = _where(index, service)
        if not isinstance(service, dict):
            raise ImportError_(f"{where} : un objet JSON est attendu.")
        errors = schema_errors(service)
        if errors:
            raise ImportError_(f"{where} : non conforme au schéma data·inclusion — {errors[0]}")
        if service["id"] in seen:
            raise ImportError_(f"{where} : l'identifiant « {service['id']} » est en double.")
        seen.add(service["id"])
        values = _values(service, where)
        aid = _existing(service["id"])
        if aid is not None:
            # An entry already here keeps what the national format cannot carry.
            values = {k: v for k, v in values.items() if k in UPDATED_ON_IMPORT}
        external_id = "" if service["id"].startswith(ID_PREFIX) else service["id"]
        try:
            saved = services.save_imported_aid(
                existing=aid, values=values, by=by, status=status, external_id=external_id
            )
        except DomainError as error:
            raise ImportError_(f"{where} : {error.message}") from None
        (report.created if aid is None else report.updated).append(saved.name)
    return report
