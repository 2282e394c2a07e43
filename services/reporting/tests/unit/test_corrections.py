"""Corrections re-count: a visit, a vehicle or a complaint corrected (or voided) counts as if it had been
recorded right in the first place, once, whatever is delivered twice or late."""
from __future__ import annotations

import re
from datetime import date

import pytest
import reporting_events as ev
from reporting.entrypoints.runner import MIGRATIONS
from reporting.service_layer import reports
from reporting.service_layer.periods import Period
from reporting.service_layer.projection import apply_event
from reporting_figures import QUEUE, figures
from servicekit.consumer import apply_batch
from servicekit.db import make_engine, make_session_factory

START, END = date(2024, 1, 1), date(2031, 12, 31)
OCTOBER = Period(date(2026, 1, 1), date(2026, 10, 31))


def model_of(migrated_sqlite, name: str, *batches) -> dict:
    """Every report's figures (freshness aside) of a read model that applied `batches`, one transaction each."""
    engine = make_engine(migrated_sqlite(MIGRATIONS, name))
    sessions = make_session_factory(engine)
    for batch in batches:
        apply_batch(sessions, [(QUEUE, event, apply_event) for event in batch])
    result = {report: {**data, "freshness": None} for report, data in figures(sessions, START, END).items()}
    with sessions() as session:
        result["members"] = {segment: reports.segment_customers(session, Period(START, date(2026, 10, 31)), segment,
                                                                1, 10)["customers"]
                             for segment in ("new", "lost", "promising", "at_risk")}
    engine.dispose()
    return result


def owner_history(visit_at: str, **visit_details) -> tuple[list, object, object]:
    """An owner with a vehicle delivered in January and one service visit."""
    person = ev.customer("o1", "2026-01-05T02:00:00Z", kind="owner")
    car = ev.vehicle("o1", "v1", "2026-01-10")
    service = ev.visit("o1", "service", visit_at, asset_id="v1", amount="680.00", **visit_details)
    return [person, car], car, service


def test_a_visit_dated_2030_by_mistake_and_corrected_counts_as_if_dated_right(migrated_sqlite):
    base, _, right = owner_history("2026-04-05T02:00:00Z", service_type="maintenance")
    wrong = ev.event("customer", "visit.done.v1", "o1", right.time, {
        **right.data, "visit": {**right.data["visit"], "occurred_at": "2030-01-01T02:00:00Z"}})
    fix = ev.corrected(wrong, 2, "2026-04-06T02:00:00Z", occurred_at="2026-04-05T02:00:00Z")
    mistaken = model_of(migrated_sqlite, "mistaken", base + [wrong])
    assert mistaken["churn"] != model_of(migrated_sqlite, "right", base + [right])["churn"]
    corrected = model_of(migrated_sqlite, "corrected", base + [wrong, fix],
                         [fix],  # delivered twice: the inbox skips it
                         [ev.again(fix)],  # the same version under another id: the version skips it
                         [ev.corrected(wrong, 1, "2026-04-07T02:00:00Z", occurred_at="2029-01-01T02:00:00Z")])
    assert corrected == model_of(migrated_sqlite, "right", base + [right])


def test_a_voided_visit_counts_nowhere(migrated_sqlite):
    base, _, service = owner_history("2026-04-05T02:00:00Z")
    callback = ev.visit("o1", "callback", "2026-04-06T02:00:00Z", channel="phone", satisfaction="satisfied")
    duplicate = ev.visit("o1", "service", "2026-05-01T02:00:00Z", asset_id="v1", amount="999.00")
    void_callback, void_duplicate = ev.voided(callback, "2026-06-01T02:00:00Z"), ev.voided(duplicate,
                                                                                           "2026-06-01T02:00:00Z")
    voided = model_of(migrated_sqlite, "voided", base + [duplicate, service, callback, void_callback],
                      [void_duplicate, ev.again(void_duplicate),
                       ev.corrected(duplicate, 2, "2026-06-02T02:00:00Z", staff="wang.wu")])  # too late: voided
    assert voided == model_of(migrated_sqlite, "without", base + [service])


def test_only_a_maintenance_counts_as_the_first_maintenance(apply, sessions):
    apply([ev.customer("o1", "2026-01-05T02:00:00Z", kind="owner"),
           ev.vehicle("o1", "v1", "2026-01-10"), ev.vehicle("o1", "v2", "2026-01-10"),
           ev.vehicle("o1", "v3", "2026-01-10"), ev.vehicle("o1", "v4", "2026-01-10")])
    check = ev.visit("o1", "service", "2026-02-01T02:00:00Z", asset_id="v1", service_type="check", odometer_km=1200)
    apply([check,
           ev.visit("o1", "service", "2026-02-01T02:00:00Z", asset_id="v2", service_type="repair"),
           ev.visit("o1", "service", "2026-04-01T02:00:00Z", asset_id="v3", service_type="maintenance"),
           ev.visit("o1", "service", "2026-04-01T02:00:00Z", asset_id="v4")])  # an older visit: no type, a maintenance

    def first_maintenance() -> dict:
        with sessions() as session:
            return reports.REPORTS["callbacks"](session, OCTOBER).data["first_maintenance"]

    assert (first_maintenance()["delivered_due"], first_maintenance()["serviced"]) == (4, 2)
    # the tyre check was in fact the first maintenance: corrected, it counts
    apply([ev.corrected(check, 2, "2026-02-02T02:00:00Z",
                        details={**check.data["visit"]["details"], "service_type": "maintenance"})])
    assert first_maintenance()["serviced"] == 3
    apply([ev.voided(check, "2026-02-03T02:00:00Z", version=3)])
    assert first_maintenance()["serviced"] == 2


