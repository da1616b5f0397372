from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = "Accompagnements"

    def ready(self) -> None:
        from organizations.demo import register_demo_step

        from .demo import seed_cases

        register_demo_step(seed_cases)
