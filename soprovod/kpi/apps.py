from django.apps import AppConfig
from django.db.backends.signals import connection_created

from soprovod.kpi.aggregates import register_sqlite_functions


class KpiConfig(AppConfig):
    name = "soprovod.kpi"

    def ready(self) -> None:
        connection_created.connect(register_sqlite_functions, dispatch_uid="soprovod-percentile")
        # Sources of KPIs recorded by the apps below (imported here: models are ready).
        from soprovod.kpi.coordination import DEV_REQUEST_SOURCE, HANDOFF_SOURCE
        from soprovod.kpi.engine import register_source

        register_source(HANDOFF_SOURCE)
        register_source(DEV_REQUEST_SOURCE)
