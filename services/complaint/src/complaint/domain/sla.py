"""SLA targets in working time: policies per category and severity, and each complaint's clocks.

Seed defaults [002 L1240]: reply to the customer within 5 working days (step 1: "向客户承诺在5个工作日内给与答复"),
the responsible department answers within 3 working days (step 3), first callback within 5 working days
after the remedy (step 6). Acknowledgement is not in the seeds: one working day by default.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from complaint.domain.calendar import BusinessCalendar, Pause
from complaint.domain.vocabulary import TARGETS

ANY = "*"
#: One working day, in minutes, of the default calendar (8 hours).
DAY = 8 * 60


@dataclass(frozen=True)
class SlaPolicy:
    """Targets in working minutes for a category and severity (ANY matches every value)."""

    category: str
    severity: str
    acknowledge_minutes: int = 1 * DAY
    respond_minutes: int = 3 * DAY
    resolve_minutes: int = 5 * DAY
    first_callback_minutes: int = 5 * DAY
    #: Warn when this share of a target's working time is left (20: with a fifth left).
    warn_percent: int = 20

    def minutes(self, target: str) -> int:
        """The working minutes allowed for `target`."""
        return getattr(self, f"{target}_minutes")


DEFAULT_POLICY = SlaPolicy(ANY, ANY)


def choose_policy(policies: list[SlaPolicy], category: str, severity: str) -> SlaPolicy:
    """The most specific policy for `category` and `severity`: exact, then category, then severity, then any."""
    ranked = {(p.category, p.severity): p for p in policies}
    for key in ((category, severity), (category, ANY), (ANY, severity), (ANY, ANY)):
        if key in ranked:
            return ranked[key]
    return DEFAULT_POLICY


@dataclass
class Target:
    """One SLA clock of a complaint. Unarmed (minutes None) until its start event happens."""

    minutes: int | None = None
    warn_minutes: int = 0
    started_at: datetime | None = None
    due_at: datetime | None = None
    warn_at: datetime | None = None
    met_at: datetime | None = None
    breached: bool = False
    warned: bool = False

    @property
    def running(self) -> bool:
        """Armed and not met yet."""
        return self.minutes is not None and self.met_at is None

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (times as ISO strings)."""
        return {"minutes": self.minutes, "warn_minutes": self.warn_minutes, "started_at": _iso(self.started_at),
                "due_at": _iso(self.due_at), "warn_at": _iso(self.warn_at), "met_at": _iso(self.met_at),
                "breached": self.breached, "warned": self.warned}

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Target:
        """The target stored by to_json."""
        values = dict(raw)
        for key in _TIMES:
            if values.get(key):
                values[key] = datetime.fromisoformat(values[key])
        return cls(**values)


#: The fields of a Target that are moments (ISO strings in JSON).
_TIMES = ("started_at", "due_at", "warn_at", "met_at")


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


