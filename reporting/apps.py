from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "reporting"
    verbose_name = "Statistiques et bilans"

    def ready(self) -> None:
        from organizations.demo import register_demo_step

        from .demo import seed_reports
        from .demo_fse import seed_fse_plus

        # FSE+ answers first: the demo report is made from the finished data.
        register_demo_step(seed_fse_plus)
        register_demo_step(seed_reports)
