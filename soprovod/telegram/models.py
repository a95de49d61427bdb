"""The Telegram channel's records: linked chats, one-time link codes, the updates taken
(exactly once, by ``update_id``), drafts of a new ticket, the outbound queue of messages to
chats, and the duty rota of the department (who gets emergency SLA warnings at night)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class TelegramChat(models.Model):
    """A private chat with the bot, linked to a client contact or to a colleague. A chat
    with neither is not linked: it gets instructions only. Unlinking clears both and keeps
    the row (its history of sent messages stays readable)."""

    chat_id = models.BigIntegerField(_("chat"), unique=True)
    username = models.CharField(_("Telegram username"), max_length=64, blank=True)
    name = models.CharField(_("name in Telegram"), max_length=200, blank=True)
    contact = models.ForeignKey(
        "clients.Contact",
        verbose_name=_("contact"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="telegram_chats",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("colleague"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="telegram_chats",
    )
    linked_at = models.DateTimeField(_("linked"), null=True, blank=True)
    # The ticket the chat's messages go to for a while after the contact chose it.
    current_ticket = models.ForeignKey(
        "tickets.Ticket", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    current_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("Telegram chat")
        verbose_name_plural = _("Telegram chats")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(contact__isnull=True) | models.Q(user__isnull=True),
                name="telegram_chat_one_owner",
            )
        ]

    def __str__(self) -> str:
        return f"{self.chat_id} {self.username}".strip()

    @property
    def is_linked(self) -> bool:
        return self.contact_id is not None or self.user_id is not None


class LinkCode(models.Model):
    """A one-time code that links the chat which sends it to a contact or a colleague. Only
    its hash is kept; it expires and answers once."""

    code_hash = models.CharField(max_length=64, unique=True)
    contact = models.ForeignKey(
        "clients.Contact", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    chat = models.ForeignKey(
        TelegramChat, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("link code")
        verbose_name_plural = _("link codes")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(contact__isnull=False, user__isnull=True)
                | models.Q(contact__isnull=True, user__isnull=False),
                name="telegram_code_one_owner",
            )
        ]

    def __str__(self) -> str:
        return f"{self.contact or self.user} until {self.expires_at:%d.%m %H:%M}"


class ProcessedUpdate(models.Model):
    """An update from Telegram that was handled: written in the same transaction as what it
    did, so an update seen again (a crash before the offset was acknowledged, a webhook
    retried) is skipped, and one whose transaction failed is handled when it comes again."""

    update_id = models.BigIntegerField(unique=True)
    kind = models.CharField(max_length=32, blank=True)
    chat_id = models.BigIntegerField(null=True, blank=True)
    outcome = models.CharField(max_length=32, blank=True)
    processed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("processed update")
        verbose_name_plural = _("processed updates")
        indexes = [models.Index(fields=["processed_at"])]

    def __str__(self) -> str:
        return f"update {self.update_id}: {self.outcome}"


class UpdateFailure(models.Model):
    """An update that failed for a reason of its own (not the database, not the network),
    counted outside its rolled-back transaction: after a few tries it is recorded as failed
    and passed, so the updates behind it are not held up for ever (`intake.handle_update`)."""

    update_id = models.BigIntegerField(unique=True)
    failures = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    failed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("failed update")
        verbose_name_plural = _("failed updates")

    def __str__(self) -> str:
        return f"update {self.update_id}: {self.failures} failures"


class PollState(models.Model):
    """The long-polling cursor (one row): the next ``offset`` to ask getUpdates for. Asking
    with it acknowledges every update below it, so it moves only after they committed."""

    name = models.CharField(max_length=32, unique=True, default="default")
    offset = models.BigIntegerField(default=0)
    polled_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name}: offset {self.offset}"


class Draft(models.Model):
    """What a contact wrote before choosing where it goes: a new ticket waiting for its type,
    or a message waiting for the ticket it belongs to. Files are Telegram file ids, fetched
    when the draft is filed."""

    chat = models.ForeignKey(TelegramChat, on_delete=models.CASCADE, related_name="drafts")
    text = models.TextField(blank=True)
    files = models.JSONField(default=list, blank=True)
    # An album comes as one update per photo or file, all with this id: they gather in the
    # draft of the first (one question, one ticket message), as many files as the portal takes.
    media_group_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    filed_at = models.DateTimeField(null=True, blank=True)
    ticket = models.ForeignKey(
        "tickets.Ticket", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("draft")
        verbose_name_plural = _("drafts")

    def __str__(self) -> str:
        return self.text[:50]


class OutgoingMessage(models.Model):
    """One message to a chat, in the outbound queue: the bot's answers, a staff reply of a
    ticket (``ticket_message``), an SLA warning to the colleague on duty. Written in the
    transaction that decided to send it (``key`` keeps it once); sent after commit, marked
    sent under a row lock; on Telegram's 429 it waits ``retry_after`` (``next_attempt_at``);
    the periodic sweep sends what a lost job left behind."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    key = models.CharField(max_length=120, unique=True)
    chat = models.ForeignKey(TelegramChat, on_delete=models.CASCADE, related_name="outgoing")
    text = models.TextField()
    buttons = models.JSONField(default=list, blank=True)  # rows of [label, callback data]
    ticket = models.ForeignKey(
        "tickets.Ticket", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    ticket_message = models.ForeignKey(
        "tickets.TicketMessage",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="telegram_deliveries",
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    # Parts already sent: the text, then each file of the staff reply (a 429 halfway through
    # resumes with the next part).
    parts_sent = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    telegram_message_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("outgoing Telegram message")
        verbose_name_plural = _("outgoing Telegram messages")
        indexes = [
            models.Index(fields=["status", "next_attempt_at"]),
            models.Index(fields=["chat", "telegram_message_id"]),
        ]

    def __str__(self) -> str:
        return f"{self.key}: {self.get_status_display()}"


class DutyShift(models.Model):
    """Who is on duty when (the head's rota, round the clock): the colleague on duty gets
    the SLA warnings of emergency tickets in Telegram."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("on duty"),
        on_delete=models.CASCADE,
        related_name="duty_shifts",
    )
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("until"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("duty shift")
        verbose_name_plural = _("duty shifts")
        ordering = ["starts_at"]
        indexes = [models.Index(fields=["starts_at", "ends_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="duty_shift_order"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.starts_at:%d.%m %H:%M}–{self.ends_at:%d.%m %H:%M}"
