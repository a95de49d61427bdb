from django.apps import AppConfig


class KnowledgeConfig(AppConfig):
    name = "soprovod.knowledge"
    verbose_name = "Knowledge base"

    def ready(self) -> None:
        from soprovod.core.panels import register_panel
        from soprovod.core.verify import register_check
        from soprovod.knowledge import panels
        from soprovod.knowledge.searching import PROVIDER
        from soprovod.knowledge.verify import check_versions
        from soprovod.search.registry import register

        register_panel("ticket", "knowledge", panels.ticket_panel)
        register_check("knowledge", check_versions)
        # The search finds articles: staff every one they may read, clients the published
        # client articles (the portal's suggestions use the same index).
        register(PROVIDER)
