"""Run the daily fleet work: overdue loans, statuses, reminders (schedule it once a day)."""

from __future__ import annotations

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from vehicles.services.reminders import run_daily_fleet_work
from vehicles.tasks import daily_fleet_work


class Command(BaseCommand):
    help = (
        "Passe en retard les prêts non rendus, met à jour le statut des véhicules et envoie les "
        "rappels du jour (fins de prêt, retards, assurances, entretiens)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--date", help="Jour de référence (AAAA-MM-JJ) ; par défaut aujourd'hui."
        )
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="Confier le travail à la file de tâches au lieu de l'exécuter tout de suite.",
        )

    def handle(self, *args, **options) -> None:
        day = None
        if options["date"]:
            try:
                day = date.fromisoformat(options["date"])
            except ValueError as error:
                raise CommandError("Date invalide : attendu AAAA-MM-JJ.") from error
        if options["enqueue"]:
            result = daily_fleet_work.enqueue(day.isoformat() if day else None)
            self.stdout.write(f"Tâche mise en file : {result.id}")
            return
        report = run_daily_fleet_work(on=day)
        self.stdout.write(self.style.SUCCESS(report.summary()))
