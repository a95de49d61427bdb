"""The demo's knowledge base: PASS24-style client articles (a guest pass, a barrier that
does not open, connecting a reader, the mobile app login, billing), the department's
internal rules (first line, escalations, duty), each with a few versions by different
people; deflections by clients over the months; some staff have read the rules' current
versions, some only an earlier one; articles linked to matching demo tickets."""

from __future__ import annotations

import datetime as dt

from soprovod.accounts.models import User
from soprovod.core.demo import PORTAL_USERNAMES, DemoContext
from soprovod.knowledge import actions
from soprovod.knowledge.models import Article, ArticleStatus, Audience, Deflection, RuleRead
from soprovod.tickets.models import Ticket

CATEGORIES = (
    "Пропуска и гости",
    "Шлагбаумы и ворота",
    "Оборудование и считыватели",
    "Мобильное приложение",
    "Оплата и документы",
    "Регламенты отдела",
)

GUEST_VISIT = """\
Гостевой пропуск выписывает житель, арендатор или сотрудник ресепшена — в веб-кабинете PASS24
или в мобильном приложении.

## В веб-кабинете

1. Откройте **Пропуска → Новый пропуск**.
2. Выберите тип: *разовый* (действует один день) или *временный* (на период).
3. Укажите ФИО гостя или госномер автомобиля — для автомобиля номер пишется без пробелов,
   например `А123ВС77`.
4. Выберите объект и зону доступа, нажмите **Создать**.

Гость получит SMS со ссылкой на QR-код; охрана увидит пропуск в списке «Ожидаются сегодня».

## Если гостя нет в списке на посту
- проверьте дату пропуска и зону доступа;
- попросите охрану обновить список (кнопка ⟳ на планшете поста);
- если пропуск есть, а охрана его не видит — создайте заявку, приложите номер пропуска.
"""

BARRIER = """\
Если шлагбаум не открывается по пропуску, по номеру автомобиля или с кнопки, проверьте по шагам:

1. **Есть ли питание?** Горит ли индикатор на блоке управления шлагбаума.
2. **Видит ли камера номер?** В журнале проездов (**Объекты → Журнал**) должна появиться
   запись с распознанным номером. Нет записи — камера не видит машину: грязь, засветка, угол.
3. **Есть ли пропуск?** Номер в пропуске должен совпадать с распознанным (без пробелов,
   русскими буквами).
4. **Контроллер на связи?** На странице объекта статус контроллера — «В сети». Если
   «Не в сети» более 5 минут — перезагрузите контроллер (выключите питание на 30 секунд).

Открыть шлагбаум вручную можно из веб-кабинета: **Объекты → Устройства → Открыть**.

Если после этих шагов шлагбаум не открывается, создайте заявку с типом «Авария»: мы ответим
в течение 15 минут круглосуточно. Приложите фото блока управления и время последней попытки.
"""

READER = """\
Считыватели карт и QR-кодов подключаются к контроллеру PASS24 по интерфейсу Wiegand 26/34
или RS-485.

| Провод считывателя | Клемма контроллера |
| --- | --- |
| +12V (красный) | +12V |
| GND (чёрный) | GND |
| D0 (зелёный) | W0 |
| D1 (белый) | W1 |

После подключения:

1. В веб-кабинете откройте **Объекты → Устройства → Добавить считыватель**.
2. Выберите контроллер и вход (W1 или W2), укажите направление: вход или выход.
3. Приложите карту: в журнале должна появиться запись «Неизвестная карта» с её номером.

Если записи нет — проверьте полярность D0/D1 и формат Wiegand в настройках входа.
"""

APP_LOGIN = """\
Войти в мобильное приложение PASS24 можно по номеру телефона, который управляющая компания
указала в вашей карточке.

- Код из SMS приходит в течение минуты. Не пришёл — проверьте, не заблокированы ли SMS от
  коротких номеров, и нажмите «Отправить ещё раз» через 60 секунд.
- «Номер не найден» — ваш номер не внесён в систему: обратитесь в управляющую компанию или
  на ресепшен.
- После смены телефона войдите заново: старое устройство выйдет из аккаунта само.

Приложение работает на iOS 15 и новее и Android 9 и новее.
"""

BILLING = """\
**Счета** выставляются ежемесячно до 5 числа, по числу активных объектов и лицензий на
начало месяца. Счёт и акт приходят на почту бухгалтерии, указанную в договоре, и лежат
в веб-кабинете: **Компания → Документы**.

- Оплата картой или по счёту; при оплате по счёту укажите его номер в назначении платежа.
- Платёж зачисляется за 1–3 рабочих дня.
- Закрывающие документы доступны в ЭДО (Диадок, СБИС) — пришлите нам идентификатор ЭДО.

Не согласны с суммой счёта? Создайте заявку с категорией «Оплата», приложите счёт: мы
ответим в течение рабочего дня.
"""

