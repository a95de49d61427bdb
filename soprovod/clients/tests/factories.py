import datetime
import random
from decimal import Decimal

import factory

from soprovod.clients.models import Client, ClientStatus, Contact, Site
from soprovod.lib.inn import generate_inn

_rng = random.Random(4242)


class ClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Client

    name = factory.Sequence(lambda n: f"ООО «Клиент {n}»")
    inn = factory.LazyFunction(lambda: generate_inn(_rng))
    tariff = "Бизнес"
    mrr_rub = Decimal("25000.00")
    status = ClientStatus.ACTIVE
    contract_start = datetime.date(2024, 1, 15)
    segment = "Бизнес-центр"


class SiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Site

    client = factory.SubFactory(ClientFactory)
    name = factory.Sequence(lambda n: f"БЦ «Объект {n}»")
    address = "г. Москва, ул. Тверская, д. 1"
    timezone = "Europe/Moscow"


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    client = factory.SubFactory(ClientFactory)
    full_name = factory.Faker("name", locale="ru_RU")
    email = factory.Sequence(lambda n: f"contact{n}@client.test")
    phone = "+7 495 000-00-00"
    position = "Администратор"
