"""Write a platform's activity report (bilan d'activité) as a PDF/A-3b file."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from organizations.errors import DomainError
from organizations.models import FundingAgreement, Organization
from reporting.pdf import activity_report_pdf
from reporting.periods import Period
from reporting.scopes import agreement_scope, platform_scope


def _day(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"Date invalide « {value} » : utilisez AAAA-MM-JJ.") from None


class Command(BaseCommand):
    help = "Écrit le bilan d'activité d'une plateforme (ou d'une de ses conventions) en PDF/A-3b."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--organization", required=True, help="Identifiant court (slug).")
        parser.add_argument("--start", required=True, help="Premier jour, AAAA-MM-JJ.")
        parser.add_argument("--end", required=True, help="Dernier jour (inclus), AAAA-MM-JJ.")
        parser.add_argument("--agreement", help="Identifiant (UUID) d'une convention.")
        parser.add_argument("--output", required=True, help="Fichier PDF à écrire.")
        parser.add_argument(
            "--suppress",
            action="store_true",
            help="Masquer les effectifs de 1 à 4 (version à remettre à un financeur).",
        )

    def handle(
        self,
        *args,
        organization: str,
        start: str,
        end: str,
        agreement: str | None,
        output: str,
        suppress: bool,
        **options,
    ) -> None:
        platform = Organization.objects.platforms().filter(slug=organization).first()
        if platform is None:
            raise CommandError(f"Aucune plateforme « {organization} ».")
        try:
            period = Period(_day(start), _day(end))
        except DomainError as error:
            raise CommandError(error.message) from None
        scope = platform_scope(platform)
        if agreement:
            found = (
                FundingAgreement.objects.filter(organization=platform, pk=agreement)
                .select_related("organization", "funder")
                .first()
                if _is_uuid(agreement)
                else None
            )
            if found is None:
                raise CommandError(f"Aucune convention « {agreement} » pour cette plateforme.")
            scope = agreement_scope(found)
        pdf = activity_report_pdf(scope, period, suppress=suppress, requested_by=platform.name)
        path = Path(output)
        try:
            path.write_bytes(pdf)
        except OSError as error:
            raise CommandError(f"Impossible d'écrire {path} : {error.strerror}.") from None
        self.stdout.write(
            self.style.SUCCESS(f"Bilan écrit dans {path} ({len(pdf) // 1024} Ko, {period}).")
        )


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True
