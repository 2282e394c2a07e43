"""The seven-step workflow as a state machine [000 客户投诉处理流程; 002 L1240]:

    filed → acknowledged → assigned → in_progress → resolved → callback → closed
    resolved / callback → reopened → assigned     (the customer is not satisfied)
    filed / acknowledged / assigned / in_progress → rejected     (not upheld, findings returned)

`start` is optional: a department may resolve straight from `assigned`. Reassignment is `assign` again
while assigned or in progress. Each action is named as its URL segment (POST /complaints/{id}/<action>).
"""
from __future__ import annotations

#: action -> (statuses it may be taken from, status after it)
MOVES: dict[str, tuple[frozenset[str], str]] = {
    "acknowledge": (frozenset({"filed"}), "acknowledged"),
    "assign": (frozenset({"acknowledged", "assigned", "in_progress", "reopened"}), "assigned"),
    "start": (frozenset({"assigned"}), "in_progress"),
    "resolve": (frozenset({"assigned", "in_progress"}), "resolved"),
    "callbacks": (frozenset({"resolved", "callback"}), "callback"),
    "close": (frozenset({"callback"}), "closed"),
    "reopen": (frozenset({"resolved", "callback"}), "reopened"),
    "reject": (frozenset({"filed", "acknowledged", "assigned", "in_progress"}), "rejected"),
}
ACTIONS = tuple(MOVES)
TERMINAL = frozenset({"closed", "rejected"})

#: How the refusal names an action ("Cannot <words> a complaint that is …").
WORDS = {"callbacks": "record a callback on", "start": "start work on"}


def moves_from(status: str) -> list[str]:
    """The actions whose source statuses include `status`, in workflow order (guards not checked)."""
    return [action for action, (sources, _) in MOVES.items() if status in sources]


def target_status(action: str) -> str:
    """The status after `action`."""
    return MOVES[action][1]
