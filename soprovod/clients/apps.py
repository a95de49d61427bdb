from django.apps import AppConfig


class ClientsConfig(AppConfig):
    name = "soprovod.clients"

    def ready(self) -> None:
        from soprovod.clients.searching import PROVIDER
        from soprovod.clients.verify import check_mrr_histories, check_status_histories
        from soprovod.core.verify import register_check
        from soprovod.search.registry import register

        register_check("clients", check_status_histories)
        register_check("mrr", check_mrr_histories)
        # The search finds clients by name, INN, contacts and sites.
        register(PROVIDER)
