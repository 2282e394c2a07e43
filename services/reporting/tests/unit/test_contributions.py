"""What a record adds to the figures, and how figures are read back (pure functions, hand-checked)."""
from datetime import date

from reporting.domain import contributions as c
from reporting.domain import rfm

PROSPECT = {"id": "c1", "kind": "prospect", "first_kind": "prospect", "store_id": "s1", "created_day": date(2026, 3, 5),
            "source": "车展", "owner": "li.si", "wanted_model": "雅阁", "city": "深圳市", "purchase_type": None,
            "intent_grade": "H", "last_visit_day": date(2026, 3, 5), "visit_count": 1, "spend_fen": 0}


def test_a_prospect_counts_once_per_dimension_and_not_as_converted():
    figures = c.customer_contribution(PROSPECT)
    assert figures[("prospects", date(2026, 3, 5), "s1", "source", "车展")] == (1, 0)
    assert figures[("prospects", date(2026, 3, 5), "s1", "purchase_type", c.UNKNOWN)] == (1, 0)
    assert sum(1 for key in figures if key[0] == "prospects") == len(c.PROSPECT_DIMENSIONS)
    assert not any(key[0] == "owners" for key in figures)


def test_conversion_moves_the_prospect_into_converted_and_adds_an_owner():
    owner = {**PROSPECT, "kind": "owner", "owner_since": date(2026, 4, 1), "model": "雅阁", "vehicles": 1}
    change = c.difference(c.customer_contribution(PROSPECT), c.customer_contribution(owner))
    assert change[("prospects", date(2026, 3, 5), "s1", "source", "车展")] == (0, 1)
    assert change[("owners", date(2026, 4, 1), "s1", "model", "雅阁")] == (1, 0)
    assert change[("customers", date(2026, 3, 5), "s1", "prospect", "深圳市")] == (-1, 0)
    assert change[("customers", date(2026, 3, 5), "s1", "owner", "深圳市")] == (1, 0)


def test_a_merged_customer_contributes_nothing():
    assert c.customer_contribution({**PROSPECT, "merged_into": "c2"}) == {}
    assert c.difference(c.customer_contribution(PROSPECT), c.customer_contribution(PROSPECT)) == {}


def test_rfm_scores_at_their_edges():
    assert [rfm.frequency_score(n) for n in (1, 2, 3, 4, 5, 7, 8)] == [1, 2, 3, 3, 4, 4, 5]
    assert [rfm.monetary_score(yuan * 100) for yuan in (999, 1000, 2999, 7999, 19999, 20000)] == [1, 2, 2, 3, 4, 5]
    assert [rfm.recency_score(d) for d in (0, 30, 31, 90, 180, 181, 365, 366)] == [5, 5, 4, 4, 3, 2, 2, 1]
    assert rfm.segment_of(5, 5, 5) == "champions"
    assert rfm.segment_of(5, 1, 1) == "new"
    assert rfm.segment_of(1, 5, 5) == "big_spenders_at_risk"
    assert rfm.segment_of(1, 1, 1) == "lost"


def test_percentiles_from_a_histogram():
    hours = {2: 5, 10: 3, 40: 2}  # ten complaints
    assert c.percentile_from_histogram(hours, 0.5) == 2
    assert c.percentile_from_histogram(hours, 0.6) == 10
    assert c.percentile_from_histogram(hours, 0.9) == 40
    assert c.percentile_from_histogram({}, 0.5) is None


def test_complaint_sla_outcomes_and_time_to_resolve_bucket():
    complaint = {"filed_day": date(2026, 5, 1), "store_id": None, "category": "quality", "status": "closed",
                 "reopens": 1, "working_minutes": 150, "satisfaction": "satisfied", "assignee": "wu.sa",
                 "sla": {"resolve": {"met_at": None, "breached": True},
                         "acknowledge": {"met_at": "x", "breached": False},
                         "callback": {"met_at": None, "breached": False}}}
    figures = c.complaint_contribution(complaint)
    day = date(2026, 5, 1)
    assert figures[("complaint_sla", day, "", "resolve", "breached")] == (1, 0)
    assert figures[("complaint_sla", day, "", "acknowledge", "met")] == (1, 0)
    assert figures[("complaint_sla", day, "", "callback", "open")] == (1, 0)
    assert figures[("complaint_hours", day, "", "0002", "")] == (1, 150)
    assert figures[("complaint_status", day, "", "closed", "reopened")] == (1, 0)
    assert figures[("complaint_satisfaction", day, "", "satisfied", "")] == (1, 4)