def test_a_vehicle_corrected_sold_transferred_or_voided(migrated_sqlite):
    first = ev.customer("o1", "2026-01-05T02:00:00Z", kind="owner", store_id="s1")
    second = ev.customer("o2", "2026-01-06T02:00:00Z", kind="owner", store_id="s2")
    typo = ev.vehicle("o1", "v1", "2026-01-10", model="稚阁")
    other = ev.vehicle("o1", "v2", "2026-02-10", model="飞度")
    mistake = ev.vehicle("o2", "v3", "2026-03-10", model="思域")
    fixed = ev.asset_updated(typo, 2, "2026-03-01T02:00:00Z", model="雅阁")
    moved = ev.asset_updated(typo, 3, "2026-05-01T02:00:00Z", customer_id="o2", model="雅阁")
    sold = ev.asset_updated(other, 2, "2026-05-02T02:00:00Z", status="sold")
    late = ev.asset_updated(typo, 2, "2026-05-03T02:00:00Z", model="思域")  # an older version arriving late
    model = model_of(migrated_sqlite, "updated", [first, second, typo, other, mistake, fixed],
                     [moved, sold, ev.asset_voided(mistake, "2026-05-04T02:00:00Z")], [late, ev.again(moved)])
    owners = model["owners"]["by_dimension"]
    assert {item["value"]: item["count"] for item in owners["model"]} == {"雅阁": 1, "飞度": 1}
    # o1 sold one car and handed the other to o2, o2's own was registered by mistake: one car each way
    assert owners["vehicles"] == [{"value": "0", "count": 1}, {"value": "1", "count": 1}]
    with_right_records = model_of(migrated_sqlite, "right", [
        first, second, ev.vehicle("o2", "v1", "2026-01-10", model="雅阁"), other,
        ev.asset_updated(other, 2, "2026-05-02T02:00:00Z", status="sold")])
    assert model["callbacks"]["first_maintenance"] == with_right_records["callbacks"]["first_maintenance"]
    assert model["owners"] == with_right_records["owners"]
    # delivered vehicles stay delivered when sold; one registered by mistake is gone
    assert model["callbacks"]["first_maintenance"]["delivered_due"] == 2


def test_a_complaint_corrected_moves_to_its_right_buckets(apply, sessions):
    filed = "2026-10-05T02:00:00Z"
    apply([ev.complaint("k1", "filed", filed, filed, "filed", category="general", severity="minor")])
    correction = ev.complaint("k1", "corrected", "2026-10-05T03:00:00Z", filed, "filed", category="quality",
                              severity="serious", changes={"category": ["general", "quality"],
                                                           "severity": ["minor", "serious"]},
                              reason="分类错误", corrected_by="cr.lin")
    older = ev.complaint("k1", "corrected", "2026-10-05T02:30:00Z", filed, "filed", category="service",
                         severity="normal", reason="x", corrected_by="cr.lin")
    apply([correction])
    apply([ev.again(correction), older])

    with sessions() as session:
        dimensions = reports.REPORTS["complaints"](session, OCTOBER).data["by_dimension"]
    assert dimensions["category"] == [{"value": "quality", "count": 1}]
    assert dimensions["severity"] == [{"value": "serious", "count": 1}]


@pytest.mark.parametrize("code,words", [("first", "首次购车"), ("additional", "增购"), ("replacement", "换购")])
def test_the_purchase_type_of_a_prospect_is_a_dimension(apply, sessions, code, words):
    apply([ev.customer("p1", "2026-10-02T02:00:00Z", purchase_type=code),
           ev.customer("p2", "2026-10-02T02:00:00Z", purchase_type=None),
           ev.customer("p3", "2026-10-02T02:00:00Z", purchase_type="first"),
           ev.updated("p3", 2, "2026-10-03T02:00:00Z", purchase_type=code)])
    with sessions() as session:
        by_type = reports.REPORTS["prospects"](session, OCTOBER).data["by_dimension"]["purchase_type"]
    assert {item["value"]: item["count"] for item in by_type} == {words: 2, "未填": 1}


def test_the_read_model_is_bound_to_every_event_it_applies():
    from reporting.entrypoints.consumer import subscriptions
    from reporting.service_layer.projection import HANDLERS

    def matches(pattern: str, key: str) -> bool:  # a topic exchange's binding: # any words, * one word
        regex = re.escape(pattern).replace(r"\#", ".*").replace(r"\*", "[^.]+")
        return re.fullmatch(regex, key) is not None

    [subscription] = subscriptions()
    corrections = ["visit.corrected", "visit.voided", "asset.updated", "asset.voided", "complaint.corrected"]
    assert set(corrections) - {"complaint.corrected"} <= set(HANDLERS)
    for name in [*HANDLERS, *corrections]:
        assert any(matches(key, f"{name}.v1") for key in subscription.routing_keys), name


def test_a_prospect_who_became_an_owner_keeps_counting_under_their_intent_grade(apply, sessions):
    apply([ev.customer("p1", "2026-10-02T02:00:00Z", intent_grade="H"),
           ev.customer("p2", "2026-10-02T02:00:00Z", intent_grade="H"),
           ev.updated("p1", 2, "2026-10-20T02:00:00Z", kind="owner", stage="owner", intent_grade=None)])
    with sessions() as session:
        by_grade = reports.REPORTS["prospects"](session, OCTOBER).data["by_dimension"]["intent_grade"]
    assert by_grade == [{"value": "H", "count": 2, "converted": 1, "conversion_rate": 0.5}]
