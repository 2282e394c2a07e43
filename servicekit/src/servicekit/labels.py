"""Short labels people type (names of rules, departments, assignees): printable text on one line.

A control character in a label is never meant and does harm downstream: a line break in a rule's name
became a line break in an e-mail header, which the mail library refuses, and every notification
behind it stalled. Such input is a 422 naming the field.
"""
from __future__ import annotations

import unicodedata

from marshmallow import ValidationError, fields, validate

#: Unicode's line and paragraph separators break lines too, though they are not in category Cc.
_LINE_BREAKS = {"\u2028", "\u2029", "\u0085"}


def printable(value: str) -> None:
    """Refuse `value` when it holds a control character (tab, line break, NUL, escape …)."""
    if any(char in _LINE_BREAKS or unicodedata.category(char) == "Cc" for char in value):
        raise ValidationError("Must not contain control characters such as line breaks or tabs.")


class Label(fields.String):
    """A short label: 1 to `max_length` printable characters, not all blank, on one line."""

    def __init__(self, max_length: int = 200, **kwargs) -> None:
        extra = kwargs.pop("validate", None) or []
        kwargs["validate"] = [validate.Length(min=1, max=max_length),
                              validate.Regexp(r"\S", error="Must not be blank."), printable,
                              *(extra if isinstance(extra, list | tuple) else [extra])]
        super().__init__(**kwargs)
