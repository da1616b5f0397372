"""The data·inclusion taxonomies the catalogue classifies aids with (vendored, see data/)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data" / "data-inclusion"
MOBILITY_PREFIX = "mobilite--"
ALL_PUBLICS = "tous-publics"


@cache
def _load(name: str) -> tuple[tuple[str, str], ...]:
    with open(DATA_DIR / name, encoding="utf-8") as fh:
        return tuple((row["value"], row["label"]) for row in json.load(fh))


def thematique_choices(*, mobility_only: bool = False) -> list[tuple[str, str]]:
    """Return the thematiques as (value, label), the mobility ones first."""
    rows = _load("thematiques.json")
    mobility = [row for row in rows if row[0].startswith(MOBILITY_PREFIX)]
    if mobility_only:
        return mobility
    return mobility + [row for row in rows if not row[0].startswith(MOBILITY_PREFIX)]


def public_choices() -> list[tuple[str, str]]:
    return list(_load("publics.json"))


def thematique_labels() -> dict[str, str]:
    return dict(_load("thematiques.json"))


def public_labels() -> dict[str, str]:
    return dict(_load("publics.json"))


@cache
def service_schema() -> dict:
    """Return the JSON Schema of a data·inclusion service."""
    with open(DATA_DIR / "service.schema.json", encoding="utf-8") as fh:
        return json.load(fh)
