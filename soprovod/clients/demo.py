"""Demo step «clients»: a PASS24-like portfolio of client companies with sites and contacts.

Companies are built per segment (business centres, residential complexes, factories,
warehouses, shopping centres, public institutions) with Russian names, valid INNs, a
tariff and an MRR that fits the tariff, a success manager and a seller. Each client has a
dated status history (onboarding → active, some at risk, some churned within the demo's
months), so retention over past periods can be computed.

Everything is bulk-inserted (validated with ``clean_fields``/``clean`` first, as the
actions would), so 400 clients load in seconds. Instead of going through the actions, the
step writes the audit trail in bulk too: one ``created`` event per client, site and
contact, dated when the client arrived, and one ``status`` event per later status change.

Emails use the reserved ``.example`` domain so that demo data can never mail anyone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType

from soprovod.accounts.models import User, UserRole
from soprovod.accounts.roles import Role
from soprovod.audit.models import AuditEvent
from soprovod.audit.recorder import diff, snapshot
from soprovod.clients.actions import CLIENT_FIELDS, CONTACT_FIELDS, SITE_FIELDS
from soprovod.clients.models import (
    Client,
    ClientStatus,
    ClientStatusChange,
    Contact,
    MrrChange,
    MrrReason,
    Site,
)
from soprovod.core.demo import PORTAL_USERNAMES, DemoContext
from soprovod.lib.inn import generate_inn

# (city, time zone, weight)
CITIES = (
    ("Москва", "Europe/Moscow", 30),
    ("Санкт-Петербург", "Europe/Moscow", 14),
    ("Казань", "Europe/Moscow", 6),
    ("Краснодар", "Europe/Moscow", 6),
    ("Нижний Новгород", "Europe/Moscow", 5),
    ("Ростов-на-Дону", "Europe/Moscow", 4),
    ("Калининград", "Europe/Kaliningrad", 2),
    ("Самара", "Europe/Samara", 4),
    ("Екатеринбург", "Asia/Yekaterinburg", 7),
    ("Челябинск", "Asia/Yekaterinburg", 3),
    ("Уфа", "Asia/Yekaterinburg", 3),
    ("Тюмень", "Asia/Yekaterinburg", 2),
    ("Омск", "Asia/Omsk", 2),
    ("Новосибирск", "Asia/Novosibirsk", 5),
    ("Красноярск", "Asia/Krasnoyarsk", 3),
    ("Иркутск", "Asia/Irkutsk", 2),
    ("Хабаровск", "Asia/Vladivostok", 2),
    ("Владивосток", "Asia/Vladivostok", 3),
)

STREETS = (
    "ул. Ленина", "ул. Мира", "ул. Советская", "ул. Гагарина", "пр-т Победы", "ул. Садовая",
    "ул. Промышленная", "ул. Заводская", "ул. Строителей", "ул. Молодёжная", "ул. Лесная",
    "ул. Центральная", "Ленинский пр-т", "ул. Пушкина", "ул. Кирова", "ул. Октябрьская",
    "ул. Комсомольская", "ул. Московская", "ул. Индустриальная", "ул. Складская",
    "ул. Транспортная", "ул. Профсоюзная", "ул. Карла Маркса", "ул. Чкалова", "ул. Свердлова",
    "Набережная ул.", "ш. Энтузиастов", "ул. Новая", "ул. Береговая", "Проспект Мира",
)  # fmt: skip

ROOTS = (
    "Меридиан", "Альфа", "Северный", "Гранит", "Восток", "Импульс", "Сфера", "Орион",
    "Берёзка", "Ривьера", "Солнечный", "Невский", "Уральский", "Сибирь", "Континент",
    "Атлант", "Горизонт", "Престиж", "Вектор", "Парус", "Олимп", "Кристалл", "Магистраль",
    "Лидер", "Аврора", "Звезда", "Радуга", "Дружба", "Рассвет", "Заречный", "Озёрный",
    "Парковый", "Изумрудный", "Янтарь", "Байкал", "Енисей", "Волга", "Ладога", "Кама",
    "Алмаз", "Титан", "Квадрат", "Сити Парк", "Новая Волна", "Белые Ночи", "Адмирал",
    "Капитал", "Триумф", "Эталон", "Прогресс", "Союз", "Гармония", "Фортуна", "Лазурный",
    "Европейский", "Столичный", "Южный", "Полярный", "Кедр", "Сосновый Бор", "Ясная Поляна",
    "Зелёный Квартал", "Маяк", "Вертикаль", "Арсенал", "Энергия", "Технополис", "Бриз",
    "Эверест", "Эльбрус", "Ангара", "Онега", "Садовое Кольцо", "Весна", "Новый Город",
)  # fmt: skip

# Latin spelling of each root, for email domains.
_TRANSLIT = str.maketrans(
    {
        "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh",
        "з": "z", "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o",
        "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts",
        "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu",
        "я": "ya", " ": "-",
    }
)  # fmt: skip


def translit(text: str) -> str:
    return text.lower().translate(_TRANSLIT)


@dataclass(frozen=True)
class Segment:
    name: str
    weight: int
    companies: tuple[str, ...]  # patterns with {root} and {n}
    sites: tuple[str, ...]  # patterns with {root}, {n} and {city}
    tariff_weights: tuple[int, int, int]  # Старт, Бизнес, Корпоративный
    equipment: tuple[str, ...]  # patterns with {n}
    positions: tuple[str, ...]


SEGMENTS = (
    Segment(
        "Бизнес-центр",
        25,
        (
            "ООО «УК {root}»",
            "АО «БЦ {root}»",
            "ООО «{root} Плаза»",
            "ООО «{root} Девелопмент»",
            "ООО «Бизнес-центр {root}»",
            "АО «{root} Тауэр»",
        ),
        ("БЦ «{root}»", "БЦ «{root}», корпус {n}", "Офисный центр «{root}»"),
        (25, 50, 25),
        (
            "Скоростные проходы Oxgard Praktika — {n} шт.",
            "Турникеты-триподы PERCo TTR-10 — {n} шт.",
            "Считыватели карт Mifare на входной группе — {n} шт.",
            "Считыватели QR-кодов гостевых пропусков — {n} шт.",
            "Терминал самообслуживания для выдачи гостевых пропусков",
            "Шлагбаум CAME GARD на въезде в паркинг",
            "Камеры распознавания номеров на въезде и выезде — {n} шт.",
            "Терминалы распознавания лиц на ресепшене — {n} шт.",
        ),
        ("Управляющий БЦ", "Администратор БЦ", "Начальник службы безопасности",
         "Главный инженер", "Заместитель директора по АХЧ"),
    ),
    Segment(
        "Жилой комплекс",
        30,
        (
            "ТСЖ «{root}»",
            "ТСН «{root}»",
            "УК «{root}»",
            "ООО «УК ЖК {root}»",
            "ООО «Управляющая компания {root}»",
            "ЖСК «{root}-{n}»",
        ),
        ("ЖК «{root}»", "ЖК «{root}», секция {n}", "ЖК «{root}», подземный паркинг"),
        (60, 35, 5),
        (
            "Шлагбаумы DoorHan Barrier-PRO на въездах — {n} шт.",
            "Камеры распознавания номеров на КПП — {n} шт.",
            "Калитки с считывателями брелоков на территорию — {n} шт.",
            "IP-домофоны BAS-IP на подъездах — {n} шт.",
            "Откатные ворота с автоматикой в паркинг",
            "Пост охраны с планшетом для гостевых пропусков",
        ),
        ("Председатель правления ТСЖ", "Управляющий домом", "Инженер УК",
         "Диспетчер", "Директор управляющей компании"),
    ),
    Segment(
        "Производство",
        12,
        (
            "АО «Завод {root}»",
            "ООО «Производственная компания {root}»",
            "АО «{root} Индастри»",
            "ООО «Фабрика {root}»",
            "ООО «Комбинат {root}»",
            "ПАО «Машзавод {root}»",
        ),
        ("Производственная площадка «{root}»", "Цех № {n}", "Проходная № {n}",
         "Административный корпус"),
        (20, 45, 35),
        (
            "Полноростовые турникеты Sibirix на проходной — {n} шт.",
            "Турникеты-триподы PERCo TTD-03.1 — {n} шт.",
            "Считыватели EM-Marine в цехах — {n} шт.",
            "Алкотестеры на проходной, интеграция с СКУД — {n} шт.",
            "Шлагбаум и камера распознавания номеров на грузовом КПП",
            "Весовая с распознаванием номеров грузовиков",
        ),
        ("Начальник службы безопасности", "Главный инженер", "Начальник отдела кадров",
         "Инженер АСУ ТП", "Заместитель директора по режиму"),
    ),
    Segment(
        "Склад/логистика",
        12,
        (
            "ООО «{root} Логистик»",
            "ООО «Складской комплекс {root}»",
            "АО «ТЛК {root}»",
            "ООО «{root} Карго»",
            "ООО «Терминал {root}»",
        ),
        ("Складской комплекс «{root}»", "Склад № {n}", "Распределительный центр «{city}»",
         "Терминал «{root}»"),
        (30, 50, 20),
        (
            "Шлагбаумы на въезде грузового транспорта — {n} шт.",
            "Камеры распознавания номеров на КПП — {n} шт.",
            "Турникеты-триподы на проходной персонала — {n} шт.",
            "Электронная очередь машин на погрузку, интеграция с WMS",
            "Считыватели карт на воротах складских секций — {n} шт.",
        ),
        ("Директор склада", "Начальник охраны", "Руководитель транспортного отдела",
         "Системный администратор", "Начальник смены"),
    ),
    Segment(
        "Торговый центр",
        11,
        (
            "ООО «ТЦ {root}»",
            "АО «ТРК {root}»",
            "ООО «ТРЦ {root}»",
            "ООО «{root} Молл»",
        ),
        ("ТЦ «{root}»", "ТРЦ «{root}»", "ТЦ «{root}», парковка"),
        (20, 50, 30),
        (
            "Шлагбаумы паркинга с оплатой по номеру — {n} шт.",
            "Камеры распознавания номеров на въездах — {n} шт.",
            "Турникеты на служебном входе — {n} шт.",
            "Считыватели QR-кодов для арендаторов и подрядчиков — {n} шт.",
            "Пропуска на разгрузку через зону погрузки",
        ),
        ("Директор ТЦ", "Начальник службы безопасности", "Управляющий паркингом",
         "Менеджер по работе с арендаторами", "Главный инженер"),
    ),
    Segment(
        "Государственное учреждение",
        10,
        (
            "ГБОУ «Школа № {n}»",
            "ГБУЗ «Городская поликлиника № {n}»",
            "ГАУК «Дворец культуры «{root}»»",
            "МБУ «Спортивный комплекс «{root}»»",
            "ГКУ «Центр занятости населения № {n}»",
            "ГБУ «Жилищник района {root}»",
        ),
        ("Главный корпус", "Корпус {n}", "Здание на {street}"),
        (40, 45, 15),
        (
            "Турникеты-триподы на входе — {n} шт.",
            "Считыватели карт учащихся и сотрудников — {n} шт.",
            "Пост охраны с выдачей разовых пропусков",
            "Интеграция с системой оповещения родителей",
            "Шлагбаум на въезде на территорию",
        ),
        ("Директор", "Заместитель директора по безопасности", "Заведующий хозяйством",
         "Системный администратор", "Специалист по охране труда"),
    ),
)  # fmt: skip

# (tariff, MRR from, MRR to, ₽ a month)
TARIFFS = (
    ("Старт", 5_000, 20_000),
    ("Бизнес", 20_000, 80_000),
    ("Корпоративный", 80_000, 300_000),
)

# Final status weights: most clients are active; a few are new, at risk or gone.
STATUS_WEIGHTS = (
    (ClientStatus.ACTIVE, 78),
    (ClientStatus.ONBOARDING, 8),
    (ClientStatus.AT_RISK, 7),
    (ClientStatus.CHURNED, 7),
)

AT_RISK_REASONS = (
    "Падает число выписанных пропусков, клиент перестал пользоваться гостевым доступом",
    "Повторные жалобы на сбои считывателей",
    "Просрочка оплаты второй месяц",
    "Сменился управляющий, новый руководитель рассматривает другие системы",
    "Недоволен сроками решения обращений",
    "Запросил коммерческое предложение у конкурента",
)
CHURN_REASONS = (
    "Перешёл на систему конкурента",
    "Сокращение бюджета на безопасность",
    "Объект продан, новый собственник не продлил договор",
    "Закрытие объекта",
    "Не устроила интеграция с их 1С",
    "Слияние с другой управляющей компанией, переход на её СКУД",
)
CLIENT_NOTES = (
    "Оплата ежеквартально.",
    "Интеграция с 1С: выгрузка пропусков сотрудников каждую ночь.",
    "Просят ежемесячный отчёт по SLA.",
    "Подключены через API, гостевые пропуска оформляют арендаторы.",
    "Ключевой клиент: сеть объектов, решения согласовывать с руководителем ОС.",
    "Работают круглосуточно, экстренные обращения только по телефону.",
)


@dataclass
class _History:
    """A client's status changes: (status, effective on, comment), oldest first."""

    changes: list[tuple[str, date, str]]

    @property
    def final(self) -> str:
        return self.changes[-1][0]


