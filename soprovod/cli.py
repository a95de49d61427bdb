"""The ``soprovod`` console script: a thin front for Django's management commands.

``soprovod <command> [args]`` is ``manage.py <command> [args]`` with the settings module
chosen, so every management command (``migrate``, ``createsuperuser``...) works too. The
commands of interfaces.md («Command line») live in soprovod/web/management/commands/.

Embedded mode: when neither ``SECRET_KEY`` nor ``DATABASE_URL`` is set, Soprovod runs on the
local SQLite database with ``DEBUG=1`` (development key, runserver, console mail), which is
what ``make run`` needs with nothing configured. Setting either variable means a real
deployment: then ``DEBUG`` is whatever the environment says (off unless set) and settings
insist on a proper ``SECRET_KEY``.

Exit status: 0 success, 1 a user error (one line on stderr saying what and where),
2 bad usage (unknown command or option).
"""

from __future__ import annotations

import os
import sys
from collections.abc import MutableMapping, Sequence

USAGE_ERROR = 2


def configure_environment(environ: MutableMapping[str, str]) -> None:
    """Choose the settings module and, in embedded mode, turn DEBUG on (see module doc)."""
    environ.setdefault("DJANGO_SETTINGS_MODULE", "soprovod.settings")
    if not environ.get("SECRET_KEY") and not environ.get("DATABASE_URL"):
        environ.setdefault("DEBUG", "1")


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``soprovod <command> [args]`` and return the exit status."""
    args = list(sys.argv[1:] if argv is None else argv)
    configure_environment(os.environ)

    import django
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line, get_commands

    try:
        django.setup()
    except ImproperlyConfigured as error:
        print(f"soprovod: configuration error: {error}", file=sys.stderr)
        return 1
    if not args:
        print(
            "usage: soprovod <command> [options]; 'soprovod help' lists the commands",
            file=sys.stderr,
        )
        return USAGE_ERROR
    command = args[0]
    builtin = {"help", "version"}  # handled by Django's command line, not commands
    if not command.startswith("-") and command not in builtin | set(get_commands()):
        print(
            f"soprovod: unknown command {command!r}; 'soprovod help' lists the commands",
            file=sys.stderr,
        )
        return USAGE_ERROR
    try:
        execute_from_command_line(["soprovod", *args])
    except SystemExit as exit_:
        return _exit_status(exit_.code)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (``soprovod demo | head``): stop quietly, as Unix tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    return 0


def _exit_status(code: object) -> int:
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
