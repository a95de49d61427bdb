"""The search on the database in use (CI runs it on SQLite and on PostgreSQL): Russian
word forms, ranking and highlighting, who finds what, jumps, and the index kept up to date."""

import pytest

from soprovod.core.verify import run_checks
from soprovod.search import index, queries
from soprovod.search.models import SearchDocument
from soprovod.tickets.actions import do_merge_tickets
from soprovod.tickets.models import TicketMessage
from soprovod.tickets.tests.factories import TicketFactory


def found(user, query, kind=None):
    return {(row["kind"], row["object_id"]) for row in queries.ranked(user, query, kind and [kind])}


def tickets_found(user, query):
    return {object_id for kind, object_id in found(user, query, "ticket")}


# ---- stemming, on this database ---------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    ["шлагбаум", "шлагбаума", "Шлагбаумом", "ШЛАГБАУМЫ", "открываются шлагбаумы", "открывался"],
)
def test_russian_word_forms_find_the_ticket(desk, staff, query):
    assert desk["barrier"].pk in tickets_found(staff.support, query)


def test_yo_and_ye_are_one_letter(desk, staff, indexed):
    # PostgreSQL's stemmer keeps «ё»: «счёт» and «счета» meet only because both are read as «е».
    bill = indexed(lambda: TicketFactory(subject="Не пришёл счёт за октябрь"))
    assert tickets_found(staff.support, "счета") == {bill.pk}
    assert tickets_found(staff.support, "пришел счет") == {bill.pk}


def test_words_in_messages_are_found_not_only_in_subjects(desk, staff):
    # «устройств» is only in the barrier's message, «считыватели» only in the reader's.
    assert tickets_found(staff.support, "устройство") == {desk["barrier"].pk}
    assert tickets_found(staff.support, "считывателей") == {desk["reader"].pk}


def test_every_word_is_required_and_stop_words_are_not(desk, staff):
    assert tickets_found(staff.support, "не открывается шлагбаум") == {desk["barrier"].pk}
    assert tickets_found(staff.support, "шлагбаум пропуск") == set()
    assert tickets_found(staff.support, "и не в") == set()
    assert tickets_found(staff.support, "") == set()


def test_the_subject_ranks_above_a_mention_in_a_message(desk, staff):
    rows = list(queries.ranked(staff.support, "шлагбаум", ["ticket"]))
    assert [row["object_id"] for row in rows] == [desk["barrier"].pk, desk["reader"].pk]
    assert rows[0]["rank"] > rows[1]["rank"] > 0


def test_hits_are_highlighted_and_grouped_by_kind(desk, staff):
    groups = queries.grouped(staff.support, "шлагбаумов")
    assert [(g.kind, g.count) for g in groups] == [("ticket", 2), ("devrequest", 1)]
    barrier = groups[0].hits[0]
    assert barrier.url == f"/tickets/{desk['barrier'].pk}/"
    assert "<mark>шлагбаум</mark>" in barrier.title
    reader = groups[0].hits[1]
    assert "<mark>Шлагбаумы</mark>" in reader.snippet
    assert "<mark>шлагбаумы</mark>" in groups[1].hits[0].title


# ---- who finds what ---------------------------------------------------------------------------


def test_internal_notes_are_found_by_staff_only(desk, staff, companies):
    assert tickets_found(staff.support, "реле") == {desk["barrier"].pk}
    assert tickets_found(companies.client1, "реле") == set()
    assert tickets_found(companies.client1, "перепрошит контроллер") == set()
    # …and no hit shows a contact the note's words.
    hits = queries.page(companies.client1, "шлагбаум")[1]
    assert hits and all("реле" not in h.snippet and "Контроллер" not in h.snippet for h in hits)


def test_a_client_contact_finds_only_their_own_company_tickets(desk, companies):
    assert tickets_found(companies.client1, "шлагбаум") == {desk["barrier"].pk}
    assert tickets_found(companies.client2, "шлагбаум") == {desk["reader"].pk}
    assert tickets_found(companies.client1, "считыватель") == set()
    # Nor clients, nor requests to development; and a hit opens in the portal.
    assert found(companies.client1, companies.b.name) == set()
    assert found(companies.client1, "журнал проездов") == set()
    assert found(companies.client1, companies.a.inn) == set()
    (hit,) = queries.page(companies.client1, "шлагбаум")[1]
    assert hit.url == f"/portal/tickets/{desk['barrier'].pk}/"


def test_a_contact_without_a_company_finds_nothing(desk, companies):
    companies.contact_a.delete()
    companies.client1.refresh_from_db()
    assert found(companies.client1, "шлагбаум") == set()


def test_each_role_finds_the_kinds_it_reads(desk, staff, companies):
    # Sales read the clients they sold, no tickets; development reads requests, no tickets.
    assert found(staff.sales, "шлагбаум") == set()
    assert found(staff.sales, "ООО Альфа") == {("client", companies.a.pk)}
    assert found(staff.sales, "АО Бета") == set()
    assert found(staff.dev, "шлагбаум") == {("devrequest", desk["request"].pk)}
    assert found(staff.ceo, "шлагбаум") == {
        ("ticket", desk["barrier"].pk),
        ("ticket", desk["reader"].pk),
        ("devrequest", desk["request"].pk),
    }


