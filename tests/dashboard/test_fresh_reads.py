"""Fresh reads without a browser: after a rebuild renames a new file over the warehouse, the dashboard's
next page run sees the new file (DuckDB alone would keep serving the replaced one)."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pytest

from dashboard import connection, data

pytestmark = pytest.mark.unit


def _write(path: Path, build_id: str, value: int) -> None:
    """A stand-in warehouse, written beside the target and renamed over it, as `mco build` does."""
    tmp = path.with_name(f".{path.name}.building-test")
    con = duckdb.connect(str(tmp))
    con.execute("create table build_info as select ? as build_id", [build_id])
    con.execute("create table t as select ? as v", [value])
    con.close()
    os.replace(tmp, path)


def _value(con: duckdb.DuckDBPyConnection) -> int:
    return con.sql("select v from t").fetchall()[0][0]


def test_a_new_file_has_a_new_identity(tmp_path):
    path = tmp_path / "w.duckdb"
    _write(path, "b1", 1)
    first = connection.file_identity(path)
    assert connection.file_identity(path) == first  # nothing changed: the same key, the cache holds
    _write(path, "b2", 2)
    assert connection.file_identity(path) != first


def test_open_readonly_sees_the_file_now_while_older_connections_keep_theirs(tmp_path):
    path = tmp_path / "w.duckdb"
    _write(path, "b1", 1)
    plain = duckdb.connect(str(path), read_only=True)
    old = connection.open_readonly(path)
    _write(path, "b2", 2)
    try:
        # what the dashboard did before: the path's open instance, i.e. the replaced file
        again = duckdb.connect(str(path), read_only=True)
        assert _value(again) == 1
        again.close()
        new = connection.open_readonly(path)
        cur = connection.cursor(new)
        assert _value(cur) == 2
        assert cur.sql("select current_database()").fetchall()[0][0] == connection.ALIAS
        cur.close()
        old_cur = connection.cursor(old)
        assert _value(old_cur) == 1  # queries still running on the old build finish on it
        old_cur.close()
        new.close()
    finally:
        plain.close()
        old.close()


def test_the_next_page_run_reads_the_new_build(tmp_path, monkeypatch):
    path = tmp_path / "w.duckdb"
    monkeypatch.setenv(data.ENV_WAREHOUSE, str(path))
    _write(path, "first-build", 1)
    before = data.require_warehouse()
    assert data.build_info(before)["build_id"] == "first-build"
    _write(path, "second-build", 2)
    after = data.require_warehouse()
    assert after != before and after.path == before.path
    assert data.build_info(after)["build_id"] == "second-build"
    assert data.table_names(after) == frozenset({"build_info", "t"})