def create_clients(ctx: DemoContext) -> None:
    """``ctx.client_count`` clients with sites, contacts, status history and audit trail;
    two contacts at different companies get the portal logins client1 and client2."""
    rng = ctx.rng
    managers = ctx.users_with_role(Role.SUCCESS_MANAGER)
    sellers = ctx.users_with_role(Role.SALES)
    names: set[str] = set()
    inns: set[str] = set()
    domains: set[str] = set()

    clients: list[Client] = []
    histories: list[_History] = []
    plans: list[tuple[Segment, str, str]] = []  # segment, root, home city
    for number in range(1, ctx.client_count + 1):
        segment = _weighted(rng, [(s, s.weight) for s in SEGMENTS])
        name, root = _company_name(rng, segment, names)
        city = _city(rng)
        history = _history(rng, ctx)
        tariff, low, high = _weighted(rng, list(zip(TARIFFS, segment.tariff_weights, strict=True)))
        client = Client(
            external_id=f"DEMO-{number:04d}",
            name=name,
            inn=_unique(lambda: generate_inn(rng), inns),
            tariff=tariff,
            mrr_rub=_mrr(rng, low, high),
            status=history.final,
            contract_start=history.changes[0][1],
            contract_end=history.changes[-1][1]
            if history.final == ClientStatus.CHURNED
            else _term_end(history.changes[0][1], ctx.today),
            churned_at=history.changes[-1][1] if history.final == ClientStatus.CHURNED else None,
            success_manager=_weighted(rng, [(m, 4 if m.username == "csm" else 3) for m in managers])
            if managers
            else None,
            sold_by=rng.choice(sellers) if sellers else None,
            segment=segment.name,
            notes=rng.choice(CLIENT_NOTES) if rng.random() < 0.15 else "",
            created_at=ctx.at(history.changes[0][1], 11),
        )
        # The actions' validation, minus the foreign-key checks (a query each; the users
        # were just created).
        client.clean_fields(exclude={"success_manager", "sold_by"})
        client.clean()
        clients.append(client)
        histories.append(history)
        plans.append((segment, root, city))
    Client.objects.bulk_create(clients)

    sites: list[Site] = []
    contacts: list[Contact] = []
    for client, (segment, root, city) in zip(clients, plans, strict=True):
        sites += _sites(rng, client, segment, root, city)
        contacts += _contacts(ctx, client, segment, root, domains)
    _give_portal_logins(ctx, clients, contacts)
    for obj in (*sites, *contacts):
        obj.clean_fields(exclude={"client", "user"})
    Site.objects.bulk_create(sites)
    Contact.objects.bulk_create(contacts)

    ClientStatusChange.objects.bulk_create(
        ClientStatusChange(
            client=client,
            status=status,
            effective_on=day,
            recorded_at=ctx.at(day, 12),
            actor=client.success_manager if index else client.sold_by,
            comment=comment,
        )
        for client, history in zip(clients, histories, strict=True)
        for index, (status, day, comment) in enumerate(history.changes)
    )
    AuditEvent.objects.bulk_create(_audit_trail(clients, histories, sites, contacts))
    ctx.clients = clients
    ctx.log(
        f"  {len(clients)} clients, {len(sites)} sites, {len(contacts)} contacts "
        f"({sum(h.final == ClientStatus.CHURNED for h in histories)} churned)"
    )