def test_clients_are_found_by_inn_contacts_and_sites(desk, staff, companies):
    expected = {("client", companies.a.pk)}
    assert found(staff.csm, companies.a.inn, "client") == expected
    assert found(staff.csm, companies.contact_a.full_name, "client") == expected
    assert found(staff.csm, companies.site_a.name, "client") >= expected


# ---- jumps ------------------------------------------------------------------------------------


def test_a_number_an_inn_and_an_email_jump_to_the_record(desk, staff, companies):
    barrier = desk["barrier"].pk
    assert queries.jump(staff.support, f"#{barrier}") == f"/tickets/{barrier}/"
    assert queries.jump(staff.support, str(barrier)) == f"/tickets/{barrier}/"
    assert queries.jump(staff.support, companies.a.inn) == f"/clients/{companies.a.pk}/"
    email = companies.contact_b.email.upper()
    assert queries.jump(staff.support, email) == f"/clients/{companies.b.pk}/"
    assert queries.jump(staff.support, "шлагбаум") is None
    assert queries.jump(staff.support, "#99999999") is None


def test_a_jump_never_leads_to_what_the_user_may_not_read(desk, staff, companies):
    assert queries.jump(companies.client1, str(desk["reader"].pk)) is None
    assert queries.jump(companies.client1, companies.a.inn) is None
    assert queries.jump(companies.client1, str(desk["barrier"].pk)) == (
        f"/portal/tickets/{desk['barrier'].pk}/"
    )
    assert queries.jump(staff.sales2, companies.a.inn) is None


# ---- kept up to date --------------------------------------------------------------------------


def test_a_new_message_and_an_edited_subject_are_found_after_commit(desk, staff, indexed):
    reader = desk["reader"]
    indexed(lambda: TicketMessage.objects.create(ticket=reader, body="Заменили турникет"))
    assert tickets_found(staff.support, "турникета") == {reader.pk}

    def rename():
        reader.subject = "Турникеты на КПП"
        reader.save()

    indexed(rename)
    assert "<mark>Турникеты</mark>" in queries.grouped(staff.support, "турникет")[0].hits[0].title


def test_merged_messages_are_found_on_the_surviving_ticket(desk, staff, companies, indexed):
    # The merge moves messages with one UPDATE (no signal); the words still move with them.
    survivor = desk["barrier"]
    survivor.contact = companies.contact_a  # so the merge has no reason to save the survivor
    indexed(survivor.save)

    def make_duplicate():
        duplicate = TicketFactory(client=companies.a, subject="Въезд закрыт")
        TicketMessage.objects.create(ticket=duplicate, body="Турникет на КПП-2 сломан")
        return duplicate

    duplicate = indexed(make_duplicate)
    assert tickets_found(staff.support, "турникета") == {duplicate.pk}
    indexed(lambda: do_merge_tickets(staff.support, survivor, [duplicate]))
    assert tickets_found(staff.support, "турникета") == {survivor.pk}


def test_a_deleted_record_leaves_the_index(desk, staff, indexed):
    indexed(lambda: desk["reader"].delete())
    assert tickets_found(staff.support, "считыватель") == set()
    assert not SearchDocument.objects.filter(kind="ticket", object_id=desk["reader"].pk).exists()


def test_what_a_rolled_back_transaction_left_pending_is_dropped(desk, companies):
    index.index_later("ticket", [desk["reader"].pk])  # this test's transaction never commits
    assert index._pending() == {"ticket": {desk["reader"].pk}}
    index._local.block = object()  # as if it had rolled back and another one had begun
    index.index_later("client", [companies.a.pk])
    assert index._pending() == {"client": {companies.a.pk}}


def test_verify_finds_unindexed_and_gone_records_and_fix_indexes_them(desk, staff, companies):
    SearchDocument.objects.filter(kind="ticket", object_id=desk["barrier"].pk).delete()
    SearchDocument.objects.create(kind="ticket", object_id=987654, audience="public", title="x")
    lines = []
    ((name, tally),) = run_checks(lambda d: lines.append(d.line()), only={"search"})
    assert tally.differences == 2
    assert any(f"ticket {desk['barrier'].pk}" in line for line in lines)
    assert any("ticket 987654" in line for line in lines)

    ((_, tally),) = run_checks(lambda d: None, fix=True, only={"search"})
    assert tally.fixed == 2
    ((_, tally),) = run_checks(lambda d: None, only={"search"})
    assert tally.differences == 0 and tally.checked >= 5
    assert tickets_found(staff.support, "шлагбаум") == {desk["barrier"].pk, desk["reader"].pk}


def test_rebuild_writes_every_kind(desk, staff, companies):
    SearchDocument.objects.all().delete()
    written = index.rebuild()
    assert written["ticket"] == 3  # the barrier's two documents, the reader's one
    assert written["client"] >= 2 and written["devrequest"] == 1
    assert tickets_found(staff.support, "шлагбаум") == {desk["barrier"].pk, desk["reader"].pk}
