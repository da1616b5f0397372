"""Load the INSEE territories: regions, départements, EPCI and communes."""

import argparse
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from organizations.territories import (
    BUNDLED_FILES,
    RURAL_POPULATION_THRESHOLD,
    TerritoryFileError,
    load_territories,
)

THRESHOLD = f"{RURAL_POPULATION_THRESHOLD:,}".replace(",", " ")

HELP = f"""Charge ou met à jour les territoires (régions, départements, EPCI, communes).

Sans argument, charge les fichiers fournis avec Mobicase (organizations/data/cog/) :
les 18 régions et 101 départements du Code officiel géographique 2026 de l'INSEE, les communes
des Hauts-de-France (communes actuelles seulement, avec codes postaux et population) et les 92
EPCI qui touchent la région, avec leurs communes membres.

FICHIER… accepte les fichiers regions.json, departements.json, communes.json et epci.json du
paquet npm @etalab/decoupage-administratif (par exemple les fichiers nationaux), ainsi que les
CSV régions, départements et communes du COG ; le type de fichier est reconnu à son contenu.
Les collectivités d'outre-mer (zone « com ») sont ignorées.

La commande est idempotente : elle crée ce qui manque, met à jour ce qui a changé et ne
supprime rien. Tout se fait en une transaction.

Commune rurale : les données ne contiennent pas de grille officielle de ruralité (la grille
communale de densité de l'INSEE n'y figure pas). La case « commune rurale » est donc une
APPROXIMATION : une commune de moins de {THRESHOLD} habitants (population municipale) est
marquée rurale, les autres non ; sans population connue, la case reste vide. Ce seuil reprend
celui des unités urbaines de l'ancienne définition INSEE de la commune rurale, mais appliqué à
la commune seule : une petite commune de banlieue est ainsi comptée rurale.
"""


class Command(BaseCommand):
    help = HELP

    def create_parser(self, prog_name, subcommand, **kwargs):
        kwargs.setdefault("formatter_class", argparse.RawDescriptionHelpFormatter)
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "files",
            nargs="*",
            metavar="FICHIER",
            type=Path,
            help="Fichiers à charger (par défaut : "
            + ", ".join(path.name for path in BUNDLED_FILES)
            + ")",
        )

    def handle(self, *args, files: list[Path], **options) -> None:
        try:
            report = load_territories(paths=files or None)
        except TerritoryFileError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(self.style.SUCCESS(report.summary()))
