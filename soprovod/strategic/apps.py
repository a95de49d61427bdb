from django.apps import AppConfig


class StrategicConfig(AppConfig):
    name = "soprovod.strategic"

    def ready(self) -> None:
        from soprovod.kpi.engine import register_source
        from soprovod.strategic import source

        # Replaces the engine's placeholder of the same name.
        register_source(source.SOURCE)
