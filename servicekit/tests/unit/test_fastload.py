"""FastLoader gives exactly marshmallow's answer (value or error), on random data around a realistic schema."""
import re
from datetime import UTC, date, datetime

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from servicekit.fastdump import FastDumper
from servicekit.fastload import FastLoader
from servicekit.fields import Day


class Region(Schema):
    province = fields.String(allow_none=True, validate=validate.Length(max=5))
    city = fields.String(allow_none=True)


class Hours(Schema):
    start = fields.String(required=True, validate=validate.Regexp(r"^[0-2][0-9]:[0-5][0-9]$"))
    end = fields.String(required=True)
    zone = fields.String(load_default="local")  # left out under partial=True (marshmallow passes it down)


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
    wedding = Day(allow_none=True, validate=_not_future)
    tags = fields.List(fields.String(validate=validate.Length(min=1, max=4)), allow_none=True,
                       validate=validate.Length(max=3))
    region = fields.Nested(Region, allow_none=True)
    hours = fields.Nested(Hours, allow_none=True)
    window = fields.Nested(Hours(partial=("end",)), allow_none=True)  # its own partial, unless one is passed down
    limit = fields.Decimal(allow_none=True, places=2, as_string=True)
    seen_at = fields.DateTime()
    mode = fields.String(load_default="create")
    # each validator marshmallow checks as a predicate, on both sides of its bounds
    code = fields.String(validate=validate.Length(equal=3))
    nick = fields.String(allow_none=True, validate=validate.Length(min=2))
    span = fields.List(fields.Integer(), validate=validate.Length(min=1, max=2))
    grade = fields.String(validate=validate.OneOf(["H", "A", "B"]))
    size = fields.String(validate=validate.OneOf(["S", "M", ["L"]]))  # an unhashable choice: the validator itself
    level = fields.Integer(validate=validate.Range(min=1, max=5, min_inclusive=False, max_inclusive=False))
    score = fields.Integer(validate=validate.Range(max=10))
    floor = fields.Integer(validate=validate.Range(min=-2.5, max=3, max_inclusive=False))
    color = fields.String(validate=validate.Regexp(r"^(red|green)$", re.IGNORECASE))
    plate = fields.String(validate=validate.Regexp(re.compile(r"[a-z]{2}\d", re.IGNORECASE)))
    labels = fields.List(fields.String(), validate=validate.ContainsOnly(["a", "b"]))  # a OneOf subclass
    opens = fields.Time(allow_none=True)
    issued = fields.Date(format="%d/%m/%Y")
    agreed = fields.Boolean(truthy={"yes"}, falsy={"no"})


texts = st.one_of(st.sampled_from(["", " ", "张伟", "prospect", "owner", "a@example.cn", "not-mail", "12:30", "99:99",
                                   "2024-02-30", "2024-02-03", "1985-1-2", "2031-01-01", "2024-01-01T10:00:00+00:00",
                                   "2024-01-01T10:00:00", "20240203", "03/02/2024", "10:30", "25:00", "yes", "no",
                                   "12.5", "abcdefghij"]))
scalars = st.one_of(st.none(), st.booleans(), st.integers(-5, 200), st.floats(allow_nan=False), texts)
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                        st.dictionaries(st.sampled_from(["province", "city", "start",
                                                                                         "end", "zone", "x"]), inner,
                                                                        max_size=3)), max_leaves=4)