FIRST_LINE = """\
# Регламент первой линии

1. Каждая новая заявка получает ответственного **в течение 15 минут** в рабочее время.
2. Первый ответ клиенту — по SLA типа заявки; аварии — круглосуточно.
3. Перед ответом проверьте базу знаний: если есть статья, приложите ссылку и краткое
   содержание (кнопка «Вставить ссылку и кратко» на странице заявки).
4. Заявку, которую первая линия не решает за 2 рабочих часа, передайте старшему инженеру
   с внутренней заметкой: что проверено, что не помогло.
5. Закрывая заявку, убедитесь, что клиент подтвердил решение или молчит 3 рабочих дня.
"""

ESCALATIONS = """\
# Регламент эскалаций

- **Руководителю отдела** — нарушение SLA по аварийной заявке, повторная жалоба клиента,
  претензия, риск расторжения договора.
- **Генеральному директору** — авария у нескольких клиентов дольше 2 часов, претензия
  ключевого клиента, решение, выходящее за бюджет отдела.

Эскалация оформляется в Сопровождении (кнопка «Эскалировать» на странице заявки) с причиной
и тем, что уже сделано. Устная эскалация дублируется записью в течение часа.
"""

DUTY = """\
# Регламент дежурств

Дежурный инженер отвечает на аварийные заявки вне рабочего времени (будни 19:00–09:00,
выходные и праздники круглосуточно).

1. Время реакции — 15 минут с момента заявки.
2. Дежурство передаётся в 09:00 на утренней планёрке: открытые аварии, что сделано, что дальше.
3. Замена дежурного согласуется с руководителем отдела не позже чем за сутки.
"""

# (category, title, audience, summary, body, later edits: (note, (old, new) or an added
# paragraph's words))
ARTICLES = [
    (0, "Как выписать гостевой пропуск", Audience.CLIENT,
     "Разовый или временный пропуск для гостя или автомобиля в веб-кабинете и приложении.",
     GUEST_VISIT,
     [("Добавлен раздел о гостях, которых нет в списке на посту", "## Если гостя нет"),
      ("Автомобильные пропуска", ("Укажите ФИО гостя", "Укажите ФИО гостя или госномер автомобиля"))]),
    (1, "Не открывается шлагбаум", Audience.CLIENT,
     "Четыре проверки: питание, камера, пропуск, связь с контроллером — и как открыть вручную.",
     BARRIER,
     [("Добавлено ручное открытие из веб-кабинета", "Открыть шлагбаум вручную"),
      ("Срок ответа по аварии — 15 минут", ("в течение 30 минут", "в течение 15 минут"))]),
    (2, "Подключение считывателя к контроллеру", Audience.CLIENT,
     "Схема проводов Wiegand, добавление считывателя в веб-кабинете и проверка картой.",
     READER, [("Таблица проводов", "| Провод считывателя")]),
    (3, "Не получается войти в мобильное приложение", Audience.CLIENT,
     "Код из SMS, «номер не найден», смена телефона и поддерживаемые версии.",
     APP_LOGIN, [("Обновлены версии iOS и Android", ("iOS 14", "iOS 15"))]),
    (4, "Вопросы по оплате и счетам", Audience.CLIENT,
     "Когда выставляются счета, как оплатить, где закрывающие документы и ЭДО.",
     BILLING, []),
    (5, "Регламент первой линии", Audience.INTERNAL,
     "Сроки назначения и первого ответа, база знаний перед ответом, передача на вторую линию.",
     FIRST_LINE,
     [("Срок передачи старшему инженеру — 2 рабочих часа", ("за 4 рабочих часа", "за 2 рабочих часа"))]),
    (5, "Регламент эскалаций руководителю и генеральному директору", Audience.INTERNAL,
     "Когда эскалировать руководителю, когда генеральному директору, и как оформить.",
     ESCALATIONS, [("Устная эскалация дублируется записью", "Устная эскалация")]),
    (5, "Регламент дежурств", Audience.INTERNAL,
     "Часы дежурства, время реакции, передача смены и замена дежурного.",
     DUTY, []),
]  # fmt: skip

# Words of a demo ticket's subject that make it link to the article of that index.
TICKET_WORDS = {
    0: ("пропуск", "гост"),
    1: ("шлагбаум", "ворота"),
    2: ("считыват",),
    3: ("приложени",),
    4: ("счёт", "счет", "оплат"),
}


def _text_after(body: str, edits, applied: int) -> str:
    """The text once the first ``applied`` edits were made (0: as first written). An edit is
    a replacement ``(old, new)``, undone while it is still to come, or an added paragraph
    (a text it contains), absent until then."""
    text = body
    for _note, change in edits[applied:]:
        if isinstance(change, tuple):
            text = text.replace(change[1], change[0])
        else:
            text = "\n\n".join(p for p in text.split("\n\n") if change not in p)
    return text


