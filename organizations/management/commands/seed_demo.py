"""Fill an empty database with deterministic demo data (see organizations/demo.py)."""

import json
from pathlib import Path

from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand, CommandError, CommandParser

from organizations import demo
from organizations.errors import DomainError
from organizations.models import Territory


class Command(BaseCommand):
    help = (
        "Crée les données de démonstration (plateformes, prescripteurs, financeur et leurs "
        "utilisateurs). Sans effet si elles existent déjà."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--size",
            choices=demo.SIZES,
            default="small",
            help="small : 2 plateformes ; large : 50 plateformes (benchmarks).",
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=42,
            help="Graine du hasard : la même graine donne les mêmes données.",
        )
        parser.add_argument(
            "--logins-json",
            type=Path,
            metavar="PATH",
            help="Écrit les identifiants de démonstration dans ce fichier JSON.",
        )

    def handle(self, *args, size: str, seed: int, logins_json: Path | None, **options) -> None:
        if demo.demo_data_exists():
            self.stdout.write(
                "Les données de démonstration existent déjà : rien n'est ajouté. "
                "Pour repartir de zéro, supprimez la base (make clean) puis relancez make demo."
            )
            logins = demo.existing_demo_logins()
        else:
            self._ensure_territories()
            try:
                logins = demo.run_demo_steps(seed=seed, size=size)
            except DomainError as error:
                raise CommandError(error.message) from error
            self.stdout.write(
                self.style.SUCCESS(
                    f"Données de démonstration créées (taille {size}, graine {seed}) : "
                    f"{len(logins)} utilisateurs, mot de passe « {demo.DEMO_PASSWORD} »."
                )
            )
        if logins_json:
            logins_json.write_text(
                json.dumps([login.as_dict() for login in logins], ensure_ascii=False, indent=2)
                + "\n",
                encoding="utf-8",
            )
            self.stdout.write(f"Identifiants écrits dans {logins_json}.")

    def _ensure_territories(self) -> None:
        if Territory.objects.exists():
            return
        if "load_territories" not in get_commands():
            raise CommandError(
                "Aucun territoire en base et la commande « load_territories » n'est pas "
                "disponible : chargez le référentiel des territoires avant les données de "
                "démonstration."
            )
        self.stdout.write("Aucun territoire en base : chargement du référentiel…")
        call_command("load_territories", stdout=self.stdout, stderr=self.stderr)
