"""Phone numbers: validated and normalised to E.164, mainland China by default.

https://github.com/google/libphonenumber (the `phonenumbers` port)
"""
from __future__ import annotations

import functools
import re

import phonenumbers

DEFAULT_REGION = "CN"
DIALABLE = re.compile(r"^\(?\+?[0-9 ()\-.]+$")


class InvalidPhone(ValueError):
    """Not a phone number we can reach."""


@functools.lru_cache(maxsize=4096)  # a bulk import normalises each number more than once
def normalise_phone(raw: str, region: str = DEFAULT_REGION) -> str:
    """`raw` as E.164 ("138 0013 8000" -> "+8613800138000"); raise InvalidPhone when it is not valid."""
    text = raw.strip()
    if not DIALABLE.match(text):
        raise InvalidPhone(f"{raw!r} is not a phone number (digits, spaces, brackets, dashes and a leading + only).")
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhone(f"{raw!r} is not a phone number: {exc}.") from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhone(f"{raw!r} is not a valid phone number.")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def digits(e164: str) -> str:
    """The digits of an E.164 number (what suffix searches compare)."""
    return e164.lstrip("+")
