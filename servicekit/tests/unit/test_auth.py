"""Bearer tokens and roles, as every service checks them."""
import time

import jwt
import pytest
from servicekit.auth import PERMISSIONS, Identity, issue_token, verify_token
from servicekit.problems import Problem

SECRET = "s" * 40


def test_a_token_names_its_caller_and_role():
    token = issue_token(SECRET, Identity("li.na", "agent"), 60)
    assert verify_token(SECRET, token) == Identity("li.na", "agent")


def test_a_token_signed_with_another_secret_is_refused():
    token = issue_token("x" * 40, Identity("li.na", "admin"), 60)
    with pytest.raises(Problem) as caught:
        verify_token(SECRET, token)
    assert caught.value.status == 401


def test_an_expired_token_is_refused_and_says_so():
    token = jwt.encode({"sub": "a", "role": "admin", "iss": "guanxi-gateway", "exp": int(time.time()) - 5},
                       SECRET, algorithm="HS256")
    with pytest.raises(Problem, match="expired"):
        verify_token(SECRET, token)


def test_an_unknown_role_is_refused():
    token = jwt.encode({"sub": "a", "role": "root", "iss": "guanxi-gateway", "exp": int(time.time()) + 60},
                       SECRET, algorithm="HS256")
    with pytest.raises(Problem):
        verify_token(SECRET, token)


def test_viewers_read_but_do_not_write_and_only_admins_administer():
    viewer, agent, admin = Identity("v", "viewer"), Identity("a", "agent"), Identity("x", "admin")
    assert viewer.may("read") and not viewer.may("write")
    assert agent.may("write") and not agent.may("manage")
    assert admin.may("admin") and set(PERMISSIONS["admin"]) == {"admin"}
