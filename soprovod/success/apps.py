from django.apps import AppConfig


class SuccessConfig(AppConfig):
    name = "soprovod.success"
    verbose_name = "Customer success"

    def ready(self) -> None:
        from soprovod.clients.pages import register_client_page
        from soprovod.core.panels import register_panel
        from soprovod.core.verify import register_check
        from soprovod.success import card, panels
        from soprovod.success.verify import check_churn_statuses, check_claim_deadlines

        register_check("claims", check_claim_deadlines)
        register_check("churn cases", check_churn_statuses)
        register_panel("detractor_task", "success", panels.detractor_task_panel)
        register_client_page(card.render_card)
