"""CloudEvents 1.0 envelopes (structured JSON mode), as PRODUCT.md 3.2 fixes them.

https://github.com/cloudevents/spec/blob/v1.0.2/cloudevents/spec.md
"""
from __future__ import annotations

import contextvars
import json
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

CONTENT_TYPE = "application/cloudevents+json"
EXCHANGE = "crm.events"
TYPE_PATTERN = re.compile(r"^[a-z_]+(\.[a-z_]+)+\.v[0-9]+$")
REQUIRED = ("specversion", "id", "source", "type", "time", "subject", "datacontenttype", "data")

_JSON_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS

#: The correlation id of the work in hand: set per HTTP request and per consumed event.
correlation_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("correlation_id", default=None)


class InvalidEvent(ValueError):
    """A message body that is not a CloudEvent we can apply."""


@dataclass(frozen=True)
class Event:
    """A CloudEvent as a consumer sees it."""

    id: str
    type: str
    source: str
    subject: str
    time: str
    data: dict[str, Any]
    correlationid: str | None = None

    def to_json(self) -> str:
        """The structured-mode JSON body."""
        body = {"specversion": "1.0", "id": self.id, "source": self.source, "type": self.type,
                "time": self.time, "subject": self.subject, "datacontenttype": "application/json",
                "correlationid": self.correlationid, "data": self.data}
        return dumps(body)


def dumps(value: Any) -> str:
    """`value` as compact JSON, non-ASCII text as it is, a value JSON has no type for written as `str()` of
    it: what `json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)` writes, with
    orjson (https://github.com/ijl/orjson), several times faster (the same JSON: test_events.py)."""
    return orjson.dumps(value, default=str, option=_JSON_OPTIONS).decode()


def new_event(service: str, type: str, subject: str, data: dict[str, Any],
              correlation: str | None = None) -> Event:
    """A fresh event of `type` (e.g. `customer.created.v1`) about `subject`, from `service`."""
    if not TYPE_PATTERN.match(type):
        raise ValueError(f"event type {type!r} must look like 'customer.created.v1'")
    return Event(id=str(uuid.uuid4()), type=type, source=f"/guanxi/{service}", subject=str(subject),
                 time=datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                 data=data, correlationid=correlation or correlation_id.get() or str(uuid.uuid4()))


def loads(body: bytes | str) -> Any:
    """`json.loads(body)`, read by orjson where it can (several times faster), so the result is always the
    standard library's. orjson reads an integer beyond 64 bits as a float: when its result holds a float and
    the body a run of 19 digits or more, the body is read again by the standard library; so is what orjson
    refuses and the standard library reads (NaN or Infinity, a lone surrogate, UTF-16, a byte order mark).
    Raise InvalidEvent for what is not JSON."""
    try:
        value = orjson.loads(body)
    except orjson.JSONDecodeError:
        pass
    else:
        if not _float_in(value):
            return value
        long_digits = _LONG_DIGITS if isinstance(body, bytes | bytearray) else _LONG_DIGITS_TEXT
        if long_digits.search(body) is None:  # type: ignore[arg-type]  # bytes with bytes, text with text
            return value
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidEvent(f"body is not JSON: {exc}") from None


#: 19 digits in a row: possibly an integer orjson read as a float (beyond 64 bits).
_LONG_DIGITS = re.compile(rb"[0-9]{19}")
_LONG_DIGITS_TEXT = re.compile(r"[0-9]{19}")


def _float_in(value: Any) -> bool:
    """Whether a float is anywhere in `value` (JSON as read: dicts, lists, scalars; nested to any depth)."""
    if type(value) is float:
        return True
    containers = [value] if type(value) in (dict, list) else []
    while containers:
        container = containers.pop()
        for item in (container.values() if type(container) is dict else container):
            kind = type(item)
            if kind is float:
                return True
            if kind is dict or kind is list:
                containers.append(item)
    return False


def parse_event(body: bytes | str) -> Event:
    """Read a structured-mode CloudEvent; raise InvalidEvent naming what is wrong."""
    raw = loads(body)
    if not isinstance(raw, dict):
        raise InvalidEvent("body is not a JSON object")
    missing = [name for name in REQUIRED if name not in raw]
    if missing:
        raise InvalidEvent(f"missing attributes: {', '.join(missing)}")
    if raw["specversion"] != "1.0":
        raise InvalidEvent(f"unsupported specversion {raw['specversion']!r}")
    if not isinstance(raw["data"], dict):
        raise InvalidEvent("data is not a JSON object")
    return Event(id=str(raw["id"]), type=raw["type"], source=raw["source"], subject=str(raw["subject"]),
                 time=raw["time"], data=raw["data"], correlationid=raw.get("correlationid"))
