from django.apps import AppConfig


class SuccessConfig(AppConfig):
    name = "soprovod.success"
    verbose_name = "Customer success"

    def ready(self) -> None:
        from soprovod.core.verify import register_check
        from soprovod.success.verify import check_claim_deadlines

        register_check("claims", check_claim_deadlines)
