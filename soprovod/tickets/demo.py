"""Demo step «tickets»: a year of a PASS24-like support desk, replayed like an import.

Each client files tickets while it is a client (from the start of the demo's months or of
its contract, until today or its churn), more on bigger tariffs and while being set up. A
ticket is a history — the client's request, the first reply, sometimes a question and a wait
for the client, internal notes, the resolution, now and then a reopening, a CSAT rating,
closing a week later — and all histories go through `tickets.replay.replay`, the same
rules as the live actions with explicit times, so every SLA clock is computed, never made up.

The mix: mostly standard tickets and consultations, a few emergencies (barriers and readers
at night); most first replies and resolutions on time, some late; ratings mostly 4–5, low
ones with a comment; some clients come back with the same trouble within 30 days (repeats).
Everything after the present moment is cut off, so the tickets of the last days are still
in the queue, and a few are placed on purpose so that the queue shows every state: due
soon, overdue, waiting for the client, not yet assigned.

Determinism: the data follow from the seed and ``ctx.today``. Only when ``ctx.today`` is
today does the present moment come from the clock (so the open tickets are due relative to
the moment the demo is loaded); otherwise it is 16:00 on ``ctx.today``.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from soprovod.accounts.roles import Role
from soprovod.clients.models import Client, ClientStatus, Contact, Site
from soprovod.core.demo import DemoContext
from soprovod.sla.calendars import business_calendar
from soprovod.sla.models import WorkCalendar
from soprovod.tickets.models import (
    OPEN_STATUSES,
    Category,
    Channel,
    TicketMessage,
    TicketStatus,
    TicketType,
)
from soprovod.tickets.replay import (
    History,
    change_status,
    client_reply,
    note,
    rate,
    replay,
    reply,
)

MINUTE = dt.timedelta(minutes=1)
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)

# Tickets per client and month, by tariff (clients.demo TARIFFS); more while onboarding.
MONTHLY_RATE = {"Старт": 0.5, "Бизнес": 0.9, "Корпоративный": 1.8}
ONBOARDING_FACTOR = 1.8


@dataclass(frozen=True)
class Topic:
    """What a client writes about: the subject, the first message, and what support does."""

    subject: str
    body: str
    answer: str  # the first reply
    solution: str  # the reply that resolves it


@dataclass(frozen=True)
class DemoCategory:
    name: str
    weight: int
    types: tuple[int, int, int]  # weights of emergency, standard, consultation
    topics: tuple[Topic, ...]
    emergencies: tuple[Topic, ...] = ()


CATEGORIES = (
    DemoCategory(
        "Пропуска и гостевой доступ",
        30,
        (2, 60, 38),
        (
            Topic(
                "Гостевой пропуск не приходит посетителю",
                "Здравствуйте! Оформляем гостевой пропуск через личный кабинет, но SMS с QR-кодом "
                "посетителю не приходит. Номер телефона указан верно. Посетитель ждёт на ресепшене.",
                "Добрый день! Проверяем журнал отправки SMS по вашей заявке, вернёмся с ответом в "
                "ближайшее время.",
                "Оператор связи блокировал отправку на номер посетителя как спам. Мы переключили "
                "отправку на резервного провайдера, пропуск доставлен. Повторная отправка работает.",
            ),
            Topic(
                "Как выдать постоянный пропуск подрядчику",
                "Подскажите, пожалуйста, как оформить пропуск на 3 месяца для бригады подрядчика "
                "(8 человек), чтобы не заказывать каждый день разовый?",
                "Добрый день! Для этого подходит групповой временный пропуск. Уточните, нужен ли "
                "подрядчикам доступ на парковку?",
                "Создали шаблон «Подрядчик, 3 месяца» с доступом через КПП-1 и на парковку. "
                "Инструкция по групповому оформлению — во вложении к статье базы знаний.",
            ),
            Topic(
                "Пропуск сотрудника не действует после продления",
                "Продлили пропуск сотруднику до конца года, но турникет его не пропускает, "
                "на считывателе горит красный.",
                "Добрый день! Проверяем синхронизацию пропуска с контроллером турникета.",
                "Продление не дошло до контроллера из-за обрыва связи на объекте. Выполнили "
                "повторную синхронизацию, пропуск действует. Включили контроль очереди синхронизации.",
            ),
            Topic(
                "Массовая загрузка пропусков из Excel",
                "Нужно загрузить 450 пропусков сотрудников нового арендатора. Есть ли шаблон "
                "для импорта из Excel?",
                "Добрый день! Да, импорт есть. Пришлём шаблон и требования к фото.",
                "Шаблон и инструкция отправлены, файл клиента проверили — загружено 450 пропусков, "
                "12 строк без фото отмечены для дозаполнения.",
            ),
            Topic(
                "Не отображается история посещений гостя",
                "В отчёте по посещениям нет записей за вчерашний день, хотя гости приходили.",
                "Добрый день! Уточните, пожалуйста, по какому объекту и КПП смотрите отчёт?",
                "Отчёт строился по часовому поясу головного офиса, а объект в Екатеринбурге. "
                "Исправили часовой пояс объекта, записи за вчера отображаются.",
            ),
            Topic(
                "Ограничить заказ пропусков арендатору",
                "Арендатор заказывает слишком много гостевых пропусков. Можно ли поставить лимит "
                "в сутки?",
                "Добрый день! Да, лимиты настраиваются на уровне арендатора. Какой лимит нужен?",
                "Установили лимит 30 гостевых пропусков в сутки для арендатора, администратор "
                "получит уведомление при достижении 80 %.",
            ),
        ),
    ),
    DemoCategory(
        "Шлагбаумы и считыватели",
        22,
        (18, 70, 12),
        (
            Topic(
                "Считыватель на входе не читает карты",
                "Считыватель на центральном входе перестал читать карты сотрудников, индикатор "
                "мигает жёлтым. Пускаем по списку через охрану.",
                "Добрый день! Видим контроллер в сети, проверяем конфигурацию считывателя.",
                "После обновления прошивки контроллера сбились настройки формата карт Mifare. "
                "Восстановили конфигурацию удалённо, считыватель работает.",
            ),
            Topic(
                "Камера не распознаёт номера на въезде",
                "Камера на въезде в паркинг пропускает машины с опозданием, часть номеров не "
                "распознаёт, особенно вечером.",
                "Добрый день! Пришлите, пожалуйста, пару снимков с камеры за вчерашний вечер.",
                "Скорректировали зону распознавания и выдержку камеры под вечернее освещение, "
                "доля распознанных номеров вернулась к 98 %.",
            ),
            Topic(
                "Подключить новый турникет к системе",
                "Установили дополнительный турникет PERCo на втором входе. Как подключить его "
                "к PASS24?",
                "Добрый день! Пришлите, пожалуйста, модель контроллера и его IP-адрес.",
                "Контроллер добавлен в объект, точка прохода настроена, правила доступа "
                "скопированы с центрального входа. Проверили проход по тестовой карте.",
            ),
            Topic(
                "Шлагбаум открывается с задержкой",
                "После въезда по номеру шлагбаум открывается секунд через 10, образуется очередь.",
                "Добрый день! Проверяем время ответа контроллера шлагбаума.",
                "Контроллер шлагбаума работал через перегруженный канал связи. Перевели его на "
                "локальную проверку пропусков, открытие — менее секунды.",
            ),
        ),
        emergencies=(
            Topic(
                "Не открывается шлагбаум на въезде",
                "СРОЧНО! Шлагбаум на главном въезде не открывается ни по номерам, ни из "
                "приложения. На въезде очередь из машин жильцов.",
                "Приняли в работу! Подключаемся к контроллеру шлагбаума. Пока откройте шлагбаум "
                "вручную кнопкой на стойке охраны.",
                "Контроллер шлагбаума завис после перепада напряжения. Перезагрузили его "
                "удалённо, проезд восстановлен. Рекомендуем ИБП для контроллера.",
            ),
            Topic(
                "Турникеты не пропускают сотрудников",
                "Утром все турникеты на проходной перестали пропускать по картам! Сотрудники "
                "не могут пройти, пускаем вручную.",
                "Приняли в работу, инженер уже подключается к серверу объекта.",
                "На сервере объекта закончилось место на диске, служба доступа остановилась. "
                "Освободили место, служба перезапущена, проход работает. Настроили мониторинг диска.",
            ),
        ),
    ),
    DemoCategory(
        "Мобильное приложение",
        18,
        (3, 57, 40),
        (
            Topic(
                "Не приходит код входа в приложение",
                "Жилец не может войти в мобильное приложение PASS24: код подтверждения по SMS "
                "не приходит уже второй день.",
                "Добрый день! Сообщите, пожалуйста, номер телефона жильца (последние 4 цифры).",
                "Номер был заблокирован после пяти неверных попыток ввода кода. Сняли "
                "блокировку, жилец вошёл в приложение.",
            ),
            Topic(
                "Приложение не открывает шлагбаум по кнопке",
                "В приложении нажимаем «Открыть шлагбаум», приложение пишет «Успешно», но "
                "шлагбаум не открывается.",
                "Добрый день! Уточните, пожалуйста, версию приложения и модель телефона.",
                "Кнопка была привязана к старому контроллеру после замены оборудования. "
                "Перепривязали точку доступа, открытие из приложения работает.",
            ),
            Topic(
                "Как добавить члена семьи в приложение",
                "Как жильцу добавить в приложение жену и сына, чтобы они тоже могли заказывать "
                "пропуска?",
                "Добрый день! Это делается в разделе «Моя квартира» → «Жители». Нужно ли "
                "ограничить права членов семьи?",
                "Отправили инструкцию по добавлению жителей и настройке их прав. Жилец добавил "
                "членов семьи.",
            ),
            Topic(
                "Push-уведомления о гостях не приходят",
                "Перестали приходить push-уведомления о приходе гостей на Android.",
                "Добрый день! Проверим доставку уведомлений, пришлите, пожалуйста, модель телефона.",
                "Система энергосбережения телефона выгружала приложение. Отправили инструкцию "
                "по добавлению PASS24 в исключения, уведомления приходят.",
            ),
        ),
    ),
    DemoCategory(
        "Интеграции (1С, СКУД, Bitrix24)",
        12,
        (5, 65, 30),
        (
            Topic(
                "Не выгружаются сотрудники из 1С",
                "Новые сотрудники из 1С:ЗУП не появляются в PASS24 уже неделю. Обмен вроде "
                "бы идёт.",
                "Добрый день! Пришлите, пожалуйста, журнал обмена за последние сутки.",
                "В 1С изменили структуру подразделений, и обмен пропускал сотрудников без "
                "сопоставленного отдела. Обновили правила сопоставления, 37 сотрудников выгружены.",
            ),
            Topic(
                "Настроить интеграцию с Bitrix24",
                "Хотим, чтобы сотрудники заказывали пропуска гостям прямо из Bitrix24. "
                "Как это подключить?",
                "Добрый день! Интеграция с Bitrix24 есть. Подскажите, у вас облачный портал или коробка?",
                "Установили приложение PASS24 в Bitrix24, настроили права отделов. Заказ пропуска "
                "из карточки встречи работает.",
            ),
            Topic(
                "Ошибка синхронизации с СКУД Sigur",
                "В логах интеграции со Sigur ошибки 401, пропуска не синхронизируются.",
                "Добрый день! Похоже на истёкший ключ API. Проверяем настройки подключения.",
                "Ключ API в Sigur был перевыпущен администратором. Обновили ключ в настройках "
                "интеграции, синхронизация восстановлена, очередь из 214 изменений обработана.",
            ),
            Topic(
                "Доступ к API для своей системы",
                "Наш отдел ИТ хочет получать события проходов через API. Где документация и как "
                "получить ключ?",
                "Добрый день! Документация доступна в личном кабинете. Ключ выдадим после "
                "подтверждения от администратора договора.",
                "Выдали ключ API с правами на чтение событий, отправили ссылку на документацию "
                "и пример запроса.",
            ),
        ),
        emergencies=(
            Topic(
                "Остановился обмен со СКУД, пропуска не действуют",
                "Срочно! После ночного обновления СКУД не принимает пропуска из PASS24, новые "
                "сотрудники не могут пройти.",
                "Приняли в работу, подключаем инженера интеграций.",
                "После обновления СКУД изменился формат ответа API. Выпустили исправление "
                "коннектора, обмен восстановлен, пропуска синхронизированы.",
            ),
        ),
    ),
    DemoCategory(
        "Биллинг и документы",
        10,
        (0, 45, 55),
        (
            Topic(
                "Нужен акт сверки за квартал",
                "Пришлите, пожалуйста, акт сверки взаиморасчётов за прошлый квартал.",
                "Добрый день! Запросили акт сверки в бухгалтерии.",
                "Акт сверки сформирован и отправлен через ЭДО.",
            ),
            Topic(
                "Не пришёл счёт за текущий месяц",
                "Не получили счёт на оплату за этот месяц, в ЭДО тоже его нет.",
                "Добрый день! Проверяем выставление счёта.",
                "Счёт был отправлен на старый адрес бухгалтерии. Обновили контакты и повторно "
                "отправили счёт через ЭДО.",
            ),
            Topic(
                "Изменить тариф с нового месяца",
                "Хотим перейти на тариф «Бизнес» с первого числа. Что для этого нужно?",
                "Добрый день! Подготовим допсоглашение. Подтвердите, пожалуйста, количество объектов.",
                "Допсоглашение подписано, тариф «Бизнес» действует с первого числа.",
            ),
            Topic(
                "Закрывающие документы не поступили в ЭДО",
                "За прошлый месяц не пришли УПД в Диадок.",
                "Добрый день! Уточняем у бухгалтерии статус отправки.",
                "УПД повторно отправлены через Диадок, роуминг с вашим оператором ЭДО настроен.",
            ),
        ),
    ),
    DemoCategory(
        "Обучение персонала",
        8,
        (0, 25, 75),
        (
            Topic(
                "Обучить новых сотрудников охраны",
                "У нас сменилась охрана на КПП. Можно провести обучение работе с PASS24 для "
                "6 человек?",
                "Добрый день! Да, предложим время онлайн-обучения. Какие дни удобны?",
                "Провели онлайн-обучение для 6 сотрудников охраны, отправили запись и памятку "
                "по работе на КПП.",
            ),
            Topic(
                "Инструкция для администраторов арендаторов",
                "Есть ли инструкция для администраторов арендаторов: как заказывать пропуска и "
                "управлять сотрудниками?",
                "Добрый день! Есть, пришлём актуальную версию.",
                "Отправили инструкцию администратора арендатора и ссылку на видеоуроки.",
            ),
            Topic(
                "Вебинар по новым отчётам",
                "Видели новость про новые отчёты по посещаемости. Будет ли вебинар?",
                "Добрый день! Вебинар планируется, уточним дату.",
                "Зарегистрировали ваших сотрудников на вебинар, запись придёт на почту.",
            ),
        ),
    ),
)

CLIENT_REPLIES = (
    "Добрый день! Отправляю данные, которые вы просили.",
    "Здравствуйте, фото и номер контроллера во вложении.",
    "Уточнили у охраны: проблема проявляется каждый вечер после 19:00.",
    "Журнал обмена прикладываю. Спасибо!",
    "Да, всё верно. Ждём решения.",
    "Модель телефона Samsung A52, версия приложения последняя.",
)
QUESTIONS = (
    "Уточните, пожалуйста, когда проблема возникла впервые и сколько пользователей затронуто?",
    "Пришлите, пожалуйста, скриншот ошибки и время, когда она появилась.",
    "Подскажите, пожалуйста, серийный номер контроллера — он на наклейке на корпусе.",
    "Чтобы продолжить, нужен журнал обмена за последние сутки. Пришлите, пожалуйста.",
)
NOTES = (
    "Проверил логи контроллера: обрывы связи с 02:10 до 02:40.",
    "Похоже на ту же проблему, что у клиента месяц назад. Передаю инженеру.",
    "Согласовал с разработкой: исправление войдёт в ближайший релиз.",
    "Клиент ключевой, держу на контроле.",
)
REOPEN_MESSAGES = (
    "Проблема повторилась сегодня утром, посмотрите ещё раз, пожалуйста.",
    "К сожалению, снова не работает.",
    "После вашего исправления всё работало два дня, сейчас опять то же самое.",
)
FOLLOW_UP_PREFIXES = ("Снова: ", "Повторно: ", "Опять ")
LOW_RATING_COMMENTS = (
    "Долго ждали первого ответа, а объект стоял.",
    "Решили только со второго раза.",
    "Пришлось несколько раз объяснять одно и то же.",
    "Ответ формальный, проблему решили сами.",
    "Шлагбаум не работал полдня, это недопустимо.",
)
HIGH_RATING_COMMENTS = (
    "Спасибо, быстро и понятно!",
    "Отличная поддержка, всё решили за час.",
    "Спасибо за оперативность, всё чётко.",
    "",
    "",
    "",
)
CSAT_WEIGHTS = ((5, 72), (4, 19), (3, 5), (2, 2), (1, 2))
# After a late reply or resolution, or from a client about to leave.
CSAT_WEIGHTS_UNHAPPY = ((5, 30), (4, 25), (3, 20), (2, 13), (1, 12))
# Hours the client takes to answer a question, and how often.
CLIENT_DELAYS = ((0.5, 20), (1, 20), (2, 20), (4, 15), (20, 12), (26, 10), (50, 3))
CHANNELS = ((Channel.PORTAL, 45), (Channel.EMAIL, 33), (Channel.PHONE, 17), (Channel.MESSENGER, 5))
MESSAGE_SOURCE = {
    Channel.PORTAL: TicketMessage.Source.PORTAL,
    Channel.EMAIL: TicketMessage.Source.EMAIL,
    Channel.PHONE: TicketMessage.Source.PHONE,
    Channel.MESSENGER: TicketMessage.Source.WEB,  # typed in by staff
}

# (on time: business minutes low..high, late: low..high, share late) per type and metric.
FIRST_REPLY = {
    TicketType.EMERGENCY: ((2, 13), (17, 70), 0.08),  # calendar minutes (24/7)
    TicketType.STANDARD: ((5, 200), (250, 700), 0.05),
    TicketType.CONSULTATION: ((10, 420), (500, 1200), 0.04),
}
RESOLUTION = {
    TicketType.EMERGENCY: ((40, 220), (260, 700), 0.08),
    TicketType.STANDARD: ((60, 1000), (1500, 3800), 0.05),
    TicketType.CONSULTATION: ((60, 1300), (3000, 5500), 0.04),
}
# The ceiling of 5 calendar days (sla.md) is kept by tickets resolved on time.
ON_TIME_LIMIT = dt.timedelta(days=4, hours=12)


@dataclass
class _Desk:
    """What the generator draws on: staff, the calendars and the present moment."""

    ctx: DemoContext
    now: dt.datetime
    business: object
    support: list
    engineers: list
    categories: dict[str, Category]
    contacts: dict[int, list[Contact]]
    sites: dict[int, list[Site]]
    counter: int = 0


def create_tickets(ctx: DemoContext) -> None:
    """Tickets of the demo's months for ``ctx.clients``, replayed through the import's
    replay (module doc); keeps the tickets on ``ctx.extra["tickets"]``."""
    desk = _desk(ctx)
    histories: list[History] = []
    for client in ctx.clients:
        histories += _client_tickets(desk, client)
    histories += _live_queue(desk)
    tickets = replay(histories, now=desk.now, audit_at_event_time=True)
    ctx.extra["tickets"] = tickets
    open_count = sum(ticket.status in OPEN_STATUSES for ticket in tickets)
    ctx.log(f"  {len(tickets)} tickets, {open_count} open now")


def demo_now(ctx: DemoContext) -> dt.datetime:
    """The present moment of the demo (module doc, «Determinism»)."""
    now = timezone.now()
    if timezone.localdate(now) == ctx.today:
        return now.replace(second=0, microsecond=0)
    return ctx.at(ctx.today, 16, 0)


def _desk(ctx: DemoContext) -> _Desk:
    categories = {}
    for spec in CATEGORIES:
        categories[spec.name], _created = Category.objects.get_or_create(name=spec.name)
    contacts: dict[int, list[Contact]] = defaultdict(list)
    for contact in (
        Contact.objects.filter(client__in=ctx.clients).select_related("user").order_by("pk")
    ):
        contacts[contact.client_id].append(contact)
    sites: dict[int, list[Site]] = defaultdict(list)
    for site in Site.objects.filter(client__in=ctx.clients).order_by("pk"):
        sites[site.client_id].append(site)
    calendar = WorkCalendar.objects.filter(is_default=True).first() or WorkCalendar.objects.first()
    return _Desk(
        ctx=ctx,
        now=demo_now(ctx),
        business=business_calendar(calendar),
        support=ctx.users_with_role(Role.SUPPORT_MANAGER),
        engineers=ctx.users_with_role(Role.SENIOR_ENGINEER),
        categories=categories,
        contacts=contacts,
        sites=sites,
    )


def _client_tickets(desk: _Desk, client: Client) -> list[History]:
    ctx, rng = desk.ctx, desk.ctx.rng
    start = max(ctx.at(ctx.history_start, 0), ctx.at(client.contract_start, 9))
    end = desk.now
    if client.churned_at:
        end = min(end, ctx.at(client.churned_at, 18))
    if end <= start:
        return []
    rate_per_month = MONTHLY_RATE.get(client.tariff, 1.0)
    if client.status == ClientStatus.ONBOARDING:
        rate_per_month *= ONBOARDING_FACTOR
    months = (end - start) / (30.4 * DAY)
    count = _poisson(rng, rate_per_month * months)
    histories = []
    for _ in range(count):
        created = _working_moment(rng, start + (end - start) * rng.random())
        if created > end:
            continue
        history, resolved = _ticket(desk, client, created)
        histories.append(history)
        # Some come back with the same trouble within the repeat window.
        if resolved and rng.random() < 0.08 * _strain(desk, created):
            again = _working_moment(rng, resolved + DAY * rng.uniform(0.5, 20))
            if again < end:
                follow_up, _resolved = _ticket(desk, client, again, like=history)
                histories.append(follow_up)
    return histories


def _ticket(desk: _Desk, client: Client, created: dt.datetime, like: History | None = None):
    """One ticket's history from ``created`` on, cut at the present moment; and when it was
    resolved (None if it is still open)."""
    rng = desk.ctx.rng
    spec = _category_of(rng, like)
    type_ = like.type if like else _weighted(rng, zip(TicketType.values, spec.types, strict=True))
    if type_ == TicketType.EMERGENCY and not spec.emergencies:
        type_ = TicketType.STANDARD
    topics = spec.emergencies if type_ == TicketType.EMERGENCY else spec.topics
    topic = _topic_of(like, topics) or rng.choice(topics)
    if type_ == TicketType.EMERGENCY:
        # Barriers and readers fail at any hour.
        created = min(created.replace(hour=rng.choice([created.hour, 6, 7, 8, 20, 22])), desk.now)
    channel = Channel.PHONE if type_ == TicketType.EMERGENCY and rng.random() < 0.6 else None
    channel = channel or _weighted(rng, CHANNELS)
    contacts = desk.contacts.get(client.pk) or [None]
    contact = rng.choice(contacts)
    if channel == Channel.PORTAL:
        contact, channel = _portal_filer(contacts, contact)
    staff = _assignee(desk, spec, type_)
    creator = _creator(contact, channel, staff)
    subject = topic.subject
    if like is not None:
        subject = rng.choice(FOLLOW_UP_PREFIXES) + topic.subject[0].lower() + topic.subject[1:]
    history = History(
        subject=subject,
        body=topic.body,
        type=type_,
        created_at=created,
        channel=channel,
        client=client,
        category=desk.categories[spec.name],
        site=rng.choice(desk.sites.get(client.pk) or [None]),
        contact=contact,
        assignee=staff,
        creator=creator,
        source=MESSAGE_SOURCE[channel],
        external_id=_external_id(desk),
    )
    resolved = _events(desk, history, topic, staff, contact, client)
    return history, resolved


def _events(
    desk: _Desk, history: History, topic: Topic, staff, contact, client
) -> dt.datetime | None:
    """The events of a ticket's life; returns when it was resolved, if by now."""
    rng, cal = desk.ctx.rng, desk.business
    created, type_ = history.created_at, history.type
    events = history.events
    client_source = MESSAGE_SOURCE.get(history.channel, TicketMessage.Source.EMAIL)
    if client_source in (TicketMessage.Source.PHONE, TicketMessage.Source.WEB):
        client_source = TicketMessage.Source.EMAIL
    author = contact.user if contact and contact.user_id else None
    author_email = contact.email if contact else ""

    strain = _strain(desk, created)
    first, late_reply = _draw(rng, FIRST_REPLY[type_], strain)
    if type_ == TicketType.EMERGENCY:
        first_at = created + first * MINUTE
    else:
        first_at = cal.add(created, first)
    ask = rng.random() < 0.3
    events.append(reply(first_at, staff, rng.choice(QUESTIONS) if ask else topic.answer))
    last = first_at
    paused = 0.0
    if ask:
        events.append(change_status(first_at, TicketStatus.WAITING_CLIENT, staff))
        answered = first_at + HOUR * _weighted(rng, CLIENT_DELAYS)
        events.append(
            client_reply(
                answered,
                rng.choice(CLIENT_REPLIES),
                author=author,
                author_email=author_email,
                source=client_source,
            )
        )
        paused = cal.between(first_at, answered)
        last = answered
    if rng.random() < 0.15 and desk.engineers:
        last = last + MINUTE * rng.randint(10, 120)
        events.append(note(last, rng.choice(desk.engineers), rng.choice(NOTES)))
    work, late_resolution = _draw(rng, RESOLUTION[type_], strain)
    resolved = max(cal.add(created, work + paused), last + MINUTE * rng.randint(5, 60))
    if not late_resolution and resolved - created > ON_TIME_LIMIT:
        resolved = cal.add(last, rng.randint(20, 120))
    events.append(reply(resolved, staff, topic.solution))
    events.append(change_status(resolved, TicketStatus.RESOLVED, staff))
    if rng.random() < 0.03:
        # The client comes back: the ticket is reopened and resolved again.
        back = resolved + HOUR * rng.uniform(3, 100)
        events.append(
            client_reply(
                back,
                rng.choice(REOPEN_MESSAGES),
                author=author,
                author_email=author_email,
                source=client_source,
            )
        )
        events.append(
            change_status(
                back, TicketStatus.OPEN, staff, reason="Клиент сообщил, что проблема повторилась"
            )
        )
        resolved = cal.add(back, rng.randint(30, 600))
        events.append(reply(resolved, staff, "Нашли причину повторного сбоя. " + topic.solution))
        events.append(change_status(resolved, TicketStatus.RESOLVED, staff))
    unhappy = (
        late_reply
        or late_resolution
        or client.status in (ClientStatus.AT_RISK, ClientStatus.CHURNED)
    )
    if rng.random() < 0.45:
        score = _weighted(rng, CSAT_WEIGHTS_UNHAPPY if unhappy else CSAT_WEIGHTS)
        comment = (
            rng.choice(LOW_RATING_COMMENTS) if score <= 3 else rng.choice(HIGH_RATING_COMMENTS)
        )
        events.append(rate(resolved + HOUR * rng.uniform(0.2, 30), score, comment, actor=author))
    return _cut(desk, history, resolved)


