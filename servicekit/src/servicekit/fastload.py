"""Loading (and dumping) data through a marshmallow schema many times faster, with marshmallow's own answer.

marshmallow spends most of a load in its schema machinery (getters, error stores, hooks), not in the
checks themselves. `FastLoader` runs each field's own type check and validators directly for the plain
cases (strings, integers, booleans, ISO dates, lists, nested schemas, None) and hands every field of any
other type to that field's own `deserialize`. Whenever anything is wrong or unusual (an unknown key, a
missing required field, a failed validator, a value of another type) it does not decide: the whole load
goes to `schema.load`, so a rejection and its messages are always marshmallow's, and so is every value
it accepts (checked by servicekit/tests/unit/test_fastload.py against marshmallow on random data).
"""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields
from marshmallow.utils import missing

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class _Undecided(Exception):
    """The fast path leaves this load to marshmallow."""


Loader = Callable[[Any], Any]


def _validated(field: fields.Field, value: Any) -> Any:
    for validator in field.validators:
        try:
            if validator(value) is False:
                raise _Undecided
        except ValidationError:
            raise _Undecided from None
    return value


def _plain(field: fields.Field, accepts: Callable[[Any], bool], convert: Callable[[Any], Any] = lambda v: v) -> Loader:
    def load(value: Any) -> Any:
        if not accepts(value):
            raise _Undecided
        try:
            converted = convert(value)
        except ValueError:  # a date that does not exist: marshmallow says so
            raise _Undecided from None
        return _validated(field, converted)
    return load


def _iso_date(value: Any) -> bool:
    return type(value) is str and bool(_ISO_DATE.match(value))


def _loader(field: fields.Field) -> Loader:
    kind = type(field)
    if kind in (fields.String, fields.Email):
        inner = _plain(field, lambda v: type(v) is str)
    elif kind is fields.Integer:
        inner = _plain(field, lambda v: type(v) is int)
    elif kind is fields.Boolean:
        inner = _plain(field, lambda v: v is True or v is False)
    elif kind is fields.Date:
        inner = _plain(field, _iso_date, date.fromisoformat)
    elif kind is fields.List:
        items = _loader(field.inner)
        inner = _plain(field, lambda v: type(v) is list, lambda v: [items(item) for item in v])
    elif kind is fields.Nested and not field.many and isinstance(field.schema, Schema):
        nested = FastLoader(field.schema)
        inner = _plain(field, lambda v: type(v) is dict, nested.fast)
    else:
        def inner(value: Any) -> Any:
            try:
                return field.deserialize(value)
            except ValidationError:
                raise _Undecided from None

    def load(value: Any) -> Any:
        if value is None:
            if field.allow_none:
                return None
            raise _Undecided
        return inner(value)
    return load


class FastLoader:
    """`schema.load` (and `schema.validate`) with the same results, faster for plain data."""

    def __init__(self, schema: Schema) -> None:
        self.schema = schema
        self.simple = (not any(schema._hooks.values()) and schema.unknown == RAISE
                       and all(f.data_key is None and f.attribute is None for f in schema.load_fields.values()))
        self.loaders = {name: _loader(field) for name, field in schema.load_fields.items()} if self.simple else {}
        self.fields = list(schema.load_fields.items())

    def fast(self, data: Mapping[str, Any], partial: bool | tuple[str, ...] | None = None) -> dict[str, Any]:
        """The loaded data, or _Undecided when marshmallow must decide."""
        if not self.simple or not isinstance(data, dict):
            raise _Undecided
        partial = self.schema.partial if partial is None else partial
        loaded: dict[str, Any] = {}
        for name, value in data.items():
            loader = self.loaders.get(name)
            if loader is None:
                raise _Undecided  # an unknown key: marshmallow raises, naming it
            loaded[name] = loader(value)
        for name, field in self.fields:
            if name in data or partial is True or (isinstance(partial, tuple | list | set) and name in partial):
                continue
            if field.required:
                raise _Undecided
            if field.load_default is not missing:
                loaded[name] = field.load_default() if callable(field.load_default) else field.load_default
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


def _dumper(field: fields.Field) -> Callable[[Any, str, Any], Any]:
    """A function (value, attribute, object) -> what `field._serialize` returns, fast for plain values."""
    kind = type(field)
    if kind in (fields.String, fields.Email):
        return lambda value, attr, obj: value if value is None or type(value) is str else \
            field._serialize(value, attr, obj)
    if kind is fields.Boolean:  # marshmallow writes a boolean as it is
        return lambda value, attr, obj: value if value is None or type(value) is bool else \
            field._serialize(value, attr, obj)
    if kind is fields.Integer and not field.as_string:
        return lambda value, attr, obj: value if value is None or type(value) is int else \
            field._serialize(value, attr, obj)
    if kind is fields.Nested and not field.many and isinstance(field.schema, Schema) and not field.schema.many:
        nested = FastDumper(field.schema)
        return lambda value, attr, obj: None if value is None else nested.dump(value)
    if kind is fields.List:
        items = _dumper(field.inner)
        return lambda value, attr, obj: None if value is None else \
            [items(each, attr, obj) for each in value] if type(value) is list else field._serialize(value, attr, obj)
    return field._serialize


class FastDumper:
    """`schema.dump` of a mapping, with the same result, faster for plain values."""

    def __init__(self, schema: Schema) -> None:
        self.schema = schema
        self.simple = not any(schema._hooks.values()) and not schema.many and all(
            f.data_key is None and f.attribute is None and f.dump_default is missing
            for f in schema.dump_fields.values())
        self.dumpers = [(name, _dumper(field)) for name, field in schema.dump_fields.items()] if self.simple else []

    def dump(self, obj: Any) -> dict[str, Any]:
        """What `schema.dump(obj)` returns."""
        if not self.simple or not isinstance(obj, dict):
            return self.schema.dump(obj)
        return {name: dump(obj[name], name, obj) for name, dump in self.dumpers if name in obj}
