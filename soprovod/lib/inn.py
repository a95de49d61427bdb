"""Russian taxpayer numbers (INN): validation and generation.

An INN has 10 digits for a legal entity (one check digit) or 12 digits for an individual
entrepreneur (two check digits). Each check digit is a weighted sum of the digits before it,
taken mod 11 and then mod 10 (Federal Tax Service order No. ММВ-7-6/435@, appendix).
The first two digits are the region code of the tax office that issued the number.
"""

from __future__ import annotations

import random
import re

_WEIGHTS_10 = (2, 4, 10, 3, 5, 9, 4, 6, 8)
_WEIGHTS_12_FIRST = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_WEIGHTS_12_SECOND = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)

# Spaces people type or paste between digit groups, including non-breaking ones.
_SPACES = re.compile(r"[\s\u00a0\u202f]+")
_DIGITS = re.compile(r"[0-9]+")


class InnError(ValueError):
    """The value is not a valid INN; the message says why (shown to the user)."""


def _check_digit(digits: str, weights: tuple[int, ...]) -> int:
    """Check digit of ``digits`` under ``weights``: weighted sum mod 11, then mod 10."""
    total = sum(int(digit) * weight for digit, weight in zip(digits, weights, strict=True))
    return total % 11 % 10


def _expected_check_digits(body: str) -> str:
    """The check digits an INN must end with, given its digits without them."""
    if len(body) == 9:
        return str(_check_digit(body, _WEIGHTS_10))
    first = str(_check_digit(body, _WEIGHTS_12_FIRST))
    second = str(_check_digit(body + first, _WEIGHTS_12_SECOND))
    return first + second


def validate_inn(value: str) -> str:
    """Return the INN with spaces removed, or raise InnError saying what is wrong.

    Accepts 10 digits (legal entity) or 12 digits (individual entrepreneur) whose check
    digits are right. Spaces anywhere (``7707 083 893``) are ignored.
    """
    inn = _SPACES.sub("", value)
    if not inn:
        raise InnError("INN is empty")
    if not _DIGITS.fullmatch(inn):
        raise InnError("INN must contain only digits")
    if len(inn) not in (10, 12):
        raise InnError(f"INN must have 10 or 12 digits, not {len(inn)}")
    body_length = 9 if len(inn) == 10 else 10
    if inn[body_length:] != _expected_check_digits(inn[:body_length]):
        raise InnError("INN checksum is wrong")
    return inn


def is_valid_inn(value: str) -> bool:
    """True if ``validate_inn`` accepts the value."""
    try:
        validate_inn(value)
    except InnError:
        return False
    return True


def generate_inn(rng: random.Random, length: int = 10) -> str:
    """A random valid INN of ``length`` digits (10 or 12), for demo data and test factories.

    Starts with a region code 01-92 and a tax office number 01-99, as real INNs do, so the
    numbers look plausible; they may coincide with real taxpayers' numbers.
    """
    if length not in (10, 12):
        raise ValueError(f"an INN has 10 or 12 digits, not {length}")
    region = rng.randint(1, 92)
    tax_office = rng.randint(1, 99)
    serial_length = length - 2 - 2 - (1 if length == 10 else 2)
    serial = "".join(str(rng.randint(0, 9)) for _ in range(serial_length))
    body = f"{region:02d}{tax_office:02d}{serial}"
    return body + _expected_check_digits(body)