def _weighted(rng, choices):
    items, weights = zip(*choices, strict=True)
    return rng.choices(items, weights=weights)[0]


def _unique(make, seen: set[str]) -> str:
    while (value := make()) in seen:
        pass
    seen.add(value)
    return value


def _company_name(rng, segment: Segment, seen: set[str]) -> tuple[str, str]:
    for _ in range(50):
        root = rng.choice(ROOTS)
        name = rng.choice(segment.companies).format(root=root, n=rng.randint(2, 2400))
        if name not in seen:
            seen.add(name)
            return name, root
    name = f"{name[:-1]}-{len(seen)}»"
    seen.add(name)
    return name, root


def _city(rng) -> tuple[str, str]:
    city, zone, _ = _weighted(rng, [(c, c[2]) for c in CITIES])
    return city, zone


def _address(rng, city: str) -> str:
    address = f"г. {city}, {rng.choice(STREETS)}, д. {rng.randint(1, 180)}"
    if rng.random() < 0.3:
        address += f", стр. {rng.randint(1, 9)}"
    return address


def _history(rng, ctx: DemoContext) -> _History:
    """Dated status changes ending in a weighted final status, all before ``ctx.today``.

    Onboarding clients signed in the last 2.5 months; the others signed up to 4 years ago
    and went live 3-10 weeks later. At-risk and churn dates fall within the demo's months.
    """
    today = ctx.today
    window = max((today - ctx.history_start).days, 2)
    final = _weighted(rng, STATUS_WEIGHTS)
    if final == ClientStatus.ONBOARDING:
        return _History([(ClientStatus.ONBOARDING, today - timedelta(rng.randint(3, 75)), "")])

    if final == ClientStatus.CHURNED:
        end = today - timedelta(rng.randint(1, window - 1))
        start = end - timedelta(rng.randint(150, 4 * 365))
    elif final == ClientStatus.AT_RISK:
        end = today - timedelta(rng.randint(1, min(window - 1, 120)))
        start = end - timedelta(rng.randint(120, 4 * 365))
    else:
        end = today
        start = today - timedelta(rng.randint(90, 4 * 365))
    live = start + timedelta(rng.randint(21, 75))
    changes = [(ClientStatus.ONBOARDING, start, ""), (ClientStatus.ACTIVE, live, "")]

    if final == ClientStatus.ACTIVE and rng.random() < 0.1:
        # Some active clients were at risk once and were kept.
        risk = today - timedelta(rng.randint(30, max(window, 31)))
        if risk > live + timedelta(30):
            saved = min(risk + timedelta(rng.randint(14, 60)), today)
            changes.append((ClientStatus.AT_RISK, risk, rng.choice(AT_RISK_REASONS)))
            changes.append((ClientStatus.ACTIVE, saved, "Риск снят: проблемы клиента решены"))
    elif final == ClientStatus.AT_RISK:
        changes.append((ClientStatus.AT_RISK, end, rng.choice(AT_RISK_REASONS)))
    elif final == ClientStatus.CHURNED:
        risk = end - timedelta(rng.randint(20, 90))
        if risk > live and rng.random() < 0.7:
            changes.append((ClientStatus.AT_RISK, risk, rng.choice(AT_RISK_REASONS)))
        changes.append((ClientStatus.CHURNED, end, rng.choice(CHURN_REASONS)))
    return _History(changes)


