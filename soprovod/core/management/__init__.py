"""Soprovod's management commands (run through the ``soprovod`` script, see soprovod/cli.py)."""

from __future__ import annotations

import argparse

from django.core.management.base import BaseCommand, CommandError


class SoprovodCommand(BaseCommand):
    """A command whose user errors read as one line, ``error: <what and where>``, exit status 1.

    Raise CommandError for bad input (a missing file, a bad row...). From the command line it
    is printed without Django's ``CommandError:`` prefix; through ``call_command`` (tests,
    tasks) it propagates as usual.
    """

    def execute(self, *args, **options):
        try:
            return super().execute(*args, **options)
        except CommandError as error:
            if not self._called_from_command_line or options.get("traceback"):
                raise
            self.stderr.write(f"error: {error}")
            raise SystemExit(error.returncode) from None


def positive_int(maximum: int):
    """An argparse type: a whole number from 1 to ``maximum`` (bad values exit with status 2)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if not 1 <= value <= maximum:
            raise argparse.ArgumentTypeError(f"must be from 1 to {maximum}, got {value}")
        return value

    return parse
