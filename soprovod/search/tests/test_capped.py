"""A query that matches more records than are ranked (``queries.RANK_LIMIT``, lowered here to
3): only the newest matches are ranked, the counts say "more than", the page says so, and the
cap is taken after the permission filter, never before."""

import pytest

from soprovod.search import queries
from soprovod.tickets.models import TicketMessage
from soprovod.tickets.tests.factories import TicketFactory

LIMIT = 3
SEARCH = "/search/"
PORTAL_SEARCH = "/portal/search/"


@pytest.fixture
def barriers(companies, indexed, monkeypatch):
    """Five tickets of company A that name the barrier, oldest first; the oldest and the
    fourth in their subjects (they rank above a mention in a message). Two older ones of
    company B. One newer ticket of A names it only in an internal note."""
    monkeypatch.setattr(queries, "RANK_LIMIT", LIMIT)

    def ticket(client, subject, body, *, note=False):
        made = TicketFactory(client=client, subject=subject)
        TicketMessage.objects.create(
            ticket=made,
            body=body,
            kind=TicketMessage.Kind.INTERNAL if note else TicketMessage.Kind.PUBLIC,
            from_staff=note,
        )
        return made

    def make():
        b_old = [
            ticket(companies.b, f"Вопрос {i}", "Шлагбаум у склада не открывается") for i in (1, 2)
        ]
        a = [
            ticket(companies.a, "Шлагбаум не открывается", "Снова не работает с утра"),
            ticket(companies.a, "Проблема на въезде", "Шлагбаум стоит открытым"),
            ticket(companies.a, "Проблема на выезде", "Шлагбаума не видно в списке"),
            ticket(companies.a, "Шлагбаум не закрывается", "После обновления прошивки"),
            ticket(companies.a, "Пропуск гостя", "Гость проехал под шлагбаумом"),
        ]
        noted = ticket(companies.a, "Камера", "Проверить шлагбаум на въезде", note=True)
        return {"a": a, "b": b_old, "noted": noted}

    return indexed(make)


def ranked_ids(user, query="шлагбаум"):
    return [row["object_id"] for row in queries.ranked(user, query, ["ticket"])]


def test_only_the_newest_matches_are_ranked_best_first(barriers, staff, monkeypatch):
    a, noted = barriers["a"], barriers["noted"]
    capped = ranked_ids(staff.support)
    # The three newest matching tickets (the note counts for staff), the subject match first.
    assert set(capped) == {noted.pk, a[4].pk, a[3].pk}
    assert capped[0] == a[3].pk
    # Exactly the order the whole ranking gives those three: the top page is right.
    monkeypatch.setattr(queries, "RANK_LIMIT", 1000)
    whole = ranked_ids(staff.support)
    assert len(whole) == 8
    assert capped == [pk for pk in whole if pk in set(capped)]
    # The oldest ticket, a subject match too, is left out only because of the cap.
    assert a[0].pk in whole[:2] and a[0].pk not in capped


def test_the_counts_say_more_than_the_limit(barriers, staff, monkeypatch):
    assert queries.counts(staff.support, "шлагбаум")["ticket"] == LIMIT + 1
    (group,) = [g for g in queries.grouped(staff.support, "шлагбаум") if g.kind == "ticket"]
    assert group.capped and group.limit == LIMIT
    assert len(group.hits) == LIMIT
    # A query that matches fewer is counted exactly and not capped.
    (group,) = queries.grouped(staff.support, "прошивки")
    assert group.count == 1 and not group.capped
    monkeypatch.setattr(queries, "RANK_LIMIT", 1000)
    assert queries.counts(staff.support, "шлагбаум")["ticket"] == 8


def test_the_page_says_the_results_are_capped(client, barriers, staff):
    client.force_login(staff.support)
    page = client.get(SEARCH, {"q": "шлагбаум"}).content.decode()
    assert f"более {LIMIT}" in page
    assert f"показаны лучшие из {LIMIT} самых свежих совпадений, уточните запрос" in page
    page = client.get(SEARCH, {"q": "прошивки"}).content.decode()
    assert "более" not in page and "самых свежих" not in page


def test_the_cap_is_taken_after_the_permission_filter(barriers, companies, client):
    a, b, noted = barriers["a"], barriers["b"], barriers["noted"]
    # Company B's contact: their two old tickets, though A has five newer matches.
    assert set(ranked_ids(companies.client2)) == {t.pk for t in b}
    assert queries.counts(companies.client2, "шлагбаум") == {"ticket": 2}
    # Company A's contact: never the internal note, so the newest three are A's own public.
    assert ranked_ids(companies.client1)[0] == a[3].pk
    assert set(ranked_ids(companies.client1)) == {a[4].pk, a[3].pk, a[2].pk}
    assert noted.pk not in ranked_ids(companies.client1)
    assert queries.counts(companies.client1, "шлагбаум") == {"ticket": LIMIT + 1}
    client.force_login(companies.client1)
    page = client.get(PORTAL_SEARCH, {"q": "шлагбаум"}).content.decode()
    assert f"более {LIMIT}" in page
    assert f"/portal/tickets/{noted.pk}/" not in page and f"/portal/tickets/{b[0].pk}/" not in page
