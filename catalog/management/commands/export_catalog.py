"""Write the published catalogue as a JSON list of data·inclusion services."""

import json
import sys

from django.core.management.base import BaseCommand, CommandError

from catalog.datainclusion import export_services, schema_errors


class Command(BaseCommand):
    help = (
        "Écrit le catalogue publié au format data·inclusion (liste JSON de services, schéma v1). "
        "Chaque service est vérifié par le schéma JSON national avant l'écriture."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--format",
            default="data-inclusion",
            choices=["data-inclusion"],
            help="Format de sortie (seul « data-inclusion » existe).",
        )
        parser.add_argument(
            "--output", default="-", help="Fichier à écrire ; « - » pour la sortie standard."
        )

    def handle(self, *args, **options) -> None:
        services = export_services()
        for service in services:
            errors = schema_errors(service)
            if errors:
                raise CommandError(
                    f"Le service « {service['nom']} » ne respecte pas le schéma data·inclusion : "
                    f"{errors[0]}"
                )
        text = json.dumps(services, ensure_ascii=False, indent=2) + "\n"
        if options["output"] == "-":
            sys.stdout.write(text)
            return
        try:
            with open(options["output"], "w", encoding="utf-8") as fh:
                fh.write(text)
        except OSError as error:
            raise CommandError(f"Impossible d'écrire « {options['output']} » : {error}") from None
        self.stderr.write(f"{len(services)} service(s) écrit(s) dans {options['output']}.")
