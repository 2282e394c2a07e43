"""The complaint aggregate: every step checks the workflow, moves the SLA clocks, and records what
happened (a timeline step and the domain events the service publishes)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from complaint.domain import corrections, workflow
from complaint.domain.calendar import BusinessCalendar
from complaint.domain.errors import StepNotAllowed
from complaint.domain.happened import Contacts, Happened, nobody
from complaint.domain.rules import Rules
from complaint.domain.sla import Clocks, SlaPolicy
from complaint.domain.vocabulary import ESCALATE_AT_ONCE, LEVELS, SATISFIED, UNSATISFIED

SCANNER = "sla-scanner"
#: The statuses a survey may be recorded in: it follows the resolution.
SURVEY_STATUSES = ("resolved", "callback", "closed")


@dataclass
class Complaint:
    """A complaint and its closed loop."""

    id: str
    customer_id: str
    store_id: str | None
    channel: str
    category: str
    subcategory: str | None
    severity: str
    description: str
    filed_at: datetime
    filed_by: str
    policy: SlaPolicy
    status: str = "filed"
    department: str | None = None
    assignee: str | None = None
    resolution: str | None = None
    remedy_cost: Decimal | None = None
    responsible_party: str | None = None
    escalation_level: str | None = None
    round: int = 1
    callbacks_in_round: int = 0
    last_satisfaction: str | None = None
    surveyed_round: int | None = None
    #: The username told at the last escalation (from the escalation contacts), or None.
    escalated_to: str | None = None
    updated_at: datetime | None = None
    version: int = 1
    clocks: Clocks = field(default_factory=Clocks)
    happened: list[Happened] = field(default_factory=list)

    # -- reading -------------------------------------------------------------------------------------

    @property
    def waiting_on_customer(self) -> bool:
        """True while the SLA clocks are paused for the customer."""
        return self.clocks.paused

    @property
    def breached(self) -> bool:
        """True when any target of any round was breached."""
        return any(target.breached for target in self.clocks.targets.values())

    def allowed_next(self, rules: Rules) -> list[str]:
        """The workflow actions that would succeed now."""
        return [action for action in workflow.moves_from(self.status) if self._unmet(action, rules) is None]

    def _unmet(self, action: str, rules: Rules) -> str | None:
        """Why `action`'s rule is not met yet (None when it is)."""
        if action != "close":
            return None
        needed = rules.callbacks_needed(self.category)
        if self.callbacks_in_round < needed:
            return (f"a {self.category} complaint needs {needed} callback(s) before closing, "
                    f"{self.callbacks_in_round} recorded")
        if self.last_satisfaction not in SATISFIED:
            return f"the last callback was {self.last_satisfaction}; closing needs satisfied or very_satisfied"
        if rules.survey_required and self.surveyed_round != self.round:
            return ("the satisfaction survey of this resolution is missing: record it (POST …/survey) before "
                    "closing")
        return None

    # -- the steps -----------------------------------------------------------------------------------

    @classmethod
    def file(cls, calendar: BusinessCalendar, contacts: Contacts = nobody, **values: Any) -> Complaint:
        """A new complaint; its acknowledgement and resolution clocks start now. A serious or critical one
        is escalated to the general manager at once [002] (`contacts` says who is told)."""
        complaint = cls(**values)
        at, policy = complaint.filed_at, complaint.policy
        complaint.updated_at = at
        for name in ("acknowledge", "resolve"):
            complaint.clocks.arm(calendar, name, at, policy.minutes(name), policy.warn_percent)
        complaint._record("file", at, complaint.filed_by, "filed", event="filed",
                          event_data={"description": complaint.description[:500]})
        if complaint.severity in ESCALATE_AT_ONCE:
            complaint.escalate(at, complaint.filed_by, "general_manager",
                               f"{complaint.severity} complaint: escalated when filed", None, contacts)
        return complaint

    def _check(self, action: str, rules: Rules) -> None:
        """StepNotAllowed (naming the allowed next steps) unless `action` may be taken now."""
        allowed = self.allowed_next(rules)
        if action not in workflow.moves_from(self.status):
            raise StepNotAllowed(workflow.WORDS.get(action, action), self.status, allowed)
        reason = self._unmet(action, rules)
        if reason:
            raise StepNotAllowed(workflow.WORDS.get(action, action), self.status, allowed, reason)

    def _move(self, action: str, rules: Rules, at: datetime, actor: str, details: dict[str, Any] | None = None,
              event: str | None = None, event_data: dict[str, Any] | None = None) -> None:
        self._check(action, rules)
        self._record(action, at, actor, workflow.target_status(action), details, event, event_data)

    def _record(self, action: str, at: datetime, actor: str, to_status: str, details: dict[str, Any] | None = None,
                event: str | None = None, event_data: dict[str, Any] | None = None) -> None:
        self.happened.append(Happened(action, at, actor, self.status, to_status, details or {}, event,
                                      event_data or {}))
        self.status, self.updated_at = to_status, at

    def acknowledge(self, rules: Rules, at: datetime, actor: str) -> None:
        """The customer-relations desk has taken the complaint in."""
        self._move("acknowledge", rules, at, actor)
        self.clocks.meet("acknowledge", at)

    def assign(self, calendar: BusinessCalendar, rules: Rules, at: datetime, actor: str, department: str,
               assignee: str) -> None:
        """Make a department and person responsible; the department's clock starts at the first assignment
        of a round."""
        before = {"department": self.department, "assignee": self.assignee}
        self._move("assign", rules, at, actor, {"department": department, "assignee": assignee, "before": before},
                   event="assigned")
        self.department, self.assignee = department, assignee
        if self.clocks.targets["respond"].minutes is None:
            self.clocks.arm(calendar, "respond", at, self.policy.minutes("respond"), self.policy.warn_percent)

    def start(self, rules: Rules, at: datetime, actor: str) -> None:
        """The department has answered and begun the remedy."""
        self._move("start", rules, at, actor)
        self.clocks.meet("respond", at)

    def resolve(self, calendar: BusinessCalendar, rules: Rules, at: datetime, actor: str, resolution: str,
                remedy_cost: Decimal, responsible_party: str) -> None:
        """The remedy is decided and done; the first-callback clock starts."""
        round_started = self.clocks.targets["resolve"].started_at or self.filed_at
        minutes = int(calendar.working_time_excluding(round_started, at, self.clocks.pauses).total_seconds() // 60)
        self._move("resolve", rules, at, actor,
                   {"resolution": resolution, "remedy_cost": str(remedy_cost), "responsible_party": responsible_party},
                   event="resolved", event_data={"resolution": resolution, "remedy_cost": remedy_cost,
                                                 "responsible_party": responsible_party,
                                                 "working_minutes_to_resolve": minutes})
        self.resolution, self.remedy_cost, self.responsible_party = resolution, remedy_cost, responsible_party
        self.callbacks_in_round, self.last_satisfaction = 0, None
        self.clocks.meet("respond", at)
        self.clocks.meet("resolve", at)
        self.clocks.arm(calendar, "first_callback", at, self.policy.minutes("first_callback"),
                        self.policy.warn_percent)

    def record_callback(self, calendar: BusinessCalendar, rules: Rules, at: datetime, actor: str, channel: str,
                        satisfaction: str, comment: str | None) -> int:
        """A callback to the customer; an unsatisfied answer reopens the complaint. Returns its number."""
        number = self.callbacks_in_round + 1
        self._move("callbacks", rules, at, actor,
                   {"channel": channel, "satisfaction": satisfaction, "comment": comment, "number": number},
                   event="callback_recorded",
                   event_data={"callback_channel": channel, "satisfaction": satisfaction, "callback_number": number})
        self.callbacks_in_round, self.last_satisfaction = number, satisfaction
        self.clocks.meet("first_callback", at)
        if satisfaction in UNSATISFIED:
            self._reopen(calendar, at, actor, f"callback {number}: the customer is {satisfaction.replace('_', ' ')}")
        return number

    def close(self, rules: Rules, at: datetime, actor: str) -> None:
        """Close the loop (only after enough callbacks, the last one satisfied or better)."""
        self._move("close", rules, at, actor, event="closed", event_data={"satisfaction": self.last_satisfaction})
        self._stop_clocks(at)

    def reopen(self, calendar: BusinessCalendar, rules: Rules, at: datetime, actor: str, reason: str) -> None:
        """Send the complaint back to assignment by hand."""
        self._check("reopen", rules)
        self._reopen(calendar, at, actor, reason)

    def _reopen(self, calendar: BusinessCalendar, at: datetime, actor: str, reason: str) -> None:
        """A new round: back to assignment; the department and resolution clocks start again."""
        self._record("reopen", at, actor, "reopened", {"reason": reason}, event="reopened",
                     event_data={"reason": reason})
        self.round += 1
        self.callbacks_in_round, self.last_satisfaction = 0, None
        self.clocks.disarm("respond")
        self.clocks.disarm("first_callback")
        self.clocks.arm(calendar, "resolve", at, self.policy.minutes("resolve"), self.policy.warn_percent)

    def reject(self, rules: Rules, at: datetime, actor: str, findings: str) -> None:
        """Not upheld: the findings are the answer to the customer."""
        self._move("reject", rules, at, actor, {"findings": findings}, event="rejected",
                   event_data={"findings": findings})
        self.clocks.meet("acknowledge", at)
        self.clocks.meet("resolve", at)
        self._stop_clocks(at)

    def _stop_clocks(self, at: datetime) -> None:
        """A finished complaint waits on nobody; its clocks are no longer watched (see next_check)."""
        if self.clocks.paused:
            self.clocks.end_pause(at)

    def next_check(self) -> datetime | None:
        """When the SLA scanner should look at this complaint next (never once it is finished)."""
        return None if self.status in workflow.TERMINAL else self.clocks.next_check()

    def wait_on_customer(self, at: datetime, actor: str, reason: str) -> None:
        """Pause every SLA clock until the customer answers."""
        if self.status in workflow.TERMINAL:
            raise StepNotAllowed("pause", self.status, [])
        if self.clocks.paused:
            raise StepNotAllowed("pause", self.status, ["resume"], "it is already waiting on the customer")
        self.clocks.pause(at)
        self.happened.append(Happened("pause", at, actor, self.status, self.status, {"reason": reason}))
        self.updated_at = at

    def resume(self, calendar: BusinessCalendar, at: datetime, actor: str) -> None:
        """The customer answered: the clocks run again, every running deadline later by the paused time."""
        if not self.clocks.paused:
            raise StepNotAllowed("resume", self.status, ["pause"] if self.status not in workflow.TERMINAL else [],
                                 "it is not waiting on the customer")
        self.clocks.resume(calendar, at)
        self.happened.append(Happened("resume", at, actor, self.status, self.status))
        self.updated_at = at

    def record_survey(self, rules: Rules, at: datetime, actor: str, answers: dict[str, Any]) -> None:
        """The satisfaction survey of this resolution (one per resolution round) [002 L1150]."""
        if self.status not in SURVEY_STATUSES:
            raise StepNotAllowed("record a survey on", self.status, self.allowed_next(rules),
                                 "a survey follows the resolution: it may be recorded in the statuses "
                                 f"{', '.join(SURVEY_STATUSES)}")
        if self.surveyed_round == self.round:
            raise StepNotAllowed("record a survey on", self.status, self.allowed_next(rules),
                                 f"resolution round {self.round} already has its survey (one per resolution)")
        self.surveyed_round = self.round
        self.happened.append(Happened("survey", at, actor, self.status, self.status, dict(answers),
                                      event="survey_recorded", event_data=dict(answers)))
        self.updated_at = at

    # -- escalation and the SLA scan -----------------------------------------------------------------

    def escalate(self, at: datetime, actor: str, level: str, reason: str, target: str | None,
                 contacts: Contacts = nobody) -> None:
        if self.escalation_level is not None:
            level = max(level, self.escalation_level, key=LEVELS.index)
        self.escalation_level = level
        self.escalated_to = contacts(self.store_id, level)
        told = {"level": level, "reason": reason, "target": target, "escalated_to": self.escalated_to}
        self.happened.append(Happened("escalate", at, actor, self.status, self.status, dict(told),
                                      event="escalated", event_data=told))

    # -- corrections (complaint.domain.corrections) --------------------------------------------------

    def correct(self, calendar: BusinessCalendar, at: datetime, actor: str, values: dict[str, Any], reason: str,
                policy: SlaPolicy | None = None, contacts: Contacts = nobody) -> dict[str, list[Any]]:
        """Correct what the complaint was filed with; the changes {field: [old, new]} (see corrections.correct)."""
        return corrections.correct(self, calendar, at, actor, values, reason, policy, contacts)

    def check_sla(self, now: datetime, contacts: Contacts = nobody) -> None:
        """Warn about targets near their deadline; breach and escalate (one level up) the missed ones."""
        for what, name in self.clocks.due(now):
            target = self.clocks.targets[name]
            if target.due_at is None:  # the clocks name armed targets only, and an armed target has a due time
                raise ValueError(f"SLA target {name} is due without a due time")
            if what == "warned":
                self.happened.append(Happened("sla_warning", now, SCANNER, self.status, self.status,
                                              {"target": name}, event="sla_warned",
                                              event_data={"target": name, "due_at": target.due_at}))
                continue
            self.happened.append(Happened("sla_breach", now, SCANNER, self.status, self.status,
                                          {"target": name, "due_at": target.due_at.isoformat()},
                                          event="sla_breached", event_data={"target": name, "due_at": target.due_at}))
            up = LEVELS[0] if self.escalation_level is None else LEVELS[
                min(LEVELS.index(self.escalation_level) + 1, len(LEVELS) - 1)]
            self.escalate(now, SCANNER, up, f"SLA target {name} missed (due {target.due_at.isoformat()})", name,
                           contacts)
        if self.happened:
            self.updated_at = now
