from django.apps import AppConfig


class ClientsConfig(AppConfig):
    name = "soprovod.clients"

    def ready(self) -> None:
        from soprovod.clients.verify import check_mrr_histories, check_status_histories
        from soprovod.core.verify import register_check

        register_check("clients", check_status_histories)
        register_check("mrr", check_mrr_histories)