def _term_end(start: date, today: date) -> date:
    """PASS24's contracts run a year and renew on their anniversary: a live client's contract
    ends on the first anniversary of its start after today, so renewals fall all over the
    year and the success managers have some in the next 90 days."""
    years = today.year - start.year
    while True:
        try:
            end = start.replace(year=start.year + years)
        except ValueError:  # 29 February in a common year
            end = date(start.year + years, 3, 1)
        if end > today:
            return end
        years += 1


def _mrr(rng, low: int, high: int) -> Decimal:
    """Skewed towards the low end of the tariff's range, in whole 500 ₽."""
    amount = low * (high / low) ** (rng.random() ** 1.3)
    return Decimal(int(round(amount / 500) * 500))


def _sites(rng, client: Client, segment: Segment, root: str, city: tuple[str, str]) -> list[Site]:
    count = _weighted(rng, [(1, 50), (2, 30), (3, 13), (4, 7)])
    sites = []
    names: set[str] = set()
    for index in range(count):
        # Most sites are in the client's home city; a network has a few elsewhere.
        where, zone = city if index == 0 or rng.random() < 0.7 else _city(rng)
        street = rng.choice(STREETS)
        pattern = rng.choice(segment.sites) if index else segment.sites[0]
        name = pattern.format(root=root, n=index + 1, city=where, street=street)
        if name in names:
            name = (
                f"{name} ({where})" if f"{name} ({where})" not in names else f"{name}, {index + 1}"
            )
        names.add(name)
        equipment = rng.sample(segment.equipment, k=min(len(segment.equipment), rng.randint(2, 4)))
        sites.append(
            Site(
                client=client,
                name=name,
                address=_address(rng, where),
                timezone=zone,
                equipment_notes="\n".join(e.format(n=rng.randint(2, 12)) for e in equipment),
            )
        )
    return sites


