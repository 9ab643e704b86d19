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
from pipelines.sources.credentials_intake import create_source_tables, load_credentials
from pipelines.sources.csv_template import KIND_TEXT, read
from pipelines.sources.discover import DeliveryFile
from pipelines.staging.stage import stage
from pipelines.warehouse import rows


def _count_lines(path: Path) -> int:
    """Data rows in a file we could not parse: its lines less the header, read in bounded chunks.

    A symbolic link or special file counts 0: we must not read what it points at.
    """
    if path.is_symlink() or not path.is_file():
        return 0
    lines, last = 0, b"\n"
    with open(path, "rb") as fh:
        while chunk := fh.read(16 * 1024 * 1024):
            lines += chunk.count(b"\n")
            last = chunk[-1:]
    return max(lines + (0 if last == b"\n" else 1) - 1, 0)


def _entry(f: DeliveryFile) -> dict:
    return {
        "source_file": f.name,
        "record_type": f.table,
        "status": "loaded",
        "reason": None,
        "notes": None,
        "rows_in": 0,
        "rows_rejected": 0,
        "malformed_lines": 0,
    }


def _reject(entry: dict, reason: str, rows_in: int) -> dict:
    entry.update(status="rejected", reason=reason, rows_in=rows_in, rows_rejected=rows_in)
    return entry


def _quarantine_malformed(
    con: duckdb.DuckDBPyConnection, f: DeliveryFile, bad: list[tuple[int, str]]
) -> None:
    """One insert for all malformed lines of a file; the detail is a fixed phrase, never the line."""
    if not bad:
        return
    frame = pl.DataFrame(
        {
            "line": [line for line, _ in bad],
            "detail": [
                f"line cannot be parsed: {KIND_TEXT.get(kind, KIND_TEXT['malformed'])}" for _, kind in bad
            ],
        },
        schema={"line": pl.Int64, "detail": pl.String},
    )
    con.register("malformed_frame", frame.to_arrow())
    con.execute(
        "insert into quarantine select ?, ?, line, 'malformed_row', 'csv.parse', detail, null "
        "from malformed_frame",
        [f.table, f.name],
    )
    con.unregister("malformed_frame")


def _common_root(files: list[DeliveryFile]) -> Path:
    """The folder the delivery names are relative to."""
    f = files[0]
    return Path(str(f.path)[: -len(f.name)] or ".")


def load_deliveries(
    con: duckdb.DuckDBPyConnection,
    files: list[DeliveryFile],
    step: Callable[[str], None],
    *,
    root: Path | None = None,
    prestaged: frozenset[str] = frozenset(),
    skip_references: frozenset[str] = frozenset(),
) -> list[dict]:
    """Read every file into temp tables, then stage each record type in dependency order.

    `prestaged` record types already have their `stg_` table (taken from a warehouse when validating
    a partial delivery) and are not staged again; references to `skip_references` are not checked.
    """
    report: list[dict] = []
    by_table: dict[str, list[str]] = {t: [] for t in contracts()}
    refused = [f for f in files if f.rejected]
    for f in refused:
        report.append(_reject(_entry(f), f.rejected, 0))
    credential_files = [f for f in files if f.path.suffix.lower() != ".csv" and not f.rejected]
    for i, f in enumerate(files):
        if f in credential_files or f.rejected:
            continue
        step(f"reading {f.name}")
        entry = _entry(f)
        if f.table is None:
            known = ", ".join(contracts())
            reason = f"no template matches this file name (CSV templates: {known})"
            report.append(_reject(entry, reason, _count_lines(f.path)))
            continue
        tmp = f"raw_{i}"
        try:
            result = read(con, f, contracts()[f.table], tmp)
        except FileRejected as exc:
            rows_in = getattr(exc, "rows_in", None)
            report.append(_reject(entry, exc.message, _count_lines(f.path) if rows_in is None else rows_in))
            continue
        by_table[f.table].append(tmp)
        _quarantine_malformed(con, f, result.bad_lines)
        entry.update(
            rows_in=result.rows + len(result.bad_lines),
            malformed_lines=len(result.bad_lines),
            notes="; ".join(result.notes) or None,
        )
        report.append(entry)
    if credential_files:
        step("reading digital credentials")
        root = root or _common_root(credential_files)
        report += load_credentials(con, credential_files, root, by_table)
    else:
        create_source_tables(con)
    for table, contract in contracts().items():
        if table in prestaged:
            continue
        step(f"checking {table}")
        stage(con, contract, by_table[table], skip_references)
        for tmp in by_table[table]:
            con.execute(f"drop table {tmp}")
    return report


def file_report(con: duckdb.DuckDBPyConnection, report: list[dict]) -> pl.DataFrame:
    """Per file: rows in = loaded + quarantined + rejected, from the tables themselves.

    A file counts the rows of its own record type; for digital credentials that is the award (the
    credential specification and issuer derived from it are checked too, but are not extra records).
    """
    loaded: dict[str, int] = {}
    for table in contracts():
        for name, n in rows(con, f"select source_file, count(*) from stg_{table} group by 1"):
            loaded[f"{name}\0{table}"] = n
    quarantined = {
        f"{name}\0{table}": n
        for name, table, n in rows(
            con, "select source_file, record_type, count(*) from quarantine group by all"
        )
    }
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
        .with_columns(_file_key=pl.col("source_file") + "\0" + pl.col("record_type").fill_null(""))
        .with_columns(
            pl.col("_file_key").replace_strict(loaded, default=0, return_dtype=pl.Int64).alias("rows_loaded"),
            pl.col("_file_key")
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