hours = st.fixed_dictionaries({"start": st.just("09:00"), "end": st.just("18:00")}, optional={"zone": st.just("utc")})
# per field: values marshmallow accepts, at and near its bounds, and values just past them
inside = {
    "name": st.builds(str.__add__, st.sampled_from("张a"), st.text(alphabet="张 a", max_size=7)),
    "kind": st.sampled_from(["prospect", "owner"]),
    "email": st.sampled_from(["a@example.cn", None]),
    "age": st.one_of(st.sampled_from([0, 150]), st.integers(0, 150)),
    "vip": st.booleans(),
    "birthday": st.sampled_from(["1985-03-02", "20240203", None]),
    "wedding": st.sampled_from(["1900-01-01", "2029-12-31", None]),
    "tags": st.one_of(st.none(), st.lists(st.text(alphabet="VIP", min_size=1, max_size=4), max_size=3)),
    "region": st.one_of(st.none(), st.fixed_dictionaries({}, optional={"province": st.sampled_from(["广东", None]),
                                                                        "city": st.just("深圳")})),
    "hours": hours,
    "window": st.fixed_dictionaries({"start": st.just("09:00")}, optional={"end": st.just("18:00")}),
    "limit": st.sampled_from(["12.50", "3", None]),
    "seen_at": st.sampled_from(["2024-01-01T10:00:00+00:00", "2024-01-01T10:00:00", "2024-01-01"]),
    "mode": st.just("create"),
    "code": st.text(alphabet="ab", min_size=3, max_size=3),
    "nick": st.one_of(st.none(), st.text(alphabet="ab", min_size=2, max_size=4)),
    "span": st.lists(st.integers(0, 9), min_size=1, max_size=2),
    "grade": st.sampled_from(["H", "A", "B"]),
    "size": st.sampled_from(["S", "M"]),
    "level": st.integers(2, 4),
    "score": st.integers(7, 10),
    "floor": st.integers(-2, 2),
    "color": st.sampled_from(["red", "RED", "Green", "red\n"]),
    "plate": st.sampled_from(["ab1", "AB12", "xy9z"]),
    "labels": st.lists(st.sampled_from(["a", "b"]), max_size=3),
    "opens": st.sampled_from(["10:30", None]),
    "issued": st.just("03/02/2024"),
    "agreed": st.sampled_from(["yes", "no"]),
}
outside = {
    "name": st.sampled_from(["", " a", "a" * 9]),
    "kind": st.sampled_from(["Owner", "vip"]),
    "email": st.just("not-mail"),
    "age": st.sampled_from([-1, 151]),
    "vip": st.sampled_from(["yes", 1]),
    "birthday": st.sampled_from(["2024-02-30", "2031-01-01", "1985-1-2"]),
    "wedding": st.sampled_from(["1899-12-31", "0001-01-01", "2031-01-01", "2024-02-30"]),
    "tags": st.sampled_from([[""], ["VIPVI"], ["a", "b", "c", "d"]]),
    "region": st.sampled_from([{"province": "abcdef"}, {"x": 1}]),
    "hours": st.sampled_from([{"start": "09:00"}, {"start": "9:00", "end": "18:00"}]),
    "window": st.sampled_from([{"end": "18:00"}, {"start": "9:00"}]),
    "limit": st.just("abc"),
    "seen_at": st.sampled_from(["2024-13-01T00:00:00", None]),
    "mode": st.sampled_from([None, 3]),
    "code": st.one_of(st.text(alphabet="ab", max_size=2), st.text(alphabet="ab", min_size=4, max_size=5)),
    "nick": st.text(alphabet="ab", max_size=1),
    "span": st.sampled_from([[], [1, 2, 3]]),
    "grade": st.sampled_from(["C", "h", "HA"]),
    "size": st.sampled_from(["L", "XL"]),
    "level": st.sampled_from([0, 1, 5, 6]),
    "score": st.sampled_from([11, 12]),
    "floor": st.sampled_from([-3, 3]),
    "color": st.sampled_from(["blue", "red!", "reds"]),
    "plate": st.sampled_from(["a1", "粤B1"]),
    "labels": st.sampled_from([["c"], ["a", "c"]]),
    "opens": st.just("25:00"),
    "issued": st.sampled_from(["31/02/2024", "2024-02-03"]),
    "agreed": st.sampled_from([True, False, "y"]),
}
keys = [*inside, "other"]


def person(chosen: list[str]) -> st.SearchStrategy[dict]:
    fine = st.fixed_dictionaries({key: inside[key] for key in chosen if key in inside})  # accepted (when complete)
    mixed = st.fixed_dictionaries({key: st.one_of(inside[key], outside[key], values) if key in inside else values
                                   for key in chosen})
    return st.one_of(fine, mixed)


# a few fields at a time, most often with name and kind (required), so that whole loads succeed too
people = st.lists(st.sampled_from(keys), unique=True, max_size=8).map(
    lambda chosen: list(dict.fromkeys(["name", "kind", *chosen])) if len(chosen) % 4 else chosen).flatmap(person)
partials = st.sampled_from([None, True, False, ("name", "kind"), ("hours.end", "window.zone"), ["name", "hours.zone"]])


