"""A task's owner is an active user, known from the gateway's user events, who works in the customer's store (or
for the whole group): claiming as anyone else, or naming anyone else as a rule's owner, is a 422 naming `owner`;
staff notifications find a user's contacts in the same copy."""
from datetime import UTC, datetime, timedelta

from reminder.entrypoints.consumer import USERS_QUEUE, subscriptions
from reminder.entrypoints.subscriptions import QUEUES
from servicekit.testing import auth_headers

from servicekit import staff

AGENT = auth_headers("agent", "li.si")
MANAGER = auth_headers("manager", "boss")


def due_task(client, customer, vehicle, run_scheduler, store_id="bj01"):
    customer_id = customer(store_id=store_id)
    vehicle(customer_id)
    run_scheduler(datetime.now(UTC) + timedelta(days=3.5))
    [task] = client.get(f"/api/v1/reminders/tasks?customer_id={customer_id}&rule=delivery_callback_3d",
                        headers=AGENT).get_json()["items"]
    return task


def claim(client, task, username, role="agent", stores=()):
    from servicekit.auth import Identity, issue_token
    from servicekit.testing import TEST_SECRET

    headers = {"Authorization": "Bearer " + issue_token(TEST_SECRET, Identity(username, role, stores=stores), 60)}
    return client.post(f"/api/v1/reminders/{task['id']}/claim", headers=headers)


def test_a_caller_unknown_as_a_user_may_not_claim(client, customer, vehicle, run_scheduler):
    task = due_task(client, customer, vehicle, run_scheduler)
    response = claim(client, task, "ghost.user")
    assert response.status_code == 422
    assert response.get_json()["errors"] == {"owner": ["用户 ghost.user 不存在 (there is no user ghost.user)."]}
    assert client.get(f"/api/v1/reminders/{task['id']}", headers=AGENT).get_json()["status"] == "due"


def test_an_inactive_user_may_not_claim_and_a_store_user_may(client, customer, vehicle, run_scheduler, known_user):
    task = due_task(client, customer, vehicle, run_scheduler)
    known_user("bj.sa", stores=["bj01"], active=False)
    assert claim(client, task, "bj.sa", stores=("bj01",)).status_code == 422
    known_user("bj.sa", stores=["bj01"], version=2)
    claimed = claim(client, task, "bj.sa", stores=("bj01",))
    assert claimed.status_code == 200 and claimed.get_json()["owner"] == "bj.sa"


def test_a_rule_owner_must_be_a_known_user_of_the_whole_group(client, known_user):
    rule = {"id": "callback_10d", "kind": "delivery_callback", "name": "十天回访", "params": {"days": 10}}
    unknown = client.post("/api/v1/reminders/rules", headers=MANAGER, json={**rule, "owner": "ghost.user"})
    assert unknown.status_code == 422 and list(unknown.get_json()["errors"]) == ["owner"]
    known_user("bj.sa", stores=["bj01"])
    of_a_store = client.post("/api/v1/reminders/rules", headers=MANAGER, json={**rule, "owner": "bj.sa"})
    assert of_a_store.status_code == 422 and "every store" in of_a_store.get_json()["errors"]["owner"][0]
    assert client.get("/api/v1/reminders/rules/callback_10d", headers=MANAGER).status_code == 404
    assert client.post("/api/v1/reminders/rules", headers=MANAGER, json={**rule, "owner": "li.si"}).status_code == 201
    changed = client.patch("/api/v1/reminders/rules/birthday", headers=MANAGER, json={"owner": "bj.sa"})
    assert changed.status_code == 422 and list(changed.get_json()["errors"]) == ["owner"]
    assert client.patch("/api/v1/reminders/rules/birthday", headers=MANAGER, json={"owner": None}).status_code == 200


def test_the_consumer_keeps_the_users_copy(app):
    [users] = [sub for sub in subscriptions(app.extensions["reminder_settings"]) if sub.queue == USERS_QUEUE]
    assert users.handler is staff.apply_user_event and set(QUEUES[USERS_QUEUE]) == set(staff.USER_EVENTS)


def assign(client, task, assignee, headers=MANAGER):
    return client.post(f"/api/v1/reminders/{task['id']}/assign", headers=headers, json={"assignee": assignee})


def test_a_manager_gives_a_claimed_task_to_a_colleague_of_its_store(client, customer, vehicle, run_scheduler,
                                                                     known_user, events):
    task = due_task(client, customer, vehicle, run_scheduler)
    known_user("bj.sa", stores=["bj01"])
    known_user("bj.sb", stores=["bj01"])
    assert claim(client, task, "bj.sa", stores=("bj01",)).status_code == 200
    published = len(events())
    given = assign(client, task, "bj.sb")
    assert given.status_code == 200
    assert (given.get_json()["owner"], given.get_json()["status"], given.get_json()["claimed_by"]) == \
        ("bj.sb", "due", None)
    [listed] = client.get("/api/v1/reminders/tasks?owner=bj.sb", headers=AGENT).get_json()["items"]
    assert listed["id"] == task["id"]
    assert len(events()) == published  # as for a claim, no event


def test_a_task_goes_only_to_a_known_active_user_of_its_store(client, customer, vehicle, run_scheduler,
                                                              known_user):
    task = due_task(client, customer, vehicle, run_scheduler)
    known_user("sh.sa", stores=["sh01"])
    known_user("bj.off", stores=["bj01"], active=False)
    for who, words in (("ghost.user", "there is no user ghost.user"), ("sh.sa", "does not work in store bj01"),
                       ("bj.off", "is inactive")):
        refused = assign(client, task, who)
        assert refused.status_code == 422 and words in refused.get_json()["errors"]["assignee"][0]
    assert assign(client, task, "").status_code == 422
    assert client.get(f"/api/v1/reminders/{task['id']}", headers=AGENT).get_json()["owner"] != "sh.sa"


def test_only_a_manager_assigns_and_a_finished_task_is_not_assigned(client, customer, vehicle, run_scheduler,
                                                                    known_user):
    task = due_task(client, customer, vehicle, run_scheduler)
    known_user("bj.sa", stores=["bj01"])
    assert assign(client, task, "bj.sa", headers=AGENT).status_code == 403
    done = client.post(f"/api/v1/reminders/{task['id']}/complete", headers=AGENT, json={"outcome": "reached"})
    assert done.status_code == 200
    assert assign(client, task, "bj.sa").status_code == 409
    assert "/api/v1/reminders/{reminder_id}/assign" in client.get("/openapi.json").get_json()["paths"]
