"""A readable difference between two versions of an article: the fields that changed, then
the text line by line (kept, removed, added), with the words that changed inside a changed
line marked. Built from the stored Markdown with difflib, rendered by the template."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from soprovod.knowledge.models import ArticleStatus, ArticleVersion, Audience

FIELD_LABELS = {
    "title": _("Title"),
    "category_name": _("Category"),
    "audience": _("Audience"),
    "status": _("Status"),
    "summary": _("Short summary"),
}
_WORDS = re.compile(r"\s+|[^\s]+")


@dataclass
class Piece:
    text: str
    changed: bool = False


@dataclass
class Line:
    kind: str  # "same", "removed", "added", "skip"
    old_number: int | None
    new_number: int | None
    pieces: list[Piece] = field(default_factory=list)


@dataclass
class VersionDiff:
    old: ArticleVersion
    new: ArticleVersion
    fields: list[tuple[str, str, str]]
    lines: list[Line]

    @property
    def added(self) -> int:
        return sum(1 for line in self.lines if line.kind == "added")

    @property
    def removed(self) -> int:
        return sum(1 for line in self.lines if line.kind == "removed")


def _display(name: str, value: str) -> str:
    if name == "audience":
        return str(Audience(value).label) if value in Audience.values else value
    if name == "status":
        return str(ArticleStatus(value).label) if value in ArticleStatus.values else value
    return value


def _word_pieces(old: str, new: str) -> tuple[list[Piece], list[Piece]]:
    a, b = _WORDS.findall(old), _WORDS.findall(new)
    left: list[Piece] = []
    right: list[Piece] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            left.append(Piece("".join(a[i1:i2])))
            right.append(Piece("".join(b[j1:j2])))
            continue
        if i2 > i1:
            left.append(Piece("".join(a[i1:i2]), changed=True))
        if j2 > j1:
            right.append(Piece("".join(b[j1:j2]), changed=True))
    return left, right


def diff_versions(old: ArticleVersion, new: ArticleVersion, *, context: int = 3) -> VersionDiff:
    """``old`` → ``new`` (any two versions of one article, in either order of numbers)."""
    fields = [
        (str(label), _display(name, getattr(old, name)), _display(name, getattr(new, name)))
        for name, label in FIELD_LABELS.items()
        if getattr(old, name) != getattr(new, name)
    ]
    a, b = old.body.splitlines(), new.body.splitlines()
    lines: list[Line] = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for group in matcher.get_grouped_opcodes(context):
        if lines:
            lines.append(Line("skip", None, None))
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                lines.extend(
                    Line("same", i + 1, j + 1, [Piece(a[i])])
                    for i, j in zip(range(i1, i2), range(j1, j2), strict=True)
                )
                continue
            paired = min(i2 - i1, j2 - j1) if tag == "replace" else 0
            removed = [Line("removed", i + 1, None, [Piece(a[i], True)]) for i in range(i1, i2)]
            added = [Line("added", None, j + 1, [Piece(b[j], True)]) for j in range(j1, j2)]
            for k in range(paired):
                removed[k].pieces, added[k].pieces = _word_pieces(a[i1 + k], b[j1 + k])
            lines.extend(removed)
            lines.extend(added)
    return VersionDiff(old, new, fields, lines)
