"""Markdown → safe HTML: markdown-it-py renders (CommonMark plus tables and strikethrough),
nh3 (the Ammonia sanitiser) keeps only the tags, attributes and URL schemes listed here.

Raw HTML in an article is allowed through the parser (an author may want a ``<kbd>`` or a
``<br>``) because everything the parser emits goes through the sanitiser: a ``<script>``,
an ``onerror=`` or a ``javascript:`` link never reaches a page, whoever wrote the article."""

from __future__ import annotations

import nh3
from django.utils.html import strip_tags
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

ALLOWED_TAGS = frozenset(
    {
        "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6",
        "strong", "em", "b", "i", "s", "del", "code", "pre", "kbd", "blockquote",
        "ul", "ol", "li", "a", "img",
        "table", "thead", "tbody", "tr", "th", "td",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "th": {"align"},
    "td": {"align"},
    "ol": {"start"},
    "code": {"class"},
}
URL_SCHEMES = frozenset({"http", "https", "mailto", "tel"})

_markdown = MarkdownIt("commonmark", {"html": True, "linkify": False, "typographer": False})
_markdown.enable(["table", "strikethrough"])


def sanitise(html: str) -> str:
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


def render_markdown(text: str) -> SafeString:
    """The article's Markdown as HTML a page may include as it is."""
    return mark_safe(sanitise(_markdown.render(text or "")))  # noqa: S308 - sanitised by nh3


def plain_text(text: str) -> str:
    """The Markdown's words without markup (for a reply's text, a snippet)."""
    return strip_tags(sanitise(_markdown.render(text or ""))).strip()
