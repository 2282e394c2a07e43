"""marshmallow's simple built-in validators as plain predicates, for the fast paths (servicekit.fastload).

`Length`, `OneOf`, `Range` and `Regexp` (exactly those classes, not subclasses, which may change them) become
predicates that pass only what marshmallow's validator passes; any other validator is called as marshmallow
calls it. A predicate that says no or raises means: marshmallow must decide.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from marshmallow import fields, validate

COLLECTIONS = (tuple, list, set, frozenset)

#: value -> truthy only if marshmallow's validator passes it; falsy or raising means marshmallow must decide.
Check = Callable[[Any], Any]


def _length(validator: validate.Length) -> list[Check] | None:
    low, high, equal = validator.min, validator.max, validator.equal
    if any(bound is not None and type(bound) is not int for bound in (low, high, equal)):
        return None
    # marshmallow: `equal` (when given) is the only rule; otherwise min and max, each when given
    if equal is not None:
        return [lambda value: len(value) == equal]
    if low is not None and high is not None:
        return [lambda value: low <= len(value) <= high]
    if high is not None:
        return [lambda value: len(value) <= high]
    if low is not None:
        return [lambda value: len(value) >= low]
    return None  # no bound at all: marshmallow still calls len(), which fails for a value without one


def _one_of(validator: validate.OneOf) -> list[Check] | None:
    # a list, tuple or set answers `in` by equality with its items, as a frozenset of them does; any other
    # iterable (a string, a mapping, a generator spent on the error message) has its own idea of `in`
    if type(validator.choices) not in COLLECTIONS:
        return None
    try:
        allowed = frozenset(validator.choices)
    except TypeError:  # an unhashable choice: only the validator can look for it
        return None
    return [allowed.__contains__]  # an unhashable value raises TypeError: marshmallow decides


def _range(validator: validate.Range) -> list[Check] | None:
    low, high = validator.min, validator.max
    if any(bound is not None and type(bound) not in (int, float) for bound in (low, high)):
        return None
    # marshmallow rejects `value < min` (`value <= min` when exclusive) and `value > max` (`>=`); with number
    # bounds these are the opposites of the checks below (a NaN bound fails here, safely, not there)
    checks: list[Check] = []
    if low is not None:
        checks.append((lambda value: value >= low) if validator.min_inclusive else (lambda value: value > low))
    if high is not None:
        checks.append((lambda value: value <= high) if validator.max_inclusive else (lambda value: value < high))
    return checks


def _regexp(validator: validate.Regexp) -> list[Check] | None:
    # marshmallow rejects `regex.match(value) is None`; a match object is always true
    return [validator.regex.match] if isinstance(validator.regex, re.Pattern) else None


_PREDICATES: dict[type, Callable[[Any], list[Check] | None]] = {
    validate.Length: _length, validate.OneOf: _one_of, validate.Range: _range, validate.Regexp: _regexp}


def _called(validator: Callable[[Any], Any]) -> Check:
    # marshmallow 4 ignores what a validator returns; False is left to marshmallow all the same (safe either way)
    return lambda value: validator(value) is not False


def field_check(field: fields.Field) -> Check | None:
    """The field's validators as one check (None: there are none): marshmallow's simple built-in ones
    (exactly those classes, not subclasses, which may change them) as predicates, any other one called."""
    checks: list[Check] = []
    for validator in field.validators:
        translate = _PREDICATES.get(type(validator))
        predicates = translate(validator) if translate is not None else None
        checks.extend(predicates if predicates is not None else [_called(validator)])
    if len(checks) <= 1:  # most fields have one validator or none: no loop for them
        return checks[0] if checks else None

    def every(value: Any) -> bool:
        for check in checks:
            if not check(value):
                return False
        return True
    return every