# Common first names, and fathers' names with their patronymics (male, female): Faker's
# ru_RU lists are full of rare names, so only surnames come from Faker.
MALE_NAMES = (
    "Александр", "Алексей", "Андрей", "Антон", "Артём", "Владимир", "Дмитрий", "Евгений",
    "Иван", "Игорь", "Илья", "Кирилл", "Максим", "Михаил", "Никита", "Николай", "Олег",
    "Павел", "Роман", "Сергей", "Станислав", "Юрий",
)  # fmt: skip
FEMALE_NAMES = (
    "Александра", "Алина", "Анастасия", "Анна", "Валентина", "Виктория", "Галина", "Дарья",
    "Екатерина", "Елена", "Ирина", "Ксения", "Людмила", "Марина", "Мария", "Наталья",
    "Ольга", "Светлана", "Татьяна", "Юлия",
)  # fmt: skip
PATRONYMICS = (
    ("Александрович", "Александровна"), ("Алексеевич", "Алексеевна"),
    ("Андреевич", "Андреевна"), ("Викторович", "Викторовна"), ("Владимирович", "Владимировна"),
    ("Дмитриевич", "Дмитриевна"), ("Евгеньевич", "Евгеньевна"), ("Иванович", "Ивановна"),
    ("Игоревич", "Игоревна"), ("Михайлович", "Михайловна"), ("Николаевич", "Николаевна"),
    ("Олегович", "Олеговна"), ("Павлович", "Павловна"), ("Петрович", "Петровна"),
    ("Сергеевич", "Сергеевна"), ("Юрьевич", "Юрьевна"), ("Анатольевич", "Анатольевна"),
)  # fmt: skip


