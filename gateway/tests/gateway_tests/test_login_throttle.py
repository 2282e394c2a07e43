"""Failed logins are counted per username and address (tightly), per username and per address (loosely), in
the gateway's database: every worker and replica counts together, and other people's failures from a shared
address do not lock a user out."""
from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from gateway.domain.throttle import LoginPolicy, RecentFailures, held_back_until

from gateway_tests.conftest import ADMIN_PASSWORD

NAT = "203.0.113.7"  # a dealership's one public address
HOME = "198.51.100.20"
PASSWORD = "Jade-river-4821"


def _try(client, username: str, password: str, address: str):
    return client.post("/api/v1/auth/token", json={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": address})


@pytest.fixture
def gateway(make_gateway, login):
    """A gateway with two users beside the admin, both behind the dealership's address."""
    client = make_gateway().test_client()
    admin = login(client)
    for username in ("li.na", "wang.lei"):
        created = client.post("/api/v1/users", headers=admin,
                              json={"username": username, "password": PASSWORD, "role": "agent"})
        assert created.status_code == 201
    return client


def test_a_few_wrong_passwords_hold_back_that_user_from_that_address_only(gateway):
    assert [_try(gateway, "li.na", "wrong-guess-1", NAT).status_code for _ in range(5)] == [401] * 5
    refused = _try(gateway, "li.na", PASSWORD, NAT)  # even the right password: guessing has to wait
    assert refused.status_code == 429
    assert refused.mimetype == "application/problem+json"
    assert 1 <= int(refused.headers["Retry-After"]) <= 900
    assert refused.get_json()["retry_after"] == int(refused.headers["Retry-After"])
    # A colleague behind the same address, and the user herself from elsewhere, log in as before.
    assert _try(gateway, "wang.lei", PASSWORD, NAT).status_code == 200
    assert _try(gateway, "li.na", PASSWORD, HOME).status_code == 200


def test_workers_and_replicas_count_together(make_gateway, login):
    first, second = make_gateway().test_client(), make_gateway().test_client()  # one database, two processes
    login(first)
    statuses = [_try(client, "admin", "wrong-guess-1", NAT).status_code for client in (first, second) * 3]
    assert statuses == [401] * 5 + [429]


def test_a_user_guessed_at_from_many_addresses_still_gets_in_from_a_clean_one(make_gateway, login):
    client = make_gateway(LOGIN_FAILURES_PER_USER="4").test_client()
    login(client)
    client.post("/api/v1/users", headers=login(client), json={"username": "li.na", "password": PASSWORD,
                                                              "role": "agent"})
    for bot in range(4):
        assert _try(client, "li.na", "wrong-guess-1", f"192.0.2.{bot}").status_code == 401
    assert _try(client, "li.na", PASSWORD, "192.0.2.0").status_code == 429  # an address that failed for her
    assert _try(client, "li.na", PASSWORD, NAT).status_code == 200  # the real user, from a clean address
    assert _try(client, "li.na", "wrong-guess-2", "192.0.2.99").status_code == 401  # a new bot: one try each
    assert _try(client, "li.na", "wrong-guess-3", "192.0.2.99").status_code == 429


def test_an_address_trying_many_usernames_is_held_back_whole(make_gateway, login):
    client = make_gateway(LOGIN_FAILURES_PER_ADDRESS="6").test_client()
    login(client)
    for number in range(6):
        assert _try(client, f"guess{number}", "wrong-guess-1", NAT).status_code == 401
    assert _try(client, "admin", ADMIN_PASSWORD, NAT).status_code == 429
    assert _try(client, "admin", ADMIN_PASSWORD, HOME).status_code == 200


def test_the_right_password_forgets_the_users_own_typos(gateway):
    for _ in range(2):
        assert [_try(gateway, "li.na", "wrong-guess-1", NAT).status_code for _ in range(4)] == [401] * 4
        assert _try(gateway, "li.na", PASSWORD, NAT).status_code == 200


def test_a_held_back_login_may_be_tried_again_once_the_window_has_passed(make_gateway):
    client = make_gateway(LOGIN_FAILURE_WINDOW="1", LOGIN_FAILURES_PER_USER_AND_ADDRESS="2").test_client()
    assert [_try(client, "admin", "wrong-guess-1", NAT).status_code for _ in range(3)] == [401, 401, 429]
    time.sleep(1.1)
    assert _try(client, "admin", ADMIN_PASSWORD, NAT).status_code == 200


T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
POLICY = LoginPolicy(window=900, per_user_and_address=3, per_user=5, per_address=10)


def _ago(*seconds: int) -> list[datetime]:
    return [T0 - timedelta(seconds=each) for each in seconds]


def test_the_wait_lasts_until_enough_failures_have_left_the_window():
    pair = _ago(10, 20, 30)
    assert held_back_until(POLICY, RecentFailures(pair, pair, pair)) == T0 - timedelta(seconds=30) + timedelta(
        seconds=900)
    assert held_back_until(POLICY, RecentFailures(pair[:2], pair[:2], pair[:2])) is None


def test_a_user_wide_hold_applies_to_failing_addresses_only_and_lifts_with_their_own_failures():
    many = _ago(1, 2, 3, 4, 5)
    assert held_back_until(POLICY, RecentFailures([], many, [])) is None
    assert held_back_until(POLICY, RecentFailures(_ago(500), many, _ago(500))) == T0 + timedelta(seconds=400)


INGRESS = "10.0.0.1"


def _via_ingress(client, username: str, password: str, client_address: str):
    return client.post("/api/v1/auth/token", json={"username": username, "password": password},
                       headers={"X-Forwarded-For": client_address}, environ_base={"REMOTE_ADDR": INGRESS})


def test_behind_a_trusted_proxy_failures_count_per_client_address_not_per_proxy(make_gateway, login):
    client = make_gateway(GATEWAY_TRUSTED_PROXIES="1", LOGIN_FAILURES_PER_ADDRESS="6").test_client()
    client.post("/api/v1/users", headers=login(client), json={"username": "li.na", "password": PASSWORD,
                                                              "role": "agent"})
    for number in range(6):
        assert _via_ingress(client, f"guess{number}", "wrong-guess-1", NAT).status_code == 401
    assert _via_ingress(client, "li.na", PASSWORD, NAT).status_code == 429
    assert _via_ingress(client, "li.na", PASSWORD, HOME).status_code == 200  # the same proxy, another client


def test_without_trusted_proxies_a_made_up_forwarded_address_changes_nothing(make_gateway):
    client = make_gateway(LOGIN_FAILURES_PER_USER_AND_ADDRESS="3").test_client()
    statuses = [_via_ingress(client, "admin", "wrong-guess-1", f"192.0.2.{each}").status_code for each in range(4)]
    assert statuses == [401, 401, 401, 429]


CONSOLE = "127.0.0.1"  # the staff console, which signs every browser in from its one address


def _through_console(client, username: str, password: str, browser: str, vouched_for: str | None = None):
    """A sign-in the console makes for a browser at `browser`, carrying the address the gateway vouched for when
    it passed that browser's request on (`vouched_for` forges one instead)."""
    from gateway.entrypoints.console import CLIENT_HEADER, vouch

    with client.application.test_request_context():
        header = vouch(browser) if vouched_for is None else f"{vouched_for};{int(time.time())};{'0' * 64}"
    return client.post("/api/v1/auth/token", json={"username": username, "password": password},
                       headers={CLIENT_HEADER: header}, environ_base={"REMOTE_ADDR": CONSOLE})


def test_failed_sign_ins_through_the_console_count_per_browser_not_on_the_consoles_address(make_gateway, login):
    client = make_gateway(LOGIN_FAILURES_PER_ADDRESS="6").test_client()
    login(client)
    for number in range(6):  # someone at one browser tries six usernames
        assert _through_console(client, f"guess{number}", "wrong-guess-1", NAT).status_code == 401
    assert _through_console(client, "admin", ADMIN_PASSWORD, NAT).status_code == 429
    # colleagues at other browsers still sign in through the same console
    assert _through_console(client, "admin", ADMIN_PASSWORD, HOME).status_code == 200


def test_an_address_the_gateway_did_not_vouch_for_counts_as_the_callers_own(make_gateway, login):
    client = make_gateway(LOGIN_FAILURES_PER_ADDRESS="3").test_client()
    login(client)
    for number in range(3):  # a forged header, naming a new address each time, does not escape the count
        assert _through_console(client, f"guess{number}", "wrong", HOME, vouched_for=f"192.0.2.{number}"
                                ).status_code == 401
    assert _try(client, "admin", ADMIN_PASSWORD, CONSOLE).status_code == 429
