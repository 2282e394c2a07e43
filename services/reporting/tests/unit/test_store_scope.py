"""Every report and segment list is cut to the caller's stores: by default their stores summed, one of them on
request, another store refused; admins and callers of no store see the whole group."""
from __future__ import annotations

import pytest
from servicekit.testing import auth_headers

from bench.generate import STORES, History

REPORTS = ("prospects", "owners", "customer-flow", "churn", "value", "complaints", "callbacks", "staff", "monthly")
PERIOD = {"from": "2025-11-01", "to": "2026-10-31"}
OWN, OTHER = "store-sh-01", "store-bj-01"


@pytest.fixture
def history(apply) -> None:
    apply(History(seed=8, customers=150, visits=500, complaints=40).events())


def get(client, path: str, headers: dict, **query):
    return client.get(f"/api/v1/reports/{path}", query_string={**PERIOD, **query}, headers=headers)


def body(response) -> dict:
    assert response.status_code == 200, response.get_json()
    data = response.get_json()
    data["freshness"]["last_applied_at"] = None
    return data


def without_echo(data: dict) -> dict:
    return {key: value for key, value in data.items() if key not in ("store", "stores")}


@pytest.mark.parametrize("name", REPORTS)
def test_a_store_tied_caller_sees_their_store_by_default_and_no_other(history, client, name):
    tied = auth_headers("viewer", stores=(OWN,))
    admin = auth_headers("admin")
    theirs = body(get(client, name, tied))
    assert theirs == body(get(client, name, admin, store=OWN))
    assert theirs == body(get(client, name, tied, store=OWN))
    assert (theirs["store"], theirs["stores"]) == (OWN, [OWN])
    assert without_echo(theirs) != without_echo(body(get(client, name, admin)))  # not the group's figures
    refused = get(client, name, tied, store=OTHER)
    assert refused.status_code == 403
    assert refused.mimetype == "application/problem+json"
    assert OTHER in refused.get_json()["detail"]


@pytest.mark.parametrize(("name", "output"), [("owners", "csv"), ("complaints", "png"), ("churn", "png"),
                                              ("monthly", "html"), ("staff", "csv")])
def test_every_format_is_cut_to_the_callers_store(history, client, name, output):
    tied = auth_headers("viewer", stores=(OWN,))
    theirs = get(client, name, tied, format=output)
    assert theirs.status_code == 200
    assert theirs.data == get(client, name, auth_headers("admin"), store=OWN, format=output).data
    assert theirs.data != get(client, name, auth_headers("admin"), format=output).data
    assert get(client, name, tied, store=OTHER, format=output).status_code == 403


def test_a_caller_of_several_stores_sees_the_sum_of_theirs(history, client):
    mine = (OWN, STORES[0])
    both = body(get(client, "prospects", auth_headers("viewer", stores=mine)))
    one, other = (body(get(client, "prospects", auth_headers("admin"), store=store)) for store in mine)
    group = body(get(client, "prospects", auth_headers("admin")))
    assert both["stores"] == sorted(mine) and both["store"] is None
    assert both["totals"]["prospects"] == one["totals"]["prospects"] + other["totals"]["prospects"]
    assert both["totals"]["prospects"] < group["totals"]["prospects"]
    assert get(client, "prospects", auth_headers("viewer", stores=mine), store=OTHER).status_code == 403
    page = get(client, "monthly", auth_headers("viewer", stores=mine), format="html").get_data(as_text=True)
    assert f"{sorted(mine)[0]}, {sorted(mine)[1]}</h1>" in page


def test_admins_and_callers_of_no_store_see_the_whole_group_and_any_store(history, client):
    for headers in (auth_headers("admin"), auth_headers("viewer"), auth_headers("admin", stores=(OWN,))):
        group = body(get(client, "complaints", headers))
        assert (group["store"], group["stores"]) == (None, None)
        assert group["totals"]["complaints"] == sum(
            body(get(client, "complaints", headers, store=store))["totals"]["complaints"] for store in STORES)
        assert get(client, "complaints", headers, store=OTHER).status_code == 200


def test_segment_lists_hold_only_the_callers_customers(history, client):
    tied = auth_headers("viewer", stores=(OWN,))
    group = body(get(client, "value", auth_headers("admin"), segment="lost", page_size=200))["members"]
    assert {c["store_id"] for c in group["customers"]} > {OWN}
    theirs = body(get(client, "value", tied, segment="lost", page_size=200))["members"]
    assert theirs["customers"] and {c["store_id"] for c in theirs["customers"]} == {OWN}
    assert theirs["total"] == len(theirs["customers"]) < group["total"]
    assert [c for c in group["customers"] if c["store_id"] == OWN] == theirs["customers"]
    assert get(client, "value", tied, segment="lost", store=OTHER).status_code == 403
