"""The Parquet lake Spark reads: every source table of the models, written by staging from DuckDB.

Layout (Hive partitions, by record type and, for dated records, by year):

    <lake>/sources/record_type=awards/year=2023/data_0.parquet
    <lake>/sources/record_type=providers/data_0.parquet

Learner identifiers in these tables are already keyed hashes (pseudonymised in staging), so nothing in
the lake can re-identify a learner. The `year` partition column lives in the folder names only: Spark
reads a record type's folder and drops it, so each table has exactly its staging columns.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from pipelines.sql.models import sources

# The date a record type is partitioned by (its year); other record types are one folder each.
PARTITION_DATE = {
    "stg_awards": "issue_date",
    "stg_pathway_events": "event_date",
    "stg_verifications": "verification_date",
    "stg_employment_outcomes": "observation_date",
}
PARTITION = "year"


def record_type(table: str) -> str:
    """The lake's name of a source table: its record type (`stg_awards` -> `awards`)."""
    return table.removeprefix("stg_")


def source_path(lake: Path, table: str) -> Path:
    return lake / "sources" / f"record_type={record_type(table)}"


def write_sources(con: duckdb.DuckDBPyConnection, lake: Path) -> dict[str, Path]:
    """Write every source table of the models from `con` into `lake`; returns {table: folder}."""
    out = {}
    for table in sorted(sources()):
        folder = source_path(lake, table)
        folder.mkdir(parents=True)
        date = PARTITION_DATE.get(table)
        if date is None:
            con.execute(f"copy {table} to '{folder / 'data_0.parquet'}' (format parquet)")
        else:
            columns = {c for (c,) in con.execute(f"select column_name from (describe {table})").fetchall()}
            if PARTITION in columns:
                raise ValueError(f"{table} has a column named {PARTITION}, the lake's partition column")
            con.execute(
                f"copy (select *, year({date}) as {PARTITION} from {table}) to '{folder}' "
                f"(format parquet, partition_by ({PARTITION}), overwrite_or_ignore)"
            )
        out[table] = folder
    return out
