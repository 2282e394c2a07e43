"""The console against a fake API: a Flask test client, signed in as a person of a given role."""
from __future__ import annotations

import re

import pytest
from console.api import ApiClient
from console.app import create_app
from console.config import ConsoleSettings

from console_tests.fakeapi import FakeApi, token_for


@pytest.fixture
def fake_api() -> FakeApi:
    return FakeApi()


@pytest.fixture
def app(fake_api, tmp_path):
    settings = ConsoleSettings(api_url="http://gateway.test", port=0, secret_key="test-secret", var_dir=tmp_path)
    app = create_app(settings, api=ApiClient(settings.api_url, 5, transport=fake_api.transport()))
    app.config["TESTING"] = True
    return app


class Browser:
    """A test client that signs in as a browser would and posts forms with the page's CSRF token."""

    def __init__(self, client) -> None:
        self.client = client
        self.csrf = ""

    def get(self, path: str, **kwargs):
        response = self.client.get(path, **kwargs)
        found = re.search(r'name="csrf_token" value="([^"]+)"', response.get_data(as_text=True))
        if found:
            self.csrf = found.group(1)
        return response

    def post(self, path: str, data: dict | None = None, **kwargs):
        return self.client.post(path, data={"csrf_token": self.csrf, **(data or {})}, **kwargs)

    def htmx(self, method: str, path: str, data: dict | None = None, **kwargs):
        """A request as htmx sends it: the HX-Request header and the CSRF token as a header."""
        headers = {"HX-Request": "true", "X-CSRF-Token": self.csrf, "HX-Current-URL": "http://localhost/"}
        return self.client.open(path, method=method, data=data, headers=headers, **kwargs)


def sign_in(app, role: str = "agent", username: str = "li.si", stores: tuple[str, ...] = (),
            language: str = "zh") -> Browser:
    """A browser signed in as `username` with `role` (the session holds a token like the gateway's)."""
    browser = Browser(app.test_client())
    with browser.client.session_transaction() as session:
        session["token"] = token_for(username, role, stores)
        session["lang"] = language
        session["csrf_token"] = browser.csrf = "test-csrf-token"
    return browser


@pytest.fixture
def agent(app) -> Browser:
    return sign_in(app, "agent")


@pytest.fixture
def manager(app) -> Browser:
    return sign_in(app, "manager", "wang.gm")


@pytest.fixture
def viewer(app) -> Browser:
    return sign_in(app, "viewer", "zhao.kan")
