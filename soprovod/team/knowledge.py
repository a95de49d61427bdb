"""The knowledge base's «read and understood» (issue 15) as a training record: when a person
marks an internal rule read, the rule or course whose link names that article
(``TrainingItem.reference``: the article's address, /kb/<id>/, alone or at the end of a full
link) is recorded as completed by them that day, with ``source=KNOWLEDGE``."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.urls import reverse

from soprovod.team import actions
from soprovod.team.models import TrainingItem, TrainingRecord


def items_for(article) -> list[TrainingItem]:
    path = reverse("knowledge:article", args=[article.pk])
    return list(
        TrainingItem.objects.filter(is_active=True).filter(
            Q(reference=path) | Q(reference__endswith=path)
        )
    )


def record_rule_read(person, article, version: int, read_on: dt.date) -> None:
    if not person.is_support_staff:
        return
    for item in items_for(article):
        actions.do_record_completion(
            person, item, person, read_on, source=TrainingRecord.Source.KNOWLEDGE
        )
