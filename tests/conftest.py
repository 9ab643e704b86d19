"""Shared fixtures: the warehouses every build-tier test reads, each built once per test run.

Every test belongs to exactly one tier, set by a module-level `pytestmark`:
  unit     no warehouse file: tiny inline frames, `duckdb.connect()` in memory, tmp_path files
  build    builds into a temporary warehouse, or reads one of the session's warehouses below
  browser  a real headless Chromium
`make test-fast` runs the unit tier alone (`pytest -m unit`); collection fails on a test without a tier.

The session's warehouses (`small_warehouse`, `tiny_build`, `small_two_builds`, `gated_tiny_build`) are
read-only for tests: a test that changes one copies it first. Under pytest-xdist (`make test` runs
`pytest -n auto`; tests/scheduling.py says which tests go together) each is built once per run, not once
per worker: the first worker to need it builds it under a file lock in the run's temporary folder and
the others reuse it (`shared` below). The workers share one throwaway pseudonymisation key for the same
reason: a warehouse built with another key would refuse the next build on top of it.
"""

from __future__ import annotations

import fcntl
import os
import pickle
import secrets
import shutil
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import pytest

from tests import scheduling

# An xdist worker's __main__ has neither __spec__ nor __file__. pyspark.sql.connect takes that for a doctest
# run and calls sys.exit(0) on import when its optional dependencies are missing, and Great Expectations
# imports it whenever pyspark is installed (the Spark engine's dependency): the worker would vanish.
# Naming the worker's main module makes that import fail as an ImportError, which GX expects.
_MAIN = sys.modules["__main__"]
if getattr(_MAIN, "__spec__", None) is None and not hasattr(_MAIN, "__file__"):
    _MAIN.__file__ = "<pytest worker>"

SMALL_SEED = 7
TIERS = ("unit", "build", "browser")
T = TypeVar("T")


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
    if worker := os.environ.get("PYTEST_XDIST_WORKER"):
        scheduling.order_and_record(items, config._tmp_path_factory.getbasetemp().parent, worker)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log):
    """`-n N`: tests sharing a fixture on one worker, heaviest groups first (tests/scheduling.py)."""
    return scheduling.make_scheduler(config, log)


def _run_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The temporary folder every process of this run shares: pytest's base folder, or under xdist the
    folder holding each worker's (the pattern pytest-xdist documents for session fixtures)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # blocks while another worker makes the same thing
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def shared(tmp_path_factory: pytest.TempPathFactory, name: str, make: Callable[[Path], T]) -> T:
    """`make(folder)` once per test run, whatever the number of xdist workers; its (picklable) value is
    kept beside the folder for the workers that ask later. A failed `make` leaves nothing behind, so the
    next worker tries again and fails the same way."""
    root = _run_root(tmp_path_factory) / "shared"
    folder, value_file = root / name, root / f"{name}.pickle"
    with _locked(root / f"{name}.lock"):
        if value_file.exists():
            return pickle.loads(value_file.read_bytes())
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        value = make(folder)
        value_file.write_bytes(pickle.dumps(value))
        return value


def _new_key_file(folder: Path) -> Path:
    key_file = folder / "pseudonym.key"
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_hex(32) + "\n")
    return key_file


@pytest.fixture(scope="session", autouse=True)
def _pseudonym_key(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Tests never touch the user's real key: they use a throwaway key file (one per run)."""
    os.environ["MCO_KEY_FILE"] = str(shared(tmp_path_factory, "secrets", _new_key_file))
    os.environ.pop("MCO_PSEUDONYM_KEY", None)


def _generate_small(folder: Path) -> Path:
    from pipelines.generate import generate

    generate("small", SMALL_SEED, folder)
    return folder


def _build_small(raw: Path) -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        from pipelines.build import build

        warehouse = folder / "warehouse.duckdb"
        build(raw, warehouse, gate=False)
        return warehouse

    return make


@pytest.fixture(scope="session")
def small_raw(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The `small` sample ecosystem (seed 7), generated once per run. Read-only."""
    return shared(tmp_path_factory, "small_raw", _generate_small)


@pytest.fixture(scope="session")
def small_warehouse(small_raw: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small ecosystem built without the Great Expectations gate: tests/quality/test_gate_small.py
    runs the gate on this very warehouse, the other tests only read its tables. Read-only."""
    return shared(tmp_path_factory, "small_warehouse", _build_small(small_raw))


def build_twice(raw: Path, workdir: Path) -> Path:
    """A warehouse with two builds of history: one with a delivery missing, then the complete one.

    The second (current) build reads exactly `raw`, so its figures equal the `small_warehouse` fixture's.
    """
    from pipelines.build import build

    partial = workdir / "raw_partial"
    shutil.copytree(raw, partial)
    latest = max(partial.glob("awards_20*.csv"))
    latest.unlink()  # its awards go missing: their pathway events and outcomes become orphans
    warehouse = workdir / "two_builds.duckdb"
    build(partial, warehouse, gate=False)
    build(raw, warehouse, gate=False)  # as small_warehouse is built
    return warehouse


@pytest.fixture(scope="session")
def small_two_builds(small_raw: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`build_twice(small_raw)`: the data-quality page's trend (AppTest and browser) and the check that a
    build on top of another gives the tables of a fresh one. Read-only."""
    return shared(tmp_path_factory, "small_two_builds", lambda folder: build_twice(small_raw, folder))


def _build_tiny(folder: Path):
    from pipelines.build import build
    from tests.tiny import write_tiny

    raw = write_tiny(folder / "raw")
    warehouse = folder / "warehouse.duckdb"
    return raw, warehouse, build(raw, warehouse, gate=False, max_quarantine_share=1.0)


@pytest.fixture(scope="session")
def tiny_build(tmp_path_factory: pytest.TempPathFactory):
    """(raw, warehouse, BuildResult) of the hand-written tiny delivery (tests/tiny.py), built without the
    gate and with every quarantine share allowed. Read-only: copy the warehouse to build on top of it."""
    return shared(tmp_path_factory, "tiny_build", _build_tiny)


def _build_tiny_gated(folder: Path):
    """The tiny delivery built with the gate, from relative paths (as `make run` passes them)."""
    from pipelines.build import build
    from tests.tiny import write_tiny

    write_tiny(folder / "raw")
    before = Path.cwd()
    os.chdir(folder)
    try:
        result = build(Path("raw"), Path("curated/warehouse.duckdb"), max_quarantine_share=1.0)
    finally:
        os.chdir(before)
    return folder, result


@pytest.fixture(scope="session")
def gated_tiny_build(tmp_path_factory: pytest.TempPathFactory):
    """(folder, BuildResult): `folder/raw` built into `folder/curated/warehouse.duckdb` with the Great
    Expectations gate, the result's paths relative to `folder`. Read-only: copy `folder/curated` first."""
    return shared(tmp_path_factory, "gated_tiny_build", _build_tiny_gated)
