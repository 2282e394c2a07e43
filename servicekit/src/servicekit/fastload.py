"""Loading (and dumping) data through a marshmallow schema many times faster, with marshmallow's own answer.

marshmallow spends most of a load in its schema machinery (getters, error stores, hooks), not in the
checks themselves. `FastLoader` runs each field's own type check and validators directly for the plain
cases (strings, integers, booleans, dates and times in their field's format, lists, nested schemas, None)
and hands every field of any other type to that field's own `deserialize`. marshmallow's simple built-in
validators (`Length`, `OneOf`, `Range`, `Regexp`) are checked as plain predicates, which pass only what
marshmallow's validator passes; any other validator is called as marshmallow calls it. Whenever anything
is wrong or unusual (an unknown key, a missing required field, a predicate or validator that says no or
raises, a value of another type) it does not decide: the whole load goes to `schema.load`, so a rejection
and its messages are always marshmallow's, and so is every value it accepts (checked by
servicekit/tests/unit/test_fastload.py against marshmallow on random data).
"""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, cast

from marshmallow import RAISE, Schema, fields, validate
from marshmallow.utils import missing

from servicekit.fields import Day

_COLLECTIONS = (tuple, list, set, frozenset)


class _Undecided(Exception):
    """The fast path leaves this load to marshmallow."""


#: (value, the mapping it came in) -> the loaded value; raises (anything) when marshmallow must decide.
Loader = Callable[[Any, Any], Any]
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
    if type(validator.choices) not in _COLLECTIONS:
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


def _check(field: fields.Field) -> Check | None:
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


#: The fields marshmallow parses and writes with their format's function.
_Temporal = fields.Date | fields.DateTime | fields.Time


def _parser(field: _Temporal) -> Callable[[str], Any] | None:
    return field.DESERIALIZATION_FUNCS.get(field.format or field.DEFAULT_FORMAT)


def _keeps_booleans(field: fields.Boolean) -> bool:
    """Whether marshmallow loads True as True and False as False (not so with odd truthy/falsy sets)."""
    truthy, falsy = field.truthy, field.falsy
    return not truthy or (True in truthy and False not in truthy and False in falsy)


def _loader(field: fields.Field, attr: str | None, partial: Any) -> Loader:
    """The field's loader; `partial` is what marshmallow passes on to the field (None: nothing)."""
    kind = type(field)
    convert: Callable[[Any], Any] | None = None
    if kind in (fields.String, fields.Email):
        expected: type = str
    elif kind is fields.Integer:
        expected = int
    elif kind is fields.Boolean and _keeps_booleans(cast(fields.Boolean, field)):
        expected = bool
    # (a Day is a Date with one more validator: it parses as a Date does)
    elif kind in (fields.Date, Day, fields.DateTime, fields.Time) and _parser(cast(_Temporal, field)) is not None:
        # marshmallow parses a string with its format's function (date.fromisoformat for "iso") and nothing else
        expected, convert = str, _parser(cast(_Temporal, field))
    elif kind is fields.List:
        # marshmallow gives the items neither a name nor the data
        items = _loader(cast(fields.List, field).inner, None, partial)
        expected = list

        def convert(value: list) -> list:
            return [items(each, None) for each in value]
    elif kind is fields.Nested and not cast(fields.Nested, field).many \
            and isinstance(cast(fields.Nested, field).schema, Schema):
        nested = FastLoader(cast(fields.Nested, field).schema)
        expected = dict

        def convert(value: dict) -> dict:
            return nested.fast(value, partial)
    else:
        extra = {} if partial is None else {"partial": partial}
        # Field.deserialize answers None by allow_none alone (unless the field class has its own ways)
        none_is_none = field.allow_none and type(field).deserialize is fields.Field.deserialize \
            and type(field)._validate_missing is fields.Field._validate_missing

        def deserialize(value: Any, data: Any) -> Any:
            if value is None and none_is_none:
                return None
            return field.deserialize(value, attr, data, **extra)
        return deserialize

    check = _check(field)
    allow_none = field.allow_none

    # one function per field: the type check, None, the conversion and the validators
    def load(value: Any, data: Any) -> Any:
        if type(value) is not expected:
            if value is None and allow_none:
                return None
            raise _Undecided
        if convert is not None:
            value = convert(value)
        if check is not None and not check(value):
            raise _Undecided
        return value
    return load


