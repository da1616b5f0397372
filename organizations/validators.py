"""Validators for French identifiers."""

import re

from django.core.exceptions import ValidationError

LA_POSTE_SIREN = "356000000"


def luhn_is_valid(digits: str) -> bool:
    """Return whether a string of digits passes the Luhn checksum."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def validate_siret(value: str) -> None:
    """Reject a SIRET that is not 14 digits with a valid checksum (La Poste has its own rule)."""
    siret = re.sub(r"\s", "", value or "")
    if not re.fullmatch(r"\d{14}", siret):
        raise ValidationError(
            "Le SIRET doit comporter exactement 14 chiffres.", code="siret_format"
        )
    if siret.startswith(LA_POSTE_SIREN) and siret != LA_POSTE_SIREN + "00000":
        valid = sum(int(c) for c in siret) % 5 == 0
    else:
        valid = luhn_is_valid(siret)
    if not valid:
        raise ValidationError(
            "Ce SIRET n'est pas valide : vérifiez les chiffres "
            "(la clé de contrôle ne correspond pas).",
            code="siret_checksum",
        )


def validate_insee_commune_code(value: str) -> None:
    """Reject a string that cannot be an INSEE commune code (format only)."""
    if not re.fullmatch(r"(\d{2}|2[AB])\d{3}", value or ""):
        raise ValidationError(
            "Le code commune INSEE comporte 5 caractères (par exemple 59350 pour Lille).",
            code="insee_format",
        )
