"""The panel this app adds to a lower app's page (`soprovod.core.panels`): on a detractor
task (surveys), the notes of the calls made to close the loop, and a link to log one."""

from __future__ import annotations

from django.http import HttpRequest
from django.template.loader import render_to_string

from soprovod.accounts.permissions import can_log_client_notes
from soprovod.success.models import CallNote


def detractor_task_panel(request: HttpRequest, task) -> str:
    user = request.user
    if not user.reads_all_clients:
        return ""
    notes = list(
        CallNote.objects.filter(detractor_task=task)
        .select_related("created_by")
        .prefetch_related("next_steps__owner")
        .order_by("-held_on", "-pk")
    )
    return render_to_string(
        "success/_task_notes.html",
        {"task": task, "notes": notes, "can_log": can_log_client_notes(user)},
        request=request,
    )
