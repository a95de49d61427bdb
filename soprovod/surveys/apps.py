from django.apps import AppConfig


class SurveysConfig(AppConfig):
    name = "soprovod.surveys"

    def ready(self) -> None:
        # The tickets' resolution notice carries the CSAT rating links (surveys sit above
        # tickets, so tickets offers the hook and surveys fills it).
        from soprovod.surveys.mail import csat_mail_extra
        from soprovod.tickets.mail import register_mail_extra

        register_mail_extra("csat", csat_mail_extra)
