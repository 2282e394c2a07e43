"""Rules of grading and lists, balanced reassignment, and what erasure keeps and removes."""
import pytest
from customer.domain.errors import InvalidFields
from customer.domain.grading import balance, settle_lists
from customer.domain.privacy import MASK, erased_customer, scrub_changes, scrub_event_data
from hypothesis import given
from hypothesis import strategies as st


def test_customers_go_to_whoever_has_fewest_first_ties_to_the_first_named():
    plan = balance(["c1", "c2", "c3", "c4"], ["a", "b"], {"a": 1})
    assert plan == {"c1": "b", "c2": "a", "c3": "b", "c4": "a"}


def test_nobody_becomes_owner_and_deputy_of_the_same_customer_when_another_will_do():
    assert balance(["c1"], ["a", "b"], {}, avoid={"c1": "a"}) == {"c1": "b"}
    assert balance(["c1"], ["a"], {}, avoid={"c1": "a"}) == {"c1": "a"}  # the only one there is


def test_reassignment_needs_someone_to_take_the_customers():
    with pytest.raises(InvalidFields):
        balance(["c1"], [], {})


@given(customers=st.integers(min_value=0, max_value=60),
       loads=st.lists(st.integers(min_value=0, max_value=20), min_size=1, max_size=6))
def test_the_result_is_as_even_as_it_can_be(customers, loads):
    names = [f"u{i}" for i in range(len(loads))]
    plan = balance([f"c{i}" for i in range(customers)], names, dict(zip(names, loads, strict=True)))
    final = [load + list(plan.values()).count(name) for name, load in zip(names, loads, strict=True)]
    taking = [name for name, load in zip(names, loads, strict=True) if list(plan.values()).count(name)]
    # nobody who took a customer ends more than one above anyone else
    assert all(final[names.index(name)] <= min(final) + 1 for name in taking)
    assert len(plan) == customers


def test_a_blacklisting_needs_a_reason_and_flags_default_off():
    assert settle_lists({}) == {"key_customer": False, "blacklisted": False, "blacklist_reason": None}
    with pytest.raises(InvalidFields):
        settle_lists({"blacklisted": True, "blacklist_reason": "  "})
    assert settle_lists({"blacklisted": False, "blacklist_reason": "old"})["blacklist_reason"] is None


def test_erasure_keeps_figures_and_the_city_but_not_the_person():
    customer = {"id": "x", "name": "张三", "phone": "+8613800138000", "phones": ["+861065529988"], "kind": "owner",
                "tier": "gold", "points_balance": 900, "store_id": "sz01", "email": "a@b.cn", "tags": ["VIP"],
                "region": {"province": "广东省", "city": "深圳市", "district": "南山区"},
                "consent": {"sms": True, "phone": True, "email": True}}
    erased = erased_customer(customer)
    assert (erased["kind"], erased["tier"], erased["points_balance"], erased["store_id"]) == ("owner", "gold", 900,
                                                                                             "sz01")
    assert erased["name"] == "[erased]" and erased["phone"] is None and erased["phones"] == []
    assert erased["email"] is None and erased["tags"] == []
    assert erased["region"] == {"province": "广东省", "city": "深圳市"}
    assert not any(erased["consent"].values())


def test_history_keeps_what_changed_but_not_the_personal_values():
    changes = {"name": ["张三", "张叁"], "stage": ["prospect", "owner"], "email": [None, "a@b.cn"],
               "asset": [None, {"id": "a1", "model": "雅阁", "plate": "粤B12345", "vin": "LSVAU2180N2183294"}]}
    assert scrub_changes(changes) == {
        "name": [MASK, MASK], "stage": ["prospect", "owner"], "email": [None, MASK],
        "asset": [None, {"id": "a1", "model": "雅阁", "plate": MASK, "vin": MASK}]}


def test_consent_flags_are_not_mistaken_for_phones_and_emails():
    changes = {"consent": [{"sms": False, "phone": False, "email": False},
                           {"sms": True, "phone": True, "email": False}]}
    assert scrub_changes(changes) == changes
    data = {"id": "x", "name": "张三", "consent": {"sms": True, "phone": True, "email": True},
            "visit": {"id": "v", "notes": "私事", "details": {"amount": "10.00"}}}
    assert scrub_event_data(data) == {"id": "x", "name": "[erased]", "consent": data["consent"],
                                      "visit": {"id": "v", "notes": None, "details": {"amount": "10.00"}}}


def test_the_deputy_owner_is_someone_else_than_the_owner():
    with pytest.raises(InvalidFields) as caught:
        settle_lists({"owner": "li.si", "deputy_owner": "li.si"})
    assert "deputy_owner" in caught.value.errors
    assert settle_lists({"owner": "li.si", "deputy_owner": "wang.wu"})["deputy_owner"] == "wang.wu"
