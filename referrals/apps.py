from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "referrals"
    verbose_name = "Prescriptions"

    def ready(self) -> None:
        from organizations.demo import register_demo_step

        from .demo import seed_referrals

        register_demo_step(seed_referrals)
