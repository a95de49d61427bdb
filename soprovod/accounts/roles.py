"""The department's roles (domain.md «People and roles»). A user may hold several."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    HEAD = "head", _("Head of support")
    SUPPORT_MANAGER = "support_manager", _("Support manager")
    SUCCESS_MANAGER = "success_manager", _("Customer success manager")
    IMPLEMENTATION_MANAGER = "implementation_manager", _("Implementation manager")
    SENIOR_ENGINEER = "senior_engineer", _("Senior engineer")
    SALES = "sales", _("Sales")
    DEVELOPMENT = "development", _("Development")
    CEO = "ceo", _("CEO")
    CLIENT_CONTACT = "client_contact", _("Client contact")


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
