"""The report as an HTML document and, through WeasyPrint, as an A4 PDF.

The same template is the PDF's source and the «view in the browser» page, so what the CEO
reads on screen and on paper is one layout of one `ReportData`. Fonts: DejaVu Sans, which
has Cyrillic (test-services.md «Fonts and PDF»).
"""

from __future__ import annotations

import logging

from django.template.loader import render_to_string
from django.utils import translation

from soprovod.reports.generator import ReportData

TEMPLATE = "reports/document.html"
CONTENT_TYPE = "application/pdf"

# WeasyPrint narrates every step and fontTools every glyph it subsets, at INFO: a report
# would flood the log. Their warnings and errors still show.
for _name in ("weasyprint.progress", "fontTools"):
    logging.getLogger(_name).setLevel(logging.WARNING)


def render_html(data: ReportData, *, for_print: bool = False) -> str:
    with translation.override(data.language):
        return render_to_string(
            TEMPLATE,
            {"report": data, "for_print": for_print},
        )


def render_pdf(data: ReportData) -> bytes:
    """The report as PDF bytes (A4)."""
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    # Everything a report shows is inside the HTML (charts are ``data:`` URIs): fetch
    # nothing else, so no text in a chart or commentary can make the renderer reach out.
    fetcher = URLFetcher(allowed_protocols={"data"})
    return HTML(string=render_html(data, for_print=True), url_fetcher=fetcher).write_pdf()
