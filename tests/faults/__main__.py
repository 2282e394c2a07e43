"""`python -m tests.faults [--duration SECONDS] [--clients N] [--seed N]`: one fault run (`make faults`);
exits 1 when anything was lost, duplicated or unexpected."""
from __future__ import annotations

import argparse
import sys

from .run import run


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.faults", description=__doc__)
    parser.add_argument("--duration", type=float, default=60, help="seconds of workload and faults (default 60)")
    parser.add_argument("--clients", type=int, default=3, help="clients writing at once (default 3)")
    parser.add_argument("--seed", type=int, help="the faults' random seed (to run a schedule again)")
    options = parser.parse_args()
    return 0 if run(options.duration, options.clients, options.seed) else 1


if __name__ == "__main__":
    sys.exit(main())
