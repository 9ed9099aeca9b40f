"""Checks every aggregate shares: plain values in, a clean value or InvalidCommand out."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from .errors import InvalidCommand

# Clocks drift; a late entry typed a minute "ahead" is still an honest entry.
CLOCK_TOLERANCE = timedelta(minutes=5)
EARLIEST_BIRTH = date(1900, 1, 1)
# The clinic's working calendar: a shift or appointment outside it is a typo
# (0001-01-01, 9999-12-31), not a record anyone means to keep.
CALENDAR = (date(2000, 1, 1), date(2099, 12, 31))


def text(value: object, field: str, max_length: int) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidCommand("This field may not be blank.", field=field)
    value = " ".join(value.split())
    if len(value) > max_length:
        raise InvalidCommand(f"Ensure this field has no more than {max_length} characters.", field=field)
    return value


def not_in_future(at: datetime, now: datetime, field: str) -> None:
    if at.tzinfo is None:
        raise InvalidCommand("Give a time zone offset, e.g. 2026-01-31T08:00:00+00:00.", field=field)
    if at > now + CLOCK_TOLERANCE:
        raise InvalidCommand("This time is in the future.", field=field)
    in_calendar(at.date(), field)


def in_calendar(day: date, field: str) -> None:
    if not CALENDAR[0] <= day <= CALENDAR[1]:
        raise InvalidCommand(f"Give a date from {CALENDAR[0]} to {CALENDAR[1]}.", field=field)


def date_of_birth(value: object, today: date) -> date:
    if not isinstance(value, date) or isinstance(value, datetime):
        raise InvalidCommand("Give a date as YYYY-MM-DD.", field="date_of_birth")
    if value > today:
        raise InvalidCommand("The date of birth cannot be in the future.", field="date_of_birth")
    if value < EARLIEST_BIRTH:
        raise InvalidCommand("The date of birth cannot be before 1900-01-01.", field="date_of_birth")
    return value


# E.164-ish: an optional +, then 6 to 15 digits; spaces, dots, dashes and brackets are for reading only.
_PHONE_SEPARATORS = re.compile(r"[\s.()-]")
_PHONE = re.compile(r"\+?[0-9]{6,15}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")


def phone(value: object) -> str:
    """A phone number as digits with an optional leading +; "" when none is given."""
    if value is None or value == "":
        return ""
    if not isinstance(value, str):
        raise InvalidCommand("Give a phone number such as +44 20 7946 0958.", field="phone")
    digits = _PHONE_SEPARATORS.sub("", value)
    if not _PHONE.fullmatch(digits):
        raise InvalidCommand("Give a phone number of 6 to 15 digits, optionally starting with +, "
                             "such as +44 20 7946 0958.", field="phone")
    return digits


def email(value: object) -> str:
    """An e-mail address as given, trimmed; "" when none is given."""
    if value is None or value == "":
        return ""
    if not isinstance(value, str) or len(value.strip()) > 254 or not _EMAIL.fullmatch(value.strip()):
        raise InvalidCommand("Give an e-mail address such as name@example.org.", field="email")
    return value.strip()
