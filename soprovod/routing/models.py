"""Routing rules (маршрутизация, issue 15): ordered rules the head edits, each with
conditions (all must hold; an empty one holds for every ticket) and actions, applied when a
ticket is created and, if the rule says so, when it is changed. Every firing is kept
(`Firing`) and written to the ticket's history."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from soprovod.accounts.roles import Role
from soprovod.sla.models import TicketType
from soprovod.tickets.models import Priority


class BusinessHours(models.TextChoices):
    ANY = "any", _("any time")
    INSIDE = "inside", _("within business hours")
    OUTSIDE = "outside", _("outside business hours")


class Assign(models.TextChoices):
    NONE = "", _("do not assign")
    PERSON = "person", _("to a person")
    SUCCESS_MANAGER = "success_manager", _("to the client's success manager")
    ROUND_ROBIN = "round_robin", _("in turn within a role")
    LEAST_LOADED = "least_loaded", _("to the least loaded in a role")


GROUP_ROLES = [
    (Role.SUPPORT_MANAGER, Role.SUPPORT_MANAGER.label),
    (Role.SENIOR_ENGINEER, Role.SENIOR_ENGINEER.label),
    (Role.SUCCESS_MANAGER, Role.SUCCESS_MANAGER.label),
    (Role.IMPLEMENTATION_MANAGER, Role.IMPLEMENTATION_MANAGER.label),
    (Role.HEAD, Role.HEAD.label),
]


class Rule(models.Model):
    name = models.CharField(_("name"), max_length=120)
    position = models.PositiveIntegerField(_("order"), default=0)
    is_active = models.BooleanField(pgettext_lazy("routing rule", "active"), default=True)
    stop_processing = models.BooleanField(_("stop here when it matches"), default=False)
    on_create = models.BooleanField(_("when a ticket is created"), default=True)
    on_update = models.BooleanField(_("when a ticket is changed"), default=False)
    # Conditions.
    channels = models.JSONField(_("channels"), default=list, blank=True)
    client = models.ForeignKey(
        "clients.Client",
        verbose_name=_("client"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    tariff = models.CharField(_("tariff"), max_length=100, blank=True)
    segment = models.CharField(_("segment"), max_length=100, blank=True)
    category = models.ForeignKey(
        "tickets.Category",
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    ticket_type = models.CharField(_("type"), max_length=16, blank=True, choices=TicketType.choices)
    words = models.CharField(
        _("words in the subject or text"),
        max_length=300,
        blank=True,
        help_text=_("Comma-separated; any one of them is enough. «шлагбаум» finds «шлагбаума»."),
    )
    business_hours = models.CharField(
        _("time"), max_length=8, choices=BusinessHours.choices, default=BusinessHours.ANY
    )
    # Actions.
    assign = models.CharField(
        _("assign"), max_length=16, blank=True, choices=Assign.choices, default=Assign.NONE
    )
    assign_person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    assign_role = models.CharField(_("role"), max_length=32, blank=True, choices=GROUP_ROLES)
    reassign = models.BooleanField(_("reassign a ticket that has an assignee"), default=False)
    set_type = models.CharField(
        _("set type"), max_length=16, blank=True, choices=TicketType.choices
    )
    set_category = models.ForeignKey(
        "tickets.Category",
        verbose_name=_("set category"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    set_priority = models.CharField(
        _("set priority"), max_length=16, blank=True, choices=Priority.choices
    )
    add_watchers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("add watchers"), blank=True, related_name="+"
    )
    notify_users = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("notify"), blank=True, related_name="+"
    )
    # The round robin's cursor: the last person it assigned.
    last_assigned = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    fired_count = models.PositiveIntegerField(_("times fired"), default=0)
    last_fired_at = models.DateTimeField(_("last fired"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.name


class Firing(models.Model):
    """A rule fired on a ticket: what it changed (also in the ticket's history)."""

    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="firings")
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="+")
    event = models.CharField(max_length=16)
    at = models.DateTimeField(default=timezone.now)
    changes = models.JSONField(default=dict)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["rule", "-at"])]

    def __str__(self) -> str:
        return f"{self.rule_id} → #{self.ticket_id}"
