"""Personal data rights (PIPL art. 44–47, GDPR art. 15–17): what is personal, and how it is erased.

Erasure keeps the customer's id and the anonymous figures (kind, stage, store, tier, points, visits and
their amounts) so reports stay true, and removes or masks everything that tells who the person is.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from customer.domain.customers import NO_CONSENT
from customer.domain.errors import Conflict

#: What an erased customer is called (the name column cannot be empty).
ERASED_NAME = "[erased]"
#: What replaces a personal value kept in history.
MASK = "[erased]"
#: Customer fields that tell who the person is, and what each becomes.
PERSONAL_FIELDS: Mapping[str, Any] = {
    "name": ERASED_NAME, "phone": None, "phones": [], "gender": None, "birthday": None, "email": None,
    "address": None, "employer": None, "job_title": None, "notes": None, "tags": [], "quiet_hours": None,
    "external_id": None, "blacklist_reason": None, "wechat_openid": None,
}
#: Fields of an asset that identify its owner: the plate, the VIN (freed for the vehicle's next owner).
PERSONAL_ASSET_FIELDS = ("plate", "plate_key", "vin", "description", "void_reason")
#: Free text of a visit about the person.
PERSONAL_VISIT_FIELDS = ("notes", "void_reason")
#: Why a visit or an asset was corrected or voided: free text that may name the person.
FREE_TEXT_REASONS = frozenset({"reason"})
#: The consent channels: an erased customer is contacted on none.
CONSENT_CHANNELS = tuple(NO_CONSENT)


def _coarse(region: Mapping[str, Any] | None) -> dict[str, Any] | None:
    return {key: region.get(key) for key in ("province", "city")} if region else None


def erased_customer(customer: Mapping[str, Any]) -> dict[str, Any]:
    """The customer's fields once erased: personal ones removed, consent withdrawn, region kept to the city."""
    return {**customer, **PERSONAL_FIELDS, "consent": dict(NO_CONSENT), "region": _coarse(customer.get("region"))}


#: Keys whose values are masked wherever they appear in history (a customer's fields, an asset's summary).
_PERSONAL_KEYS = (frozenset(PERSONAL_FIELDS) | {"region"} | set(PERSONAL_ASSET_FIELDS) | set(PERSONAL_VISIT_FIELDS)
                  | FREE_TEXT_REASONS)


#: Values whose keys look personal but are not: consent flags are named after the channels (phone, email).
_NOT_PERSONAL = frozenset({"consent"})


def _mask(value: Any) -> Any:
    return None if value in (None, [], {}) else MASK


def _scrub(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {key: _mask(item) if key in _PERSONAL_KEYS else item if key in _NOT_PERSONAL else _scrub(item)
                for key, item in value.items()}
    if isinstance(value, list):
        return [_scrub(item) for item in value]
    return value


def scrub_changes(changes: Mapping[str, Any]) -> dict[str, Any]:
    """A history entry's {field: [old, new]} with the values of personal fields masked, nested ones too
    (the plate and VIN in an asset's registration)."""
    return {field: [_mask(value) for value in values] if field in _PERSONAL_KEYS
            else values if field in _NOT_PERSONAL else _scrub(values) for field, values in changes.items()}


def scrub_event_data(data: Mapping[str, Any]) -> dict[str, Any]:
    """An event's `data` about the customer with the personal values removed, its shape kept valid.

    The outbox is the service's event history (replayed to rebuild read models), so an erasure must
    reach it too: a replay then carries the anonymous figures and no person.
    """
    scrubbed: dict[str, Any] = {}
    for key, value in data.items():
        if key in _NOT_PERSONAL:
            scrubbed[key] = value
        elif key == "changes" and isinstance(value, Mapping):
            scrubbed[key] = scrub_changes(value)
        elif key in PERSONAL_FIELDS:
            scrubbed[key] = PERSONAL_FIELDS[key]
        elif key in PERSONAL_ASSET_FIELDS or key in PERSONAL_VISIT_FIELDS:
            scrubbed[key] = None
        elif key in FREE_TEXT_REASONS:
            scrubbed[key] = None if value is None else MASK  # a reason stays a reason, without its words
        elif key == "region" and isinstance(value, Mapping):
            scrubbed[key] = _coarse(value)
        elif isinstance(value, Mapping):
            scrubbed[key] = scrub_event_data(value)
        else:
            scrubbed[key] = value
    return scrubbed


def refuse_erased(customer: Mapping[str, Any]) -> None:
    """Raise Conflict when the customer was erased: nothing may be added about the person again."""
    if customer.get("erased_at") is not None:
        raise Conflict(f"The customer was erased at {customer['erased_at'].isoformat()}; an erased customer can be "
                       "read but no longer changed.", erased_at=customer["erased_at"].isoformat())
