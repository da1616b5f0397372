from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "catalog"
    verbose_name = "Catalogue des aides"

    def ready(self) -> None:
        from organizations.demo import register_demo_step

        from .demo import seed_catalog

        register_demo_step(seed_catalog)
