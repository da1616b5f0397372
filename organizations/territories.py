"""Load the INSEE territories (regions, départements, EPCI, communes) and search communes.

Sources are the vendored files of ``organizations/data/cog/`` (see its README): the INSEE COG
CSV files and the JSON files of the npm package ``@etalab/decoupage-administratif``. Loading is
an idempotent diff: rows are created or updated, never deleted (organisations point at them).
"""

from __future__ import annotations

import csv
import json
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import F, Q

from .errors import DomainError
from .models import DATA_DIR, Territory, TerritoryQuerySet

Level = Territory.Level

COG_DIR = DATA_DIR / "cog"
BUNDLED_FILES: tuple[Path, ...] = (
    COG_DIR / "insee_cog2026_regions.csv",
    COG_DIR / "insee_cog2026_departements.csv",
    COG_DIR / "etalab_communes_hdf.json",
    COG_DIR / "etalab_epci_hdf.json",
)

# INSEE's historical definition (until 2020): a commune is rural when it does not belong to an
# unité urbaine, a continuous built-up area of at least 2,000 inhabitants. The unités urbaines
# are not in our data, so the commune's own population stands in for it (an approximation).
RURAL_POPULATION_THRESHOLD = 2_000

LOAD_ORDER = (Level.REGION, Level.DEPARTEMENT, Level.EPCI, Level.COMMUNE)
PLURALS = {
    Level.REGION: ("région", "régions"),
    Level.DEPARTEMENT: ("département", "départements"),
    Level.EPCI: ("EPCI", "EPCI"),
    Level.COMMUNE: ("commune", "communes"),
}
ETALAB_COMMUNE_TYPES = {
    "commune-actuelle",
    "commune-deleguee",
    "commune-associee",
    "arrondissement-municipal",
}
# The collectivités d'outre-mer (Saint-Martin, Polynésie…) are outside the COG's regions and
# départements; the etalab files list them with zone "com".
OVERSEAS_COLLECTIVITY_ZONE = "com"
EPCI_KINDS = {"METRO": "ME"}
POSTCODES_MAX_LENGTH = Territory._meta.get_field("postcodes").max_length


class TerritoryFileError(DomainError):
    """A territory file cannot be read or does not match a known format."""


# --- Reading files ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TerritoryFile:
    """The rows of one file, normalised: each row maps our field names to values."""

    path: Path
    level: str
    rows: list[dict[str, Any]]


def is_rural_commune(population: int | None) -> bool | None:
    """Return True below 2,000 inhabitants, False from 2,000, None when unknown."""
    if population is None:
        return None
    return population < RURAL_POPULATION_THRESHOLD


def departement_code_of(commune_code: str) -> str:
    """Return the département of an INSEE commune code (3 characters overseas)."""
    return commune_code[:3] if commune_code.startswith("97") else commune_code[:2]