def _cut(desk: _Desk, history: History, resolved: dt.datetime) -> dt.datetime | None:
    """Close the ticket when the reopen window has passed, and drop whatever lies after
    now; returns the resolution time if it is not in the future."""
    events = history.events
    closes = resolved + DAY * settings.REOPEN_WINDOW_DAYS
    last_rating = max((e.at for e in events if e.kind == "rate"), default=resolved)
    closes = max(closes, last_rating)
    events.append(change_status(closes, TicketStatus.CLOSED, None))
    events.sort(key=lambda event: event.at)
    history.events = [event for event in events if event.at <= desk.now]
    return resolved if resolved <= desk.now else None


def _live_queue(desk: _Desk) -> list[History]:
    """A few tickets placed so that the queue shows every state now."""
    rng, cal, now = desk.ctx.rng, desk.business, desk.now
    clients = [c for c in desk.ctx.clients if c.status != ClientStatus.CHURNED]
    if not clients:
        return []
    histories = []

    def open_ticket(business_minutes_ago: int, type_=TicketType.STANDARD, assigned=True):
        client = rng.choice(clients)
        spec = (
            rng.choice([c for c in CATEGORIES if c.emergencies])
            if type_ == TicketType.EMERGENCY
            else _weighted(rng, ((c, c.weight) for c in CATEGORIES))
        )
        topics = spec.emergencies if type_ == TicketType.EMERGENCY else spec.topics
        topic = rng.choice(topics)
        if type_ == TicketType.EMERGENCY:
            created = now - business_minutes_ago * MINUTE
        else:
            created = _business_before(cal, now, business_minutes_ago)
        contacts = desk.contacts.get(client.pk) or [None]
        contact, channel = _portal_filer(contacts, rng.choice(contacts))
        staff = _assignee(desk, spec, type_) if assigned else None
        history = History(
            subject=topic.subject,
            body=topic.body,
            type=type_,
            created_at=created,
            channel=channel,
            client=client,
            category=desk.categories[spec.name],
            contact=contact,
            assignee=staff,
            creator=contact.user if contact and contact.user_id else None,
            source=MESSAGE_SOURCE[channel],
            external_id=_external_id(desk),
        )
        histories.append(history)
        return history, topic, staff

    # Due soon: no first reply yet, 3 h 20 min – 3 h 45 min of the 4 business hours gone.
    for minutes in (200, 215, 225):
        open_ticket(minutes)
    # Overdue: a first reply never came; and one replied but not resolved in 24 business hours.
    open_ticket(330)
    history, topic, staff = open_ticket(1700)
    history.events.append(reply(cal.add(history.created_at, 35), staff, topic.answer))
    # An emergency past its 15 minutes without a reply.
    open_ticket(40, TicketType.EMERGENCY)
    # Waiting for the client.
    history, topic, staff = open_ticket(150)
    asked = cal.add(history.created_at, 25)
    history.events += [
        reply(asked, staff, rng.choice(QUESTIONS)),
        change_status(asked, TicketStatus.WAITING_CLIENT, staff),
    ]
    # Just in, nobody has taken them yet.
    for minutes in (5, 18, 47):
        open_ticket(minutes, assigned=False)
    return histories


