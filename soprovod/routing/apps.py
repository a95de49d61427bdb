from django.apps import AppConfig


class RoutingConfig(AppConfig):
    name = "soprovod.routing"
    verbose_name = "Routing"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from soprovod.routing import engine
        from soprovod.routing.models import Rule
        from soprovod.tickets.hooks import register_ticket_listener

        # tickets sits below: it tells us of every create and update (tickets.hooks).
        register_ticket_listener("routing", engine.on_ticket_written)
        post_save.connect(engine.forget_active_rules, sender=Rule, dispatch_uid="routing-rules")
        post_delete.connect(engine.forget_active_rules, sender=Rule, dispatch_uid="routing-rules")
