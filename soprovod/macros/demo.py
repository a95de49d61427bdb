"""Demo macros (issue 15): the department's shared answers for PASS24's everyday questions
(the barrier, a guest pass, a reader, the mobile app) and a support manager's own, with
usage counts as after a few months of work."""

from __future__ import annotations

from soprovod.accounts.roles import Role
from soprovod.core.demo import DemoContext
from soprovod.macros import actions
from soprovod.macros.models import Macro
from soprovod.tickets.models import Category, Priority, TicketStatus

GREETING = "Здравствуйте!\n\n"
SIGNATURE = "\n\nС уважением,\n{{ агент }}\nслужба сопровождения PASS24.online"

SHARED = [
    {
        "title": "Шлагбаум не открывается: первые шаги",
        "body": GREETING + "По обращению №{{ номер }} проверьте, пожалуйста:\n"
        "1. Горит ли индикатор сети на контроллере шлагбаума.\n"
        "2. Открывается ли шлагбаум кнопкой «Открыть» в личном кабинете.\n"
        "3. Нет ли в журнале событий отказа «Пропуск не найден».\n"
        "Пришлите фото контроллера и время последней неудачной попытки — мы посмотрим "
        "журнал со своей стороны. Решим до {{ срок }}." + SIGNATURE,
        "category": "Шлагбаумы и считыватели",
        "set_priority": Priority.HIGH,
        "add_tags": "шлагбаум",
    },
    {
        "title": "Гостевой пропуск: как оформить",
        "body": GREETING
        + "Гостевой пропуск оформляется в личном кабинете {{ клиент }}: «Пропуска» → «Новый "
        "гостевой», укажите номер автомобиля или ФИО гостя и время визита. Гость получит "
        "ссылку в SMS. Если пункт меню не виден, у вашей учётной записи нет роли "
        "«Оформление пропусков» — её выдаёт администратор объекта." + SIGNATURE,
        "category": "Пропуска и гостевой доступ",
        "set_status": TicketStatus.WAITING_CLIENT,
    },
    {
        "title": "Подключение считывателя",
        "body": GREETING
        + "Для подключения считывателя нам понадобятся модель, серийный номер и фото "
        "наклейки с MAC-адресом. Подключение выполнит инженер, срок — до {{ срок }}. Мы "
        "напишем в обращение №{{ номер }}, когда считыватель появится в личном кабинете."
        + SIGNATURE,
        "category": "Шлагбаумы и считыватели",
        "add_tags": "считыватель",
    },
    {
        "title": "Приложение: не входит в аккаунт",
        "body": GREETING
        + "Обновите, пожалуйста, приложение PASS24 до последней версии и войдите по номеру "
        "телефона, указанному в карточке жильца. Если код из SMS не приходит, проверьте, "
        "не заблокированы ли сообщения от PASS24, и пришлите модель телефона." + SIGNATURE,
        "category": "Мобильное приложение",
        "set_status": TicketStatus.WAITING_CLIENT,
        "add_tags": "приложение",
    },
    {
        "title": "Решено: просим оценить",
        "body": GREETING
        + "Мы закрываем обращение №{{ номер }} как решённое. Если вопрос остался — просто "
        "ответьте на это письмо, обращение откроется снова." + SIGNATURE,
        "set_status": TicketStatus.RESOLVED,
    },
]

PERSONAL = [
    {
        "title": "Беру в работу",
        "body": GREETING
        + "{{ контакт }}, обращение №{{ номер }} у меня, разбираюсь. Вернусь с ответом до "
        "{{ срок }}." + SIGNATURE,
        "assign_to_me": True,
    },
]


def _values(row: dict) -> dict:
    values = {k: v for k, v in row.items() if k != "category"}
    if row.get("category"):
        values["set_category"], _created = Category.objects.get_or_create(name=row["category"])
    return values


def create_macros(ctx: DemoContext) -> None:
    head = ctx.users_with_role(Role.HEAD)[0]
    support = ctx.users_with_role(Role.SUPPORT_MANAGER)
    for row in SHARED:
        actions.do_save_macro(head, None, shared=True, **_values(row))
    for person in support[:2]:
        for row in PERSONAL:
            actions.do_save_macro(person, None, **_values(row))
    # Usage as after a few months: the barrier and the closing answer most of all.
    for macro in Macro.objects.all():
        Macro.objects.filter(pk=macro.pk).update(usage_count=ctx.rng.randint(3, 60))
    ctx.log(f"macros: {Macro.objects.count()}")