def _person(ctx: DemoContext) -> tuple[str, str, str]:
    """(last name, first name, patronymic) of a man or a woman."""
    rng = ctx.rng
    male, female = rng.choice(PATRONYMICS)
    if rng.random() < 0.5:
        return ctx.fake.last_name_male(), rng.choice(MALE_NAMES), male
    return ctx.fake.last_name_female(), rng.choice(FEMALE_NAMES), female


def _contacts(
    ctx: DemoContext, client: Client, segment: Segment, root: str, domains: set[str]
) -> list[Contact]:
    rng = ctx.rng
    domain = _unique_domain(rng, root, domains)
    count = _weighted(rng, [(1, 35), (2, 45), (3, 20)])
    positions = rng.sample(segment.positions, k=count)
    contacts = []
    emails: set[str] = set()
    for index, position in enumerate(positions):
        last, first, middle = _person(ctx)
        email = f"{translit(first)[0]}.{translit(last)}@{domain}"
        if email in emails:
            email = f"{translit(first)}.{translit(last)}@{domain}"
        emails.add(email)
        contacts.append(
            Contact(
                client=client,
                full_name=f"{last} {first} {middle}",
                email=email,
                phone=f"+7 (9{rng.randint(0, 99):02d}) {rng.randint(100, 999)}-"
                f"{rng.randint(10, 99)}-{rng.randint(10, 99)}",
                position=position,
                is_primary=index == 0,
            )
        )
    return contacts


