from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "privacy"
    verbose_name = "Données personnelles"

    def ready(self) -> None:
        from organizations.demo import register_demo_step

        from .demo import seed_privacy

        register_demo_step(seed_privacy)