def read_territory_file(path: Path) -> TerritoryFile:
    """Read an INSEE COG CSV or an etalab JSON file, recognising its kind by its content."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise TerritoryFileError(f"Fichier introuvable : {path}.") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise TerritoryFileError(f"Fichier illisible : {path} ({exc}).") from exc
    if path.suffix.lower() == ".csv" or (text and text.lstrip()[:1] not in "[{"):
        return _read_cog_csv(path, text)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise TerritoryFileError(
            f"Fichier illisible : {path} n'est pas un JSON valide (ligne {exc.lineno})."
        ) from exc
    return _read_etalab_json(path, data)


def _unknown_format(path: Path) -> TerritoryFileError:
    return TerritoryFileError(
        f"Format non reconnu : {path}. Fichiers acceptés : regions.json, departements.json, "
        "communes.json ou epci.json du paquet @etalab/decoupage-administratif, ou les fichiers "
        "CSV des régions, départements et communes du Code officiel géographique de l'INSEE."
    )


def _read_etalab_json(path: Path, data: Any) -> TerritoryFile:
    if not isinstance(data, list) or not data or not all(isinstance(r, dict) for r in data):
        raise _unknown_format(path)
    first = data[0]
    if "membres" in first:
        if any(row.get("type") == "EPT" for row in data):
            raise TerritoryFileError(
                f"Fichier non pris en charge : {path} décrit des établissements publics "
                "territoriaux (EPT du Grand Paris), pas des EPCI à fiscalité propre."
            )
        level, parse = Level.EPCI, _etalab_epci
    elif first.get("type") in ETALAB_COMMUNE_TYPES:
        level, parse = Level.COMMUNE, _etalab_commune
    elif "chefLieu" in first and "region" in first and "departement" not in first:
        level, parse = Level.DEPARTEMENT, _etalab_departement
    elif "chefLieu" in first and "region" not in first and "departement" not in first:
        level, parse = Level.REGION, _etalab_region
    else:
        raise _unknown_format(path)
    rows = []
    for index, row in enumerate(data, start=1):
        try:
            parsed = parse(row)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise TerritoryFileError(
                f"Fichier {path}, élément n° {index} : donnée manquante ou invalide ({exc})."
            ) from exc
        if parsed is not None:
            rows.append(parsed)
    return TerritoryFile(path=path, level=level, rows=rows)


def _etalab_region(row: dict) -> dict | None:
    if row.get("zone") == OVERSEAS_COLLECTIVITY_ZONE:
        return None
    return {"code": _code(row["code"]), "name": _name(row["nom"])}


def _etalab_departement(row: dict) -> dict | None:
    if row.get("zone") == OVERSEAS_COLLECTIVITY_ZONE:
        return None
    return {
        "code": _code(row["code"]),
        "name": _name(row["nom"]),
        "region": _code(row["region"]),
    }


def _etalab_commune(row: dict) -> dict | None:
    if row["type"] != "commune-actuelle" or row.get("zone") == OVERSEAS_COLLECTIVITY_ZONE:
        return None
    code = _code(row["code"])
    population = row.get("population")
    postcodes = " ".join(sorted(set(row.get("codesPostaux") or [])))
    if len(postcodes) > POSTCODES_MAX_LENGTH:
        raise ValueError(f"trop de codes postaux pour {code}")
    return {
        "code": code,
        "name": _name(row["nom"]),
        "departement": _code(row.get("departement") or departement_code_of(code)),
        "postcodes": postcodes,
        "population": int(population) if population is not None else None,
        "is_rural": is_rural_commune(int(population) if population is not None else None),
    }


def _etalab_epci(row: dict) -> dict:
    members = [_code(m["code"] if isinstance(m, dict) else m) for m in row["membres"]]
    population = row.get("populationMunicipale")
    kind = str(row.get("type") or "")
    return {
        "code": _code(row["code"]),
        "name": _name(row["nom"]),
        "kind": EPCI_KINDS.get(kind, kind),
        "population": int(population) if population is not None else None,
        "members": members,
    }


def _read_cog_csv(path: Path, text: str) -> TerritoryFile:
    reader = csv.DictReader(text.splitlines())
    header = set(reader.fieldnames or [])
    if {"TYPECOM", "COM", "DEP", "LIBELLE"} <= header:
        level = Level.COMMUNE
    elif {"DEP", "REG", "LIBELLE"} <= header:
        level = Level.DEPARTEMENT
    elif {"REG", "LIBELLE"} <= header:
        level = Level.REGION
    else:
        raise _unknown_format(path)
    rows = []
    for line, row in enumerate(reader, start=2):
        try:
            if level == Level.REGION:
                rows.append({"code": _code(row["REG"]), "name": _name(row["LIBELLE"])})
            elif level == Level.DEPARTEMENT:
                rows.append(
                    {
                        "code": _code(row["DEP"]),
                        "name": _name(row["LIBELLE"]),
                        "region": _code(row["REG"]),
                    }
                )
            elif row["TYPECOM"] == "COM":
                # The COG has no postcodes nor population: those fields are left as they are.
                rows.append(
                    {
                        "code": _code(row["COM"]),
                        "name": _name(row["LIBELLE"]),
                        "departement": _code(row["DEP"]),
                    }
                )
        except (KeyError, ValueError, AttributeError) as exc:
            raise TerritoryFileError(
                f"Fichier {path}, ligne {line} : donnée manquante ou invalide ({exc})."
            ) from exc
    return TerritoryFile(path=path, level=level, rows=rows)


def _code(value: Any) -> str:
    code = str(value).strip().upper()
    if not code or len(code) > 9 or not code.isalnum():
        raise ValueError(f"code invalide « {value} »")
    return code


def _name(value: Any) -> str:
    name = str(value).strip()
    if not name:
        raise ValueError("nom vide")
    return name


# --- Loading ---------------------------------------------------------------------------------


@dataclass
class LevelCount:
    loaded: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class LoadReport:
    counts: dict[str, LevelCount] = field(default_factory=dict)

    @property
    def created(self) -> int:
        return sum(c.created for c in self.counts.values())

    @property
    def updated(self) -> int:
        return sum(c.updated for c in self.counts.values())

    @property
    def unchanged(self) -> int:
        return sum(c.unchanged for c in self.counts.values())

    def summary(self) -> str:
        """Return the French one-line summary printed by the command."""
        parts = []
        for level in LOAD_ORDER:
            if level in self.counts:
                loaded = self.counts[level].loaded
                singular, plural = PLURALS[level]
                parts.append(f"{_number(loaded)} {singular if loaded <= 1 else plural}")
        if not parts:
            return "Aucun territoire chargé."
        feminine = set(self.counts) <= {Level.REGION, Level.COMMUNE}
        plural = sum(c.loaded for c in self.counts.values()) > 1
        participle = "chargé" + ("e" if feminine else "") + ("s" if plural else "")
        return (
            f"{', '.join(parts)} {participle} ({_number(self.created)} créés, "
            f"{_number(self.updated)} mis à jour, {_number(self.unchanged)} inchangés)."
        )


def _number(value: int) -> str:
    return f"{value:,}".replace(",", " ")


def load_territories(*, paths: Sequence[Path | str] | None = None) -> LoadReport:
    """Create or update the territories of the given files (by default the vendored ones)."""
    files = [read_territory_file(Path(p)) for p in (paths or BUNDLED_FILES)]
    rows: dict[str, dict[str, dict[str, Any]]] = {level: {} for level in LOAD_ORDER}
    for territory_file in files:
        for row in territory_file.rows:
            rows[territory_file.level].setdefault(row["code"], {}).update(row)
    report = LoadReport()
    with transaction.atomic():
        if rows[Level.REGION]:
            report.counts[Level.REGION] = _load_regions(rows[Level.REGION])
        if rows[Level.DEPARTEMENT]:
            report.counts[Level.DEPARTEMENT] = _load_departements(rows[Level.DEPARTEMENT])
        epci_of_commune: dict[str, str] | None = None
        if rows[Level.EPCI]:
            report.counts[Level.EPCI] = _load_epcis(rows[Level.EPCI])
            epci_of_commune = {
                member: code for code, row in rows[Level.EPCI].items() for member in row["members"]
            }
        if rows[Level.COMMUNE] or epci_of_commune is not None:
            count = _load_communes(rows[Level.COMMUNE], epci_of_commune, set(rows[Level.EPCI]))
            if rows[Level.COMMUNE]:
                report.counts[Level.COMMUNE] = count
            else:  # only memberships changed: count them with the EPCI
                report.counts[Level.EPCI].updated += count.updated
    return report


def _ids(level: str) -> dict[str, tuple[int, int | None]]:
    """Return {code: (id, region_id)} for one level."""
    return {
        code: (pk, region_id)
        for code, pk, region_id in Territory.objects.filter(level=level).values_list(
            "code", "id", "region_id"
        )
    }


def _missing(kind: str, codes: Iterable[str], hint: str) -> TerritoryFileError:
    shown = ", ".join(sorted(set(codes))[:5])
    return TerritoryFileError(f"{kind} inconnu(s) : {shown}. {hint}")


def _load_regions(rows: dict[str, dict]) -> LevelCount:
    desired = {code: {"name": row["name"], "parent_id": None} for code, row in rows.items()}
    return _sync(Level.REGION, desired)


def _load_departements(rows: dict[str, dict]) -> LevelCount:
    regions = _ids(Level.REGION)
    missing = [row["region"] for row in rows.values() if row["region"] not in regions]
    if missing:
        raise _missing("Région(s)", missing, "Chargez d'abord le fichier des régions.")
    desired = {}
    for code, row in rows.items():
        region_id = regions[row["region"]][0]
        desired[code] = {"name": row["name"], "parent_id": region_id, "region_id": region_id}
    return _sync(Level.DEPARTEMENT, desired)


def _main_departement(members: list[str]) -> str | None:
    """Return the département of most of the members (the smallest code on a tie)."""
    counter = Counter(departement_code_of(code) for code in members)
    if not counter:
        return None
    return min(counter, key=lambda dep: (-counter[dep], dep))


def _load_epcis(rows: dict[str, dict]) -> LevelCount:
    departements = _ids(Level.DEPARTEMENT)
    main = {code: _main_departement(row["members"]) for code, row in rows.items()}
    missing = [dep for dep in main.values() if dep is not None and dep not in departements]
    if missing:
        raise _missing("Département(s)", missing, "Chargez d'abord le fichier des départements.")
    desired = {}
    for code, row in rows.items():
        dep_id, region_id = departements[main[code]] if main[code] else (None, None)
        desired[code] = {
            "name": row["name"],
            "kind": row["kind"],
            "population": row["population"],
            "parent_id": dep_id,
            "departement_id": dep_id,
            "region_id": region_id,
        }
    return _sync(Level.EPCI, desired)


def _load_communes(
    rows: dict[str, dict], epci_of_commune: dict[str, str] | None, loaded_epcis: set[str]
) -> LevelCount:
    """Create or update communes; when EPCI were loaded, also set every member's EPCI."""
    departements = _ids(Level.DEPARTEMENT)
    missing = [
        row["departement"] for row in rows.values() if row["departement"] not in departements
    ]
    if missing:
        raise _missing("Département(s)", missing, "Chargez d'abord le fichier des départements.")
    epcis = {code: pk for code, (pk, _) in _ids(Level.EPCI).items()}
    loaded_epci_ids = {epcis[code] for code in loaded_epcis}
    existing = _existing(Level.COMMUNE)

    def epci_id_for(code: str, current: dict | None) -> int | None:
        if epci_of_commune is not None and code in epci_of_commune:
            return epcis[epci_of_commune[code]]
        current_epci = current["epci_id"] if current else None
        return None if current_epci in loaded_epci_ids else current_epci

    desired: dict[str, dict[str, Any]] = {}
    for code, row in rows.items():
        dep_id, region_id = departements[row["departement"]]
        epci_id = epci_id_for(code, existing.get(code))
        values = {k: v for k, v in row.items() if k not in {"code", "departement"}}
        values |= {
            "departement_id": dep_id,
            "region_id": region_id,
            "epci_id": epci_id,
            "parent_id": epci_id or dep_id,
        }
        desired[code] = values
    count = _sync(Level.COMMUNE, desired, existing)
    if epci_of_commune is not None:
        # Communes already stored but absent from the commune files: update their membership.
        others = {}
        for code, commune in existing.items():
            if code in rows:
                continue
            epci_id = epci_id_for(code, commune)
            others[code] = {"epci_id": epci_id, "parent_id": epci_id or commune["departement_id"]}
        extra = _sync(Level.COMMUNE, others, existing)
        count.updated += extra.updated
    return count


