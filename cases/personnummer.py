"""Swedish personal identity numbers (personnummer, samordningsnummer): parse and check.

Stored as ÅÅÅÅMMDD-NNNN. Input may be written with or without the hyphen, with spaces,
with a plus sign or with a two-digit year only if the century is given; we accept the
12-digit forms staff actually type and reject everything else with a clear message.
"""

from __future__ import annotations

import re
from datetime import date

from django.utils.translation import gettext as _


class PersonnummerError(ValueError):
    """The input is not a valid personal identity number; the message says why."""


_PATTERN = re.compile(r"^(\d{8})[-+]?(\d{4})$")


def _luhn_ok(ten_digits: str) -> bool:
    total = 0
    for index, char in enumerate(ten_digits):
        value = int(char) * (2 if index % 2 == 0 else 1)
        total += value // 10 + value % 10
    return total % 10 == 0


def normalize(raw: str) -> str:
    """Return ÅÅÅÅMMDD-NNNN, or raise PersonnummerError with a message for the user."""
    text = re.sub(r"\s+", "", raw or "")
    match = _PATTERN.match(text)
    if not match:
        raise PersonnummerError(_("Skriv personnumret med tolv siffror: ÅÅÅÅMMDD-NNNN."))
    digits, serial = match.groups()
    try:
        born_on(f"{digits}-{serial}")
    except ValueError:
        raise PersonnummerError(_("Datumet i personnumret finns inte. Kontrollera siffrorna.")) from None
    if not _luhn_ok(digits[2:] + serial):
        raise PersonnummerError(_("Personnumret stämmer inte (kontrollsiffran). Kontrollera att du har skrivit rätt."))
    return f"{digits}-{serial}"


def born_on(number: str) -> date:
    """The date of birth in a personnummer (a samordningsnummer has 60 added to the day)."""
    year, month, day = int(number[0:4]), int(number[4:6]), int(number[6:8])
    if day > 60:
        day -= 60
    return date(year, month, day)


def with_check_digit(nine_or_eleven: str) -> str:
    """Complete a number without its check digit (ÅÅÅÅMMDD-NNN -> ÅÅÅÅMMDD-NNNC).
    For demo data and tests."""
    digits = nine_or_eleven.replace("-", "")
    if len(digits) != 11:
        raise ValueError("expected ÅÅÅÅMMDDNNN")
    for check in range(10):
        if _luhn_ok(digits[2:] + str(check)):
            return f"{digits[:8]}-{digits[8:]}{check}"
    raise AssertionError("unreachable")  # pragma: no cover
