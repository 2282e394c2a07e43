"""The whole API as a fuzzer sees it: schemathesis with every check it has, through the gateway, against the
merged OpenAPI document at /api/v1/openapi.json, on the whole running system (PostgreSQL, RabbitMQ, every
service's web, relay and consumer processes). No answer may be a server error, and none may contradict the
document: status codes, content types, headers and bodies are what it says.

The run is bounded (a few examples per operation and phase, deterministic generation: the same requests
every time) and creates its data in its own throwaway system. The gateway's rate limits are lifted for it.
"""
from __future__ import annotations

import base64
import json
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

import pytest
from servicekit.processes import login, running_system

pytestmark = pytest.mark.e2e

PROCESSES = [("customer", "web"), ("customer", "relay"), ("complaint", "web"), ("complaint", "relay"),
             ("complaint", "consume"), ("reminder", "web"), ("reminder", "relay"), ("reminder", "consume"),
             ("reporting", "web"), ("reporting", "consume")]
#: Examples per operation and phase: enough to reach every field's edge cases, small enough for CI.
MAX_EXAMPLES = 10
#: Checks left out, each with its reason. Every other check schemathesis has runs.
EXCLUDED_CHECKS: dict[str, str] = {}
#: The run's wall-clock bound: far above its usual time, far below CI's.
TIMEOUT_SECONDS = 420


@pytest.fixture(scope="module")
def gateway(tmp_path_factory, postgres_database, amqp_url):
    """The whole system, every rate limit lifted; yields the gateway's URL."""
    unlimited = {"CRM_RATE_LIMIT": "1000000/minute", "CRM_TOKEN_RATE_LIMIT": "1000000/minute"}
    with running_system(tmp_path_factory.mktemp("e2e-openapi"), postgres_database, amqp_url, PROCESSES,
                        env=unlimited) as system:
        yield system.gateway


def failures(report: Path) -> dict[tuple[str, str], list[str]]:
    """(operation, check) -> what went wrong, one line each with the status it got, from an NDJSON report."""
    found: dict[tuple[str, str], list[str]] = defaultdict(list)
    for line in report.read_text().splitlines():
        finished = json.loads(line).get("ScenarioFinished")
        if not finished:
            continue
        recorder = finished["recorder"]
        for case_id, checks in recorder.get("checks", {}).items():
            response = (recorder["interactions"].get(case_id) or {}).get("response") or {}
            body = base64.b64decode((response.get("content") or {}).get("$base64", "")).decode(errors="replace")
            for check in checks:
                if check["status"] == "failure":
                    failure = check["failure_info"]["failure"]
                    message = f"{failure['title']}: {failure['message'][:150]!r}"
                    found[(failure["operation"], check["name"])].append(
                        f"{response.get('status_code')} {message} | {body[:150]}")
    return found


def test_every_answer_through_the_gateway_is_what_the_openapi_document_says(gateway, tmp_path):
    headers = login(gateway)
    command = [
        sys.executable, "-m", "schemathesis.cli", "run", f"{gateway}/api/v1/openapi.json",
        "--header", f"Authorization: {headers['Authorization']}",
        "--checks", "all", *(["--exclude-checks", ",".join(EXCLUDED_CHECKS)] if EXCLUDED_CHECKS else []),
        "--max-examples", str(MAX_EXAMPLES), "--generation-deterministic",
        "--workers", "2", "--request-timeout", "20", "--no-color",
        "--report", "ndjson", "--report-ndjson-path", str(tmp_path / "run.ndjson"),
    ]
    started = time.monotonic()
    run = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT_SECONDS, cwd=tmp_path)
    elapsed = time.monotonic() - started
    summary = run.stdout[run.stdout.rfind("SUMMARY"):]
    print(f"schemathesis: {elapsed:.0f} s\n{summary}")
    assert (tmp_path / "run.ndjson").exists(), run.stdout[-3000:] + run.stderr[-3000:]
    found = failures(tmp_path / "run.ndjson")
    listing = "\n".join(f"{operation} [{check}]\n    " + "\n    ".join(sorted(set(lines))[:3])
                        for (operation, check), lines in sorted(found.items()))
    assert not found, f"{len(found)} operation/check failures:\n{listing}\n{summary}"
    assert run.returncode == 0, run.stdout[-5000:] + run.stderr[-2000:]
