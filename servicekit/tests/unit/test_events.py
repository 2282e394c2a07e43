"""CloudEvents envelopes: what an integrator reads off the bus."""
import json
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from servicekit.events import InvalidEvent, correlation_id, dumps, loads, new_event, parse_event

_SCALARS = (st.none() | st.booleans() | st.integers(-2**63, 2**63 - 1)
            | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20) | st.dates()
            | st.datetimes(timezones=st.just(UTC)) | st.decimals(allow_nan=False, allow_infinity=False, places=2))
_VALUES = st.recursive(_SCALARS, lambda inner: st.lists(inner, max_size=4)
                       | st.dictionaries(st.text(max_size=8) | st.integers(-9, 9), inner, max_size=4), max_leaves=12)


def test_new_event_is_a_structured_cloudevent_carrying_the_correlation_id():
    token = correlation_id.set("req-42")
    try:
        event = new_event("customer", "customer.created.v1", "c-1", {"name": "张三"})
    finally:
        correlation_id.reset(token)
    body = json.loads(event.to_json())
    assert body["specversion"] == "1.0"
    assert body["type"] == "customer.created.v1"
    assert body["source"] == "/guanxi/customer"
    assert body["subject"] == "c-1"
    assert body["datacontenttype"] == "application/json"
    assert body["correlationid"] == "req-42"
    assert body["time"].endswith("Z")
    assert "张三" in event.to_json()  # not \\u-escaped


def test_round_trip():
    event = new_event("customer", "visit.done.v1", "c-1", {"kind": "service"})
    assert parse_event(event.to_json()) == event


@pytest.mark.parametrize("type_", ["customer.created", "Customer.Created.v1", "created.v1x"])
def test_unversioned_or_malformed_types_are_refused(type_):
    with pytest.raises(ValueError):
        new_event("customer", type_, "c-1", {})


@pytest.mark.parametrize("body, reason", [
    (b"not json", "not JSON"),
    (b"[1]", "not a JSON object"),
    (b'{"specversion": "1.0"}', "missing attributes"),
    (json.dumps({"specversion": "0.3", "id": "1", "source": "s", "type": "a.b.v1", "time": "t",
                 "subject": "x", "datacontenttype": "application/json", "data": {}}).encode(), "specversion"),
])
def test_invalid_bodies_say_what_is_wrong(body, reason):
    with pytest.raises(InvalidEvent, match=reason):
        parse_event(body)


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow], deadline=None)  # a busy machine: slow
@given(_VALUES)
def test_dumps_writes_what_the_standard_library_writes(value):
    expected = json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
    assert json.loads(dumps(value)) == json.loads(expected)
    if not _has_float(value):  # the same text, but for how a float may be spelt (1e-07 or 1e-7)
        assert dumps(value) == expected


def _has_float(value) -> bool:
    children = value if isinstance(value, list) else value.values() if isinstance(value, dict) else []
    return isinstance(value, float) or any(map(_has_float, children))


def test_dumps_keeps_chinese_and_writes_dates_as_text():
    moment = datetime(2026, 11, 22, 8, 30, tzinfo=UTC)
    assert dumps({"name": "张三", "at": moment, "day": date(2026, 1, 2), "amount": Decimal("1.50")}) == \
        '{"name":"张三","at":"2026-11-22 08:30:00+00:00","day":"2026-01-02","amount":"1.50"}'


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(_VALUES)
def test_loads_reads_what_the_standard_library_reads(value):
    body = json.dumps(value, ensure_ascii=False, default=str)
    assert loads(body) == json.loads(body)
    assert loads(body.encode()) == json.loads(body.encode())


@pytest.mark.parametrize("body", [
    b'{"n": 12345678901234567890123}',  # beyond 64 bits: orjson refuses it
    b'{"n": -9223372036854775809}',
    b'{"n": NaN, "m": Infinity, "o": -Infinity}',  # not JSON, but what json.loads reads
    b'{"s": "\\ud800"}',  # a lone surrogate
    '{"s": "张三"}'.encode("utf-16"),  # another encoding json.loads detects
    b'\xef\xbb\xbf{"s": 1}',  # a byte order mark
    '{"s": "\\ud83d\\ude00 张三"}',  # text, not bytes
])
def test_loads_falls_back_to_the_standard_library_for_what_orjson_refuses(body):
    expected = json.loads(body)
    got = loads(body)
    assert repr(got) == repr(expected)  # NaN included (NaN != NaN)


def test_an_event_with_a_huge_integer_or_nan_reads_as_the_standard_library_reads_it():
    body = new_event("customer", "visit.done.v1", "c-1", {"km": 1}).to_json()
    body = body.replace('"km":1', '"km":123456789012345678901234567890,"ratio":NaN')
    event = parse_event(body.encode())
    assert event.data["km"] == 123456789012345678901234567890
    assert repr(event.data["ratio"]) == "nan"


@pytest.mark.parametrize("body", [b"\xff\xfe{", b'{"a": 1', b""])
def test_what_neither_reads_is_not_json(body):
    with pytest.raises(InvalidEvent, match="not JSON"):
        parse_event(body)


@pytest.mark.parametrize("body", [
    b'{"a": [1, {"b": 12345678901234567890123.5}]}',  # a float with many digits: orjson's float is kept
    b'{"a": [1, {"b": 1.5}], "c": 18446744073709551615}',  # the largest 64-bit integer orjson reads as one
    b'{"a": {"b": [123456789012345678901234567890]}}',  # nested: read again by the standard library
])
def test_floats_and_long_integers_anywhere_read_as_the_standard_library_reads_them(body):
    assert repr(loads(body)) == repr(json.loads(body))


def test_a_long_integer_deep_in_nested_lists_reads_as_the_standard_library_reads_it():
    body = "[" * 500 + "0.5, 123456789012345678901234567890" + "]" * 500
    assert loads(body) == json.loads(body)
