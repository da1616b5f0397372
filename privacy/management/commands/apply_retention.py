"""Daily retention run, for cron: anonymisation of old files, purge of old files and logs."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError, CommandParser

from privacy import services


class Command(BaseCommand):
    help = (
        "Anonymise les dossiers dont la durée de conservation est écoulée (et les prescriptions "
        "jamais rattachées à un dossier), supprime les pièces jointes des prescriptions "
        "terminées, les tableaux des imports anciens et les entrées anciennes du journal des "
        "consultations. À lancer une fois par "
        "jour (cron). Un second passage le même jour ne change rien."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Compter ce qui serait fait, sans rien modifier.",
        )
        parser.add_argument(
            "--date", dest="day", help="Jour de référence (AAAA-MM-JJ), aujourd'hui par défaut."
        )

    def handle(self, *args, dry_run: bool = False, day: str | None = None, **options) -> None:
        report = services.apply_retention(today=self._parse(day), dry_run=dry_run)
        for line in report.lines():
            self.stdout.write(line)

    def _parse(self, value: str | None) -> date | None:
        if not value:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise CommandError(
                f"Date invalide « {value} » : utilisez le format AAAA-MM-JJ."
            ) from None
