from django.apps import AppConfig


class VehiclesConfig(AppConfig):
    name = "vehicles"
    verbose_name = "Parc de véhicules"

    def ready(self) -> None:
        from organizations.demo import register_demo_step

        from .demo import seed_vehicles

        register_demo_step(seed_vehicles)
