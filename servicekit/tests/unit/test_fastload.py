"""FastLoader gives exactly marshmallow's answer (value or error), on random data around a realistic schema."""
from datetime import UTC, date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from servicekit.fastload import FastDumper, FastLoader


class Region(Schema):
    province = fields.String(allow_none=True, validate=validate.Length(max=5))
    city = fields.String(allow_none=True)


class Hours(Schema):
    start = fields.String(required=True, validate=validate.Regexp(r"^[0-2][0-9]:[0-5][0-9]$"))
    end = fields.String(required=True)


def _not_future(day: date) -> None:
    if day > date(2030, 1, 1):
        raise ValidationError("Must not be in the future.")


class Person(Schema):
    name = fields.String(required=True, validate=[validate.Length(max=8), validate.Regexp(r"\S")])
    kind = fields.String(required=True, validate=validate.OneOf(("prospect", "owner")))
    email = fields.Email(allow_none=True)
    age = fields.Integer(validate=validate.Range(min=0, max=150))
    vip = fields.Boolean()
    birthday = fields.Date(allow_none=True, validate=_not_future)
    tags = fields.List(fields.String(validate=validate.Length(min=1, max=4)), allow_none=True,
                       validate=validate.Length(max=3))
    region = fields.Nested(Region, allow_none=True)
    hours = fields.Nested(Hours, allow_none=True)
    limit = fields.Decimal(allow_none=True, places=2, as_string=True)
    seen_at = fields.DateTime()
    mode = fields.String(load_default="create")


texts = st.one_of(st.sampled_from(["", " ", "张伟", "prospect", "owner", "a@example.cn", "not-mail", "12:30", "99:99",
                                   "2024-02-30", "2024-02-03", "1985-1-2", "2031-01-01", "2024-01-01T10:00:00+00:00",
                                   "12.5", "abcdefghij"]))
scalars = st.one_of(st.none(), st.booleans(), st.integers(-5, 200), st.floats(allow_nan=False), texts)
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                        st.dictionaries(st.sampled_from(["province", "city", "start",
                                                                                         "end", "x"]), inner,
                                                                        max_size=3)), max_leaves=4)
people = st.dictionaries(st.sampled_from(["name", "kind", "email", "age", "vip", "birthday", "tags", "region", "hours",
                                          "limit", "seen_at", "mode", "other"]), values, max_size=9)


def outcome(call):
    try:
        return "ok", call()
    except ValidationError as exc:
        return "error", exc.messages


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=people, partial=st.sampled_from([None, True, ("name", "kind")]))
def test_the_fast_loader_answers_exactly_as_marshmallow(data, partial):
    schema = Person()
    assert outcome(lambda: FastLoader(schema).load(data, partial=partial)) == \
        outcome(lambda: schema.load(data, partial=partial))
    assert FastLoader(schema).errors(data, partial=partial) == schema.validate(data, partial=partial)


def test_plain_valid_data_is_loaded_without_marshmallow_and_invalid_data_gets_its_messages(monkeypatch):
    schema = Person()
    loader = FastLoader(schema)
    good = {"name": "张伟", "kind": "owner", "birthday": "1985-03-02", "tags": ["VIP"], "region": {"city": "深圳"},
            "email": "a@example.cn", "vip": True, "age": 40}
    expected = schema.load(good)
    monkeypatch.setattr(schema, "load", lambda *a, **k: pytest.fail("marshmallow was asked"))
    assert loader.load(good) == expected == {**good, "birthday": date(1985, 3, 2), "mode": "create"}
    monkeypatch.undo()
    with pytest.raises(ValidationError) as caught:
        loader.load({**good, "kind": "vip", "birthday": "2024-02-30"})
    assert set(caught.value.messages) == {"kind", "birthday"}


def test_a_schema_with_hooks_is_always_left_to_marshmallow():
    class Checked(Schema):
        a = fields.Integer()

        @validates_schema
        def odd(self, data, **kwargs):
            if data.get("a", 1) % 2 == 0:
                raise ValidationError("even")

    assert FastLoader(Checked()).simple is False
    assert FastLoader(Checked()).errors({"a": 2}) == {"_schema": ["even"]}


dumpable = st.dictionaries(
    st.sampled_from(["name", "kind", "email", "age", "vip", "birthday", "tags", "region", "hours", "limit", "seen_at"]),
    st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.sampled_from(["张伟", "x"]),
              st.dates(), st.datetimes(timezones=st.just(UTC)), st.decimals(allow_nan=False, allow_infinity=False,
                                                                            places=2),
              st.lists(st.sampled_from(["VIP", 3]), max_size=2),
              st.fixed_dictionaries({"city": st.sampled_from(["深圳", None])}),
              st.fixed_dictionaries({"start": st.just("09:00"), "end": st.just("18:00")})), max_size=11)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(obj=dumpable)
def test_the_fast_dumper_writes_exactly_what_marshmallow_writes(obj):
    schema = Person()

    def result(call):
        try:
            return "ok", call()
        except Exception as exc:  # a value that cannot be written fails the same way in both
            return "error", type(exc)

    assert result(lambda: FastDumper(schema).dump(obj)) == result(lambda: schema.dump(obj))