SYNCED_FIELDS = (
    "name",
    "kind",
    "parent_id",
    "region_id",
    "departement_id",
    "epci_id",
    "postcodes",
    "population",
    "is_rural",
)


def _existing(level: str) -> dict[str, dict[str, Any]]:
    """Return the stored territories of a level as {code: {field: value}} (cheaper than models)."""
    rows = Territory.objects.filter(level=level).values("id", "code", *SYNCED_FIELDS)
    return {row.pop("code"): row for row in rows}


def _sync(
    level: str, desired: dict[str, dict[str, Any]], existing: dict[str, dict] | None = None
) -> LevelCount:
    """Create the missing territories and update those whose values differ."""
    if existing is None:
        existing = _existing(level)
    count = LevelCount(loaded=len(desired))
    to_create, to_update, changed_fields = [], [], set()
    for code, values in desired.items():
        current = existing.get(code)
        if current is None:
            to_create.append(Territory(level=level, code=code, **values))
            continue
        changed = [name for name, value in values.items() if current[name] != value]
        if changed:
            current.update(values)
            to_update.append(current)
            changed_fields.update(changed)
    Territory.objects.bulk_create(to_create, batch_size=1000)
    if to_update:
        fields = sorted(changed_fields)
        Territory.objects.bulk_update(
            [Territory(id=row["id"], **{name: row[name] for name in fields}) for row in to_update],
            fields,
            batch_size=500,
        )
    count.created = len(to_create)
    count.updated = len(to_update)
    count.unchanged = count.loaded - count.created - count.updated
    return count


