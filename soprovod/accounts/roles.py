"""The department's roles (domain.md «People and roles»). A user may hold several."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    HEAD = "head", _("Руководитель отдела сопровождения")
    SUPPORT_MANAGER = "support_manager", _("Менеджер технической поддержки")
    SUCCESS_MANAGER = "success_manager", _("Менеджер по сопровождению клиентов (МОС)")
    IMPLEMENTATION_MANAGER = "implementation_manager", _("Менеджер по внедрению проектов")
    SENIOR_ENGINEER = "senior_engineer", _("Старший инженер")
    SALES = "sales", _("Отдел продаж (ОП)")
    DEVELOPMENT = "development", _("Отдел разработки")
    CEO = "ceo", _("Генеральный директор")
    CLIENT_CONTACT = "client_contact", _("Контакт клиента")


# Roles of the support department itself (ОС): they work every client's tickets.
SUPPORT_STAFF = frozenset(
    {
        Role.HEAD,
        Role.SUPPORT_MANAGER,
        Role.SUCCESS_MANAGER,
        Role.IMPLEMENTATION_MANAGER,
        Role.SENIOR_ENGINEER,
    }
)
# Roles that read the whole client portfolio.
PORTFOLIO_READERS = SUPPORT_STAFF | {Role.CEO}
