"""Loading data through a marshmallow schema many times faster, with marshmallow's own answer.

marshmallow spends most of a load in its schema machinery (getters, error stores, hooks), not in the
checks themselves. `FastLoader` runs each field's own type check and validators directly for the plain
cases (strings, integers, booleans, dates and times in their field's format, lists, nested schemas, None)
and hands every field of any other type to that field's own `deserialize`. marshmallow's simple built-in
validators (`Length`, `OneOf`, `Range`, `Regexp`) are checked as plain predicates, which pass only what
marshmallow's validator passes (servicekit.fastchecks); any other validator is called as marshmallow calls
it. Whenever anything
is wrong or unusual (an unknown key, a missing required field, a predicate or validator that says no or
raises, a value of another type) it does not decide: the whole load goes to `schema.load`, so a rejection
and its messages are always marshmallow's, and so is every value it accepts (checked by
servicekit/tests/unit/test_fastload.py against marshmallow on random data). Dumping: servicekit.fastdump.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, cast

from marshmallow import RAISE, Schema, fields
from marshmallow.utils import missing

from servicekit.fastchecks import COLLECTIONS, field_check
from servicekit.fields import Day


class _Undecided(Exception):
    """The fast path leaves this load to marshmallow."""


#: (value, the mapping it came in) -> the loaded value; raises (anything) when marshmallow must decide.
Loader = Callable[[Any, Any], Any]


#: The fields marshmallow parses and writes with their format's function.
Temporal = fields.Date | fields.DateTime | fields.Time


def _parser(field: Temporal) -> Callable[[str], Any] | None:
    return field.DESERIALIZATION_FUNCS.get(field.format or field.DEFAULT_FORMAT)


def _keeps_booleans(field: fields.Boolean) -> bool:
    """Whether marshmallow loads True as True and False as False (not so with odd truthy/falsy sets)."""
    truthy, falsy = field.truthy, field.falsy
    return not truthy or (True in truthy and False not in truthy and False in falsy)


def _loader(field: fields.Field, attr: str | None, partial: Any) -> Loader:
    """The field's loader; `partial` is what marshmallow passes on to the field (None: nothing)."""
    plain = _plain(field, partial)
    if plain is None:
        return _deserializer(field, attr, partial)
    expected, convert = plain
    check = field_check(field)
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


def _plain(field: fields.Field, partial: Any) -> tuple[type, Callable[[Any], Any] | None] | None:
    """For a field the fast path loads itself: the one type of value it takes, and how that value is converted
    (None: it is taken as it is); None for any other field."""
    kind = type(field)
    if kind in (fields.String, fields.Email):
        return str, None
    if kind is fields.Integer:
        return int, None
    if kind is fields.Boolean and _keeps_booleans(cast(fields.Boolean, field)):
        return bool, None
    # (a Day is a Date with one more validator: it parses as a Date does)
    if kind in (fields.Date, Day, fields.DateTime, fields.Time) and _parser(cast(Temporal, field)) is not None:
        # marshmallow parses a string with its format's function (date.fromisoformat for "iso") and nothing else
        return str, _parser(cast(Temporal, field))
    if kind is fields.List:
        # marshmallow gives the items neither a name nor the data
        return list, _each(_loader(cast(fields.List, field).inner, None, partial))
    if kind is fields.Nested and not cast(fields.Nested, field).many \
            and isinstance(cast(fields.Nested, field).schema, Schema):
        return dict, _nested(FastLoader(cast(fields.Nested, field).schema), partial)
    return None


def _each(items: Loader) -> Callable[[list], list]:
    def convert(value: list) -> list:
        return [items(each, None) for each in value]
    return convert


def _nested(nested: FastLoader, partial: Any) -> Callable[[dict], dict]:
    def convert(value: dict) -> dict:
        return nested.fast(value, partial)
    return convert


def _deserializer(field: fields.Field, attr: str | None, partial: Any) -> Loader:
    """The loader of a field the fast path does not load itself: the field's own `deserialize`."""
    extra = {} if partial is None else {"partial": partial}
    # Field.deserialize answers None by allow_none alone (unless the field class has its own ways)
    none_is_none = field.allow_none and type(field).deserialize is fields.Field.deserialize \
        and type(field)._validate_missing is fields.Field._validate_missing

    def deserialize(value: Any, data: Any) -> Any:
        if value is None and none_is_none:
            return None
        return field.deserialize(value, attr, data, **extra)
    return deserialize


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
        elif type(partial) in COLLECTIONS:
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
