from django.apps import AppConfig


class SlaConfig(AppConfig):
    name = "soprovod.sla"

    def ready(self) -> None:
        from soprovod.core.panels import register_panel
        from soprovod.sla import panels

        # The client page (clients, or the client 360 above) shows the client's SLA terms.
        register_panel("client", "sla", panels.client_panel)
