from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "soprovod.audit"
    verbose_name = "Audit trail"
