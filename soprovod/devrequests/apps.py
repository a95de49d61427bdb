from django.apps import AppConfig


class DevrequestsConfig(AppConfig):
    name = "soprovod.devrequests"

    def ready(self) -> None:
        from soprovod.core.panels import register_panel
        from soprovod.core.verify import register_check
        from soprovod.devrequests import escalations, panels
        from soprovod.devrequests.searching import PROVIDER
        from soprovod.devrequests.verify import check_agreement_rounds
        from soprovod.search.registry import register

        register_panel("ticket", "devrequests", panels.ticket_panel)
        register_panel("client", "devrequests", panels.client_panel)
        register_check("devrequests", check_agreement_rounds)
        escalations.register()
        # The search finds requests by their title and description.
        register(PROVIDER)
