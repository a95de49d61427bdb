from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class ScoreForm(forms.Form):
    """One field per criterion of the rubric, 0 to its maximum, and the comment."""

    comment = forms.CharField(
        label=_("Comment"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def __init__(self, *args, criteria=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = list(criteria)
        for criterion in self.criteria:
            self.fields[f"c{criterion.pk}"] = forms.TypedChoiceField(
                label=criterion.title,
                help_text=criterion.description,
                choices=[(i, str(i)) for i in range(criterion.max_score + 1)],
                coerce=int,
                widget=forms.RadioSelect,
            )

    def scores(self) -> dict[int, int]:
        return {c.pk: self.cleaned_data[f"c{c.pk}"] for c in self.criteria}


class RubricForm(forms.Form):
    """The criteria as lines «title | what it means | maximum» (a new version on save)."""

    criteria = forms.CharField(
        label=_("Criteria, one a line: title | what it means | maximum score"),
        widget=forms.Textarea(attrs={"rows": 8}),
    )

    def clean_criteria(self):
        lines = []
        for number, line in enumerate(self.cleaned_data["criteria"].splitlines(), 1):
            if not line.strip():
                continue
            parts = [p.strip() for p in line.split("|")]
            title = parts[0]
            description = parts[1] if len(parts) > 1 else ""
            try:
                maximum = int(parts[2]) if len(parts) > 2 and parts[2] else 5
            except ValueError:
                raise forms.ValidationError(
                    _("Line %(number)s: the maximum score is a whole number.") % {"number": number}
                ) from None
            lines.append((title, description, maximum))
        return lines


class SettingsForm(forms.Form):
    reviewer = forms.ModelChoiceField(
        label=_("Reviewer"), queryset=None, required=False, empty_label=_("— the head —")
    )
    random_count = forms.IntegerField(label=_("Random tickets a week"), min_value=0, max_value=100)

    def __init__(self, *args, people=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reviewer"].queryset = people
