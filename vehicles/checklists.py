"""What an inspection looks at, by kind of vehicle: the damage checklist and the energy gauge."""

from __future__ import annotations

from django.db import models


class VehicleKind(models.TextChoices):
    BIKE = "bike", "Vélo"
    E_BIKE = "e_bike", "Vélo à assistance électrique"
    CARGO_BIKE = "cargo_bike", "Vélo cargo"
    SCOOTER = "scooter", "Scooter"
    E_SCOOTER = "e_scooter", "Scooter électrique"
    CAR = "car", "Voiture"
    LICENCE_FREE_CAR = "licence_free_car", "Voiture sans permis"


Kind = VehicleKind

# Motorised vehicles must be insured for the whole loan; bicycles only if a policy is recorded.
MOTORISED = frozenset({Kind.SCOOTER, Kind.E_SCOOTER, Kind.CAR, Kind.LICENCE_FREE_CAR})
# Vehicles whose rider needs the AM licence (or B) when born in 1988 or later, and is 14 or older.
AM_LICENCE_KINDS = frozenset({Kind.SCOOTER, Kind.E_SCOOTER, Kind.LICENCE_FREE_CAR})
MINIMUM_AGE_AM = 14
AM_REQUIRED_FROM_BIRTH_YEAR = 1988
FUEL_KINDS = frozenset({Kind.SCOOTER, Kind.CAR, Kind.LICENCE_FREE_CAR})
CHARGE_KINDS = frozenset({Kind.E_BIKE, Kind.E_SCOOTER, Kind.CARGO_BIKE})

_BIKE = [
    ("frame", "Cadre et fourche"),
    ("wheels", "Roues et jantes"),
    ("tyres", "Pneus"),
    ("brakes", "Freins"),
    ("chain", "Chaîne et transmission"),
    ("lights", "Éclairage avant et arrière"),
    ("saddle", "Selle et guidon"),
    ("bell", "Sonnette"),
    ("rack", "Garde-boue et porte-bagages"),
]
_ELECTRIC_BIKE = [
    ("battery", "Batterie"),
    ("display", "Écran et commande d'assistance"),
]
_SCOOTER = [
    ("bodywork", "Carrosserie et carénages"),
    ("mirrors", "Rétroviseurs"),
    ("lights", "Éclairage et clignotants"),
    ("tyres", "Pneus"),
    ("brakes", "Freins"),
    ("seat", "Selle"),
    ("top_case", "Top-case"),
    ("keys_papers", "Clés et papiers du véhicule"),
]
_CAR = [
    ("front", "Avant (pare-chocs, capot)"),
    ("rear", "Arrière (pare-chocs, hayon)"),
    ("left_side", "Côté gauche (portières, ailes)"),
    ("right_side", "Côté droit (portières, ailes)"),
    ("windscreen", "Pare-brise et vitres"),
    ("mirrors", "Rétroviseurs"),
    ("lights", "Phares et feux"),
    ("tyres", "Pneus et roue de secours"),
    ("interior", "Intérieur et sièges"),
    ("safety_kit", "Gilet et triangle de sécurité"),
    ("keys_papers", "Clés, carte grise et attestation d'assurance"),
]

DAMAGE_CHECKLISTS: dict[str, list[tuple[str, str]]] = {
    Kind.BIKE: _BIKE,
    Kind.E_BIKE: _BIKE + _ELECTRIC_BIKE,
    Kind.CARGO_BIKE: [*_BIKE, ("cargo_box", "Caisse ou plateau de charge"), ("stand", "Béquille")],
    Kind.SCOOTER: _SCOOTER,
    Kind.E_SCOOTER: [*_SCOOTER, ("battery", "Batterie"), ("charger_socket", "Prise de charge")],
    Kind.CAR: _CAR,
    Kind.LICENCE_FREE_CAR: _CAR,
}


def damage_checklist(kind: str) -> list[tuple[str, str]]:
    return DAMAGE_CHECKLISTS.get(kind, [])


def damage_labels(kind: str, codes) -> list[str]:
    """Return the French labels of the damaged items, in checklist order."""
    wanted = set(codes or ())
    return [label for code, label in damage_checklist(kind) if code in wanted]


def energy_label(kind: str) -> str:
    """Name the gauge read at an inspection, or '' for a vehicle without one."""
    if kind in FUEL_KINDS:
        return "Niveau de carburant"
    if kind in CHARGE_KINDS:
        return "Niveau de charge de la batterie"
    return ""


ENERGY_LEVELS = [(0, "Vide"), (25, "1/4"), (50, "1/2"), (75, "3/4"), (100, "Plein")]


def compare_inspections(kind: str, departure, arrival) -> dict | None:
    """What changed between the departure and return inspections, for the check-in summary.

    ``departure`` and ``arrival`` are Inspection rows with ``accessories_present`` prefetched.
    """
    if departure is None or arrival is None:
        return None
    before, after = set(departure.damages), set(arrival.damages)
    energy = None
    if departure.energy_level is not None and arrival.energy_level is not None:
        energy = arrival.energy_level - departure.energy_level
    lent = {a.pk: a for a in departure.accessories_present.all()}
    back = {a.pk for a in arrival.accessories_present.all()}
    return {
        "new_damages": damage_labels(kind, after - before),
        "repaired": damage_labels(kind, before - after),
        "distance_km": arrival.odometer_km - departure.odometer_km,
        "energy_change": energy,
        "missing_accessories": [a for pk, a in lent.items() if pk not in back],
    }
