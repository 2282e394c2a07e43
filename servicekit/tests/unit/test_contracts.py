"""A service's event contract: events checked against their schema before they enter the outbox."""
from datetime import UTC, datetime

import pytest
from marshmallow import Schema, fields
from servicekit.contracts import EventContract, InvalidEventData
from servicekit.db import kit_metadata, make_engine, make_session_factory, outbox
from servicekit.events import parse_event
from sqlalchemy import select


class Happened(Schema):
    thing_id = fields.String(required=True)
    size = fields.Integer(required=True)


CONTRACT = EventContract("things", {"thing.happened.v1": Happened()})


@pytest.fixture
def sessions(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'kit.db'}")
    kit_metadata.create_all(engine)
    yield make_session_factory(engine)
    engine.dispose()


def stored(sessions):
    with sessions() as session:
        return [parse_event(body) for body in session.execute(select(outbox.c.body).order_by(outbox.c.id)).scalars()]


def test_emit_many_writes_every_event_in_order(sessions):
    with sessions() as session:
        CONTRACT.emit_many(session, [("thing.happened.v1", f"t{n}", {"thing_id": f"t{n}", "size": n})
                                     for n in range(5)])
        CONTRACT.emit_many(session, [])
        session.commit()
    events = stored(sessions)
    assert [(event.subject, event.data["size"]) for event in events] == [(f"t{n}", n) for n in range(5)]
    assert {event.source for event in events} == {"/guanxi/things"} and len({event.id for event in events}) == 5


def test_emit_many_writes_nothing_when_one_event_breaks_the_contract(sessions):
    with sessions() as session:
        with pytest.raises(InvalidEventData):
            CONTRACT.emit_many(session, [("thing.happened.v1", "t1", {"thing_id": "t1", "size": 1}),
                                         ("thing.happened.v1", "t2", {"thing_id": "t2"})])
        session.commit()
    assert stored(sessions) == []


def test_bulk_insert_writes_every_row_with_json_and_nothing_for_none(sessions):
    from servicekit.db import bulk_insert, idempotency_keys

    with sessions() as session:
        bulk_insert(session, outbox, [])
        bulk_insert(session, idempotency_keys, [
            {"key": f"k{n}", "caller": "c", "fingerprint": "f", "created_at": datetime.now(UTC),
             "status": None, "body": None, "headers": '{"a": 1}'} for n in range(3)])
        session.commit()
        assert session.execute(select(idempotency_keys.c.key).order_by(idempotency_keys.c.key)).scalars().all() == \
            ["k0", "k1", "k2"]
