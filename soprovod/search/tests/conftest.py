import pytest

from soprovod.devrequests.models import DevRequest
from soprovod.tickets.models import TicketMessage
from soprovod.tickets.tests.factories import TicketFactory


@pytest.fixture
def indexed(django_capture_on_commit_callbacks):
    """Run what the search indexes on commit (the test's transaction never commits)."""

    def run(make):
        with django_capture_on_commit_callbacks(execute=True):
            return make()

    return run


@pytest.fixture
def desk(companies, staff, indexed):
    """Tickets of both companies with public messages and an internal note, and a request
    to development, all indexed."""

    def make():
        barrier = TicketFactory(client=companies.a, subject="Не открывается шлагбаум на въезде")
        TicketMessage.objects.create(
            ticket=barrier, body="Шлагбаума не видно в списке устройств с утра."
        )
        TicketMessage.objects.create(
            ticket=barrier,
            kind=TicketMessage.Kind.INTERNAL,
            body="Контроллер перепрошит, проверить реле",
            from_staff=True,
        )
        reader = TicketFactory(client=companies.b, subject="Считыватель не видит карты")
        TicketMessage.objects.create(ticket=reader, body="Шлагбаумы работают, а считыватели нет")
        request = DevRequest.objects.create(
            kind="improvement", title="Журнал проездов через шлагбаумы", created_by=staff.head
        )
        return {"barrier": barrier, "reader": reader, "request": request}

    return indexed(make)
