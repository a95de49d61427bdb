from django.apps import AppConfig


class MacrosConfig(AppConfig):
    name = "soprovod.macros"
    verbose_name = "Macros"

    def ready(self) -> None:
        from soprovod.core.panels import register_panel
        from soprovod.macros import panels

        register_panel("ticket", "macros", panels.ticket_panel)
