"""Forms of the knowledge base's staff pages; the writes are in `actions.py`."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from soprovod.knowledge.models import ArticleStatus, Audience, Category


class ArticleForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=300)
    category = forms.ModelChoiceField(label=_("Category"), queryset=Category.objects.none())
    audience = forms.ChoiceField(
        label=_("Who it is for"), choices=Audience.choices, widget=forms.RadioSelect
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=ArticleStatus.choices,
        widget=forms.RadioSelect,
        help_text=_(
            "A draft is seen by editors only; a published client article shows in the "
            "portal and in its suggestions."
        ),
    )
    summary = forms.CharField(
        label=_("Short summary"),
        max_length=500,
        required=False,
        help_text=_("One or two sentences: inserted into a reply together with the link."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    body = forms.CharField(
        label=_("Text"),
        required=False,
        max_length=200_000,
        widget=forms.Textarea(attrs={"rows": 18, "class": "mono"}),
        help_text=_(
            "Markdown: **bold**, *italic*, lists with «-», headings with «#», links "
            "[text](https://…), images ![caption](file address) — upload the image below "
            "the article and copy its address."
        ),
    )
    note = forms.CharField(
        label=_("What changed"),
        max_length=300,
        required=False,
        help_text=_("Shown in the article's history."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = Category.objects.order_by("position", "name")


class CategoryForm(forms.Form):
    name = forms.CharField(label=_("New category"), max_length=200)


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("File or image"))
