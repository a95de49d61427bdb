"""The demo's last step: index everything the steps before it created (they write in bulk,
which sends no signals), so the first search of a fresh demo finds it."""

from __future__ import annotations

from soprovod.core.demo import DemoContext
from soprovod.search import index


def index_everything(ctx: DemoContext) -> None:
    written = index.rebuild()
    ctx.log("  search: " + ", ".join(f"{kind} {n}" for kind, n in written.items()))
