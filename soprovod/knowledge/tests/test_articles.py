"""Articles: Markdown rendered and sanitised, versions with who/when and a diff between any
two, editing permissions, files."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from soprovod.core.errors import StaleObjectError
from soprovod.knowledge import actions
from soprovod.knowledge.diffs import FIELD_LABELS, diff_versions
from soprovod.knowledge.models import ArticleStatus, Audience
from soprovod.knowledge.rendering import render_markdown
from soprovod.knowledge.verify import check_versions

pytestmark = pytest.mark.django_db

HOSTILE = (
    "# Инструкция\n\n**Важно**\n\n<script>alert('xss')</script>\n\n"
    '<img src="x.png" onerror="alert(2)">\n\n[ссылка](javascript:alert(3))\n\n'
    '<a href="https://pass24.online" onclick="alert(4)">сайт</a>\n\n| a | b |\n|---|---|\n| 1 | 2 |\n'
)


def test_markdown_is_rendered_and_sanitised():
    html = str(render_markdown(HOSTILE))
    assert "<h1>Инструкция</h1>" in html and "<strong>Важно</strong>" in html
    assert "<table>" in html and "<td>1</td>" in html
    assert "<script" not in html and "alert('xss')" not in html
    assert "onerror" not in html and "onclick" not in html
    assert 'href="javascript' not in html  # the link is refused: left as plain text
    assert 'href="https://pass24.online"' in html


def test_a_script_in_an_article_never_reaches_the_staff_or_portal_page(
    client, staff, companies, kb
):
    article = actions.do_update_article(
        staff.support, kb.barrier, title=kb.barrier.title, category=kb.passes,
        audience=Audience.CLIENT, summary="", body=HOSTILE, status=ArticleStatus.PUBLISHED,
    )  # fmt: skip
    for user, url in (
        (staff.support, f"/kb/{article.pk}/"),
        (staff.support, f"/kb/{article.pk}/versions/{article.version}/"),
        (companies.client1, f"/portal/kb/{article.pk}/"),
    ):
        client.force_login(user)
        page = client.get(url).content.decode()
        assert "<strong>Важно</strong>" in page, url
        assert "alert('xss')" not in page and "<script>alert" not in page, url
        assert "onerror" not in page and 'href="javascript' not in page, url
    client.force_login(staff.support)
    api = client.get(f"/api/v1/articles/{article.pk}").json()
    assert "<script" not in api["body_html"] and "<script>" in api["body"]


def test_every_change_is_a_version_with_its_author_and_an_unchanged_save_is_none(staff, kb):
    article = kb.barrier
    assert article.version == 1
    fields = {
        "title": article.title, "category": kb.passes, "audience": Audience.CLIENT,
        "summary": article.summary, "status": ArticleStatus.PUBLISHED,
    }  # fmt: skip
    same = actions.do_update_article(staff.head, article, body=article.body, **fields)
    assert same.version == 1 and same.versions.count() == 1
    second = actions.do_update_article(
        staff.head, article, body=article.body + "4. Контроллер\n", note="контроллер",
        expected_version=1, **fields,
    )  # fmt: skip
    assert second.version == 2
    v2 = second.versions.get(number=2)
    assert v2.author == staff.head and v2.note == "контроллер" and "Контроллер" in v2.body
    assert second.versions.get(number=1).author == staff.support
    with pytest.raises(StaleObjectError):
        actions.do_update_article(
            staff.support, article, body="старое", expected_version=1, **fields
        )
    tally = check_versions(lambda d: None)
    assert tally.checked == 3 and tally.differences == 0


def test_a_diff_between_any_two_versions(client, staff, kb):
    a = kb.barrier
    common = {"category": kb.passes, "audience": Audience.CLIENT, "status": ArticleStatus.PUBLISHED}
    a = actions.do_update_article(
        staff.head, a, title=a.title, summary=a.summary,
        body="1. **Питание** блока\n2. Камера\n3. Пропуск\n", **common,
    )  # fmt: skip
    a = actions.do_update_article(
        staff.head, a, title="Не открывается шлагбаум", summary=a.summary,
        body="1. **Питание** блока\n2. Камера\n4. Контроллер\n", **common,
    )  # fmt: skip
    versions = {v.number: v for v in a.versions.all()}
    diff = diff_versions(versions[1], versions[3])
    title = str(FIELD_LABELS["title"])
    assert (title, "Шлагбаум не открывается", "Не открывается шлагбаум") in diff.fields
    kinds = [(line.kind, "".join(p.text for p in line.pieces)) for line in diff.lines]
    assert ("removed", "1. **Питание**") in kinds and ("added", "1. **Питание** блока") in kinds
    assert ("removed", "3. Пропуск") in kinds and ("added", "4. Контроллер") in kinds
    assert ("same", "2. Камера") in kinds
    changed = [
        p.text for line in diff.lines if line.kind == "added" for p in line.pieces if p.changed
    ]
    assert " блока" in changed  # the changed word inside the line is marked
    client.force_login(staff.engineer)
    page = client.get(f"/kb/{a.pk}/diff/?a=1&b=3").content.decode()
    assert "<ins> блока</ins>" in page and "<ins>Контроллер</ins>" in page
    history = client.get(f"/kb/{a.pk}/history/").content.decode()
    assert str(staff.head) in history and str(staff.support) in history
    assert client.get(f"/kb/{a.pk}/diff/?a=1&b=9").status_code == 404


def test_who_may_edit_and_who_sees_drafts(client, staff, companies, kb):
    # The head and support managers edit; a CSM and sales read but may not edit.
    for user in (staff.head, staff.support):
        client.force_login(user)
        assert client.get(f"/kb/{kb.barrier.pk}/edit/").status_code == 200
        assert client.get(f"/kb/{kb.draft.pk}/").status_code == 200
    for user in (staff.csm, staff.sales):
        client.force_login(user)
        assert client.get(f"/kb/{kb.rule.pk}/").status_code == 200  # internal: staff read
        assert client.get(f"/kb/{kb.barrier.pk}/edit/").status_code == 403
        assert client.get("/kb/new/").status_code == 403
        assert client.get(f"/kb/{kb.draft.pk}/").status_code == 404
    client.force_login(staff.support)
    response = client.post(
        "/kb/new/",
        {"title": "Новая", "category": kb.passes.pk, "audience": "client", "status": "draft",
         "summary": "", "body": "текст", "note": ""},
    )  # fmt: skip
    assert response.status_code == 302


def test_a_client_contact_never_sees_an_internal_rule_or_a_draft(client, companies, kb):
    client.force_login(companies.client1)
    assert client.get("/kb/").status_code == 403
    assert client.get(f"/kb/{kb.barrier.pk}/").status_code == 403
    assert client.get(f"/portal/kb/{kb.barrier.pk}/").status_code == 200
    assert client.get(f"/portal/kb/{kb.rule.pk}/").status_code == 404
    assert client.get(f"/portal/kb/{kb.draft.pk}/").status_code == 404
    listing = client.get("/portal/kb/").content.decode()
    assert kb.barrier.title in listing and kb.rule.title not in listing
    assert kb.draft.title not in listing
    items = client.get("/api/v1/articles").json()["items"]
    assert [a["id"] for a in items] == [kb.barrier.pk]
    assert client.get(f"/api/v1/articles/{kb.rule.pk}").status_code == 404
    assert client.get(f"/api/v1/articles/{kb.draft.pk}").status_code == 404


def test_the_api_lists_by_audience_for_staff(client, staff, kb):
    client.force_login(staff.engineer)
    items = client.get("/api/v1/articles?audience=internal").json()["items"]
    assert [a["id"] for a in items] == [kb.rule.pk]
    found = client.get("/api/v1/articles?q=шлагбаума").json()["items"]
    assert {a["id"] for a in found} == {kb.barrier.pk, kb.rule.pk}
    client.logout()
    assert client.get("/api/v1/articles").status_code == 401


def test_files_and_images_follow_the_article(client, settings, tmp_path, staff, companies, kb):
    settings.MEDIA_ROOT = tmp_path
    png = b"\x89PNG\r\n\x1a\n" + b"0" * 20
    image = actions.do_add_attachment(
        staff.support, kb.barrier, SimpleUploadedFile("scheme.png", png, "image/png")
    )
    secret = actions.do_add_attachment(
        staff.support, kb.rule, SimpleUploadedFile("duty.pdf", b"%PDF-1.4", "application/pdf")
    )
    with pytest.raises(actions.ArticleError):
        actions.do_add_attachment(
            staff.support, kb.rule, SimpleUploadedFile("run.exe", b"MZ", "application/x-msdownload")
        )
    client.force_login(companies.client1)
    response = client.get(f"/kb/files/{image.pk}/")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert "attachment" not in response.get("Content-Disposition", "")
    assert client.get(f"/kb/files/{secret.pk}/").status_code == 404
    client.force_login(staff.csm)
    assert client.get(f"/kb/files/{secret.pk}/").status_code == 200
    assert client.post(f"/kb/files/{secret.pk}/delete/").status_code == 403
    client.force_login(staff.support)
    assert client.post(f"/kb/files/{secret.pk}/delete/").status_code == 302


def test_verify_finds_an_article_whose_text_is_not_its_latest_version(staff, kb):
    from soprovod.knowledge.models import Article

    Article.objects.filter(pk=kb.barrier.pk).update(body="изменено мимо версий", version=5)
    found = []
    tally = check_versions(found.append)
    assert tally.differences == 2
    assert {d.field for d in found} == {"version", "body"}


def test_the_list_costs_a_fixed_number_of_queries(client, staff, kb, django_assert_max_num_queries):
    for n in range(5):
        actions.do_create_article(
            staff.support, title=f"Статья {n}", category=kb.passes, body="текст",
            status=ArticleStatus.PUBLISHED,
        )  # fmt: skip
    client.force_login(staff.support)
    client.get("/kb/")  # warm the session and role caches
    with django_assert_max_num_queries(12):
        page = client.get("/kb/")
    assert page.status_code == 200 and "Статья 4" in page.content.decode()
