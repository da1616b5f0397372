"""French number formats, shared by the pages, the PDF, the CSV and the API's ``display``."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

NBSP = "\u00a0"
SMALL_CELL = "< 5"
SECRET = "s"


def fr_number(value, decimals: int = 0) -> str:
    """1234.5 → « 1 234,5 » (non-breaking space between thousands)."""
    if value is None:
        return "—"
    quantum = Decimal(1).scaleb(-decimals)
    number = Decimal(str(value)).quantize(quantum, rounding=ROUND_HALF_UP)
    sign = "-" if number < 0 else ""
    whole, _, fraction = f"{abs(number):f}".partition(".")
    groups = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    text = NBSP.join(groups)
    if decimals:
        text += "," + fraction
    return sign + text


UNITS = {
    "people": ("personne", "personnes"),
    "cases": ("accompagnement", "accompagnements"),
    "count": ("", ""),
    "percent": ("%", "%"),
    "days": ("jour", "jours"),
    "hours": ("h", "h"),
    "euros": ("€", "€"),
}


def format_value(value, unit: str) -> str:
    """The value as the reports print it, with its unit where it reads better."""
    if value is None:
        return "—"
    if unit == "percent":
        return f"{fr_number(value, 1)}{NBSP}%"
    if unit == "euros":
        return f"{fr_number(value, 2)}{NBSP}€"
    if unit == "hours":
        return f"{fr_number(value, 1)}{NBSP}h"
    if unit == "days_mean":
        return f"{fr_number(value, 1)}{NBSP}j"
    return fr_number(value)