def _unique_domain(rng, root: str, seen: set[str]) -> str:
    base = translit(root).replace("-", "")
    for suffix in ("", "-group", "-uk", "-pro", "-city", "-service"):
        domain = f"{base}{suffix}.example"
        if domain not in seen:
            seen.add(domain)
            return domain
    return _unique(lambda: f"{base}{rng.randint(2, 999)}.example", seen)


def _give_portal_logins(ctx: DemoContext, clients: list[Client], contacts: list[Contact]) -> None:
    """client1 and client2: the primary contacts of the first two current clients."""
    current = [c for c in clients if c.status != ClientStatus.CHURNED][: len(PORTAL_USERNAMES)]
    if len(current) < len(PORTAL_USERNAMES):
        current = clients[: len(PORTAL_USERNAMES)]
    primary = {c.client_id: c for c in contacts if c.is_primary}
    for username, client in zip(PORTAL_USERNAMES, current, strict=False):
        contact = primary[client.pk]
        last, first, _ = contact.full_name.split(" ", 2)
        user = User.objects.create(
            username=username,
            first_name=first,
            last_name=last,
            email=contact.email,
            phone=contact.phone,
            position=contact.position,
            password=ctx.password_hash(),
            date_joined=client.created_at,
        )
        UserRole.objects.create(user=user, role=Role.CLIENT_CONTACT)
        user._role_codes = frozenset({Role.CLIENT_CONTACT})
        contact.user = user
        ctx.users[username] = user


