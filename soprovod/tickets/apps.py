from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "soprovod.tickets"

    def ready(self) -> None:
        from django.db.models import Q

        from soprovod.core.verify import register_check
        from soprovod.search.registry import register
        from soprovod.sla import queries as sla_queries
        from soprovod.tickets.models import OPEN_STATUSES
        from soprovod.tickets.queries import open_tickets_of_clients, open_tickets_on_policy
        from soprovod.tickets.searching import PROVIDER
        from soprovod.tickets.verify import check_merges, check_ticket_clocks

        # sla sits below tickets: tell it which clocks and tickets are open.
        sla_queries.connect_tickets(
            sla_queries.TicketRules(
                open_clock=Q(ticket__status__in=OPEN_STATUSES),
                open_tickets_on=open_tickets_on_policy,
                open_tickets_of=open_tickets_of_clients,
            )
        )
        # soprovod verify: every SLA clock against its ticket's history.
        register_check("tickets", check_ticket_clocks)
        register_check("merges", check_merges)
        # The search finds tickets by subject, messages and (staff) internal notes.
        register(PROVIDER)
