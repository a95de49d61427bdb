"""What the Bitrix24 sync keeps (issue 13): each run with its counts and its checkpoint, the
link of each Bitrix24 company to its client and of each won deal to its hand-off, and the
review list of companies the sync refused to write.

A run commits its checkpoint (``company_cursor``, ``deal_start``) in the same transaction as
the page it finished, so a run cut short resumes after the last page it wrote: nothing twice,
nothing skipped. The two link tables are unique on the Bitrix24 ID, so even two runs at once
cannot make a second client or a second hand-off from one company or deal.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from soprovod.clients.models import Client
from soprovod.handoffs.models import Handoff


class RunKind(models.TextChoices):
    MANUAL = "manual", pgettext_lazy("sync run", "By hand")
    NIGHTLY = "nightly", _("Nightly reconciliation")
    EVENT = "event", _("Bitrix24 event")


class RunStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    DONE = "done", pgettext_lazy("sync run", "Done")
    FAILED = "failed", _("Stopped by an error")


class SyncRun(models.Model):
    kind = models.CharField(_("kind"), max_length=16, choices=RunKind.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=RunStatus.choices, default=RunStatus.RUNNING
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    started_at = models.DateTimeField(pgettext_lazy("sync run", "started"), default=timezone.now)
    finished_at = models.DateTimeField(pgettext_lazy("sync run", "finished"), null=True, blank=True)
    # Only companies and deals changed since then (DATE_MODIFY), or everything when empty.
    since = models.DateTimeField(_("changed since"), null=True, blank=True)
    # An event run: what Bitrix24 said happened (ONCRMCOMPANYUPDATE 123).
    subject = models.CharField(max_length=100, blank=True)
    # Checkpoints: the last company ID written, the `start` of the next page of won deals.
    company_cursor = models.PositiveBigIntegerField(default=0)
    companies_done = models.BooleanField(default=False)
    deal_start = models.PositiveIntegerField(default=0)
    resumed = models.PositiveSmallIntegerField(_("resumed"), default=0)
    companies_seen = models.PositiveIntegerField(_("companies read"), default=0)
    clients_created = models.PositiveIntegerField(_("clients created"), default=0)
    clients_updated = models.PositiveIntegerField(_("clients updated"), default=0)
    skipped = models.PositiveIntegerField(_("without INN"), default=0)
    conflicts = models.PositiveIntegerField(_("conflicts"), default=0)
    deals_seen = models.PositiveIntegerField(_("won deals read"), default=0)
    handoffs_created = models.PositiveIntegerField(_("hand-offs drafted"), default=0)
    written_back = models.PositiveIntegerField(_("written back"), default=0)
    error_count = models.PositiveIntegerField(_("errors"), default=0)
    errors = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = _("Bitrix24 sync run")
        verbose_name_plural = _("Bitrix24 sync runs")
        ordering = ["-started_at", "-pk"]

    def __str__(self) -> str:
        return f"Bitrix24 sync #{self.pk}"


class CompanyLink(models.Model):
    """A Bitrix24 company and the client it became."""

    company_id = models.PositiveBigIntegerField(unique=True)
    client = models.OneToOneField(Client, on_delete=models.CASCADE, related_name="bitrix_link")
    inn = models.CharField(max_length=12)
    synced_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Bitrix24 company {self.company_id} → {self.client_id}"


class DealLink(models.Model):
    """A won deal and the draft hand-off made from it: one per deal, ever."""

    deal_id = models.PositiveBigIntegerField(unique=True)
    handoff = models.OneToOneField(Handoff, on_delete=models.CASCADE, related_name="bitrix_deal")
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Bitrix24 deal {self.deal_id} → hand-off {self.handoff_id}"


class ConflictKind(models.TextChoices):
    BAD_INN = "bad_inn", _("The INN fails the checksum")
    DUPLICATE_INN = "duplicate_inn", _("Several companies have this INN")
    SEVERAL_INNS = "several_inns", _("The company's requisites carry different INNs")
    CLIENT_MISMATCH = "client_mismatch", _("The INN and the Bitrix24 ID point at different clients")


class ConflictStatus(models.TextChoices):
    OPEN = "open", _("To review")
    RESOLVED = "resolved", _("Resolved")
    IGNORED = "ignored", _("Ignored")


class Conflict(models.Model):
    """A company the sync would not write: it never overwrites a client. It stays open until
    someone resolves or ignores it; a resolved one reopens if the next sync still sees it,
    an ignored one stays quiet; a company that syncs cleanly closes its open conflicts."""

    company_id = models.PositiveBigIntegerField(_("Bitrix24 company"))
    kind = models.CharField(_("problem"), max_length=20, choices=ConflictKind.choices)
    title = models.CharField(_("company"), max_length=300, blank=True)
    inn = models.CharField(_("INN"), max_length=40, blank=True)
    # Other Bitrix24 companies with the INN, or the clients it points at.
    other_companies = models.JSONField(default=list, blank=True)
    clients = models.ManyToManyField(Client, blank=True, related_name="+")
    status = models.CharField(
        _("status"), max_length=16, choices=ConflictStatus.choices, default=ConflictStatus.OPEN
    )
    first_run = models.ForeignKey(SyncRun, null=True, on_delete=models.SET_NULL, related_name="+")
    first_seen_at = models.DateTimeField(_("first seen"), default=timezone.now)
    last_seen_at = models.DateTimeField(_("last seen"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("Bitrix24 conflict")
        verbose_name_plural = _("Bitrix24 conflicts")
        ordering = ["-last_seen_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["company_id", "kind"], name="bitrix_conflict_once")
        ]
        indexes = [models.Index(fields=["status", "-last_seen_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.title or self.company_id}"
