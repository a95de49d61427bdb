"""``soprovod telegram poll|webhook|status``: the bot's long-polling loop, the webhook's
registration with Telegram, and what the channel is doing."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from soprovod.telegram import bot, intake, outbox
from soprovod.telegram.models import OutgoingMessage, PollState, ProcessedUpdate, TelegramChat


class Command(BaseCommand):
    help = "The Telegram bot: poll for updates, register the webhook, show the state."

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        poll = sub.add_parser("poll", help="Take updates by long polling (a loop; Ctrl+C stops)")
        poll.add_argument("--once", action="store_true", help="One round, then exit")
        poll.add_argument("--timeout", type=int, default=None)
        sub.add_parser("webhook", help="Register TELEGRAM_WEBHOOK_URL (or remove the webhook)")
        sub.add_parser("status", help="Linked chats, the cursor, the outbound queue")
        sub.add_parser(
            "demo",
            help="Play a conversation with the bot against a local fake Telegram (no network)",
        )

    def handle(self, *args, action: str, **options) -> None:
        if action == "status":
            return self.status()
        if action == "demo":
            return self.demo()
        if not bot.enabled():
            raise CommandError("TELEGRAM_BOT_TOKEN is not set: the Telegram channel is off.")
        if action == "webhook":
            return self.webhook()
        while True:
            result = intake.poll_once(options["timeout"])
            sent = outbox.flush()
            if result.fetched or sent:
                self.stdout.write(
                    f"updates: {result.fetched} (handled {result.handled}, "
                    f"seen before {result.duplicates}); sent: {sent}"
                )
            if options["once"]:
                return
            if not result.fetched:
                time.sleep(1)  # the long poll itself waits; this only spaces out errors

    def webhook(self) -> None:
        if settings.TELEGRAM_WEBHOOK_URL:
            url = settings.TELEGRAM_WEBHOOK_URL
            if url.endswith("/") and not url.endswith(reverse("telegram:webhook")):
                url = url.rstrip("/") + reverse("telegram:webhook")
            bot.set_webhook(url, settings.TELEGRAM_WEBHOOK_SECRET)
            self.stdout.write(f"Webhook set: {url}")
        else:
            bot.delete_webhook()
            self.stdout.write("Webhook removed: updates are taken by long polling.")

    def demo(self) -> None:
        """A client writes to the bot, a colleague answers: every step through the real
        poller and outbound queue, against the fake Bot API on 127.0.0.1."""
        from soprovod.telegram import demo_chat

        for line in demo_chat.play():
            self.stdout.write(line)

    def status(self) -> None:
        state = PollState.objects.filter(name="default").first()
        self.stdout.write(f"enabled: {bot.enabled()}")
        self.stdout.write(f"mode: {'webhook' if settings.TELEGRAM_WEBHOOK_URL else 'long polling'}")
        self.stdout.write(f"offset: {state.offset if state else 0}")
        self.stdout.write(f"updates handled: {ProcessedUpdate.objects.count()}")
        failed = ProcessedUpdate.objects.filter(outcome="failed").count()
        self.stdout.write(f"updates given up after {intake.MAX_FAILURES} failures: {failed}")
        self.stdout.write(
            f"linked chats: {TelegramChat.objects.filter(contact__isnull=False).count()} contacts, "
            f"{TelegramChat.objects.filter(user__isnull=False).count()} colleagues"
        )
        for status in OutgoingMessage.Status:
            count = OutgoingMessage.objects.filter(status=status).count()
            self.stdout.write(f"outgoing {status.value}: {count}")
