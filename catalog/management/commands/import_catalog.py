"""Read a JSON list of data·inclusion services into the catalogue, all or nothing."""

import json

from django.core.management.base import BaseCommand, CommandError

from catalog.datainclusion import ImportError_, import_services
from catalog.models import Aid
from organizations.models import Membership


class Command(BaseCommand):
    help = (
        "Importe un fichier JSON de services data·inclusion (schéma v1) dans le catalogue. "
        "Un service déjà importé (même identifiant) est mis à jour. Tout ou rien : à la "
        "première erreur, rien n'est enregistré. Les nouvelles fiches sont « proposées, à "
        "relire » par défaut."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="Fichier JSON : une liste de services.")
        parser.add_argument(
            "--status",
            default=Aid.Status.PROPOSED,
            choices=Aid.Status.values,
            help="Statut des nouvelles fiches (par défaut : proposed).",
        )
        parser.add_argument(
            "--owner",
            metavar="SLUG",
            help="Organisation qui tiendra les nouvelles fiches (identifiant court) ; son "
            "administrateur·rice les relira. Sans elle, l'équipe Mobicase les relit.",
        )

    def handle(self, *args, **options) -> None:
        try:
            with open(options["file"], encoding="utf-8") as fh:
                data = json.load(fh)
        except OSError as error:
            raise CommandError(f"Impossible de lire « {options['file']} » : {error}") from None
        except json.JSONDecodeError as error:
            raise CommandError(
                f"« {options['file']} » n'est pas un JSON valide (ligne {error.lineno}, "
                f"colonne {error.colno})."
            ) from None
        by = self._owner_admin(options["owner"]) if options["owner"] else None
        try:
            report = import_services(data, by=by, status=options["status"])
        except ImportError_ as error:
            raise CommandError(f"{error.message} Rien n'a été importé.") from None
        self.stdout.write(report.summary())

    def _owner_admin(self, slug: str) -> Membership:
        membership = (
            Membership.objects.active()
            .filter(organization__slug=slug, role=Membership.Role.ADMIN)
            .select_related("organization", "user")
            .order_by("created_at")
            .first()
        )
        if membership is None:
            raise CommandError(
                f"Aucune organisation active « {slug} » avec un·e administrateur·rice."
            )
        return membership
