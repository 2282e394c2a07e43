"""Kinds and stages: defaults, what fits together, and a delivery making a prospect an owner."""
import pytest
from customer.domain import lifecycle
from customer.domain.customers import shape
from customer.domain.errors import InvalidFields


@pytest.mark.parametrize("kind,stage", [("prospect", "prospect"), ("owner", "owner")])
def test_new_customer_stage_defaults_from_kind(kind, stage):
    assert lifecycle.settle(None, None, kind, None) == (kind, stage)


def test_a_lead_is_a_prospect_at_an_early_stage():
    assert lifecycle.settle(None, None, "prospect", "lead") == ("prospect", "lead")


@pytest.mark.parametrize("kind,stage", [("prospect", "owner"), ("prospect", "loyal"), ("owner", "lead"),
                                        ("owner", "prospect")])
def test_stage_must_fit_the_kind(kind, stage):
    with pytest.raises(InvalidFields) as caught:
        lifecycle.settle(None, None, kind, stage)
    assert "stage" in caught.value.errors


def test_an_owner_never_becomes_a_prospect_again():
    with pytest.raises(InvalidFields) as caught:
        lifecycle.settle("owner", "loyal", "prospect", None)
    assert "kind" in caught.value.errors


def test_turning_a_prospect_into_an_owner_moves_the_stage_along():
    assert lifecycle.settle("prospect", "prospect", "owner", None) == ("owner", "owner")
    assert lifecycle.settle("prospect", "lost", "owner", None) == ("owner", "lost")


@pytest.mark.parametrize("before,after", [
    (("prospect", "lead"), ("owner", "owner")),
    (("prospect", "prospect"), ("owner", "owner")),
    (("prospect", "lost"), ("owner", "owner")),
    (("owner", "loyal"), ("owner", "loyal")),
    (("owner", "owner"), ("owner", "owner")),
    (("owner", "lost"), ("owner", "owner")),
])
def test_delivery(before, after):
    assert lifecycle.after_delivery(*before) == after


def test_only_prospects_have_an_intent_grade():
    lifecycle.check_intent_grade("prospect", "H")
    lifecycle.check_intent_grade("owner", None)
    with pytest.raises(InvalidFields):
        lifecycle.check_intent_grade("owner", "A")


def test_shape_of_a_new_customer_grants_no_consent_unless_given_and_sorts_tags():
    customer = shape(None, {"name": "李娜", "phone": "13800138000", "kind": "owner",
                            "phones": ["13800138000", "13900139000"], "tags": ["VIP", "VIP", "老客户"],
                            "consent": {"sms": True}})
    assert customer["phone"] == "+8613800138000"
    assert customer["phones"] == ["+8613900139000"]  # the primary is not repeated
    assert customer["tags"] == ["VIP", "老客户"]
    assert customer["consent"] == {"sms": True, "phone": False, "email": False, "wechat": False}
    assert customer["stage"] == "owner"


def test_consent_is_edited_flag_by_flag_and_null_withdraws_all():
    current = shape(None, {"name": "a", "phone": "13800138000", "kind": "owner",
                           "consent": {"sms": True, "email": True}})
    assert shape(current, {"consent": {"phone": True}})["consent"] == {"sms": True, "phone": True, "email": True,
                                                                      "wechat": False}
    assert shape(current, {"consent": {"wechat": True}})["consent"]["wechat"] is True
    assert shape(current, {"consent": None})["consent"] == {"sms": False, "phone": False, "email": False,
                                                            "wechat": False}