@dataclass
class Clocks:
    """Every target of one complaint, and the pauses during which none of them runs."""

    targets: dict[str, Target] = field(default_factory=lambda: {name: Target() for name in TARGETS})
    pauses: list[Pause] = field(default_factory=list)

    @property
    def paused(self) -> bool:
        """True while waiting on the customer."""
        return bool(self.pauses) and self.pauses[-1].end is None

    def arm(self, calendar: BusinessCalendar, name: str, at: datetime, minutes: int, warn_percent: int) -> None:
        """Start `name`'s clock at `at` with a budget of `minutes` working minutes."""
        self.targets[name] = Target(minutes=minutes, warn_minutes=minutes * warn_percent // 100, started_at=at)
        self._schedule(calendar, name)

    def disarm(self, name: str) -> None:
        """Forget `name`'s clock (it starts again at its next start event)."""
        self.targets[name] = Target()

    def meet(self, name: str, at: datetime) -> bool:
        """Mark a running target met at `at`; False when it was not running."""
        target = self.targets[name]
        if not target.running:
            return False
        target.met_at = at
        return True

    def pause(self, at: datetime) -> None:
        """Stop every clock (deadlines become unknown until resume)."""
        self.pauses.append(Pause(at))
        for target in self.targets.values():
            if target.running:
                target.due_at = target.warn_at = None

    def end_pause(self, at: datetime) -> None:
        """Close the open pause at `at` without scheduling anything (the complaint is finished)."""
        self.pauses[-1] = replace(self.pauses[-1], end=at)

    def resume(self, calendar: BusinessCalendar, at: datetime) -> None:
        """Run the clocks again; every running deadline moves later by the working time paused."""
        self.end_pause(at)
        for name, target in self.targets.items():
            if target.running:
                self._schedule(calendar, name)

    def reschedule(self, calendar: BusinessCalendar, name: str) -> None:
        """Count a running target's deadline again from its start (after its budget changed)."""
        self._schedule(calendar, name)

    def _schedule(self, calendar: BusinessCalendar, name: str) -> None:
        target = self.targets[name]
        if target.minutes is None or target.started_at is None:  # only a running target has a deadline
            raise ValueError(f"SLA target {name} is not running: it has no deadline to count")
        pauses = [pause for pause in self.pauses if pause.end is None or pause.end > target.started_at]
        target.due_at = calendar.deadline(target.started_at, timedelta(minutes=target.minutes), pauses)
        target.warn_at = calendar.deadline(
            target.started_at, timedelta(minutes=target.minutes - target.warn_minutes), pauses)

    def next_check(self) -> datetime | None:
        """The next moment a running target needs looking at (a warning or a breach), or None."""
        moments = []
        for target in self.targets.values():
            if not target.running or target.breached:
                continue
            if not target.warned and target.warn_minutes and target.warn_at is not None:
                moments.append(target.warn_at)
            if target.due_at is not None:
                moments.append(target.due_at)
        return min(moments, default=None)

    def due(self, now: datetime) -> list[tuple[str, str]]:
        """What is due at `now`: ("breached" | "warned", target) for each target newly over its line.

        Marks them, so asking again at the same moment returns nothing (exactly once per target and round).
        """
        found = []
        for name, target in self.targets.items():
            if not target.running or target.breached:
                continue
            if target.due_at is not None and target.due_at <= now:
                target.breached = target.warned = True
                found.append(("breached", name))
            elif not target.warned and target.warn_minutes and target.warn_at is not None and target.warn_at <= now:
                target.warned = True
                found.append(("warned", name))
        return found

    def figures(self) -> dict[str, dict[str, Any]]:
        """Per target: due_at, met_at, breached (what the events and the API show)."""
        return {name: {"due_at": t.due_at, "met_at": t.met_at, "breached": t.breached}
                for name, t in self.targets.items()}

    def standing(self, calendar: BusinessCalendar, now: datetime) -> dict[str, dict[str, Any]]:
        """The figures as they stand at `now`, for a person reading them: besides each target's figures, whether
        its warning line is passed and the working minutes left until it is due (negative once overdue; null
        when its clock is not running), counted on the business calendar, holidays and pauses left out."""
        shown = self.figures()
        for name, target in self.targets.items():
            due = target.due_at if target.running else None
            warned = target.warned or bool(due and target.warn_minutes and target.warn_at and target.warn_at <= now)
            left = None
            if due is not None:
                span = calendar.working_time_excluding(min(now, due), max(now, due), self.pauses)
                left = int(span.total_seconds() // 60) * (1 if due >= now else -1)
            shown[name].update(warned=warned or target.breached, working_minutes_left=left)
        return shown

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {"targets": {name: target.to_json() for name, target in self.targets.items()},
                "pauses": [[p.start.isoformat(), p.end.isoformat() if p.end else None] for p in self.pauses]}

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Clocks:
        """The clocks stored by to_json."""
        return cls(targets={name: Target.from_json(value) for name, value in raw["targets"].items()},
                   pauses=[Pause(datetime.fromisoformat(start), datetime.fromisoformat(end) if end else None)
                           for start, end in raw["pauses"]])
