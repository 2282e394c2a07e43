"""Dumping data through a marshmallow schema faster, with marshmallow's own result.

`FastDumper` writes the values marshmallow writes as they are (strings, booleans, integers, None) as they
are, dates and times with their format's function, lists and nested schemas item by item, and hands every
other value to its field's own `_serialize`; a schema with hooks, renamed fields or dump defaults, and
anything but a dict, go to `schema.dump` whole (checked by servicekit/tests/unit/test_fastload.py).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from marshmallow import Schema, fields
from marshmallow.utils import missing

from servicekit.fastload import Temporal

Dump = Callable[[Any, str, Any], Any]
_NONE = type(None)


#: The fields whose values of one type marshmallow writes as they are (and None as None).
_AS_THEY_ARE: dict[type, type] = {fields.String: str, fields.Email: str, fields.Boolean: bool, fields.Integer: int}


def _dumper(field: fields.Field) -> tuple[frozenset[type], Dump]:
    """The types of value `field._serialize` writes as they are, and a function (value, attribute, object)
    -> what `field._serialize` returns, for a value of any other type."""
    kind = type(field)
    as_it_is = _AS_THEY_ARE.get(kind)
    # (an Integer written as a string is not)
    if as_it_is is not None and not (kind is fields.Integer and cast(fields.Integer, field).as_string):
        return frozenset((as_it_is, _NONE)), field._serialize
    dump = _converting(field, kind)
    if dump is not None:
        return frozenset((_NONE,)), dump
    return frozenset(), field._serialize


def _converting(field: fields.Field, kind: type) -> Dump | None:
    """How a date or time, a nested schema or a list is written (all but None); None for any other field."""
    if kind in (fields.Date, fields.DateTime, fields.Time):
        temporal = cast(Temporal, field)
        write = temporal.SERIALIZATION_FUNCS.get(temporal.format or temporal.DEFAULT_FORMAT)
        if write is None:
            return None
        # marshmallow writes any value but None with its format's function (e.g. isoformat)
        return lambda value, attr, obj: write(value)
    nested_field = cast(fields.Nested, field)
    if kind is fields.Nested and not nested_field.many and isinstance(nested_field.schema, Schema) \
            and not nested_field.schema.many:
        nested = FastDumper(nested_field.schema)
        return lambda value, attr, obj: nested.dump(value)
    if kind is fields.List:
        plain, items = _dumper(cast(fields.List, field).inner)
        return lambda value, attr, obj: \
            [each if type(each) in plain else items(each, attr, obj) for each in value] if type(value) is list \
            else field._serialize(value, attr, obj)
    return None


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
