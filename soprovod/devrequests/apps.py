from django.apps import AppConfig


class DevrequestsConfig(AppConfig):
    name = "soprovod.devrequests"

    def ready(self) -> None:
        from soprovod.core.panels import register_panel
        from soprovod.devrequests import panels

        register_panel("ticket", "devrequests", panels.ticket_panel)
        register_panel("client", "devrequests", panels.client_panel)
