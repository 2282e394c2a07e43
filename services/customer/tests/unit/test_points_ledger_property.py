"""Property: under any sequence of earns, redemptions and adjustments the ledger sums to the balance,
the balance never goes negative, the tier follows it, and each tier change is one event."""
from __future__ import annotations

import pytest
from customer.adapters.points import PointsRepository
from customer.domain.points import InsufficientPoints, PointsPolicy
from customer.entrypoints.runner import MIGRATIONS
from customer.service_layer import points
from customer.service_layer.customers import create_customer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from servicekit.db import make_engine, make_session_factory, outbox, unit_of_work
from sqlalchemy import select

POLICY = PointsPolicy(thresholds={"silver": 10, "gold": 20, "diamond": 40})
OPERATIONS = st.lists(st.tuples(st.sampled_from(["earn", "redeem", "adjust"]), st.integers(min_value=-30,
                                                                                           max_value=30)),
                      max_size=25)


@pytest.fixture
def sessions(migrated_sqlite):
    engine = make_engine(migrated_sqlite(MIGRATIONS, "customer"))
    yield make_session_factory(engine)
    engine.dispose()


def _tier_events(sessions, customer_id: str) -> list[dict]:
    from servicekit.events import parse_event
    with unit_of_work(sessions) as session:
        bodies = session.execute(select(outbox.c.body).order_by(outbox.c.id)).scalars().all()
    found = [parse_event(body) for body in bodies]
    return [event.data for event in found if event.type == "customer.tier_changed.v1" and event.subject == customer_id]


def _apply(sessions, customer_id: str, kind: str, amount: int) -> None:
    if kind == "earn":
        with unit_of_work(sessions) as session:
            points.change_points(session, customer_id, abs(amount), "earn", "service visit", "t", POLICY)
    elif kind == "redeem":
        points.redeem(sessions, customer_id, max(1, abs(amount)), "gift", "t", POLICY)
    else:
        points.adjust(sessions, customer_id, amount or 1, "correction", "t", POLICY)


def _change(kind: str, amount: int) -> int:
    return {"earn": abs(amount), "redeem": -max(1, abs(amount)), "adjust": amount or 1}[kind]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=OPERATIONS)
def test_the_ledger_always_sums_to_a_balance_that_is_never_negative(sessions, operations):
    customer_id = create_customer(sessions, {"name": "性质", "phone": _phone(),
                                             "kind": "owner"}, "t")["id"]
    expected, tier, transitions = 0, "regular", []
    for kind, amount in operations:
        change = _change(kind, amount)
        try:
            _apply(sessions, customer_id, kind, amount)
        except InsufficientPoints:
            assert expected + change < 0  # refused only when it would go negative, and then nothing changed
        else:
            assert expected + change >= 0
            expected += change
        if POLICY.tier_for(expected) != tier:
            transitions.append((tier, POLICY.tier_for(expected)))
            tier = POLICY.tier_for(expected)
        with unit_of_work(sessions) as session:
            repo = PointsRepository(session)
            account = repo.account(customer_id)
            assert account["balance"] == repo.ledger_sum(customer_id) == expected >= 0
            assert account["tier"] == tier
    assert [(event["from_tier"], event["to_tier"]) for event in _tier_events(sessions, customer_id)] == transitions


_counter = iter(range(10**6))


def _phone() -> str:
    return f"1391{next(_counter):07d}"
