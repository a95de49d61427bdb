"""Using the articles: suggestions while a client types a subject, «This helped» counted as
a deflection (per article and in the monthly report), «read and understood» per version of
an internal rule (and the team page), linking to a ticket and inserting into a reply."""

import datetime as dt
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from soprovod.knowledge import actions, queries
from soprovod.knowledge.models import ArticleStatus, Audience, Deflection, TicketArticle
from soprovod.lib.periods import calendar_month
from soprovod.reports.generator import build_report_data
from soprovod.reports.xlsx import render_xlsx
from soprovod.team import actions as team_actions
from soprovod.team.models import TrainingRecord
from soprovod.tickets.tests.factories import TicketFactory

pytestmark = pytest.mark.django_db


def test_suggest_finds_client_articles_only(kb):
    found = queries.suggest("не открывается шлагбаума", Audience.CLIENT)
    assert found == [kb.barrier]  # not the internal rule, not the draft
    assert queries.suggest("шлагбаум", Audience.INTERNAL) == [kb.rule]
    assert queries.suggest("бухгалтерия", Audience.CLIENT) == []
    assert queries.suggest("", Audience.CLIENT) == []


def test_the_portal_suggests_while_typing_and_counts_this_helped(client, companies, kb):
    client.force_login(companies.client1)
    form = client.get("/portal/new/").content.decode()
    assert 'hx-get="/portal/new/suggest/"' in form and 'id="kb-suggestions-slot"' in form
    fragment = client.get("/portal/new/suggest/", {"subject": "не открывается шлагбаум"})
    html = fragment.content.decode()
    assert kb.barrier.title in html and kb.rule.title not in html
    assert f"/portal/kb/{kb.barrier.pk}/helped/" in html
    response = client.post(
        f"/portal/kb/{kb.barrier.pk}/helped/", {"subject": "не открывается шлагбаум"}
    )
    assert response.status_code == 200
    deflection = Deflection.objects.get()
    assert deflection.article == kb.barrier and deflection.client == companies.a
    assert deflection.query == "не открывается шлагбаум"
    # An internal rule cannot be "helped" by a client: it does not exist for them.
    assert client.post(f"/portal/kb/{kb.rule.pk}/helped/").status_code == 404
    assert Deflection.objects.count() == 1


def test_staff_do_not_get_the_portal_suggestions(client, staff, kb):
    client.force_login(staff.support)
    # The portal is a section staff do not use: 403, as for any section (style.md 14).
    assert client.get("/portal/new/suggest/", {"subject": "шлагбаум"}).status_code == 403


def test_deflections_per_article_and_in_the_monthly_report(client, staff, companies, kb):
    march = calendar_month(dt.date(2026, 3, 1))
    for day in (3, 17):
        actions.do_record_deflection(
            companies.client1, kb.barrier, "шлагбаум", client=companies.a,
            at=dt.datetime(2026, 3, day, 9, tzinfo=dt.UTC),
        )  # fmt: skip
    actions.do_record_deflection(
        companies.client2, kb.barrier, "шлагбаум", at=dt.datetime(2026, 4, 2, 9, tzinfo=dt.UTC)
    )
    ticket = TicketFactory()
    actions.do_link_ticket(
        staff.support, ticket, kb.barrier, at=dt.datetime(2026, 3, 5, 9, tzinfo=dt.UTC)
    )
    rows = queries.deflections_by_article(march)
    assert [(r["pk"], r["deflections_in"], r["links_in"]) for r in rows] == [(kb.barrier.pk, 2, 1)]
    report = build_report_data("monthly", march, now=dt.datetime(2026, 4, 3, tzinfo=dt.UTC))
    table = next(t for t in report.sections if t.key == "knowledge")
    assert table.rows[0] == [kb.barrier.title, "Шлагбаумы", 2, 1]
    book = load_workbook(io.BytesIO(render_xlsx(report)))
    sheet = book["Решено без заявки (база знаний)"]
    assert [c.value for c in sheet[2]][:4] == [kb.barrier.title, "Шлагбаумы", 2, 1]
    client.force_login(staff.engineer)
    page = client.get("/kb/").content.decode()
    assert "помогла 3 клиентам без заявки" in page or "3" in page
    article_page = client.get(f"/kb/{kb.barrier.pk}/").content.decode()
    assert 'id="kb-deflections"' in article_page


