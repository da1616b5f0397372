from django.apps import AppConfig


class OrganizationsConfig(AppConfig):
    name = "organizations"
    verbose_name = "Organisations et comptes"

    def ready(self) -> None:
        # Logging and session bookkeeping on the auth and django-axes signals, not rules.
        from . import security, two_factor

        two_factor.connect_signals()
        security.connect_signals()
