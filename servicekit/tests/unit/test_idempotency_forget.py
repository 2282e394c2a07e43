"""Answers kept for replays are forgotten when they mention an erased customer, and only those."""
from __future__ import annotations

from datetime import UTC, datetime

from servicekit.db import idempotency_keys, kit_metadata
from servicekit.idempotency import forget
from sqlalchemy import create_engine, select


def test_forget_deletes_the_answers_that_mention_any_needle_and_keeps_the_others(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'kit.db'}")
    kit_metadata.create_all(engine)
    answers = {"a": '{"id": "c-1", "name": "欧阳娜娜"}', "b": '{"id": "c-2", "phone": "+8613800000009"}',
               "c": '{"id": "c-3", "name": "别人"}', "d": '{"id": "c_1x"}'}
    with engine.begin() as connection:
        for key, body in answers.items():
            connection.execute(idempotency_keys.insert().values(
                key=key, caller="li.si", fingerprint="f", created_at=datetime.now(UTC), status=201,
                body=body.encode(), headers="{}"))
        assert forget(connection, ["c-1", "+8613800000009", ""]) == 2
    with engine.connect() as connection:
        assert sorted(connection.execute(select(idempotency_keys.c.key)).scalars()) == ["c", "d"]
