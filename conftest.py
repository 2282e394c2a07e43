"""How `make test` shares the suite between its workers (pytest-xdist, `-n 2`).

Each test module goes to one worker as a whole, so a module's system or servers (its module-scoped fixtures) are
started once; the browser tests are one unit, as they share one running system. The units that start whole
systems (tests/) go first and the quick modules fill the gaps, so the run does not end on one long unit
while the other worker sits idle. A run without workers is left as it is.
"""
from __future__ import annotations

import pytest

#: Tests that share one system (tests/browser/conftest.py, package-scoped: it stops after the last of them, with
#: the browser, so nothing of it lingers into the modules that worker runs next): one worker runs them all.
SHARED_SYSTEM = "tests/browser/"
#: The tests that start whole systems or servers of their own: the longest units.
SYSTEMS = "tests/"


def pytest_xdist_make_scheduler(config: pytest.Config, log):
    from xdist.scheduler import LoadScopeScheduling

    class ByModule(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return SHARED_SYSTEM if nodeid.startswith(SHARED_SYSTEM) else nodeid.split("::", 1)[0]

    config.option.loadscopereorder = False  # units in collection order, as the workers sorted it below
    return ByModule(config, log)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if hasattr(config, "workerinput"):  # a worker of an xdist run
        items.sort(key=lambda item: not item.nodeid.startswith(SYSTEMS))  # stable: each module keeps its order