class FastLoader:
    """`schema.load` (and `schema.validate`) with the same results, faster for plain data."""

    def __init__(self, schema: Schema) -> None:
        self.schema = schema
        self.simple = (not any(schema._hooks.values()) and schema.unknown == RAISE and not schema.many
                       and all(f.data_key is None and f.attribute is None and "." not in name
                               for name, f in schema.load_fields.items()))
        # the loaders, and the fields to look at when absent, for each `partial` (nested schemas receive it)
        self._by_partial: dict[Any, tuple[dict[str, Loader], list[tuple[str, fields.Field]]]] = {}

    def _for(self, partial: Any) -> tuple[dict[str, Loader], list[tuple[str, fields.Field]]]:
        if partial is None or partial is True or partial is False:
            key: Any = partial
        elif type(partial) in _COLLECTIONS:
            key = frozenset(partial)
        else:
            raise _Undecided
        found = self._by_partial.get(key)
        if found is None:
            found = self._by_partial[key] = self._build(key)
        return found

    def _build(self, partial: Any) -> tuple[dict[str, Loader], list[tuple[str, fields.Field]]]:
        names = isinstance(partial, frozenset)
        if names and not all(type(name) is str for name in partial):
            raise _Undecided  # marshmallow fails on it (str.startswith), in its own way
        loaders: dict[str, Loader] = {}
        absent: list[tuple[str, fields.Field]] = []
        for name, field in self.schema.load_fields.items():
            # as marshmallow does: a nested field gets the names under "name." from a collection, else partial
            prefix = name + "."
            passed = frozenset(n[len(prefix):] for n in partial if n.startswith(prefix)) if names else partial
            loaders[name] = _loader(field, name, passed)
            skipped = partial is True or (names and name in partial)
            if not skipped and (field.required or field.load_default is not missing):
                absent.append((name, field))
        return loaders, absent

    def fast(self, data: Mapping[str, Any], partial: bool | tuple[str, ...] | None = None) -> dict[str, Any]:
        """The loaded data, or _Undecided when marshmallow must decide."""
        if not self.simple or type(data) is not dict:
            raise _Undecided
        loaded: dict[str, Any] = {}
        try:
            loaders, absent = self._for(self.schema.partial if partial is None else partial)
            for name, value in data.items():
                loaded[name] = loaders[name](value, data)  # KeyError: an unknown key, which marshmallow names
            for name, field in absent:
                if name in data:
                    continue
                if field.required:
                    raise _Undecided
                default = field.load_default() if callable(field.load_default) else field.load_default
                if default is not missing:
                    loaded[name] = default
        except Exception:  # a check that says no or cannot answer, a conversion that fails, ...
            raise _Undecided from None
        return loaded

    def load(self, data: Any, partial: bool | tuple[str, ...] | None = None) -> dict[str, Any]:
        """What `schema.load(data, partial=partial)` returns; ValidationError (marshmallow's) when it raises."""
        try:
            return self.fast(data, partial)
        except _Undecided:
            return self.schema.load(data, partial=partial)

    def errors(self, data: Any, partial: bool | tuple[str, ...] | None = None) -> dict[str, Any]:
        """What `schema.validate(data, partial=partial)` returns: {} when the data is valid."""
        try:
            self.fast(data, partial)
        except _Undecided:
            return self.schema.validate(data, partial=partial)
        return {}


Dump = Callable[[Any, str, Any], Any]
_NONE = type(None)


def _dumper(field: fields.Field) -> tuple[frozenset[type], Dump]:
    """The types of value `field._serialize` writes as they are, and a function (value, attribute, object)
    -> what `field._serialize` returns, for a value of any other type."""
    kind = type(field)
    if kind in (fields.String, fields.Email):
        return frozenset((str, _NONE)), field._serialize
    if kind is fields.Boolean:  # marshmallow writes a boolean as it is
        return frozenset((bool, _NONE)), field._serialize
    if kind is fields.Integer and not cast(fields.Integer, field).as_string:
        return frozenset((int, _NONE)), field._serialize
    if kind in (fields.Date, fields.DateTime, fields.Time):
        temporal = cast(_Temporal, field)
        write = temporal.SERIALIZATION_FUNCS.get(temporal.format or temporal.DEFAULT_FORMAT)
        if write is not None:  # marshmallow writes any value but None with its format's function (e.g. isoformat)
            return frozenset((_NONE,)), lambda value, attr, obj: write(value)
    nested_field = cast(fields.Nested, field)
    if kind is fields.Nested and not nested_field.many and isinstance(nested_field.schema, Schema) \
            and not nested_field.schema.many:
        nested = FastDumper(nested_field.schema)
        return frozenset((_NONE,)), lambda value, attr, obj: nested.dump(value)
    if kind is fields.List:
        plain, items = _dumper(cast(fields.List, field).inner)
        return frozenset((_NONE,)), lambda value, attr, obj: \
            [each if type(each) in plain else items(each, attr, obj) for each in value] if type(value) is list \
            else field._serialize(value, attr, obj)
    return frozenset(), field._serialize


class FastDumper:
    """`schema.dump` of a mapping, with the same result, faster for plain values."""

    def __init__(self, schema: Schema) -> None:
        self.schema = schema
        # marshmallow looks a key up in a dict, then (when absent) as an attribute: no field may be named as one
        self.simple = not any(schema._hooks.values()) and not schema.many and all(
            f.data_key is None and f.attribute is None and f.dump_default is missing and not hasattr(dict, name)
            for name, f in schema.dump_fields.items())
        self.dumpers = [(name, *_dumper(field)) for name, field in schema.dump_fields.items()] if self.simple else []

    def dump(self, obj: Any) -> dict[str, Any]:
        """What `schema.dump(obj)` returns."""
        if not self.simple or type(obj) is not dict:
            return self.schema.dump(obj)
        dumped: dict[str, Any] = {}
        for name, plain, dump in self.dumpers:
            value = obj.get(name, missing)
            if value is not missing:  # marshmallow leaves out what is missing
                dumped[name] = value if type(value) in plain else dump(value, name, obj)
        return dumped
