"""Print the current two-factor code of a demo account (demo accounts only)."""

import time

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from organizations.demo import DEMO_EMAIL_SUFFIX


class Command(BaseCommand):
    help = (
        "Affiche le code de double authentification du moment pour un compte de démonstration "
        f"(adresse en « {DEMO_EMAIL_SUFFIX} ») ; refuse tout autre compte."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email", help="Adresse e-mail du compte de démonstration.")

    def handle(self, *args, email: str, **options) -> None:
        email = email.strip().lower()
        if not email.endswith(DEMO_EMAIL_SUFFIX):
            raise CommandError(
                f"« {email} » n'est pas un compte de démonstration (adresse en "
                f"« {DEMO_EMAIL_SUFFIX} ») : cette commande ne donne aucun code d'un vrai compte."
            )
        device = TOTPDevice.objects.filter(user__email__iexact=email, confirmed=True).first()
        if device is None:
            raise CommandError(
                f"Le compte {email} n'existe pas ou n'utilise pas la double authentification."
            )
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        code = f"{totp.token():0{device.digits}d}"
        left = device.step - int(time.time() - device.t0) % device.step
        self.stdout.write(
            f"Code de double authentification de {email} : valable encore {left} s "
            "(un code déjà utilisé est refusé : attendez alors le suivant)."
        )
        self.stdout.write(code)