def _business_before(cal, now: dt.datetime, minutes: int) -> dt.datetime:
    """The latest moment from which ``minutes`` business minutes have passed by ``now``."""
    moment = now - minutes * MINUTE
    while cal.between(moment, now) < minutes:
        moment -= 10 * MINUTE
    while cal.between(moment + MINUTE, now) >= minutes:
        moment += MINUTE
    return moment


def _assignee(desk: _Desk, spec: DemoCategory, type_: str):
    rng = desk.ctx.rng
    technical = type_ == TicketType.EMERGENCY or spec.name.startswith("Интеграции")
    if desk.engineers and technical and rng.random() < 0.4:
        return rng.choice(desk.engineers)
    if not desk.support:
        return None
    weights = [5 if user.username == "support" else 4 for user in desk.support]
    return rng.choices(desk.support, weights=weights)[0]


def _portal_filer(contacts, contact):
    """Only a contact with a portal login files in the portal (else the history would name
    «system» as the author): the drawn contact, another of the client's contacts who has a
    login, or — nobody has one — the request came by mail. Returns (contact, channel)."""
    if contact is None or not contact.user_id:
        contact = next((c for c in contacts if c and c.user_id), contact)
    return contact, Channel.PORTAL if contact and contact.user_id else Channel.EMAIL


