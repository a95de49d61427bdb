import pytest

from soprovod.knowledge import actions
from soprovod.knowledge.models import ArticleStatus, Audience


@pytest.fixture
def kb(staff, django_capture_on_commit_callbacks):
    """A client article about a barrier, an internal rule, and a client draft, indexed for
    the search (which writes on commit; the test's transaction never commits)."""
    with django_capture_on_commit_callbacks(execute=True):
        return _kb(staff)


def _kb(staff):
    passes = actions.do_create_category(staff.head, "Шлагбаумы")
    rules = actions.do_create_category(staff.head, "Регламенты")
    barrier = actions.do_create_article(
        staff.support,
        title="Шлагбаум не открывается",
        category=passes,
        audience=Audience.CLIENT,
        summary="Проверьте питание, камеру, пропуск и контроллер.",
        body="1. **Питание**\n2. Камера\n3. Пропуск\n",
        status=ArticleStatus.PUBLISHED,
    )
    rule = actions.do_create_article(
        staff.head,
        title="Регламент первой линии",
        category=rules,
        audience=Audience.INTERNAL,
        summary="Сроки первой линии.",
        body="Назначить ответственного за 15 минут; шлагбаум проверять по статье.",
        status=ArticleStatus.PUBLISHED,
    )
    draft = actions.do_create_article(
        staff.support,
        title="Пропуск для курьера",
        category=passes,
        audience=Audience.CLIENT,
        body="Черновик про шлагбаум для курьеров.",
    )
    return type("KB", (), {"barrier": barrier, "rule": rule, "draft": draft,
                           "passes": passes, "rules": rules})  # fmt: skip
