from django.apps import AppConfig


class HandoffsConfig(AppConfig):
    name = "soprovod.handoffs"

    def ready(self) -> None:
        from soprovod.core.verify import register_check
        from soprovod.handoffs import escalations
        from soprovod.handoffs.verify import check_handoff_rounds

        register_check("handoffs", check_handoff_rounds)
        escalations.register()
