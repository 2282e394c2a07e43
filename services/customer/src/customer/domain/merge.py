"""Merging two records of the same person: which value of each field the survivor keeps.

Nothing is dropped silently: phones and tags are the union of both, notes are joined, a risk flag
(blacklist) or key-customer flag on either side stays, points add up; every other field keeps the
survivor's value unless it is empty or the caller chose the merged record's. A field where both
records hold different values is reported as a conflict, with the side that won, so a dry run shows
exactly what the merge will do.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from customer.domain.changes import jsonable
from customer.domain.customers import EDITABLE_FIELDS, shape
from customer.domain.errors import Conflict, InvalidFields

SURVIVOR, MERGED, BOTH = "survivor", "merged", "both"
#: Fields that take both records' values: never a choice.
UNITED = ("phones", "tags")
#: Free text joined by default (a choice of one side is allowed).
JOINED = ("notes", "blacklist_reason")
#: Flags that stay set if either record has them (a blacklisted duplicate must not launder its record).
EITHER = ("key_customer", "blacklisted")
#: Counters that add up.
SUMMED = ("points_balance",)
CHOOSABLE = tuple(f for f in EDITABLE_FIELDS if f not in UNITED) + JOINED[1:] + ("credit_limit",)
_SEPARATOR = "\n——\n"


@dataclass(frozen=True)
class MergePlan:
    """The survivor's fields after the merge, and each field where the two records disagreed."""

    result: dict[str, Any]
    conflicts: dict[str, dict[str, Any]]


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def check_choices(choices: Mapping[str, str]) -> None:
    """InvalidFields naming each choice of an unknown field or side."""
    errors: dict[str, list[str]] = {}
    for field, side in choices.items():
        if field not in CHOOSABLE:
            errors[f"choices.{field}"] = [f"{field} cannot be chosen; choose among {', '.join(CHOOSABLE)} "
                                          f"({', '.join(UNITED)} always keep both records' values)."]
        elif side not in (SURVIVOR, MERGED) and not (side == BOTH and field in JOINED):
            allowed = (SURVIVOR, MERGED, BOTH) if field in JOINED else (SURVIVOR, MERGED)
            errors[f"choices.{field}"] = [f"Choose one of {', '.join(allowed)}."]
    if errors:
        raise InvalidFields(errors)


def _pick(field: str, survivor: Mapping[str, Any], merged: Mapping[str, Any], choice: str | None) -> tuple[Any, str]:
    mine, theirs = survivor.get(field), merged.get(field)
    if field in SUMMED:
        return (mine or 0) + (theirs or 0), BOTH
    if field in EITHER:
        return bool(mine) or bool(theirs), BOTH
    if field in JOINED and choice in (None, BOTH) and not _empty(mine) and not _empty(theirs) and mine != theirs:
        return f"{mine}{_SEPARATOR}{theirs}", BOTH
    if choice == MERGED or (choice is None and _empty(mine) and not _empty(theirs)):
        return theirs, MERGED
    return mine, SURVIVOR


def _kind_and_stage(survivor: Mapping[str, Any], merged: Mapping[str, Any], choices: Mapping[str, str]) -> dict:
    """An owner stays an owner: unless chosen, the kind is owner when either record is one."""
    if "kind" in choices:
        kind = (merged if choices["kind"] == MERGED else survivor)["kind"]
        if kind == "prospect" and "owner" in (survivor["kind"], merged["kind"]):
            raise InvalidFields.one("choices.kind", "One of the records is an owner (bought from us): the merged "
                                                    "customer is an owner too.")
    else:
        kind = "owner" if "owner" in (survivor["kind"], merged["kind"]) else survivor["kind"]
    if "stage" in choices:
        stage = (merged if choices["stage"] == MERGED else survivor)["stage"]
    else:
        stage = next(side["stage"] for side in (survivor, merged, {"kind": kind, "stage": None})
                     if side["kind"] == kind)
    return {"kind": kind, "stage": stage}


def _picked(survivor: Mapping[str, Any], merged: Mapping[str, Any], choices: Mapping[str, str]
            ) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """(each field but kind and stage as the merge keeps it, {field: both values and the side kept} where the
    records differ)."""
    result: dict[str, Any] = {}
    conflicts: dict[str, dict[str, Any]] = {}
    fields = [f for f in (*EDITABLE_FIELDS, *JOINED, *EITHER, *SUMMED, "credit_limit")
              if f in survivor and f not in UNITED and f not in ("kind", "stage")]
    for field in dict.fromkeys(fields):
        value, side = _pick(field, survivor, merged, choices.get(field))
        result[field] = value
        mine, theirs = jsonable(survivor.get(field)), jsonable(merged.get(field))
        if not _empty(mine) and not _empty(theirs) and mine != theirs and field not in SUMMED:
            conflicts[field] = {"survivor": mine, "merged": theirs, "kept": side}
    return result, conflicts


def plan(survivor: Mapping[str, Any], merged: Mapping[str, Any], choices: Mapping[str, str]) -> MergePlan:
    """What the survivor looks like after absorbing `merged`, the fields chosen by `choices` taken from it.

    Raises InvalidFields (on `choices.<field>`) for a choice that is unknown or gives an impossible record.
    """
    check_choices(choices)
    result, conflicts = _picked(survivor, merged, choices)
    result.update(_kind_and_stage(survivor, merged, choices))
    for field in ("kind", "stage"):
        if survivor[field] != merged[field]:
            conflicts[field] = {"survivor": survivor[field], "merged": merged[field],
                                "kept": SURVIVOR if result[field] == survivor[field] else MERGED}
    if result["kind"] != "prospect":
        result["intent_grade"] = None  # only prospects have one
    numbers = [survivor["phone"], *survivor["phones"], merged["phone"], *merged["phones"]]
    result["phones"] = [n for n in dict.fromkeys(numbers) if n != result["phone"]]
    result["tags"] = sorted({*survivor["tags"], *merged["tags"]})
    try:
        editable = shape(None, {field: result[field] for field in EDITABLE_FIELDS})
    except InvalidFields as exc:
        raise InvalidFields({f"choices.{field}": messages for field, messages in exc.errors.items()}) from None
    return MergePlan({**result, **editable}, conflicts)


def refuse_merged(customer: Mapping[str, Any], survivor_id: str | None = None) -> None:
    """Raise Conflict naming the survivor when the customer was merged into another record.

    A write to the tombstone would be hidden from everyone (and an undo restores the tombstone as it was);
    one sent on to the survivor silently could change a record, maybe of another store, the caller never
    looked at. So the caller is told which record now stands for the person and writes there.
    `survivor_id` is the last record of a chain of merges when the caller knows it.
    """
    if customer.get("merged_into"):
        survivor = survivor_id or customer["merged_into"]
        raise Conflict(f"Customer {customer['id']} was merged into {survivor}; write to that customer instead.",
                       customer_id=customer["id"], survivor_id=survivor)
