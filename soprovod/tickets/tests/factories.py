import datetime as dt

import factory

from soprovod.clients.tests.factories import ClientFactory
from soprovod.tickets.models import Category, Ticket, TicketType


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ("name",)

    name = "Пропуска"


class TicketFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Ticket

    client = factory.SubFactory(ClientFactory)
    type = TicketType.STANDARD
    category = factory.SubFactory(CategoryFactory)
    subject = factory.Sequence(lambda n: f"Не печатается пропуск #{n}")
    created_at = dt.datetime(2026, 3, 2, 7, 0, tzinfo=dt.UTC)  # Monday 10:00 in Moscow
