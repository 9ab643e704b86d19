"""The Spark engine end to end: the `small` ecosystem built with `--engine spark` equals the DuckDB
build table for table (the cube cell for cell) and the ground truth, and a failed Spark job leaves the
last good warehouse as it was. One Spark session for the whole module (about 20 s to start, more under
load), so the tests are grouped onto one xdist worker and kept to few Spark queries."""

from __future__ import annotations

import hashlib
import json
import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest

from pipelines import cellkey
from pipelines.build import build
from pipelines.errors import BuildFailed
from pipelines.spark import run as spark_run
from pipelines.spark.session import spark_session
from pipelines.spark.transpile import to_spark
from pipelines.warehouse import rows
from tests.tiny import write_tiny

pytestmark = [pytest.mark.build, pytest.mark.xdist_group("spark")]

# Tables that differ between any two builds (when they ran) rather than between engines.
PER_RUN = {"build_info", "build_history", "load_history", "quality_history"}


@pytest.fixture(scope="session")
def spark_small(small_raw: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small ecosystem built on Spark, as `small_warehouse` is on DuckDB (no gate). Read-only."""
    warehouse = tmp_path_factory.mktemp("spark") / "warehouse.duckdb"
    build(small_raw, warehouse, gate=False, engine="spark")
    return warehouse


def _tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    names = rows(con, "select table_name from information_schema.tables order by table_name")
    return [t for (t,) in names if t not in PER_RUN]


def _schema(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple]:
    return rows(
        con,
        "select column_name, data_type from information_schema.columns where table_name = ? "
        "order by ordinal_position",
        [table],
    )


@pytest.mark.cost(70)  # the Spark session and the small build on it
def test_every_table_equals_the_duckdb_build(spark_small, small_warehouse):
    """Same tables, column types, rows and row order: staging, quarantine and accounting (shared), every
    curated table and mart (Spark), and the cubes computed from them, public cube cell for cell."""
    spark = duckdb.connect(str(spark_small), read_only=True)
    duck = duckdb.connect(str(small_warehouse), read_only=True)
    assert _tables(spark) == _tables(duck)
    assert {"pub_indicator_cube", "mart_indicator_cube", "mart_programme", "quarantine"} <= set(_tables(duck))
    for table in _tables(duck):
        assert _schema(spark, table) == _schema(duck, table), table
        assert rows(spark, f"select * from {table}") == rows(duck, f"select * from {table}"), table
    assert rows(spark, "select build_id, rows_in, rows_loaded, rows_quarantined from build_info") == rows(
        duck, "select build_id, rows_in, rows_loaded, rows_quarantined from build_info"
    )


def test_the_spark_cube_equals_the_ground_truth(spark_small, small_raw):
    truth = json.loads((small_raw / "ground_truth.json").read_text())["indicators"]
    con = duckdb.connect(str(spark_small), read_only=True)
    cube = {
        i: (n, d, v)
        for i, n, d, v in rows(
            con,
            "select indicator_id, numerator, denominator, value from mart_indicator_cube "
            "where breakdown = 'overall'",
        )
    }
    checked = 0
    for indicator, want in truth.items():
        overall = want["overall"]
        if indicator not in cube or overall.get("numerator") is None:
            continue
        numerator, denominator, _ = cube[indicator]
        assert numerator == pytest.approx(overall["numerator"]), indicator
        if overall.get("denominator") is not None:
            assert denominator == pytest.approx(overall["denominator"]), indicator
        checked += 1
    assert checked >= 20


def test_record_keys_are_the_same_on_spark(spark_small):
    """The cell-key method's record keys, computed by Spark from its md5, equal DuckDB's macro's."""
    values = ["", "a", "learner|award-1", "é漢字", None]
    duck = duckdb.connect()
    duck.execute(cellkey.RECORD_KEY_MACRO)
    want = [duck.execute("select record_key(?::varchar)", [v]).fetchone()[0] for v in values]
    literals = ", ".join("cast(null as string)" if v is None else f"'{v}'" for v in values)
    sql = to_spark(f"select record_key(x) as k from (select unnest([{literals}]) as x)", date(2025, 12, 31))
    got = [r.k for r in spark_session().sql(sql).collect()]
    assert got == want


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_failed_spark_job_leaves_the_last_warehouse_untouched(spark_small, tmp_path, monkeypatch):
    """The next delivery (TINY: staging is quick) fails on Spark in its first model."""
    raw = write_tiny(tmp_path / "raw")
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(spark_small, warehouse)
    before = _digest(warehouse)
    real = spark_run.to_spark

    def failing(sql, cutoff, *, name="model", ordered=True):
        if name == "dim_credential":  # fails while the job runs (not when Spark plans it)
            return "select raise_error('injected failure') as x from stg_credentials"
        return real(sql, cutoff, name=name, ordered=ordered)

    monkeypatch.setattr(spark_run, "to_spark", failing)
    with pytest.raises(BuildFailed, match="building dim_credential on Spark failed") as caught:
        build(raw, warehouse, gate=False, engine="spark", max_quarantine_share=1.0)
    assert caught.value.path.name == "dim_credential.sql"
    assert _digest(warehouse) == before
    left = sorted(p.name for p in tmp_path.iterdir() if ".building-" in p.name)
    assert left == []  # neither the temporary warehouse nor its Parquet lake
