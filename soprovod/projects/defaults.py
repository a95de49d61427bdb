"""The project templates Soprovod ships with: a typical PASS24 implementation, and a longer
one for the corporate tariff. The names are data (Russian); the head edits them on the
templates page. Each stage is ``(name, kind, working days, [(task, working days), ...])``."""

from __future__ import annotations

TYPICAL = [
    ("Старт проекта", "kickoff", 3, [
        ("Установочная встреча с клиентом", 1),
        ("Согласование плана внедрения и контактов", 2),
        ("Доступы в личный кабинет PASS24 для администраторов", 1),
    ]),
    ("Настройка", "setup", 5, [
        ("Настройка объектов, зон доступа и графиков", 3),
        ("Загрузка сотрудников и арендаторов", 3),
        ("Настройка гостевых пропусков и уведомлений", 2),
    ]),
    ("Оборудование", "equipment", 7, [
        ("Проверка турникетов и считывателей на объекте", 3),
        ("Подключение контроллеров к облаку PASS24", 4),
        ("Пусконаладка камер распознавания номеров", 5),
    ]),
    ("Обучение", "training", 3, [
        ("Обучение администраторов объекта", 2),
        ("Обучение охраны и ресепшена", 2),
    ]),
    ("Запуск", "go_live", 2, [
        ("Пробная эксплуатация", 2),
        ("Акт ввода в эксплуатацию", 1),
    ]),
]  # fmt: skip

CORPORATE = [
    ("Старт проекта", "kickoff", 5, [
        ("Установочная встреча с клиентом и ОП", 1),
        ("Обследование объектов", 4),
        ("Согласование плана внедрения", 3),
    ]),
    ("Настройка и интеграции", "setup", 10, [
        ("Настройка объектов, зон доступа и графиков", 5),
        ("Интеграция с 1С / кадровой системой", 8),
        ("Интеграция с системой видеонаблюдения", 6),
        ("Загрузка сотрудников и арендаторов", 4),
    ]),
    ("Оборудование", "equipment", 10, [
        ("Проверка турникетов и считывателей на объектах", 5),
        ("Подключение контроллеров к облаку PASS24", 6),
        ("Пусконаладка камер распознавания номеров", 8),
    ]),
    ("Обучение", "training", 5, [
        ("Обучение администраторов", 3),
        ("Обучение охраны и ресепшена на каждом объекте", 5),
    ]),
    ("Запуск", "go_live", 5, [
        ("Пробная эксплуатация", 5),
        ("Акт ввода в эксплуатацию", 1),
    ]),
]  # fmt: skip

TEMPLATES = [
    {"name": "Типовое внедрение", "tariff": "", "is_default": True, "stages": TYPICAL},
    {"name": "Корпоративное внедрение", "tariff": "Корпоративный", "is_default": False,
     "stages": CORPORATE},
]  # fmt: skip


def install_default_templates(apps) -> None:
    """Create the shipped templates when there is no template yet (historical models too)."""
    ProjectTemplate = apps.get_model("projects", "ProjectTemplate")
    TemplateStage = apps.get_model("projects", "TemplateStage")
    TemplateTask = apps.get_model("projects", "TemplateTask")
    if ProjectTemplate.objects.exists():
        return
    for spec in TEMPLATES:
        template = ProjectTemplate.objects.create(
            name=spec["name"], tariff=spec["tariff"], is_default=spec["is_default"]
        )
        for position, (name, kind, days, tasks) in enumerate(spec["stages"], start=1):
            stage = TemplateStage.objects.create(
                template=template, position=position, kind=kind, name=name, planned_days=days
            )
            TemplateTask.objects.bulk_create(
                TemplateTask(stage=stage, position=i, title=title, planned_days=task_days)
                for i, (title, task_days) in enumerate(tasks, start=1)
            )
