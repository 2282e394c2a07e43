"""Every benchmark in bench/ still runs, at the smallest sizes: the figures in docs/benchmarks.md are only worth
something while anyone can reproduce them with the command printed beside them. (The sizes here measure
nothing; a benchmark that fails here would fail at full size.)"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]

#: command line: what its output says when it ran to the end
BENCHMARKS = {
    "bench --events 300 --repeats 1 --skip-gateway": "kit consumer, handler writing one row per event",
    "bench.reminders --reminders 2000 --due 200 --vehicles 100 --repeats 1": '"ratio_pass_to_bare"',
    "bench.complaints --complaints 300 --repeats 1 --skip-http": '"scan_to_bare"',
    "bench.points --operations 50 --threads 2 --repeats 1": '"contention_ratio"',
    "bench.reports --customers 300 --visits 900 --complaints 60 --apply-events 300 --apply-repeats 1 --apply-thread "
    "--requests 2 --load-parts 1": '"complaints.png (store-sh-01 viewer)"',
    "bench.customers --import-rows 300 --import-runs 1 --export-sizes 100 --search-customers 300 "
    "--search-rounds 2": '"search"',
    "bench.console --customers 300 --requests 2": "| search |",
    "bench.console_live --streams 3 --rounds 1 --requests 3 --events 3": "bus_to_stream: p50",
    "bench.gateway --rounds 1 --seconds 0.3 --requests 20": '"gateway_granian_added_p50_ms"',
}


@pytest.mark.parametrize("command", BENCHMARKS)
def test_the_benchmark_runs_to_its_figures(command, tmp_path):
    done = subprocess.run([sys.executable, "-m", *command.split()], cwd=ROOT, capture_output=True, text=True,
                          timeout=280)
    assert done.returncode == 0, done.stderr[-3000:]
    assert BENCHMARKS[command] in done.stdout, done.stdout[-3000:]
