from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "soprovod.incidents"

    def ready(self) -> None:
        from soprovod.core.panels import register_panel
        from soprovod.incidents import panels

        register_panel("ticket", "incidents", panels.ticket_panel)
        register_panel("queue_bulk", "incidents", panels.queue_bulk)
        register_panel("kpi_dashboard", "incidents", panels.dashboard_panel)
        register_panel("kpi_repeats", "incidents", panels.repeats_panel)
