"""Print an API token for an organisation's system account, creating the account if needed."""

from django.core.management.base import BaseCommand, CommandError, CommandParser

from organizations.api_services import provision_api_token
from organizations.errors import DomainError
from organizations.models import Membership, Organization


class Command(BaseCommand):
    help = (
        "Crée (ou réutilise) le compte système d'une organisation, sans mot de passe, et "
        "affiche son jeton d'API (dernière ligne de la sortie)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--organization", required=True, help="Identifiant court (slug).")
        parser.add_argument("--email", required=True, help="Adresse du compte système.")
        parser.add_argument(
            "--role",
            choices=Membership.Role.values,
            help="Rôle dans l'organisation (par défaut : conseiller·e, prescripteur·rice ou "
            "financeur selon le type d'organisation ; un compte existant garde le sien).",
        )

    def handle(self, *args, organization: str, email: str, role: str | None, **options) -> None:
        org = Organization.objects.filter(slug=organization).first()
        if org is None:
            raise CommandError(f"Aucune organisation avec l'identifiant « {organization} ».")
        try:
            access = provision_api_token(organization=org, email=email, role=role)
        except DomainError as error:
            raise CommandError(error.message) from error
        verb = "créé" if access.created else "réutilisé"
        self.stdout.write(
            f"Compte système {verb} : {access.user.email} — {org.name} "
            f"({access.membership.get_role_display()}).\n"
            f"Appelez l'API avec l'en-tête « Authorization: Token <jeton> ». Jeton :"
        )
        self.stdout.write(access.token)
