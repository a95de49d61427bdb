"""The home page's blocks (issue 16: «each part a small, separately tested block»).

A block is a query function, a template and who sees it. Any app registers its blocks here
(core sits below every app, so a lower app such as tickets or incidents can register without
importing the web shell); the web shell's home view asks `blocks_for(user)` and renders each
block's template with what its query returned.

    register(Block(
        key="incidents_active",
        title=_("Active incidents"),
        template="incidents/_home_block.html",
        query=active_incidents_block,   # (user, now) -> dict | None
        visible=can_see_incidents,      # (user) -> bool
        order=15,
    ))

``query`` returns the template's context (``None`` hides the block for this user, e.g. a
part whose data has not landed); the template receives it as ``data`` plus ``block``.
``empty`` is the sentence shown when ``data["rows"]`` is empty and the block says nothing
else: what will appear here and how it gets here. Blocks are drawn in ``order`` (smaller
first); ``wide`` blocks take the whole row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils import timezone


@dataclass(frozen=True)
class Block:
    key: str
    title: Any  # a lazy translation
    template: str
    query: Callable[[Any, dt.datetime], dict | None]
    visible: Callable[[Any], bool]
    order: int = 100
    empty: Any = ""
    wide: bool = False
    own_heading: bool = False  # the template draws its own heading (an app's existing part)


@dataclass
class RenderedBlock:
    block: Block
    data: dict


_BLOCKS: dict[str, Block] = {}


def register(block: Block) -> Block:
    """Add (or replace, by key) a block. Returns it, so a module can keep a name for tests."""
    _BLOCKS[block.key] = block
    return block


def registered() -> list[Block]:
    return sorted(_BLOCKS.values(), key=lambda b: (b.order, b.key))


def get(key: str) -> Block:
    return _BLOCKS[key]


def blocks_for(user, now: dt.datetime | None = None) -> list[RenderedBlock]:
    """The blocks ``user`` sees, each with its data, in order. A block whose query answers
    None is left out."""
    now = now or timezone.now()
    out = []
    for block in registered():
        if not block.visible(user):
            continue
        data = block.query(user, now)
        if data is None:
            continue
        out.append(RenderedBlock(block, data))
    return out