# --- Searching -------------------------------------------------------------------------------

SEARCH_LIMIT = 20
_VARIANTS = {
    "a": "aàâäáãå",
    "c": "cç",
    "e": "eéèêë",
    "i": "iîïíì",
    "n": "nñ",
    "o": "oôöóòõ",
    "u": "uùûüú",
    "y": "yÿý",
}
_LIGATURES = {"oe": "œ", "ae": "æ"}
APOSTROPHE = "\u2019"  # typographic apostrophe, as users may type it
_SEPARATORS = " -'" + APOSTROPHE
CORSICA_PREFIXES = ("2A", "2B")
# "59350", "2A004", or the "Lille (59350)" that suggestions and str(commune) show.
INSEE_CODE = r"(?:\d{5}|2[AB]\d{3})"
CODE_ONLY = re.compile(rf"\s*({INSEE_CODE})\s*", re.IGNORECASE)
CODE_IN_LABEL = re.compile(rf".*\(\s*({INSEE_CODE})\s*\)\s*", re.IGNORECASE)


def fold(text: str) -> str:
    """Return ``text`` lower-cased, without accents nor ligatures."""
    text = text.lower().replace("œ", "oe").replace("æ", "ae")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def name_pattern(text: str) -> str:
    """Return a regular expression matching ``text`` whatever its accents, case and dashes.

    Written for both SQLite (Python's ``re``) and PostgreSQL: only character classes and
    groups, with upper- and lower-case letters spelt out.
    """
    folded = fold(text.strip())
    parts: list[str] = []
    index = 0
    while index < len(folded):
        pair, char = folded[index : index + 2], folded[index]
        if pair in _LIGATURES:
            ligature = _LIGATURES[pair]
            letters = _letter_class(pair[0]) + _letter_class(pair[1])
            parts.append(f"({letters}|{ligature}|{ligature.upper()})")
            index += 2
            continue
        if char in _SEPARATORS:
            parts.append(f"[- '{APOSTROPHE}]")
        elif char.isascii() and char.isalnum():
            parts.append(_letter_class(char))
        # anything else (punctuation, symbols) cannot be part of a commune name: dropped
        index += 1
    return "".join(parts)


