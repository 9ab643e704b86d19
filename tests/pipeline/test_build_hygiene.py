"""Build hygiene: one build per warehouse, clean stops on signals, no leftovers, Data Docs only for the
build that is swapped in, and a warehouse path with a quote keeps its history."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

import pipelines.build as build_module
import pipelines.quality.gate as gate_module
from pipelines.build import build
from pipelines.buildguard import build_lock, lock_path, remove_stale
from pipelines.errors import BuildFailed
from pipelines.warehouse import rows
from tests.tiny import write_tiny

pytestmark = pytest.mark.build

ROOT = Path(__file__).resolve().parents[2]


def _mco_build(raw: Path, warehouse: Path, *extra: str, **popen) -> subprocess.Popen:
    command = [
        sys.executable,
        "-m",
        "pipelines.cli",
        "build",
        "--raw",
        str(raw),
        "--warehouse",
        str(warehouse),
    ]
    command += ["--no-gate", "--max-quarantine-share", "1", *extra]
    return subprocess.Popen(command, cwd=ROOT, text=True, **popen)


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if ".building-" in p.name or p.name.endswith(".lock"))


def _words(text: str) -> str:
    return " ".join(text.split())  # the CLI wraps long messages


def test_a_second_build_fails_at_once_naming_the_first(tmp_path):
    raw = write_tiny(tmp_path / "raw")
    warehouse = tmp_path / "w.duckdb"
    with build_lock(warehouse):
        assert lock_path(warehouse).exists()
        with pytest.raises(BuildFailed) as failed:
            build(raw, warehouse, gate=False, max_quarantine_share=1.0)
    message = str(failed.value)
    assert f"another build of this warehouse is running (pid {os.getpid()}, started 20" in message
    assert "--wait SECONDS" in message
    assert not warehouse.exists() and not lock_path(warehouse).exists()
    with build_lock(warehouse):  # released on the way out of the failed build too
        pass


def test_the_lock_is_released_when_the_build_fails(tmp_path):
    warehouse = tmp_path / "w.duckdb"
    (tmp_path / "raw").mkdir()
    (tmp_path / "raw" / "awards.csv").write_text("award_id\n")
    with pytest.raises(BuildFailed):
        build(tmp_path / "raw", warehouse, gate=False)
    assert _leftovers(tmp_path) == []
    with build_lock(warehouse):
        pass


def test_wait_lets_the_second_build_run_after_the_first(tmp_path):
    raw = write_tiny(tmp_path / "raw")
    warehouse = tmp_path / "w.duckdb"
    with build_lock(warehouse):
        proc = _mco_build(raw, warehouse, "--wait", "600", stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            first = proc.stderr.readline()  # the build says it waits, naming the holder
            assert "Waiting up to 600 s" in first and f"pid {os.getpid()}" in first, first
        except BaseException:
            proc.kill()
            raise
    out, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err
    assert "Built" in out and warehouse.exists()
    assert _leftovers(tmp_path) == []


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_stops_the_build_and_cleans_up(tmp_path, signum):
    raw = write_tiny(tmp_path / "raw")
    warehouse = tmp_path / "w.duckdb"
    warehouse.write_bytes(b"the previous warehouse")  # must come through untouched
    proc = _mco_build(raw, warehouse, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    temporary = tmp_path / f".w.duckdb.building-{proc.pid}"
    try:
        deadline = time.monotonic() + 300
        while not temporary.exists():
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the build never created its temporary file"
            time.sleep(0.05)
        proc.send_signal(signum)
        out, err = proc.communicate(timeout=300)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 128 + signum, err
    lines = err.strip().splitlines()
    assert (
        len(lines) == 1 and lines[0].startswith("Interrupted: ") and signal.Signals(signum).name in lines[0]
    )
    assert "previous warehouse is unchanged" in lines[0]
    assert warehouse.read_bytes() == b"the previous warehouse"
    assert _leftovers(tmp_path) == []  # no .building-<pid>, no .wal, no lock file
    with build_lock(warehouse):
        pass


def test_stale_files_of_dead_builds_go_and_a_quoted_path_keeps_its_history(tiny_build, tmp_path):
    raw, built, first = tiny_build  # TINY's warehouse, the last good build: copied in, then built on
    folder = tmp_path / "it's a 'test'"
    folder.mkdir()
    warehouse = folder / "w.duckdb"
    shutil.copyfile(built, warehouse)
    dead = _dead_pid()
    stale = [folder / f".w.duckdb.building-{dead}", folder / f".w.duckdb.building-{dead}.wal"]
    for p in stale:
        p.write_bytes(b"x" * 1000)
    stale_docs = folder / "data_docs" / f".0123456789abcdef.building-{dead}"
    stale_docs.mkdir(parents=True)
    (stale_docs / "index.html").write_text("half a site")
    live = folder / f".w.duckdb.building-{os.getppid()}"  # a live process: maybe an older builder
    live.write_bytes(b"y")
    other = folder / f".other.duckdb.building-{dead}"  # another warehouse's: not ours to judge
    other.write_bytes(b"z")

    steps: list[str] = []
    second = build(
        raw,
        warehouse,
        gate=False,
        max_quarantine_share=1.0,
        cutoff=first.cutoff.replace(day=30),
        on_step=steps.append,
    )
    assert not any(p.exists() for p in [*stale, stale_docs])
    assert live.exists() and other.exists()
    assert any(f"removed .w.duckdb.building-{dead}" in s for s in steps)
    assert second.build_id != first.build_id
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        history = [b for (b,) in rows(con, "select build_id from build_history order by built_at")]
        loads = rows(con, "select count(distinct build_id) from load_history")[0][0]
    finally:
        con.close()
    assert history == [first.build_id, second.build_id]
    assert loads == 2
    assert sorted(_leftovers(folder)) == sorted([live.name, other.name])


def test_remove_stale_keeps_files_of_live_builds(tmp_path):
    warehouse = tmp_path / "w.duckdb"
    mine = tmp_path / f".w.duckdb.building-{os.getpid()}"  # this process is not building: a leftover
    live = tmp_path / f".w.duckdb.building-{os.getppid()}"
    junk = tmp_path / ".w.duckdb.building-notapid"
    for p in (mine, live, junk):
        p.write_text("x")
    assert remove_stale(warehouse) == [mine]
    assert live.exists() and junk.exists()


def test_data_docs_only_for_the_build_that_is_swapped_in(gated_tiny_build, tmp_path, monkeypatch):
    built, good = gated_tiny_build  # TINY built with the gate: the last good build, copied in
    shutil.copytree(built, tmp_path / "run")
    raw = tmp_path / "run" / "raw"
    warehouse = tmp_path / "run" / "curated" / "warehouse.duckdb"
    docs_root = warehouse.parent / "data_docs"
    assert tmp_path / "run" / good.data_docs == docs_root / good.build_id / "index.html"  # relative to run/
    assert (docs_root / good.build_id / "index.html").is_file()
    assert sorted(p.name for p in docs_root.iterdir()) == [good.build_id]
    pages = [p.read_text(errors="replace") for p in (docs_root / good.build_id).rglob("*.html")]
    assert pages and not any(".building-" in page for page in pages)  # no link into the temporary folder
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        assert rows(con, "select data_docs from build_info")[0][0] == f"data_docs/{good.build_id}/index.html"
    finally:
        con.close()
    before = warehouse.read_bytes()

    def fail(*_args):
        raise BuildFailed("stopped after the gate, before the swap")

    monkeypatch.setattr(build_module, "_history", fail)
    # the failed build's gate writes its Data Docs as every gate does; two suites are enough for that
    two = {n: s for n, s in gate_module.build_suites().items() if n in ("stg_awards", "fct_award")}
    monkeypatch.setattr(gate_module, "build_suites", lambda: two)
    with pytest.raises(BuildFailed, match="before the swap"):
        build(raw, warehouse, max_quarantine_share=1.0, cutoff=good.cutoff.replace(day=30))
    assert sorted(p.name for p in docs_root.iterdir()) == [good.build_id]  # the failed build left none
    assert warehouse.read_bytes() == before
    assert _leftovers(tmp_path) == []


def test_build_options_wait_and_new_key_reach_the_build(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from pipelines.cli import app

    seen = {}

    def fake_build(raw, warehouse, **kwargs):
        seen.update(kwargs)
        raise BuildFailed("stop here")

    monkeypatch.setattr(build_module, "build", fake_build)
    args = ["build", "--raw", str(tmp_path), "--warehouse", str(tmp_path / "w.duckdb")]
    CliRunner().invoke(app, [*args, "--wait", "2.5", "--new-key"])
    assert seen["wait"] == 2.5 and seen["new_key"] is True and callable(seen["on_wait"])
    CliRunner().invoke(app, args)
    assert seen["wait"] is None and seen["new_key"] is False
