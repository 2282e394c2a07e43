"""The state machine: every action from every status, allowed or refused with the allowed next steps."""
from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from complaint.domain.calendar import BusinessCalendar
from complaint.domain.complaints import Complaint
from complaint.domain.errors import StepNotAllowed
from complaint.domain.rules import Rules
from complaint.domain.sla import DEFAULT_POLICY
from complaint.domain.vocabulary import SATISFACTION, SATISFIED, STATUSES
from complaint.domain.workflow import ACTIONS, MOVES
from hypothesis import given, settings
from hypothesis import strategies as st

CALENDAR = BusinessCalendar(lambda day: day.weekday() < 5)
RULES = Rules()
START = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # Monday 09:00 in Shanghai


def new(category: str = "service", severity: str = "normal") -> Complaint:
    return Complaint.file(CALENDAR, id="c1", customer_id="u1", store_id=None, channel="phone", category=category,
                          subcategory=None, severity=severity, description="等了三个小时", filed_at=START,
                          filed_by="li.si", policy=DEFAULT_POLICY)


def take(complaint: Complaint, action: str, satisfaction: str = "satisfied", minutes: int = 10) -> None:
    at = complaint.updated_at + timedelta(minutes=minutes)
    if action == "acknowledge":
        complaint.acknowledge(RULES, at, "li.si")
    elif action == "assign":
        complaint.assign(CALENDAR, RULES, at, "wang.manager", "after_sales", "zhao.liu")
    elif action == "start":
        complaint.start(RULES, at, "zhao.liu")
    elif action == "resolve":
        complaint.resolve(CALENDAR, RULES, at, "zhao.liu", "致歉并免费保养", Decimal("680.00"), "after_sales")
    elif action == "callbacks":
        complaint.record_callback(CALENDAR, RULES, at, "chen.cb", "phone", satisfaction, None)
    elif action == "close":
        complaint.close(RULES, at, "chen.cb")
    elif action == "reopen":
        complaint.reopen(CALENDAR, RULES, at, "chen.cb", "客户再次来电")
    elif action == "reject":
        complaint.reject(RULES, at, "li.si", "监控显示与投诉不符")


PATHS = {
    "filed": [],
    "acknowledged": ["acknowledge"],
    "assigned": ["acknowledge", "assign"],
    "in_progress": ["acknowledge", "assign", "start"],
    "resolved": ["acknowledge", "assign", "start", "resolve"],
    "callback": ["acknowledge", "assign", "start", "resolve", "callbacks"],
    "closed": ["acknowledge", "assign", "start", "resolve", "callbacks", "close"],
    "reopened": ["acknowledge", "assign", "start", "resolve", "reopen"],
    "rejected": ["reject"],
}
EXPECTED_AFTER = {"acknowledge": "acknowledged", "assign": "assigned", "start": "in_progress", "resolve": "resolved",
                  "callbacks": "callback", "close": "closed", "reopen": "reopened", "reject": "rejected"}


def in_status(status: str) -> Complaint:
    complaint = new()
    for action in PATHS[status]:
        take(complaint, action)
    assert complaint.status == status
    return complaint


def test_every_status_is_reachable():
    assert set(PATHS) == set(STATUSES)


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("action", ACTIONS)
def test_each_action_from_each_status(status, action):
    complaint = in_status(status)
    allowed_before = complaint.allowed_next(RULES)
    if status in MOVES[action][0]:
        take(complaint, action)
        assert complaint.status == EXPECTED_AFTER[action]
        assert complaint.happened[-1].from_status == status
        assert action in allowed_before
    else:
        version_steps = len(complaint.happened)
        with pytest.raises(StepNotAllowed) as refused:
            take(complaint, action)
        assert complaint.status == status and len(complaint.happened) == version_steps
        assert refused.value.allowed == allowed_before
        assert action not in allowed_before
        assert "Allowed next steps" in str(refused.value)


def test_the_allowed_moves_are_the_seven_steps_and_their_loops():
    allowed = {(status, action) for status in STATUSES for action in ACTIONS if status in MOVES[action][0]}
    assert allowed == {
        ("filed", "acknowledge"), ("filed", "reject"),
        ("acknowledged", "assign"), ("acknowledged", "reject"),
        ("assigned", "assign"), ("assigned", "start"), ("assigned", "resolve"), ("assigned", "reject"),
        ("in_progress", "assign"), ("in_progress", "resolve"), ("in_progress", "reject"),
        ("resolved", "callbacks"), ("resolved", "reopen"),
        ("callback", "callbacks"), ("callback", "close"), ("callback", "reopen"),
        ("reopened", "assign"),
    }


def test_resolving_a_filed_complaint_names_the_allowed_steps():
    with pytest.raises(StepNotAllowed) as refused:
        take(new(), "resolve")
    assert refused.value.allowed == ["acknowledge", "reject"]
    assert str(refused.value) == ("Cannot resolve a complaint that is filed. "
                                  "Allowed next steps: acknowledge, reject.")


def test_finished_complaints_allow_nothing():
    for status in ("closed", "rejected"):
        assert in_status(status).allowed_next(RULES) == []


