"""The interface is Russian by default: every message has a Russian translation, the
compiled catalogue matches it, and the catalogue covers every string in the code."""

import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.utils import translation

LOCALE = Path(__file__).resolve().parents[2] / "locale"
PACKAGE = LOCALE.parent


def ru_catalogue() -> polib.POFile:
    return polib.pofile(str(LOCALE / "ru" / "LC_MESSAGES" / "django.po"))


def test_every_message_has_a_russian_translation():
    untranslated = [
        e.msgid
        for e in ru_catalogue()
        if not e.obsolete and (not e.translated() or "fuzzy" in e.flags)
    ]
    assert untranslated == []


def test_compiled_catalogue_matches_the_source():
    stale = []
    with translation.override("ru"):
        for entry in ru_catalogue():
            if entry.obsolete or entry.msgid_plural:
                continue
            got = (
                translation.pgettext(entry.msgctxt, entry.msgid)
                if entry.msgctxt
                else translation.gettext(entry.msgid)
            )
            if got != entry.msgstr:
                stale.append(entry.msgid)
    assert stale == [], "run `make messages` to recompile"


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="GNU gettext is not installed")
def test_catalogue_covers_every_string_in_the_code(tmp_path):
    copy = tmp_path / "soprovod"
    shutil.copytree(
        PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "locale", "tests", "lib")
    )
    (copy / "locale").mkdir()
    subprocess.run(
        [sys.executable, "-P", "-m", "django", "makemessages", "-l", "ru", "--no-location", "-v0"],
        cwd=copy,
        check=True,
        env={
            "DJANGO_SETTINGS_MODULE": "soprovod.settings_test",
            "PATH": "/usr/bin:/bin",
            "PYTHONPATH": str(PACKAGE.parent),
        },
    )
    fresh = {
        e.msgid for e in polib.pofile(str(copy / "locale" / "ru" / "LC_MESSAGES" / "django.po"))
    }
    known = {e.msgid for e in ru_catalogue() if not e.obsolete}
    assert sorted(fresh - known) == [], "run `make messages` and translate the new strings"
