"""Events in, figures out: each report on small hand-checked histories, applied once whatever the order."""
from __future__ import annotations

import random
from datetime import date

import reporting_events as ev
from reporting.service_layer import reports
from reporting.service_layer.periods import Period
from reporting_figures import QUEUE, figures

OCTOBER = Period(date(2026, 10, 1), date(2026, 10, 31))


def report(sessions, name: str, period: Period = OCTOBER) -> dict:
    with sessions() as session:
        return reports.REPORTS[name](session, period).data


def test_prospects_and_their_conversion_by_reason_for_visit(apply, sessions):
    apply([ev.customer("p1", "2026-10-02T02:00:00Z", source="车展"),
           ev.customer("p2", "2026-10-03T02:00:00Z", source="车展", owner="wang.qiang"),
           ev.customer("p3", "2026-10-04T02:00:00Z", source="朋友介绍"),
           ev.vehicle("p1", "a1", "2026-10-20"),
           ev.visit("p1", "delivery", "2026-10-20T02:00:00Z", staff="li.si", asset_id="a1"),
           ev.updated("p1", 2, "2026-10-20T02:00:01Z", kind="owner", stage="owner")])
    data = report(sessions, "prospects")
    assert data["totals"] == {"prospects": 3, "converted": 1, "conversion_rate": 0.3333}
    assert data["by_dimension"]["source"] == [
        {"value": "车展", "count": 2, "converted": 1, "conversion_rate": 0.5},
        {"value": "朋友介绍", "count": 1, "converted": 0, "conversion_rate": 0.0}]
    consultant = {"value": "wang.qiang", "count": 1, "converted": 0, "conversion_rate": 0.0}
    assert consultant in data["by_dimension"]["consultant"]
    assert data["by_month"] == [{"month": "2026-10", "prospects": 3, "converted": 1, "conversion_rate": 0.3333}]
    owners = report(sessions, "owners")
    assert owners["totals"]["owners"] == 1
    assert owners["by_dimension"]["model"] == [{"value": "雅阁", "count": 1}]
    assert owners["by_month"] == [{"month": "2026-10", "in": 1, "out": 0}]
    assert data["freshness"]["last_event_time"] == "2026-10-20T02:00:01Z"
    assert data["freshness"]["events_applied"] == 6


def test_days_are_the_dealerships_local_days(apply, sessions):
    # 17:30 UTC on 31 October is 01:30 on 1 November in Shanghai
    apply([ev.customer("c1", "2026-10-31T17:30:00Z")])
    assert report(sessions, "prospects")["totals"]["prospects"] == 0
    november = Period(date(2026, 11, 1), date(2026, 11, 30))
    assert report(sessions, "prospects", november)["totals"]["prospects"] == 1


def test_a_date_range_across_months_reads_whole_months_and_edge_days(apply, sessions):
    days = ["2026-08-31", "2026-09-01", "2026-09-15", "2026-10-31", "2026-11-01"]
    apply([ev.customer(f"c{i}", f"{day}T03:00:00Z") for i, day in enumerate(days)])
    assert report(sessions, "prospects", Period(date(2026, 9, 1), date(2026, 10, 31)))["totals"]["prospects"] == 3
    assert report(sessions, "prospects", Period(date(2026, 8, 31), date(2026, 9, 14)))["totals"]["prospects"] == 2
    assert report(sessions, "prospects", Period(date(2026, 9, 2), date(2026, 11, 1)))["totals"]["prospects"] == 3


