"""Bearer tokens and roles, as every service checks them."""
import time

import jwt
import pytest
from servicekit.auth import (
    LEEWAY_SECONDS,
    PERMISSIONS,
    SESSION_AUDIENCE,
    Identity,
    issue_token,
    require_store,
    store_condition,
    verify_session_token,
    verify_token,
)
from servicekit.problems import Problem
from sqlalchemy import Column, Integer, MetaData, String, Table, create_engine, select

SECRET = "s" * 40
SERVICE_CLAIMS = {"iss": "guanxi-gateway", "aud": "guanxi-services"}


def test_a_token_names_its_caller_and_role():
    token = issue_token(SECRET, Identity("li.na", "agent"), 60)
    assert verify_token(SECRET, token) == Identity("li.na", "agent")


def test_a_token_signed_with_another_secret_is_refused():
    token = issue_token("x" * 40, Identity("li.na", "admin"), 60)
    with pytest.raises(Problem) as caught:
        verify_token(SECRET, token)
    assert caught.value.status == 401


def test_an_expired_token_is_refused_and_says_so():
    token = jwt.encode({"sub": "a", "role": "admin", **SERVICE_CLAIMS, "exp": int(time.time()) - LEEWAY_SECONDS - 1},
                       SECRET, algorithm="HS256")
    with pytest.raises(Problem, match="expired"):
        verify_token(SECRET, token)


def test_a_token_checked_once_is_still_refused_once_it_has_expired(monkeypatch):
    token = issue_token(SECRET, Identity("li.na", "agent"), 60)
    assert verify_token(SECRET, token).subject == "li.na"
    later = time.time() + 60 + LEEWAY_SECONDS + 1
    monkeypatch.setattr(time, "time", lambda: later)
    with pytest.raises(Problem, match="expired"):
        verify_token(SECRET, token)


def test_a_token_checked_for_one_audience_is_not_taken_for_another():
    service = issue_token(SECRET, Identity("li.na", "agent"), 60)
    assert verify_token(SECRET, service).subject == "li.na"
    with pytest.raises(Problem):
        verify_session_token(SECRET, service)
    with pytest.raises(Problem):
        verify_token("x" * 40, service)


def test_an_unknown_role_is_refused():
    token = jwt.encode({"sub": "a", "role": "root", **SERVICE_CLAIMS, "exp": int(time.time()) + 60},
                       SECRET, algorithm="HS256")
    with pytest.raises(Problem):
        verify_token(SECRET, token)


def test_a_service_refuses_a_session_token_and_a_token_for_no_audience():
    session = issue_token(SECRET, Identity("li.na", "admin"), 3600, audience=SESSION_AUDIENCE, version=3)
    unaddressed = jwt.encode({"sub": "li.na", "role": "admin", "iss": "guanxi-gateway", "exp": int(time.time()) + 60},
                             SECRET, algorithm="HS256")
    for token in (session, unaddressed):
        with pytest.raises(Problem, match="through the gateway") as caught:
            verify_token(SECRET, token)
        assert caught.value.status == 401


def test_the_gateway_reads_a_session_tokens_version_and_refuses_a_service_token():
    session = issue_token(SECRET, Identity("li.na", "agent", stores=("sh01",)), 3600, audience=SESSION_AUDIENCE,
                          version=3)
    assert verify_session_token(SECRET, session) == (Identity("li.na", "agent", stores=("sh01",)), 3)
    with pytest.raises(Problem, match="log in"):
        verify_session_token(SECRET, issue_token(SECRET, Identity("li.na", "agent"), 60))
    with pytest.raises(Problem, match="log in"):  # a session token without a version
        verify_session_token(SECRET, issue_token(SECRET, Identity("li.na", "agent"), 60, audience=SESSION_AUDIENCE))


def test_a_service_token_is_dead_once_its_seconds_and_the_clock_leeway_are_over():
    token = jwt.encode({"sub": "a", "role": "admin", "iss": "guanxi-gateway", "aud": "guanxi-services",
                        "exp": int(time.time()) - 1}, SECRET, algorithm="HS256")
    assert verify_token(SECRET, token).subject == "a"  # within the leeway: a slow clock is forgiven
    with pytest.raises(Problem, match="expired"):
        verify_token(SECRET, jwt.encode({"sub": "a", "role": "admin", "iss": "guanxi-gateway",
                                         "aud": "guanxi-services", "exp": int(time.time()) - LEEWAY_SECONDS - 1},
                                        SECRET, algorithm="HS256"))


def test_viewers_read_but_do_not_write_and_only_admins_administer():
    viewer, agent, admin = Identity("v", "viewer"), Identity("a", "agent"), Identity("x", "admin")
    assert viewer.may("read") and not viewer.may("write")
    assert agent.may("write") and not agent.may("manage")
    assert admin.may("admin") and set(PERMISSIONS["admin"]) == {"admin"}


def test_a_token_carries_the_callers_stores():
    token = issue_token(SECRET, Identity("li.na", "agent", stores=("sh01", "sh02")), 60)
    assert verify_token(SECRET, token).stores == ("sh01", "sh02")
    assert "stores" not in jwt.decode(issue_token(SECRET, Identity("a", "agent"), 60), SECRET, algorithms=["HS256"],
                                      options={"verify_signature": False})


def test_stores_that_are_not_a_list_of_ids_are_refused():
    token = jwt.encode({"sub": "a", "role": "agent", **SERVICE_CLAIMS, "exp": int(time.time()) + 60,
                        "stores": "sh01"}, SECRET, algorithm="HS256")
    with pytest.raises(Problem) as caught:
        verify_token(SECRET, token)
    assert caught.value.status == 401


def test_a_caller_tied_to_stores_sees_those_only_while_admins_and_group_staff_see_all():
    store_agent = Identity("a", "agent", stores=("sh01",))
    store_manager = Identity("m", "manager", stores=("sh01", "bj01"))
    group_manager, admin = Identity("g", "manager"), Identity("x", "admin", stores=("sh01",))
    assert store_agent.may_see_store("sh01") and not store_agent.may_see_store("bj01")
    assert not store_agent.may_see_store(None)
    assert store_manager.store_scope == {"sh01", "bj01"}
    assert group_manager.store_scope is None and group_manager.may_see_store("bj01")
    assert admin.store_scope is None and admin.may_see_store(None)


def test_store_condition_limits_a_query_to_the_callers_stores():
    rows = Table("rows", MetaData(), Column("id", Integer, primary_key=True), Column("store_id", String(40)))
    engine = create_engine("sqlite://")
    rows.metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(rows.insert(), [{"id": 1, "store_id": "sh01"}, {"id": 2, "store_id": "bj01"},
                                           {"id": 3, "store_id": None}])

    def visible(identity: Identity) -> list[int]:
        with engine.connect() as connection:
            query = select(rows.c.id).where(store_condition(rows.c.store_id, identity)).order_by(rows.c.id)
            return list(connection.execute(query).scalars())

    assert visible(Identity("a", "agent", stores=("sh01",))) == [1]
    assert visible(Identity("a", "agent", stores=("sh01", "bj01"))) == [1, 2]
    assert visible(Identity("g", "manager")) == [1, 2, 3]


def test_require_store_refuses_a_store_out_of_reach():
    require_store("sh01", Identity("a", "agent", stores=("sh01",)))
    require_store("bj01", Identity("g", "manager"))
    with pytest.raises(Problem) as caught:
        require_store("bj01", Identity("a", "agent", stores=("sh01",)))
    assert caught.value.status == 403 and "bj01" in caught.value.detail
