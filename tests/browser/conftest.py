"""The staff console in a real browser: one running system for all the browser tests (every service's processes, the
gateway and the console, on PostgreSQL and a RabbitMQ vhost of its own), Playwright driving Debian's Chromium,
and a few staff of each role. Tests keep out of each other's way by making their own customers.

The fixtures are package-scoped: the system and the browser stop after the last browser test. Playwright's sync
API keeps its event loop marked as running in the thread while it lives, so a module run after these in the same
worker could not call `asyncio.run` (console/tests/console_tests/test_live.py)."""
from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import httpx
import pytest
from browsing import STAFF
from gateway.config import DEFAULT_UPSTREAMS
from servicekit.processes import System, login, running_system
from servicekit.testing import broker_reachable, throwaway_vhost

PROCESSES = [("customer", "web"), ("customer", "relay"), ("customer", "consume"),
             ("complaint", "web"), ("complaint", "relay"), ("complaint", "consume"), ("complaint", "scan"),
             ("reminder", "web"), ("reminder", "relay"), ("reminder", "consume"), ("reminder", "schedule"),
             ("reporting", "web"), ("reporting", "consume"), ("console", "web"), ("console", "live")]


@pytest.fixture(scope="package")
def console_system(tmp_path_factory, postgres_database) -> Iterator[System]:
    """The whole system with the console behind the gateway, and staff of every role (the services hear of them
    a moment later, through the gateway's user events: a test giving one a customer retries until it is known)."""
    problem = broker_reachable()
    if problem:
        pytest.fail(problem, pytrace=False)
    with throwaway_vhost("browser") as amqp, running_system(
            tmp_path_factory.mktemp("console"), postgres_database, amqp, PROCESSES, DEFAULT_UPSTREAMS,
            env={"CRM_REMINDER_SCHEDULER_INTERVAL": "0.3", "CRM_RATE_LIMIT": "100000/minute",
                 "CRM_CONSOLE_POLL_SECONDS": "2",
                 "CRM_TOKEN_RATE_LIMIT": "10000/minute"}) as system:
        admin = login(system.gateway)
        for person in STAFF.values():
            response = httpx.post(f"{system.gateway}/api/v1/users", headers=admin, json={
                "username": person.username, "password": person.password, "role": person.role,
                "display_name": person.display_name})
            assert response.status_code == 201, response.text
        yield system


@pytest.fixture(scope="package")
def base(console_system) -> str:
    """The address a person opens: the gateway's."""
    return console_system.gateway


@pytest.fixture(scope="package")
def admin_api(console_system) -> httpx.Client:
    """The API as the first admin, for setting up what a test needs."""
    with httpx.Client(base_url=f"{console_system.gateway}/api/v1", headers=login(console_system.gateway),
                      timeout=30) as client:
        yield client


@pytest.fixture(scope="package")
def browser():
    """Debian's Chromium, driven by Playwright."""
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail("Chromium is not installed: `make test` installs it (apt-get install chromium fonts-noto-cjk).",
                    pytrace=False)
    with sync_playwright() as playwright:
        args = ["--no-sandbox"] if os.geteuid() == 0 else []
        browser = playwright.chromium.launch(executable_path=executable, args=args)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    """A fresh browser profile (no cookies), Chinese first, in the business time zone."""
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": 1366, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()