@pytest.mark.parametrize("satisfaction", ["very_unsatisfied", "unsatisfied"])
def test_an_unsatisfied_callback_reopens_to_assignment(satisfaction):
    complaint = in_status("resolved")
    take(complaint, "callbacks", satisfaction)
    assert complaint.status == "reopened" and complaint.round == 2
    assert [step.event for step in complaint.happened[-2:]] == ["callback_recorded", "reopened"]
    assert complaint.allowed_next(RULES) == ["assign"]


def test_closing_needs_a_satisfied_last_callback():
    complaint = in_status("resolved")
    take(complaint, "callbacks", "neutral")
    with pytest.raises(StepNotAllowed) as refused:
        take(complaint, "close")
    assert "the last callback was neutral" in str(refused.value)
    assert refused.value.allowed == ["callbacks", "reopen"]
    take(complaint, "callbacks", "very_satisfied")
    take(complaint, "close")
    assert complaint.status == "closed"


def test_quality_complaints_need_two_callbacks_and_service_ones_one():
    quality = new(category="quality")
    for action in PATHS["resolved"]:
        take(quality, action)
    take(quality, "callbacks", "satisfied")
    with pytest.raises(StepNotAllowed, match="needs 2 callback"):
        take(quality, "close")
    take(quality, "callbacks", "satisfied")
    take(quality, "close")
    assert quality.status == "closed"
    service = in_status("callback")
    take(service, "close")
    assert service.status == "closed"


def test_the_callback_minimum_is_configurable():
    rules = Rules(min_callbacks={"service": 2})
    complaint = in_status("callback")
    assert complaint.allowed_next(rules) == ["callbacks", "reopen"]
    with pytest.raises(StepNotAllowed, match="needs 2 callback"):
        complaint.close(rules, complaint.updated_at, "chen.cb")


def test_a_reopened_complaint_counts_callbacks_afresh():
    complaint = in_status("resolved")
    take(complaint, "callbacks", "unsatisfied")
    for action in ("assign", "resolve"):
        take(complaint, action)
    assert complaint.callbacks_in_round == 0
    take(complaint, "callbacks", "satisfied")
    assert complaint.happened[-1].event_data["callback_number"] == 1
    take(complaint, "close")


@pytest.mark.parametrize("severity,escalated", [("minor", False), ("normal", False), ("serious", True),
                                                ("critical", True)])
def test_serious_and_critical_complaints_go_to_the_general_manager_at_once(severity, escalated):
    complaint = new(severity=severity)
    events = [step.event for step in complaint.happened]
    assert events == (["filed", "escalated"] if escalated else ["filed"])
    assert complaint.escalation_level == ("general_manager" if escalated else None)


def test_a_survey_follows_the_resolution_once_per_round():
    complaint = in_status("filed")
    answers = {"attitude": "satisfied", "skill": "satisfied", "timeliness": "unsatisfied",
               "promise_kept": "satisfied", "staff": ["zhao.liu"]}
    with pytest.raises(StepNotAllowed, match="follows the resolution"):
        complaint.record_survey(RULES, START, "chen.cb", answers)
    complaint = in_status("resolved")
    complaint.record_survey(RULES, START, "chen.cb", answers)
    with pytest.raises(StepNotAllowed, match="already has its survey"):
        complaint.record_survey(RULES, START, "chen.cb", answers)


# -- random walks: the allowed next steps are exactly the ones that succeed; a refusal changes nothing --

STEPS = st.lists(st.tuples(st.sampled_from(ACTIONS), st.sampled_from(SATISFACTION), st.integers(1, 600)),
                 max_size=30)


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(["quality", "service", "general", "incident"]), STEPS)
def test_random_walks_keep_the_rules(category, steps):
    complaint = new(category=category)
    for action, satisfaction, minutes in steps:
        allowed = complaint.allowed_next(RULES)
        before = copy.deepcopy(complaint)
        try:
            take(complaint, action, satisfaction, minutes)
        except StepNotAllowed as refused:
            assert action not in allowed and refused.allowed == allowed
            assert complaint == before  # nothing changed
            continue
        assert action in allowed
        if complaint.status == "closed":
            assert complaint.last_satisfaction in SATISFIED
            assert complaint.callbacks_in_round >= RULES.callbacks_needed(category)
        if complaint.status == "reopened":
            assert complaint.callbacks_in_round == 0 and complaint.clocks.targets["resolve"].met_at is None
        for target in complaint.clocks.targets.values():
            if target.met_at is not None:
                assert target.started_at <= target.met_at
            if target.due_at is not None:
                assert target.due_at - target.started_at >= timedelta(minutes=target.minutes)


def test_the_rules_read_from_configuration_refuse_nonsense():
    from complaint.domain.rules import parse_min_callbacks, parse_subcategories

    assert parse_min_callbacks("service=2")["service"] == 2 and parse_min_callbacks("")["quality"] == 2
    assert parse_subcategories(" parts, billing ") == ("parts", "billing")
    for text in ("weather=2", "quality=0", "quality=two"):
        with pytest.raises(ValueError):
            parse_min_callbacks(text)
    with pytest.raises(ValueError):
        parse_subcategories("parts, bad name!")
