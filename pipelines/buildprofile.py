"""Bound and watch a build's resources: DuckDB's memory limit, threads and spill folder, and (with
`mco build --profile`) each step's wall time, peak resident memory and spill, sampled while it runs.

Resident memory is read from /proc (the whole process: DuckDB's buffers, polars frames and Great
Expectations' pandas frames alike), spill as the size of the temp directory; both are sampled by a
background thread every `interval` seconds, so a short peak between two samples can be missed.
"""

from __future__ import annotations

import contextlib
import os
import resource
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def configure(con: duckdb.DuckDBPyConnection, memory_bytes: int, threads: int, temp_directory: Path) -> None:
    """Apply the limits to a build's connection; DuckDB spills to `temp_directory` beyond the limit.

    Insertion order stays on by default (see `unordered` for the blocks that drop it)."""
    temp_directory.mkdir(parents=True, exist_ok=True)
    con.execute(f"set memory_limit = '{int(memory_bytes)}B'")
    con.execute(f"set threads = {int(threads)}")
    con.execute("set temp_directory = ?", [str(temp_directory)])


@contextlib.contextmanager
def setting_off(con: duckdb.DuckDBPyConnection, name: str) -> Iterator[None]:
    """A boolean DuckDB setting turned off for the block, restored to what it was afterwards."""
    before = con.sql(f"select current_setting('{name}')").fetchall()[0][0]
    con.execute(f"set {name} = false")
    try:
        yield
    finally:
        con.execute(f"set {name} = {'true' if before else 'false'}")


@contextlib.contextmanager
def unordered(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Let DuckDB drop insertion order for the block (restored after): it then streams joins, windows
    and inserts instead of holding whole results in memory to keep their order. Only for statements
    whose results say their order with `order by` (the CSV reader's positional line numbers need it
    kept, so intake reads files outside such a block)."""
    with setting_off(con, "preserve_insertion_order"):
        yield


def rss_bytes() -> int:
    """The resident memory of this process now (0 where /proc is not available)."""
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * _PAGE
    except (OSError, ValueError, IndexError):
        return 0


def peak_rss_bytes() -> int:
    """The highest resident memory of this process so far, from the kernel's accounting."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def folder_bytes(path: Path) -> int:
    """Bytes of the files under `path` (files that vanish while counting are skipped)."""
    total = 0
    for root, _dirs, files in os.walk(path):
        for name in files:
            with contextlib.suppress(OSError):
                total += os.stat(os.path.join(root, name)).st_size
    return total


@dataclass
class Step:
    name: str
    seconds: float = 0.0
    cpu_seconds: float = 0.0  # CPU time of every thread of the process: steadier than wall on a busy machine
    peak_rss: int = 0
    peak_spill: int = 0


@dataclass
class Profile:
    """Per-step time, peak RSS and peak spill of a build; `mark(name)` ends one step and starts the next."""

    temp_directory: Path
    on_done: Callable[[Step], None] | None = None  # called with each step as it ends
    interval: float = 0.05
    steps: list[Step] = field(default_factory=list)
    _started: float = 0.0
    _cpu: float = 0.0
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __enter__(self) -> Profile:
        self._thread = threading.Thread(target=self._sample, name="mco-profile", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self.mark(None)
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def mark(self, name: str | None) -> None:
        now, cpu = time.perf_counter(), time.process_time()
        done = None
        with self._lock:
            if self.steps and not self.steps[-1].seconds:
                done = self.steps[-1]
                done.seconds = now - self._started
                done.cpu_seconds = cpu - self._cpu
                done.peak_rss = max(done.peak_rss, rss_bytes())
            if name is not None:
                self.steps.append(Step(name, peak_rss=rss_bytes()))
                self._started, self._cpu = now, cpu
        if done is not None and self.on_done is not None:
            self.on_done(done)

    def _sample(self) -> None:
        while not self._stop.wait(self.interval):
            rss, spill = rss_bytes(), folder_bytes(self.temp_directory)
            with self._lock:
                if self.steps:
                    step = self.steps[-1]
                    step.peak_rss = max(step.peak_rss, rss)
                    step.peak_spill = max(step.peak_spill, spill)

    @property
    def peak_spill(self) -> int:
        return max((s.peak_spill for s in self.steps), default=0)


def explain_analyze(con: duckdb.DuckDBPyConnection, sql: str) -> str:
    """DuckDB's EXPLAIN ANALYZE of a query (it runs the query): operator timings and row counts."""
    return "\n".join(str(r[-1]) for r in con.sql(f"explain analyze {sql}").fetchall())
