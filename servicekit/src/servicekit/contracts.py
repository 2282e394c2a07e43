"""A service's published event contract: one marshmallow schema per event type's `data`.

Every event is dumped through its schema and checked before it enters the outbox, so a service can
never publish what its documentation (docs/events/, docs/asyncapi/) does not promise; the examples
there are checked against the same schemas by each service's contract tests.
"""
from __future__ import annotations

from typing import Any

from marshmallow import Schema
from sqlalchemy.orm import Session

from servicekit.fastdump import FastDumper
from servicekit.fastload import FastLoader
from servicekit.outbox import record_event, record_events


class InvalidEventData(RuntimeError):
    """The service tried to emit data that breaks its own published contract (a bug, never input)."""


class EventContract:
    """The event types a service publishes and the schema of each one's `data`."""

    def __init__(self, service: str, schemas: dict[str, Schema]) -> None:
        self.service = service
        self.schemas = schemas
        self.loaders = {type: FastLoader(schema) for type, schema in schemas.items()}
        self.dumpers = {type: FastDumper(schema) for type, schema in schemas.items()}

    def validation_errors(self, type: str, data: dict[str, Any]) -> dict[str, Any]:
        """What is wrong with `data` (already JSON) as the `data` of a `type` event; empty when it is right."""
        return self.loaders[type].errors(data)

    def event_data(self, type: str, values: dict[str, Any]) -> dict[str, Any]:
        """`values` dumped to JSON through the `type` schema; InvalidEventData if that breaks the contract."""
        data = self.dumpers[type].dump(values)
        errors = self.validation_errors(type, data)
        if errors:
            raise InvalidEventData(f"{type} data breaks its schema: {errors}")
        return data

    def emit(self, session: Session, type: str, subject: str, values: dict[str, Any]) -> None:
        """Add a `type` event about `subject` to the outbox in `session`'s transaction."""
        record_event(session, self.service, type, subject, self.event_data(type, values))

    def emit_many(self, session: Session, items: list[tuple[str, str, dict[str, Any]]]) -> None:
        """Add several events, each `(type, subject, values)`, to the outbox in one statement, in order;
        InvalidEventData (and nothing written) if any of them breaks the contract."""
        record_events(session, self.service, [(type, subject, self.event_data(type, values))
                                              for type, subject, values in items])
