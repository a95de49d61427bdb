from base64 import b32encode

import segno
from django import template
from django.utils.safestring import mark_safe

register = template.Library()


@register.filter
def qr_svg(text: str) -> str:
    """``text`` as an inline SVG QR code (scales with the page, no image request)."""
    svg = segno.make(text, error="m").svg_inline(scale=4, omitsize=True)
    return mark_safe(svg)  # noqa: S308 - segno's own markup of our URL


@register.filter
def secret_for_typing(device) -> str:
    """The authenticator secret in base32, in groups of four, for typing by hand."""
    secret = b32encode(device.bin_key).decode()
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
