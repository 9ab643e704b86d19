"""DuckDB resource settings (`[duckdb]`, MCO_DUCKDB_*) and the build profile's probes."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pytest

from pipelines import buildprofile
from pipelines.errors import ObservatoryError
from pipelines.settings import default_memory_limit, load, machine_memory, parse_memory

pytestmark = pytest.mark.unit


def config(tmp_path: Path, text: str) -> dict[str, str]:
    path = tmp_path / "observatory.toml"
    path.write_text(text, encoding="utf-8")
    return {"MCO_CONFIG": str(path)}


def test_defaults_come_from_the_machine(tmp_path):
    limits = load({"MCO_CONFIG": str(tmp_path / "none.toml")}).duckdb
    assert limits.memory_bytes == default_memory_limit() == max(machine_memory() // 4, 10**9)
    assert limits.thread_count == (os.cpu_count() or 1)
    assert limits.temp_directory is None


def test_the_file_sets_them_and_the_environment_wins(tmp_path):
    env = config(tmp_path, '[duckdb]\nmemory_limit = "3GB"\nthreads = 1\ntemp_directory = "/x/spill"\n')
    limits = load(env).duckdb
    assert (limits.memory_bytes, limits.thread_count, limits.temp_directory) == (
        3 * 10**9,
        1,
        Path("/x/spill"),
    )
    env |= {"MCO_DUCKDB_MEMORY_LIMIT": "1.5GiB", "MCO_DUCKDB_THREADS": "2", "MCO_DUCKDB_TEMP_DIRECTORY": "/y"}
    limits = load(env).duckdb
    assert (limits.memory_bytes, limits.thread_count, limits.temp_directory) == (
        int(1.5 * 2**30),
        2,
        Path("/y"),
    )


@pytest.mark.parametrize(
    ("text", "env", "message"),
    [
        ('[duckdb]\nmemory = "3GB"\n', {}, "unknown duckdb setting"),
        ("", {"MCO_DUCKDB_MEMORY_LIMIT": "lots"}, "must be a size"),
        ("", {"MCO_DUCKDB_MEMORY_LIMIT": "1MB"}, "too small"),
        ("", {"MCO_DUCKDB_THREADS": "two"}, "threads must be a whole number"),
        ("[duckdb]\nthreads = -1\n", {}, "threads must be a whole number"),
    ],
)
def test_a_bad_value_is_a_clear_error(tmp_path, text, env, message):
    with pytest.raises(ObservatoryError, match=message):
        load(config(tmp_path, text) | env)


def test_sizes_parse_in_decimal_binary_and_percent():
    assert parse_memory("512MB") == 512 * 10**6
    assert parse_memory("2 GiB") == 2 * 2**30
    assert parse_memory("50%") == machine_memory() // 2
    assert parse_memory("300000000") == 300_000_000


def test_configure_applies_the_limits(tmp_path):
    con = duckdb.connect()
    buildprofile.configure(con, 512 * 2**20, 1, tmp_path / "spill")
    limit, threads, temp = con.sql(
        "select current_setting('memory_limit'), current_setting('threads'), "
        "current_setting('temp_directory')"
    ).fetchall()[0]
    assert limit == "512.0 MiB" and threads == 1 and temp == str(tmp_path / "spill")
    assert (tmp_path / "spill").is_dir()


def test_unordered_restores_the_setting():
    con = duckdb.connect()
    with buildprofile.unordered(con):
        assert con.sql("select current_setting('preserve_insertion_order')").fetchall()[0][0] is False
    assert con.sql("select current_setting('preserve_insertion_order')").fetchall()[0][0] is True


def test_profile_records_each_step_with_its_memory_and_spill(tmp_path):
    (tmp_path / "a").write_bytes(b"x" * 5000)
    done = []
    with buildprofile.Profile(tmp_path, done.append, interval=0.01) as probe:
        probe.mark("first")
        block = bytearray(64 * 2**20)  # touched: resident while the step runs
        block[::4096] = b"y" * len(block[::4096])
        probe.mark("second")
        del block
    assert [s.name for s in probe.steps] == ["first", "second"] == [s.name for s in done]
    assert probe.steps[0].peak_rss >= 64 * 2**20
    assert all(s.seconds > 0 for s in probe.steps)
    assert buildprofile.folder_bytes(tmp_path) == 5000


def test_explain_analyze_runs_the_statement():
    con = duckdb.connect()
    plan = buildprofile.explain_analyze(con, "create table t as select range as x from range(10)")
    assert "Total Time" in plan or "QUERY" in plan.upper()
    assert con.sql("select count(*) from t").fetchall()[0][0] == 10
