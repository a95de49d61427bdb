"""Every write to surveys: answers are added (never changed), each with its audit event."""

from __future__ import annotations

import datetime as dt

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from soprovod.audit.models import AuditEvent
from soprovod.clients.models import Client
from soprovod.surveys.models import SurveyResponse


@transaction.atomic
def do_add_nps_answers(
    actor, responses: list[SurveyResponse], *, filename: str = "", at: dt.datetime | None = None
) -> list[SurveyResponse]:
    """Store new answers (validated by the caller, e.g. `imports.import_nps`) in one insert,
    with one ``imported`` audit event each, naming the file they came from."""
    SurveyResponse.objects.bulk_create(responses)
    AuditEvent.objects.bulk_create(_audit(responses, actor, filename, at or timezone.now()))
    return responses


def _audit(responses: list[SurveyResponse], actor, filename: str, now: dt.datetime):
    content_type = ContentType.objects.get_for_model(SurveyResponse)
    for response in responses:
        yield AuditEvent(
            at=now,
            actor=actor if getattr(actor, "pk", None) else None,
            action=AuditEvent.Action.IMPORTED,
            content_type=content_type,
            object_id=str(response.pk),
            object_repr=str(response)[:300],
            changes={
                "client": [None, str(response.client)],
                "answered_at": [None, response.answered_at.isoformat()],
                "score": [None, response.score],
                "comment": [None, response.comment],
            },
            reason=filename,
            parent_type=ContentType.objects.get_for_model(Client),
            parent_id=str(response.client_id),
        )
