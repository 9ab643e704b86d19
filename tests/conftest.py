"""Shared fixtures: one small generated ecosystem and one warehouse built from it per test session.

Every test belongs to exactly one tier, set by a module-level `pytestmark`:
  unit     no warehouse file: tiny inline frames, `duckdb.connect()` in memory, tmp_path files
  build    builds into a temporary warehouse, or reads the session's `small_warehouse`/`small_raw`
  browser  a real headless Chromium
`make test-fast` runs the unit tier alone (`pytest -m unit`); collection fails on a test without a tier.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SMALL_SEED = 7
TIERS = ("unit", "build", "browser")


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects anything: every collected test is checked
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    untiered, mixed = [], []
    for item in items:
        tiers = {t for t in TIERS if item.get_closest_marker(t) is not None}
        if not tiers:
            untiered.append(item.nodeid)
        elif len(tiers) > 1:
            mixed.append(f"{item.nodeid} ({', '.join(sorted(tiers))})")
    problems = []
    if untiered:
        problems.append(
            f"{len(untiered)} test(s) have no tier marker: give the module a "
            "`pytestmark = pytest.mark.unit` (no warehouse file), `pytest.mark.build` (builds or uses "
            "small_warehouse/small_raw) or `pytest.mark.browser` (real Chromium):\n  " + "\n  ".join(untiered)
        )
    if mixed:
        problems.append(f"{len(mixed)} test(s) have more than one tier marker:\n  " + "\n  ".join(mixed))
    if problems:
        raise pytest.UsageError("\n".join(problems))


@pytest.fixture(scope="session", autouse=True)
def _pseudonym_key(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Tests never touch the user's real key: they use a throwaway key file."""
    key_file = tmp_path_factory.mktemp("secrets") / "pseudonym.key"
    os.environ["MCO_KEY_FILE"] = str(key_file)
    os.environ.pop("MCO_PSEUDONYM_KEY", None)


@pytest.fixture(scope="session")
def small_raw(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from pipelines.generate import generate

    out = tmp_path_factory.mktemp("raw")
    generate("small", SMALL_SEED, out)
    return out


@pytest.fixture(scope="session")
def small_warehouse(small_raw: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small ecosystem built without the Great Expectations gate: tests/quality/test_gate_small.py
    runs the gate on this very warehouse, the other tests only read its tables."""
    from pipelines.build import build

    warehouse = tmp_path_factory.mktemp("curated") / "warehouse.duckdb"
    build(small_raw, warehouse, gate=False)
    return warehouse
