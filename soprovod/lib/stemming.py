"""Russian (and English) word stems for full-text search where the database has no stemmer
(SQLite in the embedded mode), and the highlighting of matched words in a text.

PostgreSQL's ``russian`` text-search configuration stems Cyrillic words with the Snowball
Russian stemmer, Latin words with the Snowball English one, and drops the stop words of the
Snowball lists. This module does the same with the ``snowballstemmer`` package, so that both
databases find «шлагбаума» for «шлагбаум»: the SQLite index stores the stems of a text
(``stems``), and a query is stemmed the same way (``query_stems``).

Pure Python: no Django, tested without a database.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache

import snowballstemmer

# A word: letters and digits (an e-mail or a URL falls apart into its words, as in FTS5).
WORD = re.compile(r"\w+", re.UNICODE)
_CYRILLIC = re.compile(r"[а-яё]")

# The Snowball stop-word list for Russian (the one PostgreSQL's russian.stop holds): words
# too common to search by. A query made only of them finds nothing.
RUSSIAN_STOP_WORDS = frozenset(
    [
        "и",
        "в",
        "во",
        "не",
        "что",
        "он",
        "на",
        "я",
        "с",
        "со",
        "как",
        "а",
        "то",
        "все",
        "она",
        "так",
        "его",
        "но",
        "да",
        "ты",
        "к",
        "у",
        "же",
        "вы",
        "за",
        "бы",
        "по",
        "только",
        "ее",
        "мне",
        "было",
        "вот",
        "от",
        "меня",
        "еще",
        "нет",
        "о",
        "из",
        "ему",
        "теперь",
        "когда",
        "даже",
        "ну",
        "вдруг",
        "ли",
        "если",
        "уже",
        "или",
        "ни",
        "быть",
        "был",
        "него",
        "до",
        "вас",
        "нибудь",
        "опять",
        "уж",
        "вам",
        "ведь",
        "там",
        "потом",
        "себя",
        "ничего",
        "ей",
        "может",
        "они",
        "тут",
        "где",
        "есть",
        "надо",
        "ней",
        "для",
        "мы",
        "тебя",
        "их",
        "чем",
        "была",
        "сам",
        "чтоб",
        "без",
        "будто",
        "чего",
        "раз",
        "тоже",
        "себе",
        "под",
        "будет",
        "ж",
        "тогда",
        "кто",
        "этот",
        "того",
        "потому",
        "этого",
        "какой",
        "совсем",
        "ним",
        "здесь",
        "этом",
        "один",
        "почти",
        "мой",
        "тем",
        "чтобы",
        "нее",
        "сейчас",
        "были",
        "куда",
        "зачем",
        "всех",
        "никогда",
        "можно",
        "при",
        "наконец",
        "два",
        "об",
        "другой",
        "хоть",
        "после",
        "над",
        "больше",
        "тот",
        "через",
        "эти",
        "нас",
        "про",
        "всего",
        "них",
        "какая",
        "много",
        "разве",
        "три",
        "эту",
        "моя",
        "впрочем",
        "хорошо",
        "свою",
        "этой",
        "перед",
        "иногда",
        "лучше",
        "чуть",
        "том",
        "нельзя",
        "такой",
        "им",
        "более",
        "всегда",
        "конечно",
        "всю",
        "между",
    ]
)
ENGLISH_STOP_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "for",
        "from",
        "has",
        "have",
        "in",
        "is",
        "it",
        "its",
        "of",
        "on",
        "or",
        "that",
        "the",
        "this",
        "to",
        "was",
        "were",
        "will",
        "with",
    ]
)

# Markers around a matched word in a highlighted fragment: control characters no text
# holds, turned into <mark> after the fragment is HTML-escaped (``marked_html``).
START, STOP = "\x02", "\x03"


@lru_cache(maxsize=1)
def _stemmers():
    return snowballstemmer.stemmer("russian"), snowballstemmer.stemmer("english")


@lru_cache(maxsize=65536)
def stem(word: str) -> str | None:
    """The stem of one word (lower-cased, ё read as е), or None for a stop word."""
    word = word.lower().replace("ё", "е")
    russian, english = _stemmers()
    if _CYRILLIC.search(word):
        return None if word in RUSSIAN_STOP_WORDS else russian.stemWord(word)
    if word.isascii() and word.isalpha():
        return None if word in ENGLISH_STOP_WORDS else english.stemWord(word)
    return word  # numbers, mixed words: as they are


def stems(text: str) -> str:
    """The text as its words' stems, separated by spaces (what the SQLite index stores)."""
    return " ".join(s for s in (stem(w) for w in WORD.findall(text or "")) if s)


def query_stems(query: str) -> list[str]:
    """The distinct stems of a query's words, in their order (stop words dropped)."""
    found = (stem(w) for w in WORD.findall(query or ""))
    return list(dict.fromkeys(s for s in found if s))


def fts5_match(query: str, *, any_word: bool = False) -> str:
    """An FTS5 MATCH expression: every stem of the query (or ``any_word`` of them), each
    quoted (so no word of the user's is read as an operator). Empty when the query has no
    searchable word."""
    return (" OR " if any_word else " AND ").join(f'"{s}"' for s in query_stems(query))


def highlight(text: str, query: str, *, words: int = 30) -> str:
    """A fragment of ``text`` of about ``words`` words around the first matched word, each
    word whose stem is a query stem between START and STOP; the text's start when nothing
    matches. Plain text with markers: escape it with ``marked_html``."""
    wanted = set(query_stems(query))
    if not text:
        return ""
    found = list(WORD.finditer(text))
    hits = [i for i, m in enumerate(found) if wanted and stem(m.group()) in wanted]
    if not found:
        return text[:200]
    first = max(0, (hits[0] if hits else 0) - words // 3)
    last = min(len(found), first + words)
    start = found[first].start() if first else 0
    end = found[last - 1].end() if last < len(found) else len(text)
    pieces, at = [], start
    for i in hits:
        if first <= i < last:
            m = found[i]
            pieces += [text[at : m.start()], START, m.group(), STOP]
            at = m.end()
    pieces.append(text[at:end])
    fragment = "".join(pieces).strip()
    return ("… " if start else "") + fragment + (" …" if end < len(text) else "")


def marked_html(fragment: str) -> str:
    """A highlighted fragment as safe HTML: the text escaped, the markers as <mark>."""
    escaped = html.escape(fragment or "", quote=False)
    return escaped.replace(START, "<mark>").replace(STOP, "</mark>")