def _creator(contact, channel: str, staff):
    """Who files the ticket: the contact in the portal, staff for a call, nobody for mail."""
    if channel == Channel.PORTAL and contact and contact.user_id:
        return contact.user
    if channel in (Channel.PHONE, Channel.MESSENGER):
        return staff
    return None


def _category_of(rng, like: History | None) -> DemoCategory:
    if like is not None:
        return next(spec for spec in CATEGORIES if spec.name == like.category.name)
    return _weighted(rng, ((spec, spec.weight) for spec in CATEGORIES))


def _topic_of(like: History | None, topics) -> Topic | None:
    if like is None:
        return None
    return next((topic for topic in topics if topic.body == like.body), None)


def _external_id(desk: _Desk) -> str:
    desk.counter += 1
    return f"DEMO-T-{desk.counter:06d}"


def _working_moment(rng, moment: dt.datetime) -> dt.datetime:
    """A believable time to write to support: mostly weekdays 9–19, sometimes not."""
    local = timezone.localtime(moment)
    day = local.date()
    if rng.random() < 0.9:
        while day.weekday() >= 5:
            day += DAY
        hour = _weighted(
            rng,
            ((h, w) for h, w in zip(range(9, 19), (6, 10, 10, 9, 7, 8, 9, 8, 6, 4), strict=True)),
        )
    else:
        hour = rng.choice([7, 8, 19, 20, 21, 22])
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, rng.randint(0, 59))))