def _audit_trail(
    clients: list[Client],
    histories: list[_History],
    sites: list[Site],
    contacts: list[Contact],
) -> list[AuditEvent]:
    """«created» for every client, site and contact, then «status» for each later change."""
    client_type = ContentType.objects.get_for_model(Client)
    site_type = ContentType.objects.get_for_model(Site)
    contact_type = ContentType.objects.get_for_model(Contact)
    events = []
    by_pk = {client.pk: client for client in clients}
    for client, history in zip(clients, histories, strict=True):
        first_status = history.changes[0][0]
        created = snapshot(client, CLIENT_FIELDS)
        # The creation event shows the client as it arrived, not as it is now.
        created.update(status=str(ClientStatus(first_status).label), churned_at=None)
        if client.status == ClientStatus.CHURNED:
            created["contract_end"] = None
        events.append(
            AuditEvent(
                at=client.created_at,
                actor=client.sold_by,
                action=AuditEvent.Action.CREATED,
                content_type=client_type,
                object_id=str(client.pk),
                object_repr=str(client)[:300],
                changes=diff({}, created),
            )
        )
        previous = first_status
        for status, day, comment in history.changes[1:]:
            changes = {
                "status": [str(ClientStatus(previous).label), str(ClientStatus(status).label)]
            }
            if status == ClientStatus.CHURNED:
                changes["churned_at"] = [None, day.isoformat()]
            events.append(
                AuditEvent(
                    at=client.created_at + (day - client.contract_start),
                    actor=client.success_manager,
                    action=AuditEvent.Action.STATUS,
                    content_type=client_type,
                    object_id=str(client.pk),
                    object_repr=str(client)[:300],
                    changes=changes,
                    reason=comment,
                )
            )
            previous = status
    for obj, kind, fields in (
        *((site, site_type, SITE_FIELDS) for site in sites),
        *((contact, contact_type, CONTACT_FIELDS) for contact in contacts),
    ):
        client = by_pk[obj.client_id]
        events.append(
            AuditEvent(
                at=client.created_at,
                actor=client.sold_by,
                action=AuditEvent.Action.CREATED,
                content_type=kind,
                object_id=str(obj.pk),
                object_repr=str(obj)[:300],
                changes=diff({}, snapshot(obj, fields)),
                parent_type=client_type,
                parent_id=str(client.pk),
            )
        )
    return events


def create_mrr_history(ctx: DemoContext) -> None:
    """Each client's dated MRR history, ending at its MRR today: the first value at the
    contract start, the yearly price indexation (7 %) on 1 January, and now and then an
    upsell (more sites, more modules) or, more often for clients at risk, a downsell."""
    rng = ctx.rng
    changes: list[MrrChange] = []
    for client in ctx.clients:
        last = min(ctx.today, client.churned_at or ctx.today)
        # (day, reason, the value after it ÷ the value before it)
        steps: dict[date, tuple[str, Decimal]] = {}
        year = last.year
        while date(year, 1, 1) > client.contract_start + timedelta(days=180):
            steps[date(year, 1, 1)] = (MrrReason.PRICE, Decimal("1.07"))
            year -= 1
        span = (last - client.contract_start).days
        moves = rng.choices([0, 1, 2], weights=[55, 35, 10])[0] if span > 120 else 0
        down_odds = 0.6 if client.status == ClientStatus.AT_RISK else 0.25
        for _ in range(moves):
            day = client.contract_start + timedelta(days=rng.randint(60, span))
            if rng.random() < down_odds:
                steps.setdefault(day, (MrrReason.DOWNSELL, Decimal(rng.choice(("0.7", "0.85")))))
            else:
                steps.setdefault(day, (MrrReason.UPSELL, Decimal(rng.choice(("1.2", "1.5")))))
        # Walk back from today's MRR: undoing each change gives the value before it.
        value = client.mrr_rub
        for day in sorted(steps, reverse=True):
            reason, factor = steps[day]
            changes.append(_mrr_change(ctx, client, day, reason, value))
            value = _round500(value / factor)
        changes.append(_mrr_change(ctx, client, client.contract_start, MrrReason.NEW, value))
    MrrChange.objects.bulk_create(changes, batch_size=2000)
    ctx.log(f"  {len(changes)} dated MRR values")


def _mrr_change(ctx: DemoContext, client: Client, day: date, reason: str, mrr: Decimal):
    return MrrChange(
        client=client,
        effective_on=day,
        mrr_rub=mrr,
        reason=reason,
        recorded_at=ctx.at(day, 12),
        actor=client.success_manager,
    )


def _round500(amount: Decimal) -> Decimal:
    return Decimal(max(500, int(round(amount / 500)) * 500))
