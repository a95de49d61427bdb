from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from soprovod.health import scoring
from soprovod.health.config import Settings
from soprovod.health.explain import MEASURE_LABELS

BANDS_ERRORS = {
    "format": _(
        "Write the bands as «value → score» pairs separated by «;», e.g. «0,9 → 50; 1 → 100»."
    ),
    "range": _("A score is from 0 to 100."),
    "too_few": _("Give at least two points."),
    "duplicate": _("Each value once."),
    "categories": _("Give a score for each status: on_track, at_risk, blocked, overdue."),
}


class SettingsForm(forms.Form):
    """Weights and bands of every measure, and the score's red and green edges."""

    red_below = forms.IntegerField(label=_("Red below"), min_value=1, max_value=100)
    green_from = forms.IntegerField(label=_("Green from"), min_value=1, max_value=100)
    comment = forms.CharField(label=_("Why the change"), max_length=500, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, current: Settings, **kwargs):
        initial = {
            "red_below": current.red_below,
            "green_from": current.green_from,
            "version": current.version,
        }
        for measure in scoring.MEASURES:
            weight = current.weights.get(measure.key, 0)
            initial[f"weight_{measure.key}"] = int(weight) if float(weight).is_integer() else weight
            initial[f"bands_{measure.key}"] = scoring.format_points(current.points[measure.key])
        super().__init__(*args, initial=initial, **kwargs)
        for measure in scoring.MEASURES:
            label = MEASURE_LABELS[measure.key]
            self.fields[f"weight_{measure.key}"] = forms.DecimalField(
                label=label, min_value=0, max_value=100, decimal_places=1
            )
            self.fields[f"bands_{measure.key}"] = forms.CharField(label=label, max_length=300)

    def measure_rows(self):
        return [
            (MEASURE_LABELS[m.key], self[f"weight_{m.key}"], self[f"bands_{m.key}"])
            for m in scoring.MEASURES
        ]

    def clean(self):
        data = super().clean()
        weights, points = {}, {}
        for measure in scoring.MEASURES:
            weight = data.get(f"weight_{measure.key}")
            if weight is not None:
                weights[measure.key] = float(weight)
            text = data.get(f"bands_{measure.key}")
            if text is None:
                continue
            try:
                points[measure.key] = scoring.parse_points(
                    text,
                    categorical=measure.categorical,
                    categories=[c for c, _s in measure.points],
                )
            except scoring.BandsError as error:
                self.add_error(f"bands_{measure.key}", BANDS_ERRORS[str(error)])
        if weights and not sum(weights.values()):
            raise forms.ValidationError(_("At least one measure needs a weight above 0."))
        red, green = data.get("red_below"), data.get("green_from")
        if red is not None and green is not None and red > green:
            self.add_error("green_from", _("Green starts at or above the red edge."))
        data["weights"], data["points"] = weights, points
        return data


class SentimentForm(forms.Form):
    score = forms.TypedChoiceField(
        label=_("Your sentiment"),
        coerce=int,
        choices=[
            (1, _("1 — very bad")),
            (2, _("2 — bad")),
            (3, _("3 — so-so")),
            (4, _("4 — good")),
            (5, _("5 — very good")),
        ],
    )
    note = forms.CharField(label=_("Why"), max_length=500, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
