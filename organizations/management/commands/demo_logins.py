"""Print the demo logins written by ``seed_demo --logins-json`` as a table."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from organizations.models import Membership, Organization

COLUMNS = [
    ("email", "E-mail"),
    ("role", "Rôle"),
    ("organization", "Organisation"),
    ("two_factor", "Double authentification"),
]


def _label(choices, value: str) -> str:
    return dict(choices).get(value, value)


class Command(BaseCommand):
    help = "Affiche les identifiants de démonstration d'un fichier JSON écrit par seed_demo."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "file", type=Path, help="Fichier JSON écrit par seed_demo --logins-json."
        )

    def handle(self, *args, file: Path, **options) -> None:
        try:
            logins = json.loads(file.read_text(encoding="utf-8"))
        except FileNotFoundError as error:
            raise CommandError(
                f"Fichier introuvable : {file}. Lancez d'abord "
                f"« manage.py seed_demo --logins-json {file} »."
            ) from error
        except json.JSONDecodeError as error:
            raise CommandError(f"Le fichier {file} n'est pas un JSON valide : {error}.") from error
        if not logins:
            raise CommandError(f"Le fichier {file} ne contient aucun identifiant.")

        rows = [
            {
                "email": login["email"],
                "role": _label(Membership.Role.choices, login["role"]),
                "organization": (
                    f"{login['organization']} "
                    f"({_label(Organization.Kind.choices, login['organization_kind'])})"
                ),
                "two_factor": "code demandé" if login.get("two_factor") else "—",
            }
            for login in logins
        ]
        widths = {key: max(len(title), *(len(row[key]) for row in rows)) for key, title in COLUMNS}
        line = "+" + "+".join("-" * (widths[key] + 2) for key, _ in COLUMNS) + "+"
        self.stdout.write("")
        self.stdout.write(f"Comptes de démonstration ({len(rows)})")
        self.stdout.write(line)
        self.stdout.write(
            "|" + "|".join(f" {title.ljust(widths[key])} " for key, title in COLUMNS) + "|"
        )
        self.stdout.write(line.replace("-", "="))
        for row in rows:
            self.stdout.write(
                "|" + "|".join(f" {row[key].ljust(widths[key])} " for key, _ in COLUMNS) + "|"
            )
        self.stdout.write(line)
        passwords = sorted({login["password"] for login in logins})
        label = "Mot de passe commun" if len(passwords) == 1 else "Mots de passe"
        self.stdout.write(f"{label} : {', '.join(passwords)}")
        if any(login.get("two_factor") for login in logins):
            self.stdout.write(
                "Double authentification : après le mot de passe, ces comptes demandent un code "
                "à 6 chiffres (valable 30 secondes). Obtenez-le, dans un autre terminal, avec :"
            )
            self.stdout.write("  .venv/bin/python manage.py demo_otp E-MAIL")
        self.stdout.write("")