def _draw(rng, spec, strain: float) -> tuple[int, bool]:
    """Minutes drawn from ``spec`` (see FIRST_REPLY), and whether they are the late kind."""
    (low, high), (late_low, late_high), late_share = spec
    if rng.random() < late_share * strain:
        return rng.randint(late_low, late_high), True
    # Skewed to the quick end: most tickets are handled well within the target.
    return int(low + (high - low) * rng.random() ** 1.8), False


def _strain(desk: _Desk, moment: dt.datetime) -> float:
    """How hard the year was going at ``moment``: 1.4 at the start of the demo's months
    down to 0.6 now — the department got better (fewer late tickets and repeats)."""
    start = desk.ctx.at(desk.ctx.history_start, 0)
    progress = (moment - start) / max(desk.now - start, dt.timedelta(days=1))
    return 1.4 - 0.8 * min(max(progress, 0.0), 1.0)


def _poisson(rng, mean: float) -> int:
    """A Poisson count (Knuth's method for small means, normal beyond)."""
    if mean > 30:
        return max(0, round(rng.gauss(mean, mean**0.5)))
    limit, count, product = pow(2.718281828459045, -mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def _weighted(rng, choices):
    items, weights = zip(*choices, strict=True)
    return rng.choices(items, weights=weights)[0]
