"""The project timeline: Gantt-like bars drawn with matplotlib as an SVG (the same picture on
the page and in a PDF). Each stage and task is a row: the planned span as a light bar, the
actual span (started → finished, or → today while open) as a darker bar on top; red for late
work; a line for today and a diamond for the go-live date."""

from __future__ import annotations

import datetime as dt
import io

import matplotlib

matplotlib.use("svg")  # no display, no GUI toolkit: the page only needs the SVG text

from django.utils import formats  # noqa: E402
from django.utils.translation import gettext as _  # noqa: E402
from matplotlib import dates as mdates  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

PLANNED, DONE, OPEN, LATE, TODAY = "#c9d7ea", "#2f6f4f", "#4a78b5", "#c0392b", "#6b6b6b"
ROW_INCHES = 0.28


def _row(label: str, *, indent: bool) -> str:
    text = ("   " if indent else "") + label
    return text if len(text) <= 42 else text[:41] + "…"


def timeline_svg(
    stages, *, today: dt.date, go_live: dt.date | None, planned_go_live: dt.date
) -> str:
    """The timeline of a project's ``stages`` (each with its prefetched ``tasks``) as SVG text."""
    rows: list[tuple[str, dt.date, dt.date, dt.date | None, dt.date | None, bool, bool]] = []
    for stage in stages:
        rows.append(
            (stage.name, stage.planned_start, stage.planned_end, stage.actual_start,
             stage.actual_end, True, stage.actual_end is None and stage.planned_end < today)
        )  # fmt: skip
        for task in stage.tasks.all():
            rows.append(
                (task.title, task.planned_start, task.planned_end, task.done_on and task.planned_start,
                 task.done_on, False, task.done_on is None and task.planned_end < today)
            )  # fmt: skip
    height = max(1.6, 0.7 + ROW_INCHES * len(rows))
    figure = Figure(figsize=(9.5, height), dpi=96)
    axes = figure.add_subplot()
    one_day = dt.timedelta(days=1)
    for index, (_label, p_start, p_end, a_start, a_end, is_stage, late) in enumerate(rows):
        y = len(rows) - 1 - index
        thickness = 0.7 if is_stage else 0.45
        axes.barh(y, (p_end + one_day - p_start).days, left=mdates.date2num(p_start),
                  height=thickness, color=PLANNED, edgecolor="none")  # fmt: skip
        if a_start is not None:
            end = a_end or today
            axes.barh(y, max((end + one_day - a_start).days, 1), left=mdates.date2num(a_start),
                      height=thickness * 0.5, color=DONE if a_end else OPEN, edgecolor="none")  # fmt: skip
        if late:
            axes.barh(y, (today - p_end).days, left=mdates.date2num(p_end + one_day),
                      height=thickness * 0.5, color=LATE, edgecolor="none")  # fmt: skip
    axes.set_yticks(
        range(len(rows)),
        [_row(row[0], indent=not row[5]) for row in reversed(rows)],
        fontsize=8,
    )
    for tick, row in zip(axes.get_yticklabels(), reversed(rows), strict=True):
        if row[5]:
            tick.set_fontweight("bold")
    axes.axvline(mdates.date2num(today), color=TODAY, linewidth=1, linestyle="--")
    axes.text(mdates.date2num(today), len(rows) - 0.4, " " + _("today"), fontsize=7, color=TODAY)
    marker_day = go_live or planned_go_live
    axes.plot(mdates.date2num(marker_day), -0.6, marker="D", color=DONE if go_live else LATE if planned_go_live < today else OPEN, markersize=6, clip_on=False)  # fmt: skip
    axes.xaxis.set_major_locator(mdates.AutoDateLocator(maxticks=10))
    axes.xaxis.set_major_formatter(mdates.DateFormatter("%d.%m"))
    axes.tick_params(axis="x", labelsize=8)
    axes.set_ylim(-1, len(rows))
    for side in ("top", "right", "left"):
        axes.spines[side].set_visible(False)
    axes.grid(axis="x", color="#eeeeee", linewidth=0.6)
    axes.set_axisbelow(True)
    figure.tight_layout()
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None})
    return _strip_prolog(buffer.getvalue())


def _strip_prolog(svg: str) -> str:
    """The <svg> element alone, so it can sit inline in a page."""
    return svg[svg.index("<svg") :]


def legend() -> list[tuple[str, str]]:
    return [
        (PLANNED, _("planned")),
        (OPEN, _("in progress")),
        (DONE, _("done")),
        (LATE, _("late")),
    ]


def date_label(day: dt.date) -> str:
    return formats.date_format(day, "SHORT_DATE_FORMAT")
