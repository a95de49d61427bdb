from django.apps import AppConfig
from django.utils import timezone

from soprovod.lib import periods


class CoreConfig(AppConfig):
    name = "soprovod.core"

    def ready(self) -> None:
        # Periods are in the department's zone, the one Django is configured with.
        periods.use_zone(timezone.get_default_timezone)

        from soprovod.core.auditcheck import check_audit_chain
        from soprovod.core.verify import register_check

        register_check("audit", check_audit_chain)
