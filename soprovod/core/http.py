"""Small request helpers every app's views share."""

from __future__ import annotations

from django.http import HttpRequest, QueryDict


def posted(request: HttpRequest) -> QueryDict | None:
    """The submitted data, so that even an empty POST is validated (and refused) as such."""
    return request.POST if request.method == "POST" else None


def is_htmx(request: HttpRequest) -> bool:
    """An htmx request for a fragment. A history restore wants the whole page, not the
    fragment it once swapped in."""
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


def resubmission(request: HttpRequest, saved) -> QueryDict:
    """The user's input after a stale save (core.errors.StaleObjectError), now based on the
    saved version: saving again is a deliberate choice to replace what the other person
    saved."""
    data = request.POST.copy()
    data["version"] = str(saved.version)
    return data
