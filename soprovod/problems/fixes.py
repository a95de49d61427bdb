"""Kinds of fix records that live in apps above this one (architecture.md «Upward
reactions»): `team` registers its trainings, so a problem's fix can name a training without
this app importing `team`. A kind gives the records a person may choose and describes a
stored reference (``"training:12"``) as a label and a link."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class FixTarget:
    kind: str  # Problem.FixKind value
    choices: Callable[[], list[tuple[str, str]]]  # [(reference, label)]
    describe: Callable[[str], tuple[str, str] | None]  # reference → (label, url)


_targets: dict[str, FixTarget] = {}


def register_fix_target(target: FixTarget) -> None:
    _targets[target.kind] = target


def choices(kind: str) -> list[tuple[str, str]]:
    target = _targets.get(kind)
    return target.choices() if target else []


def all_choices() -> list[tuple[str, str]]:
    return [choice for target in _targets.values() for choice in target.choices()]


def describe(reference: str) -> tuple[str, str] | None:
    for target in _targets.values():
        found = target.describe(reference)
        if found:
            return found
    return None
