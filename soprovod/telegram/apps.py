from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TelegramConfig(AppConfig):
    name = "soprovod.telegram"
    label = "telegram"
    verbose_name = _("Telegram")

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from soprovod.telegram import duty, outbox
        from soprovod.tickets.models import Ticket, TicketMessage
        from soprovod.tickets.outbound import register_channel
        from soprovod.tickets.sla_checker import sla_notice

        # Staff replies go through the tickets' outbound job (the same queue as mail): the
        # delivery row is written with the message, the job sends it.
        post_save.connect(
            outbox.message_saved, sender=TicketMessage, dispatch_uid="telegram.message"
        )
        register_channel("telegram", outbox.deliver_ticket_message)
        # Emergencies at night: the colleague on duty hears of a new emergency ticket and
        # of its SLA warnings in Telegram.
        post_save.connect(duty.ticket_saved, sender=Ticket, dispatch_uid="telegram.ticket")
        sla_notice.connect(duty.sla_notice_sent, dispatch_uid="telegram.sla")
