"""Intake: read every delivery file, stage each record type, and account for every row per file.

Shared by `mco build` (which goes on to curated tables) and `mco validate` (which stops here).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import duckdb
import polars as pl

from pipelines.contracts import contracts
from pipelines.errors import BuildFailed, FileRejected
from pipelines.quality.staging import stage
from pipelines.sources.csv_template import read
from pipelines.sources.discover import DeliveryFile
from pipelines.warehouse import rows


def _count_lines(path: Path) -> int:
    """Data rows in a file we could not parse: its lines less the header."""
    with open(path, "rb") as fh:
        data = fh.read()
    lines = data.count(b"\n") + (0 if not data or data.endswith(b"\n") else 1)
    return max(lines - 1, 0)


def load_deliveries(
    con: duckdb.DuckDBPyConnection,
    files: list[DeliveryFile],
    step: Callable[[str], None],
    *,
    prestaged: frozenset[str] = frozenset(),
    skip_references: frozenset[str] = frozenset(),
) -> list[dict]:
    """Read every file into temp tables, then stage each record type in dependency order.

    `prestaged` record types already have their `stg_` table (taken from a warehouse when validating
    a partial delivery) and are not staged again; references to `skip_references` are not checked.
    """
    report: list[dict] = []
    by_table: dict[str, list[str]] = {t: [] for t in contracts()}
    for i, f in enumerate(files):
        step(f"reading {f.name}")
        entry = {
            "source_file": f.name,
            "record_type": f.table,
            "status": "loaded",
            "reason": None,
            "notes": None,
            "rows_in": 0,
            "rows_rejected": 0,
            "malformed_lines": 0,
        }
        if f.table is None:
            known = ", ".join(contracts())
            kind = (
                "no template matches this file name"
                if f.path.suffix.lower() == ".csv"
                else f"no reader for {f.path.suffix or 'extension-less'} files"
            )
            entry.update(status="rejected", reason=f"{kind} (CSV templates: {known})")
            entry["rows_in"] = entry["rows_rejected"] = _count_lines(f.path)
            report.append(entry)
            continue
        tmp = f"raw_{i}"
        try:
            result = read(con, f, contracts()[f.table], tmp)
        except FileRejected as exc:
            entry.update(status="rejected", reason=exc.message)
            entry["rows_in"] = entry["rows_rejected"] = _count_lines(f.path)
            report.append(entry)
            continue
        by_table[f.table].append(tmp)
        for line, kind in result.bad_lines:
            con.execute(
                "insert into quarantine values (?, ?, ?, 'malformed_row', 'csv.parse', ?, null)",
                [f.table, f.name, line, f"line cannot be parsed: {kind.replace('_', ' ')}"],
            )
        entry.update(
            rows_in=result.rows + len(result.bad_lines),
            malformed_lines=len(result.bad_lines),
            notes="; ".join(result.notes) or None,
        )
        report.append(entry)
    for table, contract in contracts().items():
        if table in prestaged:
            continue
        step(f"checking {table}")
        stage(con, contract, by_table[table], skip_references)
        for tmp in by_table[table]:
            con.execute(f"drop table {tmp}")
    return report


def file_report(con: duckdb.DuckDBPyConnection, report: list[dict]) -> pl.DataFrame:
    """Per file: rows in = loaded + quarantined + rejected, from the tables themselves."""
    loaded: dict[str, int] = {}
    for table in contracts():
        for name, n in rows(con, f"select source_file, count(*) from stg_{table} group by 1"):
            loaded[name] = loaded.get(name, 0) + n
    quarantined = dict(rows(con, "select source_file, count(*) from quarantine group by 1"))
    frame = (
        pl.DataFrame(
            report,
            schema={
                "source_file": pl.String,
                "record_type": pl.String,
                "status": pl.String,
                "reason": pl.String,
                "notes": pl.String,
                "rows_in": pl.Int64,
                "rows_rejected": pl.Int64,
                "malformed_lines": pl.Int64,
            },
        )
        .with_columns(
            pl.col("source_file")
            .replace_strict(loaded, default=0, return_dtype=pl.Int64)
            .alias("rows_loaded"),
            pl.col("source_file")
            .replace_strict(quarantined, default=0, return_dtype=pl.Int64)
            .alias("rows_quarantined"),
        )
        .select(
            "source_file",
            "record_type",
            "status",
            "rows_in",
            "rows_loaded",
            "rows_quarantined",
            "rows_rejected",
            "reason",
            "notes",
        )
    )
    broken = frame.filter(
        pl.col("rows_in") != pl.col("rows_loaded") + pl.col("rows_quarantined") + pl.col("rows_rejected")
    )
    if broken.height:
        raise BuildFailed(f"row accounting does not balance for {broken['source_file'].to_list()}")
    return frame
