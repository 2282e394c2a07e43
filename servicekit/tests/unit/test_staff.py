"""The users copy every service keeps (servicekit.staff): applied from user events, checked on assignment."""
import pytest
from kithelpers import run_in_thread, wait_for
from servicekit.bus import connect
from servicekit.consumer import Consumer, Subscription
from servicekit.db import kit_metadata, make_engine, make_session_factory, unit_of_work
from servicekit.events import new_event
from servicekit.outbox import record_event
from servicekit.problems import Problem
from servicekit.relay import Relay
from sqlalchemy import MetaData, func, select

from servicekit import staff

metadata = MetaData()
users = staff.users_table(metadata)


@pytest.fixture
def sessions(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'staff.db'}")
    kit_metadata.create_all(engine)
    metadata.create_all(engine)
    yield make_session_factory(engine)
    engine.dispose()


def apply(sessions, type_: str, data: dict) -> None:
    with unit_of_work(sessions) as session:
        staff.apply_user_event(session, new_event("gateway", type_, data["username"], data))


def check(sessions, username, store_id, field="assignee", **kwargs):
    with unit_of_work(sessions) as session:
        return staff.check_assignee(session, username, store_id, field, **kwargs)


def test_a_user_event_fills_the_copy_and_a_newer_version_replaces_it(sessions):
    apply(sessions, staff.USER_CREATED, staff.user_data("li.lei", role="agent", stores=["bj01"],
                                                         display_name="李雷", phone="+8613800138000"))
    apply(sessions, staff.USER_UPDATED, staff.user_data("li.lei", stores=["sh01", "bj01"], version=2,
                                                         wechat_openid="o-abc"))
    with unit_of_work(sessions) as session:
        user = staff.find(session, "li.lei")
    assert user.stores == ("bj01", "sh01") and user.version == 2 and user.display_name is None
    assert user.contacts == {"phone": None, "email": None, "wechat_openid": "o-abc"}


def test_an_older_or_repeated_version_changes_nothing(sessions):
    apply(sessions, staff.USER_UPDATED, staff.user_data("li.lei", stores=["bj01"], version=3))
    apply(sessions, staff.USER_UPDATED, staff.user_data("li.lei", stores=["sh01"], version=2))
    apply(sessions, staff.USER_CREATED, staff.user_data("li.lei", stores=["sh01"], version=3, active=False))
    with unit_of_work(sessions) as session:
        user = staff.find(session, "li.lei")
        assert session.execute(select(func.count()).select_from(users)).scalar_one() == 1
    assert (user.stores, user.active, user.version) == (("bj01",), True, 3)


def test_other_event_types_are_ignored(sessions):
    apply(sessions, "user.deleted.v1", staff.user_data("li.lei"))
    with unit_of_work(sessions) as session:
        assert staff.find(session, "li.lei") is None


def test_an_unknown_user_is_a_422_naming_the_field(sessions):
    with pytest.raises(staff.NotAssignable) as caught:
        check(sessions, "ghost.user", "bj01", "owner")
    assert isinstance(caught.value, Problem) and caught.value.status == 422
    assert caught.value.extra["errors"] == {"owner": ["用户 ghost.user 不存在 (there is no user ghost.user)."]}


def test_an_inactive_user_may_not_be_assigned(sessions):
    apply(sessions, staff.USER_UPDATED, staff.user_data("gone", active=False))
    with pytest.raises(staff.NotAssignable, match="assignee") as caught:
        check(sessions, "gone", "bj01")
    assert "已停用" in caught.value.message


def test_a_user_of_another_store_may_not_be_assigned(sessions):
    apply(sessions, staff.USER_UPDATED, staff.user_data("sh.agent", stores=["sh01"]))
    with pytest.raises(staff.NotAssignable) as caught:
        check(sessions, "sh.agent", "bj01")
    assert "不在门店 bj01 工作" in caught.value.message and "does not work in store bj01" in caught.value.message
    assert check(sessions, "sh.agent", "sh01").username == "sh.agent"
    with pytest.raises(staff.NotAssignable):  # a record of no store is group-wide work
        check(sessions, "sh.agent", None)


def test_group_wide_users_and_admins_may_work_anywhere(sessions):
    apply(sessions, staff.USER_UPDATED, staff.user_data("group.manager", role="manager"))
    apply(sessions, staff.USER_UPDATED, staff.user_data("boss", role="admin", stores=["sh01"]))
    apply(sessions, staff.USER_UPDATED, staff.user_data("sh.agent", stores=["sh01"]))
    with pytest.raises(staff.NotAssignable, match="owner") as caught:
        check(sessions, "sh.agent", staff.EVERY_STORE, "owner")
    assert "涉及所有门店" in caught.value.message
    for store in ("bj01", "sh01", None, staff.EVERY_STORE):
        assert check(sessions, "group.manager", store).username == "group.manager"
        assert check(sessions, "boss", store).username == "boss"


def test_nobody_passes_and_a_service_may_raise_its_own_error(sessions):
    assert check(sessions, None, "bj01") is None

    class Invalid(Exception):
        def __init__(self, field, message):
            super().__init__(message)
            self.field = field

    with pytest.raises(Invalid) as caught:
        check(sessions, "ghost.user", "bj01", "deputy_owner", error=Invalid)
    assert caught.value.field == "deputy_owner"


def test_the_event_schema_accepts_what_user_data_makes():
    assert staff.UserEventData().validate(staff.user_data("li.lei", stores=["bj01"], email="l@x.cn")) == {}
    assert "contacts" in staff.UserEventData().validate({**staff.user_data("li.lei"), "contacts": None})


def test_users_published_before_a_consumer_starts_wait_for_it(make_settings, sessions):
    """A relay declares the users queues it is given (as the gateway's does) before its first publish: a user
    announced at its start is not lost."""
    settings = make_settings("gateway")
    with unit_of_work(sessions) as session:
        record_event(session, "gateway", staff.USER_UPDATED, "li.lei", staff.user_data("li.lei"))
    relay = Relay("gateway", sessions, lambda: connect(settings), poll_interval=0.01,
                  declares={"a_service.users": staff.USER_EVENTS})
    assert relay.drain() == 1
    relay.close()
    consumer = Consumer(sessions, [Subscription("a_service.users", staff.USER_EVENTS, staff.apply_user_event)],
                        lambda: connect(settings))
    thread, stop = run_in_thread(consumer.run)
    try:
        assert wait_for(lambda: _known(sessions, "li.lei"), timeout=10)
    finally:
        stop.set()
        thread.join(5)


def _known(sessions, username: str) -> bool:
    with unit_of_work(sessions) as session:
        return staff.find(session, username) is not None