def _letter_class(char: str) -> str:
    variants = _VARIANTS.get(char, char)
    return f"[{variants}{variants.upper()}]"


def search_communes(
    text: str, *, queryset: TerritoryQuerySet | None = None, limit: int = SEARCH_LIMIT
) -> list[Territory]:
    """Return up to ``limit`` communes by name prefix, INSEE code or postcode prefix."""
    text = (text or "").strip()
    communes = (queryset if queryset is not None else Territory.objects.all()).communes()
    if len(text) < 2:
        return []
    if label := CODE_IN_LABEL.fullmatch(text):  # a suggestion already picked
        text = label.group(1)
    if text.isdigit() or text[:2].upper() in CORSICA_PREFIXES:
        code = text.upper()
        matches = communes.filter(
            Q(code__startswith=code)
            | Q(postcodes__startswith=code)
            | Q(postcodes__contains=f" {code}")
        )
    else:
        pattern = name_pattern(text)
        if not pattern:
            return []
        matches = communes.filter(name__regex=f"^{pattern}")
    ordered = matches.order_by(F("population").desc(nulls_last=True), "name", "code")
    return list(ordered[:limit])


def find_commune_by_name(
    text: str, *, queryset: TerritoryQuerySet | None = None
) -> list[Territory]:
    """Return the (at most two) communes whose whole name is ``text``, accents aside."""
    pattern = name_pattern(text)
    if not pattern:
        return []
    communes = (queryset if queryset is not None else Territory.objects.all()).communes()
    return list(communes.filter(name__regex=f"^{pattern}$").order_by("code")[:2])


def commune_option_label(commune: Territory) -> str:
    """Return the hint shown next to a suggested commune: postcodes, plain-letter name."""
    label = ", ".join(commune.postcode_list)
    plain = unicodedata.normalize("NFKD", commune.name)
    plain = "".join(ch for ch in plain if not unicodedata.combining(ch))
    plain = plain.replace("œ", "oe").replace("Œ", "Oe").replace("æ", "ae")
    if plain != commune.name:
        label = f"{label} · {plain}" if label else plain
    return label
