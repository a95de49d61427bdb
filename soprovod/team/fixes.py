"""The trainings a problem's fix may name (`problems.fixes`): team sits above problems, so
it registers them from its ``ready``."""

from __future__ import annotations

from django.urls import reverse

from soprovod.problems.fixes import FixTarget
from soprovod.team.models import TrainingItem

PREFIX = "training:"


def choices() -> list[tuple[str, str]]:
    return [
        (f"{PREFIX}{pk}", title)
        for pk, title in TrainingItem.objects.filter(is_active=True)
        .order_by("title")
        .values_list("pk", "title")
    ]


def describe(reference: str) -> tuple[str, str] | None:
    if not reference.startswith(PREFIX) or not reference[len(PREFIX) :].isdigit():
        return None
    pk = int(reference[len(PREFIX) :])
    title = TrainingItem.objects.filter(pk=pk).values_list("title", flat=True).first()
    if title is None:
        return None
    return title, reverse("team:training_item", args=[pk])


TRAINING = FixTarget("training", choices, describe)
