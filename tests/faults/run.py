"""A whole run: boot, workload and faults together, settle, check, print the table; the verdict."""
from __future__ import annotations

import random
import shutil
import tempfile
import threading
import time
from pathlib import Path

from . import checks, table, workload
from .nemesis import Nemesis
from .system import booted

#: How long the system may take to settle (outboxes drained, queues emptied, notifications sent) after the run.
SETTLE = 180.0


def settle(rig, ledger, poison) -> list[checks.Result]:
    """Check every few seconds until nothing is missing or `SETTLE` seconds have passed; the last results."""
    deadline = time.monotonic() + SETTLE
    while True:
        results = checks.everything(rig, ledger, poison)
        if not any(result.failed for result in results) or time.monotonic() > deadline:
            return results
        time.sleep(3)


def run(seconds: float, clients: int = 3, seed: int | None = None, folder: Path | None = None) -> bool:
    """Run for `seconds` (at least one round of every fault); print the table; True when nothing was lost,
    duplicated or unexpected. The servers' data and the processes' logs are in `folder` (a temporary one, deleted
    after a run that passed, unless given)."""
    seed = random.randrange(10**6) if seed is None else seed
    own_folder = folder is None
    folder = folder or Path(tempfile.mkdtemp(prefix="guanxi-faults-"))
    print(f"fault run: {seconds:.0f} s, {clients} clients, seed {seed}, logs in {folder}", flush=True)
    started = time.monotonic()
    with booted(folder) as rig:
        rig.await_consumers()
        print(f"booted in {time.monotonic() - started:.0f} s", flush=True)
        workload.prepare(rig.system.gateway)
        ledger, stop = workload.Ledger(), threading.Event()
        driver = threading.Thread(target=workload.drive, args=(rig.system.gateway, stop, clients, ledger))
        driver.start()
        nemesis = Nemesis(rig, ledger, seed)
        try:
            nemesis.run(seconds)
        finally:
            stop.set()
            driver.join()
        settled = time.monotonic()
        rows = settle(rig, ledger, nemesis.poison)
        rows += [checks.Result("writes refused (4xx)", 0, unexpected=len(ledger.refused))]
        rows += table.recovery_rows(nemesis.recoveries)
        print(f"\nsettled in {time.monotonic() - settled:.0f} s; {sum(map(len, ledger.acked.values()))} records "
              f"acknowledged ({', '.join(f'{len(v)} {k}' for k, v in ledger.acked.items())}); {ledger.retries} "
              f"writes sent again; {len(ledger.indeterminate)} stories stopped on a write of unknown outcome")
        for line in ledger.refused[:5] + ledger.indeterminate[:5]:
            print(f"  {line}")
        for row in rows:
            if row.failed:
                print(f"  {row.check}: {', '.join(row.examples)}")
                for record in dict.fromkeys(example.split("@")[0] for example in row.examples):
                    for line in ledger.trails.get(record, []):  # what the client saw of that record's writes
                        print(f"    {line}")
        print(table.render(rows))
        print(table.verdict(rows))
        passed = not any(row.failed for row in rows)
    print(f"whole run: {time.monotonic() - started:.0f} s" + ("" if passed else f"; logs kept in {folder}"), flush=True)
    if passed and own_folder:
        shutil.rmtree(folder, ignore_errors=True)
    return passed
