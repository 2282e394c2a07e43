"""Kinds and stages of a customer, and how they may move.

A prospect (A卡, 意向客户) becomes an owner (C卡, 保有客户) when a car is delivered; the lifecycle is
lead -> prospect -> owner -> loyal, or lost at any point.
"""
from __future__ import annotations

from customer.domain.errors import InvalidFields

KINDS = ("prospect", "owner")
STAGES = ("lead", "prospect", "owner", "loyal", "lost")
INTENT_GRADES = ("H", "A", "B", "C")

#: The stages that make sense for each kind: a prospect has bought nothing yet, an owner has.
STAGES_OF_KIND = {"prospect": ("lead", "prospect", "lost"), "owner": ("owner", "loyal", "lost")}
DEFAULT_STAGE = {"prospect": "prospect", "owner": "owner"}


def settle(current_kind: str | None, current_stage: str | None,
           kind: str | None, stage: str | None) -> tuple[str, str]:
    """The (kind, stage) a customer ends with when `kind`/`stage` are asked for (None = unchanged).

    Raises InvalidFields when an owner is turned back into a prospect or the stage does not fit the kind.
    """
    new_kind = kind or current_kind
    if new_kind is None:
        raise InvalidFields.one("kind", "A customer needs a kind: prospect or owner.")
    if current_kind == "owner" and new_kind == "prospect":
        raise InvalidFields.one("kind", "An owner cannot become a prospect again; set the stage to 'lost' "
                                        "if they no longer buy from us.")
    if stage is not None:
        new_stage = stage
    elif current_stage in STAGES_OF_KIND[new_kind]:
        new_stage = current_stage
    else:
        new_stage = DEFAULT_STAGE[new_kind]
    if new_stage not in STAGES_OF_KIND[new_kind]:
        raise InvalidFields.one("stage", f"A {new_kind} can only be at stage "
                                         f"{', '.join(STAGES_OF_KIND[new_kind])}, not {new_stage!r}.")
    return new_kind, new_stage


def after_delivery(kind: str, stage: str) -> tuple[str, str]:
    """A delivery (交车) turns a prospect into an owner; an owner stays as they are."""
    if kind == "owner" and stage in STAGES_OF_KIND["owner"] and stage != "lost":
        return kind, stage
    return "owner", "owner"


def check_intent_grade(kind: str, grade: str | None) -> None:
    """Only prospects carry an intent grade (how soon they will buy)."""
    if grade is not None and kind != "prospect":
        raise InvalidFields.one("intent_grade", "Only prospects have an intent grade.")
