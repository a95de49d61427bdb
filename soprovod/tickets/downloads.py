"""Downloading a ticket's file, the one way for staff and portal pages alike: only from a
message the user may read (404 otherwise, as if absent), always as a download, and with a
content type that cannot make the browser run it."""

from __future__ import annotations

import mimetypes

from django.http import FileResponse, Http404

from soprovod.tickets.permissions import attachments_visible_to

# Content types a browser may be told as they are; anything else downloads as bytes.
SAFE_CONTENT_TYPES = frozenset(
    {
        "application/pdf",
        "image/png",
        "image/jpeg",
        "image/gif",
        "image/webp",
        "text/plain",
        "text/csv",
        "application/zip",
        "application/x-7z-compressed",
        "video/mp4",
        "video/quicktime",
        "message/rfc822",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.ms-excel",
        "application/msword",
        "application/vnd.oasis.opendocument.text",
        "application/vnd.oasis.opendocument.spreadsheet",
    }
)


def safe_content_type(declared: str, filename: str) -> str:
    """The declared type if it is on the list, else the one the file name suggests if that
    is, else plain bytes."""
    content_type = (declared or "").split(";")[0].strip().lower()
    if content_type in SAFE_CONTENT_TYPES:
        return content_type
    guessed, _encoding = mimetypes.guess_type(filename)
    return guessed if guessed in SAFE_CONTENT_TYPES else "application/octet-stream"


def attachment_response(user, pk: int) -> FileResponse:
    """The attachment ``pk`` as a download, if ``user`` may read its message."""
    item = attachments_visible_to(user).filter(pk=pk).first()
    if item is None:
        raise Http404
    try:
        handle = item.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=item.filename,
        content_type=safe_content_type(item.content_type, item.filename),
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
