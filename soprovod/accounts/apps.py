from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "soprovod.accounts"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from soprovod.accounts.models import Absence, User, UserRole
        from soprovod.accounts.queries import forget_request_memo

        # Who stands in for whom depends on absences, roles and who is active: a write of
        # any of them forgets what the current request kept (accounts.queries).
        for model in (Absence, UserRole, User):
            uid = f"accounts-forget-memo-{model.__name__}"
            post_save.connect(forget_request_memo, sender=model, dispatch_uid=uid + "-save")
            post_delete.connect(forget_request_memo, sender=model, dispatch_uid=uid + "-delete")
