from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_in


class TwoFactorConfig(AppConfig):
    name = "soprovod.twofactor"
    verbose_name = "Two-factor authentication"

    def ready(self) -> None:
        from soprovod.twofactor.queries import remember_enrolment

        user_logged_in.connect(remember_enrolment, dispatch_uid="twofactor.remember_enrolment")
