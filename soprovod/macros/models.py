"""Macros (шаблоны ответов, issue 15): a reply text with placeholders and, optionally,
fields the macro sets on the ticket in the same click. Personal (only the owner sees and
uses it) or shared with the department."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from soprovod.sla.models import TicketType
from soprovod.tickets.models import Priority, TicketStatus


class Macro(models.Model):
    title = models.CharField(_("title"), max_length=120)
    body = models.TextField(_("reply text"), blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.CASCADE,
        related_name="macros",
    )
    shared = models.BooleanField(_("shared with the department"), default=False)
    # What the macro sets on the ticket (blank: left as it is).
    set_status = models.CharField(
        _("set status"),
        max_length=16,
        blank=True,
        choices=[
            (TicketStatus.OPEN, TicketStatus.OPEN.label),
            (TicketStatus.WAITING_CLIENT, TicketStatus.WAITING_CLIENT.label),
            (TicketStatus.RESOLVED, TicketStatus.RESOLVED.label),
        ],
    )
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
    set_assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assign to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    assign_to_me = models.BooleanField(_("assign to whoever uses it"), default=False)
    set_priority = models.CharField(
        _("set priority"), max_length=16, blank=True, choices=Priority.choices
    )
    add_tags = models.CharField(_("add tags"), max_length=300, blank=True)
    usage_count = models.PositiveIntegerField(_("times used"), default=0)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("macro")
        verbose_name_plural = _("macros")
        ordering = ["title", "pk"]
        indexes = [models.Index(fields=["owner", "shared"])]

    def __str__(self) -> str:
        return self.title

    @property
    def sets_fields(self) -> bool:
        return bool(
            self.set_status
            or self.set_type
            or self.set_category_id
            or self.set_assignee_id
            or self.assign_to_me
            or self.set_priority
            or self.add_tags.strip()
        )
