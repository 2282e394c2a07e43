"""A customer's owner and deputy owner, and whoever takes a departing consultant's customers over (also in a dry
run), are active users, known from the gateway's user events, who work in the customer's store (or for the whole
group); anyone else is a 422 naming the field, and nothing changes."""
from __future__ import annotations

import pytest
from servicekit.testing import auth_headers

ADMIN = auth_headers("admin", "root")
MANAGER = auth_headers("manager", "zhao.jl")



@pytest.fixture
def stores(client, known_user):
    for store_id in ("sz01", "gz01"):
        assert client.post("/api/v1/stores", headers=ADMIN, json={"id": store_id, "name": store_id}).status_code == 201
    known_user("sz.sa", stores=["sz01"])
    known_user("sz.sa2", stores=["sz01"])
    known_user("gz.sa", stores=["gz01"])
    known_user("gone.sa", stores=["sz01"], active=False)


def create(client, phone, **fields):
    return client.post("/api/v1/customers", headers=ADMIN,
                       json={"name": "客户", "phone": phone, "kind": "prospect", **fields})


def patch(client, customer, **fields):
    return client.patch(f"/api/v1/customers/{customer['id']}", json=fields,
                        headers={**ADMIN, "If-Match": f'"{customer["version"]}"'})


def test_a_name_that_is_no_user_is_refused_as_owner_or_deputy(client, stores, events):
    unknown = create(client, "13800000001", store_id="sz01", owner="ghost.user")
    assert unknown.status_code == 422
    assert unknown.get_json()["errors"] == {"owner": ["用户 ghost.user 不存在 (there is no user ghost.user)."]}
    deputy = create(client, "13800000001", store_id="sz01", owner="sz.sa", deputy_owner="gone.sa")
    assert deputy.status_code == 422 and "已停用" in deputy.get_json()["errors"]["deputy_owner"][0]
    assert not [event for event in events() if event.type == "customer.created.v1"]


def test_an_owner_of_another_store_is_refused_a_group_wide_one_accepted(client, stores):
    other = create(client, "13800000001", store_id="sz01", owner="gz.sa")
    assert other.status_code == 422 and "does not work in store sz01" in other.get_json()["errors"]["owner"][0]
    created = create(client, "13800000001", store_id="sz01", owner="sz.sa", deputy_owner="li.si")
    assert created.status_code == 201, created.get_json()


def test_an_edit_checks_a_new_owner_and_a_move_to_another_store_but_not_an_unchanged_owner(
        client, stores, known_user):
    customer = create(client, "13800000001", store_id="sz01", owner="sz.sa").get_json()
    assert patch(client, customer, owner="gz.sa").status_code == 422
    known_user("sz.sa", stores=["sz01"], active=False, version=2)  # left since
    renamed = patch(client, customer, name="客户甲")
    assert renamed.status_code == 200  # the owner is the same: an edit of the name does not fail on them
    moved = patch(client, renamed.get_json(), store_id="gz01")
    assert moved.status_code == 422 and list(moved.get_json()["errors"]) == ["owner"]
    assert patch(client, renamed.get_json(), store_id="gz01", owner="gz.sa").status_code == 200


def reassign(client, to_owners, dry_run=False):
    return client.post("/api/v1/customers/reassignments", headers=MANAGER,
                       json={"from_owner": "leaving", "to_owners": to_owners, "dry_run": dry_run})


@pytest.fixture
def departing(client, stores, known_user):
    known_user("leaving", stores=["sz01", "gz01"])
    return [create(client, f"1380000000{n}", store_id=store, owner="leaving").get_json()
            for n, store in enumerate(("sz01", "sz01", "gz01"))]


def test_a_reassignment_gives_each_customer_to_someone_of_its_store(client, departing):
    done = reassign(client, ["sz.sa", "gz.sa", "sz.sa2"]).get_json()
    owners = {item["customer_id"]: item["owner"] for item in done["assignments"]}
    assert [owners[customer["id"]] for customer in departing] == ["sz.sa", "sz.sa2", "gz.sa"]


@pytest.mark.parametrize("dry_run", [True, False])
def test_nobody_of_a_customers_store_among_the_successors_is_a_422_even_in_a_dry_run(client, departing, dry_run):
    response = reassign(client, ["sz.sa"], dry_run)
    assert response.status_code == 422
    assert "none of sz.sa works in store gz01" in response.get_json()["errors"]["to_owners"][0]
    owners = {client.get(f"/api/v1/customers/{customer['id']}", headers=ADMIN).get_json()["owner"]
              for customer in departing}
    assert owners == {"leaving"}


def test_an_unknown_or_inactive_successor_is_refused(client, departing):
    assert "不存在" in reassign(client, ["ghost.user", "li.si"], True).get_json()["errors"]["to_owners"][0]
    assert "已停用" in reassign(client, ["gone.sa", "li.si"], True).get_json()["errors"]["to_owners"][0]
    assert reassign(client, ["li.si"], True).status_code == 200  # group-wide: any store


def test_the_handler_keeps_the_copy_by_version(app, known_user):
    from servicekit.webapp import service_context

    known_user("mover", stores=["sz01"], version=3)
    known_user("mover", stores=["gz01"], version=2)
    with service_context(app).sessions() as session:
        from servicekit.staff import find
        assert find(session, "mover").stores == ("sz01",)
    from customer.entrypoints.subscriptions import USERS_QUEUE
    assert USERS_QUEUE == "customer.users"
