"""A customer's fields and the rules that shape a new or edited customer record."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from uuid6 import uuid7

from customer.domain import grading, lifecycle
from customer.domain.errors import InvalidFields
from customer.domain.phones import InvalidPhone, normalise_phone


def new_customer_id() -> str:
    """A new customer's id: a UUID that starts with the time it was made (version 7, RFC 9562), so that the
    indexes led by a customer's id grow at their end instead of anywhere (a tenth off a bulk import's time)."""
    return str(uuid7())


#: Fields a client may set (and see change in history and events).
EDITABLE_FIELDS = (
    "name", "phone", "phones", "kind", "stage", "gender", "birthday", "email", "address", "region",
    "industry", "employer", "job_title", "source", "owner", "deputy_owner", "tags", "notes", "intent_grade",
    "wanted_model", "consent", "quiet_hours", "external_id",
    "store_id", "key_customer", "blacklisted", "blacklist_reason", "credit_limit", "purchase_type",
    "wechat_openid",
)
#: How the customer came to buy (a prospects-report dimension): 首次购车, 增购 (one more car), 换购 (trade-in).
PURCHASE_TYPES = ("first", "additional", "replacement")
#: Consent is opt-in (PIPL art. 14): a channel not granted is not granted. A customer stored before a channel
#: existed (WeChat, 微信) has not granted it either.
NO_CONSENT = {"sms": False, "phone": False, "email": False, "wechat": False}
#: The customer's openid with the dealership's WeChat official account (公众号), as WeChat gives it: what a
#: template message is sent to. Visible ASCII (letters, digits, - and _ in practice), no spaces.
WECHAT_OPENID_LENGTH = 128


def is_wechat_openid(value: str) -> bool:
    """Whether `value` may be an openid: 1 to WECHAT_OPENID_LENGTH visible ASCII characters, nothing else."""
    return 0 < len(value) <= WECHAT_OPENID_LENGTH and all("!" <= char <= "~" for char in value)


def with_every_channel(consent: Mapping[str, Any] | None) -> dict[str, bool]:
    """A stored consent with every channel named, those it does not name (newer than it) not granted."""
    return {**NO_CONSENT, **(consent or {})}


def _normalised(values: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """`values` with the phones that could be read in E.164 (duplicates dropped), and each bad one's error."""
    result = dict(values)
    errors: dict[str, list[str]] = {}
    if result.get("phone") is not None:
        try:
            result["phone"] = normalise_phone(result["phone"])
        except InvalidPhone as exc:
            errors["phone"] = [str(exc)]
    if result.get("phones") is not None:
        extra: list[str] = []
        for index, raw in enumerate(result["phones"]):
            try:
                number = normalise_phone(raw)
            except InvalidPhone as exc:
                errors[f"phones.{index}"] = [str(exc)]
                continue
            if number not in extra:
                extra.append(number)
        result["phones"] = extra
    return result, errors


def normalise_phones(values: Mapping[str, Any]) -> dict[str, Any]:
    """`values` with `phone` and `phones` in E.164, duplicates dropped; InvalidFields names each bad one."""
    result, errors = _normalised(values)
    if errors:
        raise InvalidFields(errors)
    return result


def shape(current: Mapping[str, Any] | None, requested: Mapping[str, Any]) -> dict[str, Any]:
    """The customer's editable fields after applying `requested` to `current` (None for a new one).

    Enforces the kind/stage rules, the prospect-only intent grade and opt-in consent, and keeps the
    primary phone out of the list of extra phones. InvalidFields names every field that breaks a rule.
    """
    base = dict(current or {})
    changes, errors = _normalised(requested)
    try:
        kind, stage = lifecycle.settle(base.get("kind"), base.get("stage"), changes.get("kind"),
                                       changes.get("stage"))
    except InvalidFields as exc:
        errors.update(exc.errors)
        kind, stage = None, None  # unknown: the rules that depend on the kind are not judged
    merged = {**base, **changes, "kind": kind, "stage": stage}
    if "intent_grade" in changes and kind is not None:
        _gather(errors, lifecycle.check_intent_grade, kind, changes["intent_grade"])
    elif kind == "owner":
        merged["intent_grade"] = None  # a prospect who became an owner is no longer graded on intent
    _settle_lists(merged, base, changes)
    _gather(errors, grading.settle_lists, merged)
    if errors:
        raise InvalidFields(errors)
    return {field: merged.get(field) for field in EDITABLE_FIELDS}


def _settle_lists(merged: dict[str, Any], base: Mapping[str, Any], changes: Mapping[str, Any]) -> None:
    """The extra phones without the primary one, the tags once each in order, and consent flag by flag."""
    merged["phones"] = [number for number in merged.get("phones") or [] if number != merged.get("phone")]
    merged["tags"] = sorted(set(merged.get("tags") or []))
    # consent is edited flag by flag; sending null withdraws every one
    granted = {} if "consent" in changes and changes["consent"] is None else (base.get("consent") or {})
    merged["consent"] = {**NO_CONSENT, **granted, **(changes.get("consent") or {})}


def errors_judged_alone(values: Mapping[str, Any], creating: bool) -> dict[str, list[str]]:
    """What the rules find wrong in `values` without the stored record: every rule of a new customer
    (`creating`), only the phones of an edit (the other rules of an edit need the record as it is)."""
    if not creating:
        return _normalised(values)[1]
    try:
        shape(None, values)
    except InvalidFields as exc:
        return exc.errors
    return {}


def _gather(errors: dict[str, list[str]], check: Callable[..., Any], *args: Any) -> None:
    try:
        check(*args)
    except InvalidFields as exc:
        errors.update(exc.errors)
