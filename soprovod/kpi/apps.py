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
        from soprovod.kpi.team import TEAM_SOURCE

        register_source(HANDOFF_SOURCE)
        register_source(DEV_REQUEST_SOURCE)
        register_source(TEAM_SOURCE)

        # The stored month facts: every write of a ticket or clock of a closed month marks
        # the month stale in the writer's transaction (soprovod.kpi.months).
        from django.db.models.signals import post_delete, post_init, post_save

        from soprovod.core.verify import register_check
        from soprovod.kpi import months
        from soprovod.kpi.verify import check_month_facts
        from soprovod.sla.models import SlaClock
        from soprovod.sla.signals import clocks_written
        from soprovod.tickets.models import Ticket

        post_init.connect(months.remember_instants, sender=Ticket, dispatch_uid="kpi-months-t0")
        for signal in (post_save, post_delete):
            signal.connect(months.ticket_written, sender=Ticket, dispatch_uid="kpi-months-t")
            signal.connect(months.clock_written, sender=SlaClock, dispatch_uid="kpi-months-c")
        clocks_written.connect(months.clocks_written, dispatch_uid="kpi-months-bulk")
        register_check("kpi-months", check_month_facts)
