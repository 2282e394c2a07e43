"""The change diff kept in history and sent in customer.updated.v1."""
from datetime import date
from decimal import Decimal

from customer.domain.changes import diff, jsonable


def test_only_changed_fields_appear_with_old_and_new():
    before = {"name": "张三", "stage": "prospect", "notes": None}
    after = {"name": "张三", "stage": "owner", "notes": "买了车"}
    assert diff(before, after, ["name", "stage", "notes"]) == {"stage": ["prospect", "owner"],
                                                               "notes": [None, "买了车"]}


def test_values_are_json_ready():
    assert diff({}, {"birthday": date(1990, 5, 1)}, ["birthday"]) == {"birthday": [None, "1990-05-01"]}
    assert jsonable({"amount": Decimal("12.50"), "days": [date(2024, 1, 2)]}) == {"amount": "12.50",
                                                                                  "days": ["2024-01-02"]}


def test_empty_list_and_missing_are_the_same():
    assert diff({"tags": None}, {"tags": []}, ["tags"]) == {}
    assert diff({}, {"tags": ["VIP"]}, ["tags"]) == {"tags": [None, ["VIP"]]}


def test_fields_not_asked_for_are_ignored():
    assert diff({"version": 1}, {"version": 2}, ["name"]) == {}
