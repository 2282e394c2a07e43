"""The short fault run (`make faults` with its default duration), as part of `make test`: the whole system on a
private PostgreSQL and the private 3-node cluster, faults injected while the workload runs, and a table whose
verdict says nothing acknowledged was lost, nothing applied twice, nothing unexpected found."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.faults, pytest.mark.cluster]
ROOT = Path(__file__).resolve().parents[2]
CHECKS = ("customers (with their last edit)", "outbox rows published", "events applied by reporting.read_model",
          "reporting: each customer's vehicles and visits", "reminder's copy of the customers",
          "delivery callbacks fired", "webhook notifications delivered", "poison messages dead-lettered",
          "fault: worker SIGKILLed", "fault: RabbitMQ node killed", "fault: PostgreSQL restarted",
          "fault: backends terminated", "fault: consumer SIGSTOPped", "fault: PostgreSQL black hole")


@pytest.mark.timeout(1200)
def test_a_short_fault_run_loses_and_duplicates_nothing():
    done = subprocess.run([sys.executable, "-m", "tests.faults", "--duration", "30"], cwd=ROOT,
                          capture_output=True, text=True, timeout=1150)
    report = done.stdout[done.stdout.find("| check"):]
    assert done.returncode == 0 and "PASS: nothing lost" in done.stdout, done.stdout[-8000:] + done.stderr[-4000:]
    for check in CHECKS:
        assert f"| {check} " in report, f"{check} missing from the table:\n{report}"
    assert "| webhook notifications delivered | 0 " not in report.replace("  ", " "), report