def create_articles(ctx: DemoContext) -> None:
    rng = ctx.rng
    head = ctx.users.get("head")
    editors = [u for u in (head, ctx.users.get("support"), ctx.users.get("support2")) if u]
    categories = [
        actions.do_create_category(head, name, position=i) for i, name in enumerate(CATEGORIES)
    ]
    start = ctx.history_start
    articles: list[Article] = []
    for index, (cat, title, audience, summary, body, edits) in enumerate(ARTICLES):
        created = ctx.at(start + dt.timedelta(days=10 + 9 * index), 11)
        article = actions.do_create_article(
            rng.choice(editors), title=title, category=categories[cat], audience=audience,
            summary=summary, body=_text_after(body, edits, 0), status=ArticleStatus.PUBLISHED,
            at=created,
        )  # fmt: skip
        span = ctx.at(ctx.today - dt.timedelta(days=2), 15) - created
        for number, (note, _change) in enumerate(edits, start=2):
            at = created + span * (number - 1) / (len(edits) + 1)
            text = _text_after(body, edits, number - 1)
            article = actions.do_update_article(
                rng.choice(editors), article, title=title, category=categories[cat],
                audience=audience, summary=summary, body=text, status=ArticleStatus.PUBLISHED,
                note=note, at=at,
            )  # fmt: skip
        articles.append(article)
    # A draft nobody outside the editors sees yet.
    actions.do_create_article(
        head, title="Пропуск для курьера службы доставки", category=categories[0],
        audience=Audience.CLIENT, summary="Черновик: курьерские пропуска на 30 минут.",
        body="Курьерский пропуск действует **30 минут** с момента создания.",
        at=ctx.at(ctx.today - dt.timedelta(days=3), 12),
    )  # fmt: skip
    _deflections(ctx, [a for a in articles if a.audience == Audience.CLIENT])
    _reads(ctx, [a for a in articles if a.audience == Audience.INTERNAL])
    _links(ctx, articles)
    ctx.log(
        f"  {Article.objects.count()} articles, {Deflection.objects.count()} deflections, "
        f"{RuleRead.objects.count()} rule reads"
    )


def _deflections(ctx: DemoContext, articles: list[Article]) -> None:
    rng = ctx.rng
    portal = list(User.objects.filter(username__in=PORTAL_USERNAMES))
    queries = {
        "Не открывается шлагбаум": ("не открывается шлагбаум", "шлагбаум не поднимается"),
        "Как выписать гостевой пропуск": ("как заказать пропуск гостю", "гостевой пропуск"),
        "Не получается войти в мобильное приложение": ("не приходит смс в приложении",),
        "Вопросы по оплате и счетам": ("где взять акт", "счёт за месяц"),
        "Подключение считывателя к контроллеру": ("подключить считыватель",),
    }
    weights = {"Не открывается шлагбаум": 5, "Как выписать гостевой пропуск": 4}
    for article in articles:
        first = article.created_at.date()
        for _ in range(weights.get(article.title, 2) * max(1, ctx.months // 2)):
            day = first + dt.timedelta(days=rng.randint(1, max(1, (ctx.today - first).days)))
            if day > ctx.today:
                continue
            user = rng.choice(portal) if portal and rng.random() < 0.3 else None
            client = rng.choice(ctx.clients) if ctx.clients else None
            actions.do_record_deflection(
                user, article, rng.choice(queries.get(article.title, (article.title,))),
                client=client, at=ctx.at(day, rng.randint(8, 19), rng.randint(0, 59)),
            )  # fmt: skip


def _reads(ctx: DemoContext, rules: list[Article]) -> None:
    rng = ctx.rng
    staff = [u for u in ctx.users.values() if u.is_support_staff]
    for rule in rules:
        versions = list(rule.versions.order_by("number"))
        for person in staff:
            roll = rng.random()
            if roll < 0.55:
                version = versions[-1]
            elif roll < 0.8 and len(versions) > 1:
                version = versions[0]
            else:
                continue
            read_at = version.created_at + dt.timedelta(hours=rng.randint(2, 72))
            RuleRead.objects.get_or_create(
                article=rule, version=version.number, person=person,
                defaults={"read_at": min(read_at, ctx.at(ctx.today, 9))},
            )  # fmt: skip


def _links(ctx: DemoContext, articles: list[Article]) -> None:
    rng = ctx.rng
    staff = [u for u in ctx.users.values() if u.is_support_staff] or [None]
    for index, words in TICKET_WORDS.items():
        article = articles[index]
        for word in words:
            found = Ticket.objects.filter(
                subject__icontains=word, created_at__gte=article.created_at
            ).order_by("pk")[:200]
            linked = 0
            for ticket in found:
                if linked < 12 and rng.random() < 0.25:
                    linked += 1
                    at = ticket.created_at + dt.timedelta(minutes=rng.randint(10, 240))
                    actions.do_link_ticket(rng.choice(staff), ticket, article, at=at)
