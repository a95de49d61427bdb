"""The interface is Russian by default: every message has a Russian translation, the
compiled catalogues match them, and the catalogues together cover every string in the code.

The package catalogue (soprovod/locale) and each app's own (soprovod/<app>/locale) are all
checked; settings.LOCALE_PATHS lists them."""

import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.utils import translation

PACKAGE = Path(__file__).resolve().parents[2]


def ru_entries() -> list[polib.POEntry]:
    """Every entry of every Russian catalogue of the package."""
    files = sorted(PACKAGE.glob("locale/ru/LC_MESSAGES/django.po")) + sorted(
        PACKAGE.glob("*/locale/ru/LC_MESSAGES/django.po")
    )
    return [entry for path in files for entry in polib.pofile(str(path))]


def test_every_message_has_a_russian_translation():
    untranslated = [
        e.msgid
        for e in ru_entries()
        if not e.obsolete and (not e.translated() or "fuzzy" in e.flags)
    ]
    assert untranslated == []


def test_compiled_catalogue_matches_the_source():
    stale = []
    with translation.override("ru"):
        for entry in ru_entries():
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
    known = {e.msgid for e in ru_entries() if not e.obsolete}
    assert sorted(fresh - known) == [], "run `make messages` and translate the new strings"


def ru_catalogues() -> list[Path]:
    return sorted(PACKAGE.glob("locale/ru/LC_MESSAGES/django.po")) + sorted(
        PACKAGE.glob("*/locale/ru/LC_MESSAGES/django.po")
    )


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="GNU gettext is not installed")
@pytest.mark.parametrize("path", ru_catalogues(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_catalogue_passes_msgfmt_check(path):
    """`make messages` compiles with msgfmt, which stops on a python-format string whose
    translation does not match it, or on plural entries with fewer forms than the header's
    nplurals (a Russian count of 5 then fell back to the English text)."""
    run = subprocess.run(
        ["msgfmt", "--check", "-o", "/dev/null", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    errors = [line for line in run.stderr.splitlines() if "initial default value" not in line]
    assert run.returncode == 0 and errors == [], "\n".join(errors)
