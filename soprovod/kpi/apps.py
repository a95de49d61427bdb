from django.apps import AppConfig
from django.db.backends.signals import connection_created


class KpiConfig(AppConfig):
    name = "soprovod.kpi"

    def ready(self) -> None:
        from soprovod.kpi.aggregates import register_sqlite_functions

        connection_created.connect(register_sqlite_functions, dispatch_uid="soprovod-percentile")
