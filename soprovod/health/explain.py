"""How a stored score reads to people: each measure's raw value in words and its signed
contribution, «62: CSAT 3,8 (−12), 2 emergency breaches (−15)…» (issue 11)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext_lazy

from soprovod.health import scoring

MINUS = "\u2212"

MEASURE_LABELS = {
    "sla": gettext_lazy("SLA compliance, 90 days"),
    "emergency_breaches": gettext_lazy("Emergency breaches, 90 days"),
    "csat": gettext_lazy("CSAT, 90 days"),
    "nps": gettext_lazy("Latest NPS answer"),
    "volume_trend": gettext_lazy("Ticket volume, last 30 days against the 90 before"),
    "repeat_rate": gettext_lazy("Repeat tickets, 90 days"),
    "open_claims": gettext_lazy("Open claims"),
    "renewal": gettext_lazy("Days to renewal"),
    "implementation": gettext_lazy("Implementation"),
}
IMPLEMENTATION_LABELS = {
    "on_track": pgettext_lazy("implementation", "on track"),
    "at_risk": pgettext_lazy("implementation", "at risk"),
    "blocked": pgettext_lazy("implementation", "blocked"),
    "overdue": pgettext_lazy("implementation", "overdue"),
}
FLAG_LABELS = {
    "mrr_down": gettext_lazy("MRR down by 10 percent or more in 90 days"),
    "open_claim": gettext_lazy("Open claim"),
    "emergency_breach": gettext_lazy("Emergency breach this month"),
}
BAND_LABELS = {
    scoring.RED: pgettext_lazy("health band", "red"),
    scoring.YELLOW: pgettext_lazy("health band", "yellow"),
    scoring.GREEN: pgettext_lazy("health band", "green"),
}


def _number(value: float, places: int) -> str:
    rounded = scoring.round_half_up(float(value), places)
    text = number_format(abs(rounded), places)
    return MINUS + text if rounded < 0 else text


def signed(value: float) -> str:
    """A contribution in whole points: «−12», «0»."""
    rounded = int(scoring.round_half_up(float(value)))
    return f"{MINUS}{abs(rounded)}" if rounded < 0 else str(rounded)


def raw_text(key: str, raw) -> str:
    """A measure's raw value as a phrase: «CSAT 3,8», «2 emergency breaches»."""
    if key == "sla":
        return _("SLA %(share)s %%") % {"share": _number(raw * 100, 1)}
    if key == "emergency_breaches":
        n = int(raw)
        return ngettext("%(count)s emergency breach", "%(count)s emergency breaches", n) % {
            "count": n
        }
    if key == "csat":
        return _("CSAT %(score)s") % {"score": _number(raw, 1)}
    if key == "nps":
        return _("NPS answer %(score)s") % {"score": int(raw)}
    if key == "volume_trend":
        return _("tickets ×%(ratio)s against the 90 days before") % {"ratio": _number(raw, 1)}
    if key == "repeat_rate":
        return _("repeats %(share)s %%") % {"share": _number(raw * 100, 0)}
    if key == "open_claims":
        n = int(raw)
        return ngettext("%(count)s open claim", "%(count)s open claims", n) % {"count": n}
    if key == "renewal":
        days = int(raw)
        if days < 0:
            return ngettext(
                "contract ended %(count)s day ago", "contract ended %(count)s days ago", -days
            ) % {"count": -days}
        return ngettext("renewal in %(count)s day", "renewal in %(count)s days", days) % {
            "count": days
        }
    if key == "implementation":
        return _("implementation %(status)s") % {"status": IMPLEMENTATION_LABELS.get(raw, raw)}
    return str(raw)


@dataclass(frozen=True)
class MeasureLine:
    key: str
    label: str
    raw: str
    sub: float
    weight: float
    share: float  # per cent of the score after renormalisation
    contribution: str


def lines(measures: list[dict]) -> list[MeasureLine]:
    return [
        MeasureLine(
            key=m["key"],
            label=str(MEASURE_LABELS.get(m["key"], m["key"])),
            raw=raw_text(m["key"], m["raw"]),
            sub=m["sub"],
            weight=m["weight"],
            share=round(m["share"] * 100, 1),
            contribution=signed(m["contribution"]),
        )
        for m in measures
    ]


def summary(score: int | None, measures: list[dict], *, limit: int = 3) -> str:
    """«62: CSAT 3,8 (−12), 2 emergency breaches (−15)…» — the measures that cost the most,
    worst first; «no data» without a score."""
    if score is None:
        return _("no data")
    costly = sorted(
        (m for m in measures if scoring.round_half_up(m["contribution"]) <= -1),
        key=lambda m: m["contribution"],
    )
    parts = [f"{raw_text(m['key'], m['raw'])} ({signed(m['contribution'])})" for m in costly]
    text = ", ".join(parts[:limit])
    if len(parts) > limit:
        text += "…"
    return f"{score}: {text}" if text else str(score)


def flag_labels(flags: list[str]) -> list[str]:
    return [str(FLAG_LABELS.get(flag, flag)) for flag in flags]
