"""Vehicle identifiers: VIN (ISO 3779 / GB 16735) and licence plates."""
from __future__ import annotations

import re

#: 17 characters, digits and capital letters except I, O and Q (they look like 1 and 0).
_VIN = re.compile(r"^[A-HJ-NPR-Z0-9]{17}$")
_PLATE_SEPARATORS = re.compile(r"[\s·.\-•]")


class InvalidVin(ValueError):
    """Not a 17-character VIN."""


def normalise_vin(raw: str) -> str:
    """`raw` upper-cased without spaces; raise InvalidVin unless it is 17 valid characters."""
    vin = re.sub(r"\s", "", raw).upper()
    if len(vin) != 17:
        raise InvalidVin(f"A VIN has 17 characters; {raw!r} has {len(vin)}.")
    if not _VIN.match(vin):
        raise InvalidVin("A VIN holds only digits and letters other than I, O and Q.")
    return vin


def looks_like_vin(text: str) -> bool:
    """True when `text` could be a whole VIN (used to read a free-text search term)."""
    return bool(_VIN.match(re.sub(r"\s", "", text).upper()))


def plate_key(raw: str) -> str:
    """A plate as compared in searches: upper case, no spaces, dots or dashes ("粤b·12345" -> "粤B12345")."""
    return _PLATE_SEPARATORS.sub("", raw).upper()
