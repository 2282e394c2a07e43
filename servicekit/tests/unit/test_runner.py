"""`python -m <service> web` under granian: what the runner hands the server (the server itself is started for real
in tests/deploy/test_web_workers.py)."""
from __future__ import annotations

import os

import granian
import pytest
from flask import Flask

from servicekit import runner


class FakeGranian:
    """Records how it was made and what `serve` was given, and loads the app as a worker would, instead of
    serving."""

    made: dict = {}

    def __init__(self, target: str, **options) -> None:
        FakeGranian.made = {"target": target, **options}

    def serve(self, target_loader, wrap_loader: bool = True) -> None:
        FakeGranian.made.update(loaded=target_loader(), wrap_loader=wrap_loader)


def test_granian_serves_the_app_built_before_the_fork(monkeypatch):
    monkeypatch.setattr(granian, "Granian", FakeGranian)
    app = Flask("served")

    runner.run_web(app, None, 3, "0.0.0.0:8123", server="granian")

    made = FakeGranian.made
    assert (made["address"], made["port"], made["workers"]) == ("0.0.0.0", 8123, 3)
    assert made["blocking_threads"] == runner.WEB_THREADS
    assert made["wrap_loader"] is False
    assert made["loaded"] is app


def test_request_variables_in_the_environment_are_taken_out_before_granian_starts(monkeypatch):
    """Granian starts each request's environ from the process's environment: an HTTP_PROXY there would read as a
    `Proxy:` header of every request."""
    monkeypatch.setattr(granian, "Granian", FakeGranian)
    monkeypatch.setenv("HTTP_PROXY", "http://proxy.example:3128")
    monkeypatch.setenv("REMOTE_USER", "nobody")
    monkeypatch.setenv("CRM_KEPT", "yes")

    runner.run_web(Flask("served"), None, 1, "127.0.0.1:8123", server="granian")

    assert "HTTP_PROXY" not in os.environ and "REMOTE_USER" not in os.environ
    assert os.environ["CRM_KEPT"] == "yes"


def test_an_unknown_web_server_is_refused_by_name(monkeypatch, tmp_path):
    monkeypatch.setenv("CRM_WEB_SERVER", "uwsgi")
    monkeypatch.setenv("CRM_VAR_DIR", str(tmp_path))
    definition = runner.ServiceDefinition("sample", tmp_path, lambda settings: Flask("sample"))

    with pytest.raises(SystemExit, match="CRM_WEB_SERVER='uwsgi': choose one of gunicorn, granian"):
        runner.main(definition, ["web"])


@pytest.mark.parametrize(("variable", "chosen"), [(None, "granian"), ("gunicorn", "gunicorn")])
def test_a_service_names_its_own_web_server_and_crm_web_server_overrides_it(monkeypatch, tmp_path, variable, chosen):
    if variable is None:
        monkeypatch.delenv("CRM_WEB_SERVER", raising=False)
    else:
        monkeypatch.setenv("CRM_WEB_SERVER", variable)
    monkeypatch.setenv("CRM_VAR_DIR", str(tmp_path))
    served = {}
    monkeypatch.setattr(runner, "run_web", lambda *args: served.update(server=args[-1]))
    definition = runner.ServiceDefinition("sample", tmp_path, lambda settings: Flask("sample"), web_server="granian")

    runner.main(definition, ["web"])

    assert served == {"server": chosen}


@pytest.mark.parametrize(("variables", "prefetch"), [
    ({}, 4000),
    ({"CRM_CONSUMER_PREFETCH": "300"}, 300),
    ({"CRM_CONSUMER_PREFETCH": "300", "CRM_SAMPLE_CONSUMER_PREFETCH": "50"}, 50),
])
def test_a_service_names_its_consumers_prefetch_and_the_variables_override_it(monkeypatch, tmp_path, variables,
                                                                             prefetch):
    for name in ("CRM_CONSUMER_PREFETCH", "CRM_SAMPLE_CONSUMER_PREFETCH"):
        monkeypatch.delenv(name, raising=False)
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("CRM_VAR_DIR", str(tmp_path))
    consumed = {}
    monkeypatch.setattr(runner, "run_consumer", lambda settings, subscriptions, reader_process: consumed.update(
        prefetch=settings.consumer_prefetch, reader_process=reader_process))
    definition = runner.ServiceDefinition("sample", tmp_path, lambda settings: Flask("sample"),
                                          subscriptions=lambda: [], consumer_prefetch=4000,
                                          consumer_reader_process=True)

    runner.main(definition, ["consume"])

    assert consumed == {"prefetch": prefetch, "reader_process": True}


def test_a_service_that_names_no_prefetch_has_the_kits_and_reads_in_a_thread(monkeypatch, tmp_path):
    monkeypatch.delenv("CRM_CONSUMER_PREFETCH", raising=False)
    monkeypatch.setenv("CRM_VAR_DIR", str(tmp_path))
    consumed = {}
    monkeypatch.setattr(runner, "run_consumer", lambda settings, subscriptions, reader_process: consumed.update(
        prefetch=settings.consumer_prefetch, reader_process=reader_process))

    runner.main(runner.ServiceDefinition("sample", tmp_path, lambda settings: Flask("sample")), ["consume"])

    assert consumed == {"prefetch": 200, "reader_process": False}
