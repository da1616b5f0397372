"""Daily referral work, for cron: expiry, reminders to platforms, digests."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError, CommandParser

from referrals import services


class Command(BaseCommand):
    help = (
        "Fait expirer les prescriptions restées sans réponse, relance les plateformes, envoie aux "
        "prescripteurs le résultat des accompagnements terminés (si la personne l'accepte) et "
        "les récapitulatifs quotidiens. À lancer une fois par jour (cron), par exemple à 7 h."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--date", dest="day", help="Jour de référence (AAAA-MM-JJ), aujourd'hui par défaut."
        )

    def handle(self, *args, day: str | None = None, **options) -> None:
        today = self._parse(day)
        expired = services.expire_referrals(today=today)
        reminders = services.remind_platforms(today=today)
        outcomes = services.send_outcomes()
        digests = services.send_daily_digests(today=today)
        self.stdout.write(
            f"{len(expired)} prescription(s) expirée(s), {reminders} relance(s) envoyée(s), "
            f"{outcomes} résultat(s) de sortie envoyé(s), {digests} récapitulatif(s) envoyé(s)."
        )

    def _parse(self, value: str | None):
        if not value:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise CommandError(
                f"Date invalide « {value} » : utilisez le format AAAA-MM-JJ."
            ) from None