def test_the_complaint_analysis(apply, sessions):
    filed = "2026-10-05T02:00:00Z"
    met = {"acknowledge": {"due_at": "x", "met_at": filed, "breached": False}}
    breached = {"acknowledge": {"due_at": "x", "met_at": None, "breached": True}}
    apply([
        ev.complaint("k1", "filed", filed, filed, "filed", sla=met),
        ev.complaint("k1", "resolved", "2026-10-06T02:00:00Z", filed, "resolved", sla=met,
                     working_minutes_to_resolve=300, remedy_cost="200.00", responsible_party="service",
                     resolution="返修"),
        ev.complaint("k1", "callback_recorded", "2026-10-07T02:00:00Z", filed, "callback", sla=met,
                     satisfaction="satisfied", callback_channel="phone", callback_number=1),
        ev.complaint("k1", "closed", "2026-10-07T02:01:00Z", filed, "closed", sla=met, satisfaction="satisfied"),
        ev.complaint("k2", "filed", filed, filed, "filed", category="service", severity="serious"),
        ev.complaint("k2", "resolved", "2026-10-06T02:00:00Z", filed, "resolved", category="service",
                     severity="serious", working_minutes_to_resolve=600, remedy_cost="0.00",
                     responsible_party="sales"),
        ev.complaint("k2", "callback_recorded", "2026-10-07T02:00:00Z", filed, "callback", category="service",
                     severity="serious", satisfaction="unsatisfied"),
        ev.complaint("k2", "reopened", "2026-10-07T02:05:00Z", filed, "reopened", category="service",
                     severity="serious", reason="不满意"),
        ev.complaint("k2", "resolved", "2026-10-09T02:00:00Z", filed, "resolved", category="service",
                     severity="serious", working_minutes_to_resolve=900, remedy_cost="100.00",
                     responsible_party="sales"),
        ev.complaint("k2", "callback_recorded", "2026-10-10T02:00:00Z", filed, "callback", category="service",
                     severity="serious", satisfaction="very_satisfied"),
        ev.complaint("k3", "filed", filed, filed, "filed", sla=breached),
        ev.complaint("k3", "survey_recorded", "2026-10-12T02:00:00Z", filed, "closed", sla=breached,
                     attitude="very_satisfied", skill="satisfied", timeliness="unsatisfied", promise_kept="satisfied",
                     staff=["zhou.sa"]),
    ])
    data = report(sessions, "complaints")
    assert data["totals"] == {"complaints": 3, "resolved": 2, "reopened": 1, "reopen_rate": 0.3333,
                              "remedy_cost": "300.00"}
    assert data["by_dimension"]["category"] == [{"value": "quality", "count": 2}, {"value": "service", "count": 1}]
    assert {"value": "sales", "count": 1} in data["by_dimension"]["cause"]
    assert data["sla"] == [{"target": "acknowledge", "met": 1, "breached": 1, "open": 0, "attainment": 0.5}]
    assert data["time_to_resolve_working_hours"] == {"resolved": 2, "median": 5, "p90": 15}
    assert data["satisfaction_after_callback"]["rated"] == 2
    assert data["satisfaction_after_callback"]["satisfaction_rate"] == 1.0
    technician = report(sessions, "staff")["technicians"][0]
    assert technician["staff"] == "zhou.sa"
    assert technician["complaints"] == 3
    assert technician["survey"] == {"attitude": 4.0, "skill": 3.0, "timeliness": 2.0, "promise_kept": 3.0}


