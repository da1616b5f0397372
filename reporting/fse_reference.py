"""Load the vendored FSE+ indicator list (``reporting/data/fse-plus/``) into the database.

Used by the data migration and by the test safety net that reloads reference data after a flush.
Loading only adds the codes that are missing: labels corrected in the admin are never overwritten.
"""

from __future__ import annotations

import csv
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data" / "fse-plus"
INDICATORS_CSV = DATA_DIR / "indicators.csv"
LABELS_FR_CSV = DATA_DIR / "labels_fr.csv"


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as stream:
        return list(csv.DictReader(stream))


def is_confirmed(source: str) -> bool:
    """The research notes write « unconfirmed » in the source of any unchecked code or label."""
    return "unconfirmed" not in source.lower()


def indicator_rows() -> list[dict]:
    """The indicators as model field values, in the order of the vendored list."""
    french = {row["code"]: row for row in _read(LABELS_FR_CSV)}
    rows = []
    for position, row in enumerate(_read(INDICATORS_CSV), start=1):
        code = row["code"].strip()
        translation = french[code]
        official_fr = row["label_fr"].strip()
        rows.append(
            {
                "code": code,
                "kind": row["kind"].strip(),
                "label_en": row["label_en"].strip(),
                # An official French label in the vendored list wins over Mobicase's wording.
                "label_fr": official_fr or translation["label_fr"].strip(),
                "label_fr_is_official": bool(official_fr)
                or translation["label_fr_is_official"].strip() == "true",
                "definition": translation["definition_fr"].strip(),
                "unit": row["unit"].strip(),
                "is_confirmed": is_confirmed(row["source"]),
                "source": row["source"].strip(),
                "position": position * 10,
                "is_active": True,
            }
        )
    return rows


def load_indicators(apps, schema_editor=None) -> int:
    """Create the indicators missing from the table, each with its first history entry;
    return how many were created."""
    from django.utils import timezone

    model = apps.get_model("reporting", "FsePlusIndicator")
    history = apps.get_model("reporting", "HistoricalFsePlusIndicator")
    existing = set(model.objects.values_list("code", flat=True))
    missing = [row for row in indicator_rows() if row["code"] not in existing]
    created = model.objects.bulk_create([model(**row) for row in missing])
    now = timezone.now()
    history.objects.bulk_create(
        [
            history(
                id=indicator.pk,
                **row,
                history_date=now,
                history_type="+",
                history_change_reason="Chargement de la liste de référence",
            )
            for indicator, row in zip(created, missing, strict=True)
        ]
    )
    return len(created)
