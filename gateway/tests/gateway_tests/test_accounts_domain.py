"""The rules about users and API keys, in plain Python."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest
from gateway.domain.accounts import User, check_username, leaves_an_admin
from gateway.domain.api_keys import ApiKey, api_key_id, hash_api_key, key_matches, new_api_key
from gateway.domain.password_rules import WeakPassword, check_password

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def _user(role: str = "admin", active: bool = True) -> User:
    return User("boss", role, active, "hash", NOW, NOW)


def test_new_keys_are_random_and_carry_their_id():
    (first_id, first), (second_id, second) = new_api_key(), new_api_key()
    assert first != second and first_id != second_id
    assert api_key_id(first) == first_id
    assert len(first.split("_", 2)[2]) == 43  # 256 bits of secret


def test_a_key_matches_only_its_own_hash():
    key_id, key = new_api_key()
    stored = ApiKey(key_id, "dms", "integration", hash_api_key(key), NOW, "admin")
    assert key_matches(key, stored)
    assert not key_matches(new_api_key()[1], stored)
    assert hash_api_key(key) != key


@pytest.mark.parametrize("key", ["", "gx_short_x", "gx_0123456789abcdef_tooshort", "zz_0123456789abcdef_" + "a" * 43])
def test_malformed_keys_have_no_id(key):
    assert api_key_id(key) is None


def test_password_and_username_rules():
    check_password("jaderiver1")
    with pytest.raises(ValueError):
        check_password("jade-rive")  # nine characters
    with pytest.raises(ValueError):
        check_password("x" * 257)
    check_username("王小明")
    check_username("li.na@example.cn")
    for bad in ("", "has space", "a/b", "x" * 65):
        with pytest.raises(ValueError):
            check_username(bad)


@pytest.mark.parametrize(("password", "username", "problem"), [
    ("1234567890", None, "common"),
    ("Password123", None, "common"),  # case aside
    ("qwertyuiop", "li.na", "common"),
    ("li.na-2024-spring", "li.na", "username"),
    ("SPRING-LI.NA-2024", "li.na", "username"),  # case aside
    ("张伟", "张伟", "characters"),
])
def test_a_password_that_is_short_common_or_holds_the_username_is_refused(password, username, problem):
    with pytest.raises(WeakPassword) as caught:
        check_password(password, username)
    assert problem in str(caught.value)


def test_a_username_of_two_characters_may_appear_inside_a_password():
    check_password("张伟-spring-river", "张伟")


def test_the_last_active_admin_must_stay():
    assert not leaves_an_admin(_user(), "viewer", True, active_admins=1)
    assert not leaves_an_admin(_user(), "admin", False, active_admins=1)
    assert leaves_an_admin(_user(), "viewer", True, active_admins=2)
    assert leaves_an_admin(_user(), "admin", True, active_admins=1)
    assert leaves_an_admin(_user("agent"), "viewer", False, active_admins=0)
