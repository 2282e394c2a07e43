"""Bounds on the shape of a JSON request body, checked on its raw bytes before anything parses it.

marshmallow records each unknown key's error by copying the errors gathered so far, so a body's validation
time grows with the square of its keys (30,000 keys: seconds; 100,000: a minute and a half); a few thousand
nested brackets exhaust Python's recursion in the JSON parser and in marshmallow; an integer of more digits
than Python converts (sys.get_int_max_str_digits, 4,300) makes the parser raise. Each is answered here as a
4xx problem naming the limit. The checks scan the bytes with C-speed string operations only: the work they
add grows with the body's length, never faster.
"""
from __future__ import annotations

import sys

from flask import request

from servicekit.problems import Problem

_WHITESPACE = b" \t\r\n"
_NOT_BRACKETS = bytes(byte for byte in range(256) if byte not in b"[]{}")
#: Most digits Python reads as an integer (sys.set_int_max_str_digits; 0: no limit), and a run of more once
#: every digit is "0" and everything else a space (a substring search: many times faster than a pattern).
_MAX_DIGITS = sys.get_int_max_str_digits()
_TOO_MANY_DIGITS = b"0" * (_MAX_DIGITS + 1)
_DIGITS_AS_ZEROS = bytes(ord("0") if chr(byte).isdigit() and byte < 128 else ord(" ") for byte in range(256))


def structure(body: bytes) -> bytes:
    """What is left of a JSON text once each string is one letter and whitespace is gone: brackets, colons,
    commas, numbers and literals. What follows an unterminated string is left out (the parser refuses it)."""
    # Backslashes pair up left to right (an escaped backslash, then an escaped quote), so once both escapes
    # are gone every quote left opens or closes a string, and every other piece between quotes is outside.
    unescaped = body.replace(b"\\\\", b"").replace(b'\\"', b"")
    return b"s".join(unescaped.split(b'"')[::2]).translate(None, _WHITESPACE)


def items(skeleton: bytes) -> int:
    """Object keys plus array items, at every level, of a valid JSON text's `structure`.

    Each comma separates two of them and each non-empty object or array holds one more than its commas.
    """
    opened = skeleton.count(b"[") + skeleton.count(b"{")
    empty = skeleton.count(b"[]") + skeleton.count(b"{}")
    return skeleton.count(b",") + opened - empty


def depth(skeleton: bytes, limit: int, brackets: int) -> int:
    """How deep objects and arrays nest in the first `brackets` brackets of `skeleton`, counted up to
    `limit` + 1 at most."""
    deepest = level = 0
    for bracket in skeleton.translate(None, _NOT_BRACKETS)[:brackets]:
        level += 1 if bracket in b"[{" else -1
        if level > deepest:
            deepest = level
            if deepest > limit:
                break
    return deepest


def check(body: bytes, max_items: int, max_depth: int) -> None:
    """Raise a Problem if the JSON text `body` holds more keys and array items than `max_items`, nests
    deeper than `max_depth` or holds a number Python cannot read; malformed JSON is left to the parser."""
    skeleton = structure(body)
    count = items(skeleton)
    if count > max_items:
        raise Problem(413, "Content Too Large",
                      f"The JSON body holds {count:,} keys and array items; this service accepts at most "
                      f"{max_items:,} (CRM_MAX_JSON_ITEMS).", limit_items=max_items)
    # Within max_items there are at most max_items + 1 objects and arrays, two brackets each. More brackets
    # make the text malformed (`[][]`, `]]]`), and the parser stops at the first fault, no deeper than the
    # brackets before it: counting those bounds the loop however many brackets an attacker sends.
    if depth(skeleton, max_depth, 2 * (max_items + 2)) > max_depth:
        message = f"Objects and arrays nest deeper than {max_depth} levels (CRM_MAX_JSON_DEPTH)."
        raise Problem(422, "Unprocessable Entity", f"The JSON body is too deep: {message}",
                      errors={"_body": [message]}, limit_depth=max_depth)
    if _MAX_DIGITS and _TOO_MANY_DIGITS in skeleton.translate(_DIGITS_AS_ZEROS):
        message = f"A number has more than {_MAX_DIGITS:,} digits."
        raise Problem(422, "Unprocessable Entity", f"The JSON body holds a number too long: {message}",
                      errors={"_body": [message]})


def check_request(max_items: int, max_depth: int) -> None:
    """Apply `check` to the current request's body when it is JSON (the bytes are kept for the view)."""
    if request.is_json and request.content_length != 0:
        body = request.get_data(cache=True)
        if body:
            check(body, max_items, max_depth)