def outcome(call):
    try:
        return "ok", call()
    except ValidationError as exc:
        return "error", exc.messages


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=people, partial=partials)
def test_the_fast_loader_answers_exactly_as_marshmallow(data, partial):
    schema = Person()
    expected = outcome(lambda: schema.load(data, partial=partial))
    event(f"marshmallow {expected[0]}")
    assert outcome(lambda: FastLoader(schema).load(data, partial=partial)) == expected
    assert FastLoader(schema).errors(data, partial=partial) == schema.validate(data, partial=partial)


BOUNDARIES = {
    "code": ["aaa", "aa", "aaaa"], "nick": ["ab", "a", "abc", None], "span": [[1], [1, 2], [], [1, 2, 3]],
    "tags": [["V"], ["VIPV"], [""], ["VIPVI"], ["a", "b", "c"], ["a", "b", "c", "d"]], "name": ["a" * 8, "a" * 9],
    "grade": ["H", "B", "C", "h"], "size": ["S", "M", "L", "XL"], "age": [0, 150, -1, 151],
    "level": [2, 4, 1, 5], "score": [10, 11, -100], "floor": [-2, 2, -3, 3],
    "color": ["red", "GREEN", "red\n", "blue", "redx"], "plate": ["ab1", "AB1x", "a1", "1ab1"],
    "labels": [[], ["a", "b"], ["c"]], "opens": ["10:30", "25:00", None], "issued": ["03/02/2024", "2024-02-03"],
    "agreed": ["yes", "no", True],
}


@pytest.mark.parametrize("name", BOUNDARIES)
def test_each_translated_check_answers_as_marshmallow_on_both_sides_of_its_bounds(name):
    schema = Person()
    answers = []
    for value in BOUNDARIES[name]:
        data = {"name": "张伟", "kind": "owner", name: value}
        answers.append(outcome(lambda data=data: schema.load(data))[0])
        assert outcome(lambda data=data: FastLoader(schema).load(data)) == outcome(lambda data=data: schema.load(data))
    assert "ok" in answers and "error" in answers  # both sides of the bounds are looked at


def test_a_partial_is_passed_down_to_nested_schemas_as_marshmallow_does():
    def answer(call):
        try:
            return outcome(call)
        except AttributeError as exc:  # marshmallow's answer to a partial that names something else than fields
            return "raised", type(exc)

    schema = Person()
    hours = {"start": "09:00", "end": "18:00"}
    for data, partial in [({"hours": hours}, True), ({"hours": hours}, ("hours.zone",)), ({"window": hours}, None),
                          ({"window": {"start": "09:00"}}, None), ({"window": {"start": "09:00"}}, False),
                          ({"window": {"start": "09:00"}}, ("window.end",)), ({"hours": hours}, (1,)),
                          ({"hours": hours}, "name")]:
        assert answer(lambda d=data, p=partial: FastLoader(schema).load(d, partial=p)) == \
            answer(lambda d=data, p=partial: schema.load(d, partial=p))


def test_plain_valid_data_is_loaded_without_marshmallow_and_invalid_data_gets_its_messages(monkeypatch):
    schema = Person()
    loader = FastLoader(schema)
    good = {"name": "张伟", "kind": "owner", "birthday": "1985-03-02", "wedding": "2010-10-10",
            "tags": ["VIP"], "region": {"city": "深圳"},
            "email": "a@example.cn", "vip": True, "age": 40, "code": "abc", "nick": None, "span": [1, 2],
            "grade": "A", "level": 4, "score": 10, "floor": -2, "color": "Red", "plate": "AB12",
            "seen_at": "2024-01-01T10:00:00+08:00", "hours": {"start": "09:00", "end": "18:00"}}
    expected = schema.load(good)
    monkeypatch.setattr(schema, "load", lambda *a, **k: pytest.fail("marshmallow was asked"))
    monkeypatch.setattr(Day, "deserialize", lambda *a, **k: pytest.fail("a Day was not parsed as a Date is"))
    assert loader.load(good) == expected == {
        **good, "birthday": date(1985, 3, 2), "wedding": date(2010, 10, 10),
        "mode": "create", "seen_at": datetime.fromisoformat(good["seen_at"]),
        "hours": {**good["hours"], "zone": "local"}}
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
    st.sampled_from(["name", "kind", "email", "age", "vip", "birthday", "tags", "region", "hours", "limit", "seen_at",
                     "opens", "issued", "span", "agreed"]),
    st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.sampled_from(["张伟", "x"]), st.times(),
              st.dates(), st.datetimes(), st.datetimes(timezones=st.just(UTC)),
              st.decimals(allow_nan=False, allow_infinity=False, places=2),
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
