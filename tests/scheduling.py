"""How `make test` spreads the tests over pytest-xdist workers (hooks in tests/conftest.py).

Tests that share a fixture wider than one test run on one worker, so that the fixture is set up once:
a module-scoped fixture keeps its module together, a session fixture of a folder's conftest.py keeps
the folder together (tests/api: one app and one release per run). The browser tests go one by one
(module by module where a module fixture binds them): a worker that runs one starts its own Streamlit
server and Chromium, seconds against the minutes the browser tests would take on one worker. The root
conftest's warehouses need no group: `shared` builds each once for all workers. Every other test goes
to whichever worker is free.

The longest groups go first (by a rough weight per tier, or a test's own `cost` marker in seconds where
it is far from its tier's), so that no worker is left with a long group at the end while the other
idles.

pytest-xdist's own `--dist loadgroup` cannot be used: it renames the test ids, which pytest 9 no longer
allows, so its groups are silently ignored. Instead the workers write each test's group to the run's
temporary folder while collecting, and the controller's scheduler (a LoadScopeScheduling whose scope
is that group) reads it once collection is complete.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

ROOT_NODEID = "tests"  # the root conftest's fixtures: shared by all workers (see `shared`), no group
SPLIT_BY_MODULE = {"tests/browser"}  # folders whose session fixtures each worker may set up for itself
WEIGHT = {"browser": 20.0, "build": 2.0, "unit": 0.2}  # rough seconds per test, for the order only


def group_of(item: pytest.Item) -> str:
    """The test's work unit: a folder, a module, or (sharing nothing) the test itself."""
    info = getattr(item, "_fixtureinfo", None)
    module = item.nodeid.split("::")[0]
    shared = [
        d
        for defs in (info.name2fixturedefs.values() if info is not None else ())
        for d in defs
        if d.scope != "function" and d.baseid not in ("", ROOT_NODEID)
    ]
    for d in shared:
        if d.scope in ("session", "package") and d.baseid not in SPLIT_BY_MODULE:
            return d.baseid
    # a session fixture of a SPLIT_BY_MODULE folder is set up per worker: only a narrower one binds
    return module if any(d.scope not in ("session", "package") for d in shared) else item.nodeid


def _weight(item: pytest.Item) -> float:
    """Rough seconds: the test's `cost` marker where it has one (the few long tests), else its tier's."""
    cost = item.get_closest_marker("cost")
    if cost is not None:
        return float(cost.args[0])
    return next((w for tier, w in WEIGHT.items() if item.get_closest_marker(tier) is not None), 1.0)


def order_and_record(items: list[pytest.Item], run_root: Path, worker: str) -> None:
    """In a worker: put the heaviest groups first (each group's tests keep their order) and write every
    test's group for the controller's scheduler."""
    groups = {item.nodeid: group_of(item) for item in items}
    weight: dict[str, float] = {}
    first: dict[str, int] = {}
    for i, item in enumerate(items):
        g = groups[item.nodeid]
        weight[g] = weight.get(g, 0.0) + _weight(item)
        first.setdefault(g, i)
    items.sort(key=lambda item: (-weight[groups[item.nodeid]], first[groups[item.nodeid]]))
    run_root.mkdir(parents=True, exist_ok=True)
    target = run_root / f"xdist-groups-{worker}.json"
    partial = target.with_suffix(".part")
    partial.write_text(json.dumps(groups))
    os.replace(partial, target)


def make_scheduler(config: pytest.Config, log):
    from xdist.scheduler import LoadScopeScheduling

    class GroupScheduling(LoadScopeScheduling):
        """LoadScopeScheduling with the workers' groups as scopes, in the workers' (heaviest-first) order."""

        def __init__(self, config: pytest.Config, log=None) -> None:
            super().__init__(config, log)
            self._root = config._tmp_path_factory.getbasetemp()  # the workers' basetemps are below it
            self._groups: dict[str, str] | None = None

        def _split_scope(self, nodeid: str) -> str:
            if self._groups is None:  # first asked once every worker has collected
                self._groups = {}
                for path in sorted(self._root.glob("xdist-groups-*.json")):
                    self._groups.update(json.loads(path.read_text()))
            return self._groups.get(nodeid, nodeid)

    config.option.loadscopereorder = False  # keep the workers' order: heaviest groups first
    return GroupScheduling(config, log)
