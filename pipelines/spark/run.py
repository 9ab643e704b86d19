"""Build the curated tables and marts on Spark SQL, and bring them back into the build's DuckDB file.

The models run in the order DuckDB builds them (pipelines.sql.models.sql_build_order), each transpiled
from its one SQL file. Spark writes each result to the lake (`<lake>/<layer>/<table>/`) and reads it back
for the models after it. Every table then comes into DuckDB with the column types DuckDB itself would
have given it (DESCRIBE of the same model on the tables already imported) and the model's own order, so
what follows (quality gate, indicator cube, impact tables, releases, dashboard) cannot tell the engines
apart. A failed Spark statement raises BuildFailed naming the model: the build then discards its
temporary warehouse and lake, and the last good warehouse stays in place.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterable
from datetime import date
from pathlib import Path

import duckdb

from pipelines.errors import BuildFailed
from pipelines.spark.lake import PARTITION, PARTITION_DATE, write_sources
from pipelines.spark.session import spark_session
from pipelines.spark.transpile import TranspileError, to_spark
from pipelines.sql.models import Model, sql_build_order


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "desc", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _order_by(sql: str) -> str:
    """The ORDER BY of a model's outer select (DuckDB dialect), or '' without one."""
    import sqlglot

    order = sqlglot.parse_one(sql, read="duckdb").args.get("order")
    return f" {order.sql(dialect='duckdb')}" if order is not None else ""


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def run_models(
    con: duckdb.DuckDBPyConnection,
    lake: Path,
    cutoff: date,
    step: Callable[[str], None],
    order: Iterable[Model] | None = None,
) -> None:
    """Every SQL model on Spark from the source tables in `con`, then into `con` as tables.

    `lake` is a folder this build owns (created here, removed when done, failed or not)."""
    order = tuple(order if order is not None else sql_build_order())
    spark = spark_session()
    lake.mkdir(parents=True, exist_ok=False)
    views: list[str] = []
    try:
        step("Parquet lake (Spark)")
        for table, folder in write_sources(con, lake).items():
            frame = spark.read.option("basePath", str(folder)).parquet(str(folder))
            if table in PARTITION_DATE and PARTITION in frame.columns:
                frame = frame.drop(PARTITION)
            frame.createOrReplaceTempView(table)
            views.append(table)
        layer = None
        for model in order:
            if model.layer != layer:
                layer = model.layer
                step(f"{layer} (Spark)")
            out = lake / model.layer / model.name
            try:
                sql = to_spark(model.sql, cutoff, name=model.name, ordered=False)
                spark.sql(sql).write.parquet(str(out))
            except TranspileError as exc:
                raise BuildFailed(str(exc), model.sql_path) from None
            except Exception as exc:  # AnalysisException, Py4JJavaError, …: no common base class
                message = f"building {model.name} on Spark failed: {_first_line(exc)}"
                raise BuildFailed(message, model.sql_path) from None
            spark.read.parquet(str(out)).createOrReplaceTempView(model.name)
            views.append(model.name)
        step("marts into DuckDB")
        for model in order:
            _import(con, model, lake / model.layer / model.name)
    finally:
        for view in views:
            spark.catalog.dropTempView(view)
        shutil.rmtree(lake, ignore_errors=True)


def _import(con: duckdb.DuckDBPyConnection, model: Model, folder: Path) -> None:
    """One Spark result into DuckDB, with the types and row order DuckDB's own build gives it."""
    try:
        typed = con.execute(f"select column_name, column_type from (describe {model.sql})").fetchall()
        columns = ", ".join(f"cast({_quoted(c)} as {t}) as {_quoted(c)}" for c, t in typed)
        con.execute(
            f"create or replace table {model.name} as select {columns} "
            f"from read_parquet('{folder}/*.parquet'){_order_by(model.sql)}"
        )
    except duckdb.Error as exc:
        message = f"bringing {model.name} back from Spark failed: {str(exc).splitlines()[0]}"
        raise BuildFailed(message, model.sql_path) from None