def test_callbacks_first_maintenance_appointments_and_reminders(apply, sessions):
    year = Period(date(2026, 1, 1), date(2026, 10, 31))
    apply([ev.customer("o1", "2026-01-05T02:00:00Z", kind="owner"),
           ev.vehicle("o1", "v1", "2026-01-10"), ev.vehicle("o1", "v2", "2026-02-01"),
           ev.visit("o1", "service", "2026-04-05T02:00:00Z", asset_id="v1", amount="680.00", service_type="首次保养"),
           ev.visit("o1", "callback", "2026-04-06T02:00:00Z", channel="phone", satisfaction="satisfied"),
           ev.visit("o1", "callback", "2026-04-07T02:00:00Z", channel="sms", satisfaction="unsatisfied"),
           ev.reminder("r1", "due", "2026-03-01T01:00:00Z", "2026-03-01T01:00:00Z"),
           ev.reminder("r1", "sent", "2026-03-01T02:00:00Z", "2026-03-01T01:00:00Z", channel="sms"),
           ev.reminder("r1", "completed", "2026-03-02T02:00:00Z", "2026-03-01T01:00:00Z", outcome="booked",
                       completed_by="cr.lin"),
           ev.reminder("r2", "due", "2026-03-01T01:00:00Z", "2026-03-01T01:00:00Z"),
           ev.reminder("r2", "sent", "2026-03-01T02:00:00Z", "2026-03-01T01:00:00Z", channel="sms"),
           ev.appointment("a1", "booked", "2026-03-03T02:00:00Z", reminder_id="r1"),
           ev.appointment("a1", "kept", "2026-04-05T02:00:00Z", visit_id="x", reminder_id="r1"),
           ev.appointment("a2", "booked", "2026-03-03T02:00:00Z", reminder_id="r2"),
           ev.appointment("a2", "no_show", "2026-04-05T02:00:00Z", reminder_id="r2")])
    data = report(sessions, "callbacks", year)
    assert data["first_maintenance"]["delivered_due"] == 2
    assert data["first_maintenance"]["serviced"] == 1
    assert data["first_maintenance"]["rate"] == 0.5
    assert data["appointments"]["booking_rate"] == 1.0
    assert data["appointments"]["show_up_rate"] == 0.5
    assert data["reminders"] == [{"rule": "first_maintenance", "due": 2, "completed": 1, "converted": 1,
                                  "conversion_rate": 0.5}]
    april = [m for m in data["satisfaction"]["monthly"] if m["month"] == "2026-04"][0]
    assert april == {"month": "2026-04", "callbacks": 2, "satisfied": 1, "satisfaction_rate": 0.5, "mean_score": 3.0}
    assert sum(w["callbacks"] for w in data["satisfaction"]["weekly"]) == 2


def test_churn_counts_customers_with_no_visit_in_six_months(apply, sessions):
    apply([ev.customer("c1", "2025-12-01T02:00:00Z", kind="owner"),
           ev.visit("c1", "service", "2026-01-01T02:00:00Z", amount="100.00"),
           ev.customer("c2", "2025-12-01T02:00:00Z", kind="owner"),
           ev.visit("c2", "service", "2026-10-01T02:00:00Z"),
           ev.reminder("r9", "completed", "2026-07-10T02:00:00Z", "2026-07-02T02:00:00Z", rule="lost_customer",
                       outcome="not_returning", lost_reason="搬家到外地")])
    data = report(sessions, "churn", Period(date(2026, 1, 1), date(2026, 10, 31)))
    assert data["totals"] == {"customers": 2, "lost": 1, "churn_rate": 0.5}
    assert {"month": "2026-07", "lost": 1} in data["trend"]  # last visit 1 January + 183 days = 3 July
    assert data["winback_reasons"] == [{"reason": "搬家到外地", "count": 1}]


def test_events_delivered_twice_apply_once(apply, sessions):
    history = [ev.customer("c1", "2026-10-02T02:00:00Z"), ev.visit("c1", "store", "2026-10-02T03:00:00Z")]
    assert apply(history) == ["applied", "applied"]
    before = figures(sessions, date(2026, 1, 1), date(2026, 10, 31))
    assert apply(history) == ["duplicate", "duplicate"]
    assert figures(sessions, date(2026, 1, 1), date(2026, 10, 31)) == before


def _merge_history():
    return [ev.customer("a", "2026-09-01T02:00:00Z", kind="owner", store_id="s1"),
            ev.customer("b", "2026-09-02T02:00:00Z", kind="owner", store_id="s2", name="李雷"),
            ev.visit("b", "service", "2026-09-10T02:00:00Z", amount="500.00"),
            ev.visit("a", "service", "2026-09-11T02:00:00Z", amount="800.00")]


