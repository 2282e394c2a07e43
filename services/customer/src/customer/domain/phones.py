"""Phone numbers: validated and normalised to E.164, mainland China by default.

https://github.com/google/libphonenumber (the `phonenumbers` port)

Most numbers are mainland mobiles ("138 0013 8000", "+86 138-0013-8000", "0086 13800138000"); parsing each one
with libphonenumber costs a bulk import most of its time, so those go to E.164 directly, checked against
libphonenumber's own CN mobile pattern. Everything else goes through libphonenumber. The property test in
tests/unit/test_phones.py proves the two paths return the same number or the same error.
"""
from __future__ import annotations

import functools
import re

import phonenumbers

DEFAULT_REGION = "CN"
DIALABLE = re.compile(r"^\(?\+?[0-9 ()\-.]+$")
# 11 digits in the 3-4-4 grouping, with +86 / (+86) / 0086 / 86 or no country code (each checked against libphonenumber)
_MAINLAND = re.compile(r"(?:(?P<cc>\+86|\(\+86\)|0086|86)[ .\-]?)?(?P<n>1[0-9]{2})[ .\-]?([0-9]{4})[ .\-]?([0-9]{4})")
# libphonenumber types its metadata as optional; it has the mainland's
_CN_MOBILE = re.compile(phonenumbers.PhoneMetadata.metadata_for_region("CN").mobile.national_number_pattern)  # type: ignore[union-attr,type-var]


class InvalidPhone(ValueError):
    """Not a phone number we can reach."""


@functools.lru_cache(maxsize=4096)  # a bulk import normalises each number more than once
def normalise_phone(raw: str, region: str = DEFAULT_REGION) -> str:
    """`raw` as E.164 ("138 0013 8000" -> "+8613800138000"); raise InvalidPhone when it is not valid."""
    mainland = _MAINLAND.fullmatch(raw.strip())
    # without a +, what 0086 or 86 means depends on the region (0086 is China from GB, not from US), so: CN only
    if mainland and (region == "CN" or mainland["cc"] in ("+86", "(+86)")):
        national = mainland["n"] + mainland[3] + mainland[4]
        if _CN_MOBILE.fullmatch(national):
            return "+86" + national
    return _by_libphonenumber(raw, region)


def _by_libphonenumber(raw: str, region: str) -> str:
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


def is_mobile(e164: str) -> bool:
    """Whether a valid E.164 number is a mobile's (or, where the numbering plan cannot tell, may be one)."""
    return phonenumbers.number_type(phonenumbers.parse(e164)) in (phonenumbers.PhoneNumberType.MOBILE,
                                                                  phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)


def digits(e164: str) -> str:
    """The digits of an E.164 number (what suffix searches compare)."""
    return e164.lstrip("+")
