from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "soprovod.search"
    verbose_name = "search"

    def ready(self) -> None:
        from soprovod.core.verify import register_check
        from soprovod.search.verify import check_index

        # soprovod verify: every record of every registered kind has its documents.
        register_check("search", check_index)