def test_a_merge_counts_everything_for_the_survivor_and_an_undo_puts_it_back(apply, sessions):
    apply(_merge_history())
    before = figures(sessions, date(2026, 9, 1), date(2026, 10, 31))
    apply([ev.merged("a", "b", "2026-10-01T02:00:00Z")])
    after = figures(sessions, date(2026, 9, 1), date(2026, 10, 31))
    assert after["customer-flow"]["totals"]["customers"] == 1
    assert after["value"]["totals"]["customers"] == 1
    s1 = figures(sessions, date(2026, 9, 1), date(2026, 10, 31), store="s1")
    assert sum(c["visits"].get("service", 0) for c in s1["staff"]["technicians"]) == 2  # b's visit moved to a's store
    with sessions() as session:
        members = reports.segment_customers(session, Period(date(2026, 9, 1), date(2026, 10, 31)), "new", 1, 10)
    assert [(m["id"], m["visits"], m["spend"]) for m in members["customers"]] == [("a", 2, "1300.00")]
    apply([ev.unmerged("a", "b", "2026-10-02T02:00:00Z")])
    assert figures(sessions, date(2026, 9, 1), date(2026, 10, 31)) == {
        name: {**data, "freshness": after[name]["freshness"] | {"events_applied": 6,
                                                                "last_event_time": "2026-10-02T02:00:00Z"}}
        for name, data in before.items()}


def test_a_late_event_of_a_merged_customer_counts_for_the_survivor(migrated_sqlite, tmp_path):
    from reporting.entrypoints.runner import MIGRATIONS
    from reporting.service_layer.projection import apply_event
    from servicekit.consumer import apply_batch
    from servicekit.db import make_engine, make_session_factory

    late_visit = ev.visit("b", "service", "2026-09-20T02:00:00Z", amount="50.00")
    merge = ev.merged("a", "b", "2026-10-01T02:00:00Z")
    period = Period(date(2026, 9, 1), date(2026, 10, 31))
    results = []
    for order in ([merge, late_visit], [late_visit, merge]):  # the visit of b may reach us before or after
        engine = make_engine(migrated_sqlite(MIGRATIONS, f"order{len(results)}"))
        sessions = make_session_factory(engine)
        apply_batch(sessions, [("reporting.read_model", e, apply_event) for e in _merge_history() + order])
        with sessions() as session:
            members = reports.segment_customers(session, period, "loyal", 1, 10)
        assert [(m["id"], m["visits"], m["spend"]) for m in members["customers"]] == [("a", 3, "1350.00")]
        results.append(figures(sessions, period.start, period.end))
        engine.dispose()
    assert results[0]["customer-flow"]["totals"]["customers"] == 1
    assert results[0] == results[1]


def test_erasure_forgets_the_person_and_keeps_the_figures(apply, sessions):
    apply(_merge_history())
    period = Period(date(2026, 9, 1), date(2026, 10, 31))
    before = figures(sessions, period.start, period.end)
    apply([ev.erased("b", "2026-10-05T02:00:00Z"),
           ev.updated("b", 2, "2026-10-06T02:00:00Z", name="李雷雷")])  # a late update must not bring the name back
    with sessions() as session:
        members = reports.segment_customers(session, period, "new", 1, 10)["customers"]
    erased = [m for m in members if m["id"] == "b"][0]
    assert erased["name"] is None and erased["phone"] is None
    after = figures(sessions, period.start, period.end)
    assert {n: {**d, "freshness": None} for n, d in after.items()} == {n: {**d, "freshness": None}
                                                                     for n, d in before.items()}


def _shuffled_within_aggregates(events, seed: int):
    """The same events, aggregates interleaved at random, each aggregate's own order kept."""
    by_subject: dict[str, list] = {}
    for event in events:
        by_subject.setdefault(event.subject, []).append(event)
    queues = list(by_subject.values())
    rng, result = random.Random(seed), []
    while queues:
        queue = rng.choice(queues)
        result.append(queue.pop(0))
        if not queue:
            queues.remove(queue)
    return result


