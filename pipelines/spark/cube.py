"""The indicator cube's queries on Spark: the same engine, its aggregations run by Spark SQL.

`SparkQueries` stands in for the DuckDB connection the indicator engine (pipelines.indicators.engine)
is given: each query it sends (DuckDB dialect, `?` parameters) is transpiled like a model and run on
Spark over the marts, and the answer comes back as polars, so the disclosure step (cell-key
perturbation, primary and secondary suppression) is the very same code on both engines. The build's
cube step stays in DuckDB (its queries are small aggregations of the marts, which are in DuckDB
anyway); this is how the two are compared (`spark_cube`, benchmarks/bench_spark.py --cube).

Not every cube query is portable: the registry's list aggregates (`list_sum(list_transform(list(
distinct {…})))`, `list_aggregate(…, 'median')`) and the Annex I element query's `unnest` are DuckDB
functions SQLGlot does not carry. Such a query is answered by DuckDB from the same marts and counted in
`fallbacks`, so the comparison says exactly which part of the cube ran where.
"""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path

import duckdb
import polars as pl

from pipelines.indicators.engine import BREAKDOWNS, compute, published, raw
from pipelines.spark.session import spark_session
from pipelines.spark.transpile import to_spark
from pipelines.sql.models import models
from pipelines.warehouse import scalar


def _literal(value):
    from sqlglot import exp

    if value is None:
        return exp.null()
    if isinstance(value, bool):
        return exp.Boolean(this=value)
    if isinstance(value, int | float):
        return exp.Literal.number(value)
    if isinstance(value, date):
        return exp.cast(exp.Literal.string(value.isoformat()), "date")
    if isinstance(value, list | tuple):
        return exp.Array(expressions=[_literal(v) for v in value])
    return exp.Literal.string(str(value))


def bind(sql: str, params: list | None) -> str:
    """`sql` with its `?` placeholders replaced, in order, by the parameters as SQL literals."""
    if not params:
        return sql
    import sqlglot
    from sqlglot import exp

    tree = sqlglot.parse_one(sql, read="duckdb")
    holes = list(tree.find_all(exp.Placeholder, bfs=False))
    holes.sort(key=lambda h: (h.meta.get("line", 0), h.meta.get("col", 0)))
    if len(holes) != len(params):
        raise ValueError(f"{len(holes)} placeholders for {len(params)} parameters in: {sql}")
    for hole, value in zip(holes, params, strict=True):
        hole.replace(_literal(value))
    return tree.sql(dialect="duckdb")


class _Answer:
    def __init__(self, frame):
        self.frame = frame

    def pl(self) -> pl.DataFrame:
        return pl.from_arrow(self.frame.toArrow())

    def fetchall(self) -> list[tuple]:
        return [tuple(r) for r in self.frame.collect()]


class _Local:
    def __init__(self, relation):
        self.relation = relation

    def pl(self) -> pl.DataFrame:
        return self.relation.pl()

    def fetchall(self) -> list[tuple]:
        return self.relation.fetchall()


class SparkQueries:
    """What the indicator engine needs of a connection (`sql`, `execute`), answered by Spark; a query
    Spark cannot analyse (a DuckDB-only function) goes to `fallback` and is counted."""

    def __init__(self, spark, cutoff: date, fallback: duckdb.DuckDBPyConnection):
        self.spark, self.cutoff, self.fallback = spark, cutoff, fallback
        self.queries = 0
        self.fallbacks: dict[str, int] = {}

    def sql(self, query: str, params: list | None = None):
        from pyspark.errors import AnalysisException

        self.queries += 1
        try:
            return _Answer(self.spark.sql(to_spark(bind(query, params), self.cutoff, name="cube query")))
        except AnalysisException as exc:
            text = str(exc)
            reason = text.split("]")[0].lstrip("[") + (f": {text.split('`')[1]}" if "`" in text else "")
            self.fallbacks[reason] = self.fallbacks.get(reason, 0) + 1
            return _Local(self.fallback.sql(query, params=params))

    execute = sql


def spark_cube(warehouse: Path, breakdowns=BREAKDOWNS) -> tuple[pl.DataFrame, pl.DataFrame, SparkQueries]:
    """(raw cube, public cube, the queries' account) of `warehouse`'s marts computed on Spark: every
    indicator for each of `breakdowns` (default all), as the build's cube step computes it on DuckDB."""
    spark = spark_session()
    con = duckdb.connect(str(warehouse), read_only=True)
    views = []
    try:
        cutoff = scalar(con, "select data_cutoff from build_info")
        tables = {t for (t,) in con.execute("select table_name from duckdb_tables()").fetchall()}
        with tempfile.TemporaryDirectory(prefix="mco-spark-cube-") as folder:
            for name, model in models().items():
                if model.layer in ("curated", "marts") and model.sql_path is not None and name in tables:
                    path = Path(folder) / f"{name}.parquet"
                    con.execute(f"copy {name} to '{path}' (format parquet)")
                    spark.read.parquet(str(path)).createOrReplaceTempView(name)
                    views.append(name)
            queries = SparkQueries(spark, cutoff, con)
            cube = pl.concat([compute(queries, by=by) for by in breakdowns])
            return raw(cube), published(cube), queries
    finally:
        con.close()
        for view in views:
            spark.catalog.dropTempView(view)
