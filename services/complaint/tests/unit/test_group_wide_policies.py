"""SLA policies are the dealer group's: a manager tied to stores may not change them; a manager of no
store and an admin may, on every route that changes one."""
import pytest
from servicekit.testing import auth_headers

STORE_MANAGER = auth_headers("manager", "sh.boss", stores=("sh01",))
GROUP_MANAGER = auth_headers("manager", "boss")
ADMIN = auth_headers("admin", "root")
PATH = "/api/v1/complaints/sla-policies"
POLICY = {"category": "quality", "severity": "serious", "acknowledge_minutes": 60, "respond_minutes": 240,
          "resolve_minutes": 960, "first_callback_minutes": 480}


def _create(client, headers):
    return client.post(PATH, json=POLICY, headers=headers)


def _change(client, headers):
    policy = _create(client, ADMIN).get_json()
    return client.patch(f"{PATH}/{policy['id']}", json={"resolve_minutes": 480}, headers=headers)


def _delete(client, headers):
    policy = _create(client, ADMIN).get_json()
    return client.delete(f"{PATH}/{policy['id']}", headers=headers)


ROUTES = {"POST": (_create, 201), "PATCH": (_change, 200), "DELETE": (_delete, 204)}


@pytest.mark.parametrize("route", ROUTES)
def test_a_manager_tied_to_a_store_may_not_change_a_policy(client, route):
    call, _ = ROUTES[route]
    refused = call(client, STORE_MANAGER)
    assert refused.status_code == 403 and refused.content_type == "application/problem+json"
    assert "every store" in refused.get_json()["detail"] and "sh01" in refused.get_json()["detail"]
    policies = client.get(PATH, headers=GROUP_MANAGER).get_json()
    assert all(policy["resolve_minutes"] != 480 for policy in policies if policy["category"] == "quality")
    assert len(policies) == (1 if route == "POST" else 2)


@pytest.mark.parametrize("who", ["group manager", "admin"])
@pytest.mark.parametrize("route", ROUTES)
def test_a_manager_of_no_store_and_an_admin_may(client, route, who):
    call, status = ROUTES[route]
    assert call(client, GROUP_MANAGER if who == "group manager" else ADMIN).status_code == status