def test_replayed_twice_or_shuffled_within_aggregates_the_figures_are_the_same(migrated_sqlite, tmp_path):
    from reporting.entrypoints.runner import MIGRATIONS
    from reporting.service_layer.projection import apply_event
    from servicekit.consumer import apply_batch
    from servicekit.db import make_engine, make_session_factory

    from bench.generate import History

    events = list(History(seed=3, customers=100, visits=400, complaints=40).events())
    events += [ev.merged(events[0].subject, events[-1].subject, "2026-10-30T02:00:00Z")]  # a merge in the mix
    results = []
    orders = (events, _shuffled_within_aggregates(events, 1), _shuffled_within_aggregates(events, 2))
    for run, order in enumerate(orders):
        engine = make_engine(migrated_sqlite(MIGRATIONS, f"run{run}"))
        sessions = make_session_factory(engine)
        for start in range(0, len(order), 97):
            apply_batch(sessions, [("reporting.read_model", e, apply_event) for e in order[start:start + 97]])
        if run == 0:  # the whole history delivered again changes nothing
            outcomes = apply_batch(sessions, [("reporting.read_model", e, apply_event) for e in order])
            assert set(outcomes) == {"duplicate"}
        results.append(figures(sessions, date(2025, 1, 1), date(2026, 10, 31)))
        engine.dispose()
    assert results[0]["prospects"]["totals"]["prospects"] > 30
    assert results[0]["complaints"]["totals"]["complaints"] > 10
    assert results[1] == results[0]
    assert results[2] == results[0]


def test_a_customer_moved_to_another_store_takes_their_figures_along(apply, sessions):
    apply([ev.customer("m1", "2026-10-02T02:00:00Z", kind="owner", store_id="s1"),
           ev.visit("m1", "service", "2026-10-03T02:00:00Z", staff="wu.sa", amount="300.00")])
    s1, s2 = (Period(OCTOBER.start, OCTOBER.end, (store,)) for store in ("s1", "s2"))
    assert report(sessions, "staff", s1)["technicians"][0]["visits"] == {"service": 1}
    apply([ev.updated("m1", 2, "2026-10-04T02:00:00Z", store_id="s2")])
    assert report(sessions, "staff", s1)["technicians"] == []
    assert report(sessions, "staff", s2)["technicians"][0]["revenue"] == "300.00"
    assert report(sessions, "customer-flow", s2)["totals"]["customers"] == 1
    assert report(sessions, "customer-flow", s1)["totals"]["customers"] == 0


def test_vehicles_and_visits_recorded_before_their_customer_count_for_the_customer(migrated_sqlite):
    """Events overtake each other (two relays publishing, a delivery sent round again): a customer's vehicle and
    visits may arrive before customer.created, in earlier batches or in the same one. They count for the
    customer's store then too, as a store manager reads it."""
    from reporting.entrypoints.runner import MIGRATIONS
    from reporting.service_layer.projection import apply_event
    from servicekit.consumer import apply_batch
    from servicekit.db import make_engine, make_session_factory

    created = ev.customer("c1", "2026-03-01T02:00:00Z", kind="owner", store_id="s1")
    recorded = [ev.vehicle("c1", "v1", "2026-03-02"),
                ev.visit("c1", "service", "2026-04-01T02:00:00Z", amount="300.00", asset_id="v1"),
                ev.visit("c1", "service", "2026-09-01T02:00:00Z", amount="500.00", asset_id="v1")]
    batches = {"in order": [[created, *recorded]], "customer last, own batch": [recorded, [created]],
               "customer last, same batch": [[*recorded, created]], "the customer alone": [[created]]}
    results = {}
    for run, (name, order) in enumerate(batches.items()):
        engine = make_engine(migrated_sqlite(MIGRATIONS, f"overtaken{run}"))
        sessions = make_session_factory(engine)
        for batch in order:
            apply_batch(sessions, [(QUEUE, event, apply_event) for event in batch])
        # the figures without their freshness (the last event applied differs with the order, as it should), of
        # the whole group and of the customer's store
        results[name] = {(store, report): {key: value for key, value in data.items() if key != "freshness"}
                         for store in (None, "s1")
                         for report, data in figures(sessions, date(2026, 1, 1), date(2026, 10, 31), store).items()}
        engine.dispose()
    assert results["in order"] != results["the customer alone"]  # the vehicle and visits show in the figures
    assert results["customer last, own batch"] == results["in order"]
    assert results["customer last, same batch"] == results["in order"]
