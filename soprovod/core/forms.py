"""Forms every app's pages share."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from soprovod.lib.csvio import CsvFileError


class CsvUploadForm(forms.Form):
    """A CSV file for an app's import (``imports.py``), checked or saved: the one upload
    form of every import page. A subclass sets ``max_bytes`` and may relabel the fields."""

    max_bytes = 5 * 1024 * 1024

    file = forms.FileField(
        label=_("CSV file"), widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"})
    )
    dry_run = forms.BooleanField(
        label=_("Dry run: check the file without saving anything"),
        required=False,
        initial=True,
    )

    @property
    def max_megabytes(self) -> int:
        return self.max_bytes // 1024 // 1024

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > self.max_bytes:
            raise forms.ValidationError(
                _("The file is %(size)s MB; the limit is %(limit)s MB. Split it into parts."),
                params={"size": f"{upload.size / 1024 / 1024:.1f}", "limit": self.max_megabytes},
            )
        return upload

    def run(self, importer: Callable[..., Any], **options) -> tuple[Any, list[str]]:
        """Run ``importer`` (the signature of the ``import`` command's importers) on the valid
        upload: ``(result, [])``, or ``(None, issues)`` when the file was refused whole."""
        upload = self.cleaned_data["file"]
        try:
            result = importer(
                upload.read(),
                filename=upload.name,
                dry_run=self.cleaned_data["dry_run"],
                **options,
            )
        except CsvFileError as error:
            return None, [str(issue) for issue in error.issues]
        return result, []