def test_read_and_understood_per_version(client, staff, kb):
    rule = kb.rule
    assert [s.is_read for s in queries.read_status(staff.engineer)] == [False]
    client.force_login(staff.engineer)
    assert client.post(f"/kb/{rule.pk}/read/").status_code == 302
    state = queries.read_status(staff.engineer)[0]
    assert state.is_read and state.read_version == 1
    assert queries.unread_counts([staff.engineer, staff.support]) == {
        staff.engineer.pk: 0, staff.support.pk: 1,
    }  # fmt: skip
    rule = actions.do_update_article(
        staff.head, rule, title=rule.title, category=kb.rules, audience=Audience.INTERNAL,
        summary=rule.summary, body=rule.body + "\nНовый пункт.", status=ArticleStatus.PUBLISHED,
    )  # fmt: skip
    state = queries.read_status(staff.engineer)[0]
    assert not state.is_read and state.read_earlier and state.read_version == 1
    page = client.get(f"/kb/{rule.pk}/").content.decode()
    assert "прочитайте его снова" in page or "read it again" in page
    # Sales read the rules but are not bound by them; a client rule does not exist.
    client.force_login(staff.sales)
    assert client.post(f"/kb/{rule.pk}/read/").status_code == 403
    with pytest.raises(actions.ArticleError):
        actions.do_mark_read(staff.engineer, kb.barrier)
    # The head sees who has and has not read the current version.
    client.force_login(staff.head)
    page = client.get(f"/kb/{rule.pk}/").content.decode()
    assert 'id="kb-readers"' in page and str(staff.engineer) in page


def test_reading_a_rule_completes_its_training_item_and_shows_on_the_team_page(client, staff, kb):
    item = team_actions.do_add_training_item(
        staff.head, kind="rule", title=kb.rule.title, published_on=dt.date(2026, 1, 1),
        reference=f"https://soprovod.example{reverse('knowledge:article', args=[kb.rule.pk])}",
    )  # fmt: skip
    client.force_login(staff.head)
    page = client.get("/team/").content.decode()
    assert "Правила не прочитаны" in page or "Rules not read" in page
    actions.do_mark_read(staff.engineer, kb.rule)
    record = TrainingRecord.objects.get(item=item, person=staff.engineer)
    assert record.source == TrainingRecord.Source.KNOWLEDGE
    person = client.get(f"/team/{staff.support.pk}/").content.decode()
    assert 'id="rules"' in person and kb.rule.title in person


def test_link_an_article_to_a_ticket_and_insert_it_into_a_reply(client, staff, kb):
    ticket = TicketFactory(subject="Шлагбаум на въезде не открывается")
    client.force_login(staff.support)
    page = client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert 'id="kb-panel"' in page and kb.barrier.title in page  # suggested by the subject
    response = client.post(f"/kb/tickets/{ticket.pk}/link/", {"article": kb.rule.pk})
    assert response.status_code == 302
    assert TicketArticle.objects.filter(ticket=ticket, article=kb.rule).exists()
    inserted = client.post(
        f"/kb/tickets/{ticket.pk}/insert/{kb.barrier.pk}/?mode=summary",
        {"body": "Добрый день!"},
        headers={"HX-Request": "true"},
    ).content.decode()
    assert inserted.startswith("<textarea") and 'id="id_body"' in inserted
    assert "Добрый день!" in inserted and kb.barrier.summary in inserted
    assert f"/portal/kb/{kb.barrier.pk}/" in inserted
    assert TicketArticle.objects.filter(ticket=ticket, article=kb.barrier).exists()
    full = client.post(
        f"/kb/tickets/{ticket.pk}/insert/{kb.barrier.pk}/?mode=text", headers={"HX-Request": "true"}
    ).content.decode()
    assert "Питание" in full and "**" not in full
    # An internal rule is not inserted into a reply to a client.
    assert client.post(f"/kb/tickets/{ticket.pk}/insert/{kb.rule.pk}/").status_code == 403
    # Only people who work tickets link; sales do not even see the ticket.
    client.force_login(staff.sales)
    assert (
        client.post(f"/kb/tickets/{ticket.pk}/link/", {"article": kb.barrier.pk}).status_code == 404
    )
