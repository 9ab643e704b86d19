"""CSV, manifest and ground-truth writing. Output is byte-for-byte reproducible: rows are always sorted.

Every CSV is UTF-8, comma-separated with LF line ends, except verifications.csv, which is written the way
spreadsheet exports often arrive (UTF-8 BOM, semicolons, CRLF) so the reader's tolerance is exercised.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from .defects import MALFORMED_FILE, Defects
from .formatting import Identifiers, as_text, contract_frame

CHUNK_ROWS = 1_000_000
BOM = b"\xef\xbb\xbf"
DIALECTS = {"verifications": {"separator": ";", "line_terminator": "\r\n", "bom": True}}


@dataclass(frozen=True)
class FileEntry:
    path: str
    table: str
    rows: int
    sha256: str


def _write(path: Path, table: str, chunks: Iterable[pl.DataFrame]) -> FileEntry:
    dialect = DIALECTS.get(table, {})
    sep, eol = dialect.get("separator", ","), dialect.get("line_terminator", "\n")
    digest, rows, first = hashlib.sha256(), 0, True
    with path.open("wb") as fh:
        if dialect.get("bom"):
            fh.write(BOM)
            digest.update(BOM)
        for chunk in chunks:
            data = chunk.write_csv(
                include_header=first,
                separator=sep,
                line_terminator=eol,
                float_scientific=False,
                null_value="",
            ).encode("utf-8")
            fh.write(data)
            digest.update(data)
            rows += chunk.height
            first = False
    return FileEntry(path.name, table, rows, digest.hexdigest())


def write_table(out: Path, table: str, frame: pl.DataFrame, ids: Identifiers, extra=None) -> FileEntry:
    """One table in one file, formatted chunk by chunk so large scales stay within memory."""

    def chunks():
        for part in frame.iter_slices(CHUNK_ROWS) if frame.height else [frame]:
            yield contract_frame(table, part, ids)
        if extra is not None and extra.height:
            yield extra.select(contract_frame(table, frame.head(0), ids).columns)

    return _write(out / f"{table}.csv", table, chunks())


def write_awards(
    out: Path, awards: pl.DataFrame, defects: Defects, ids: Identifiers, years, moved=None
) -> list[FileEntry]:
    """Awards split per issue year; a duplicate follows its original, other defect rows join their year.

    ``moved`` (award indices) are delivered as credential files instead and left out of the CSVs.
    """
    n = awards.height
    dup = set(defects.duplicate_of.tolist())
    entries = []
    year = awards["issue_date"].dt.year()
    in_csv = pl.Series(np.ones(n, dtype=bool))
    if moved is not None and len(moved):
        keep = np.ones(n, dtype=bool)
        keep[moved] = False
        in_csv = pl.Series(keep)
    for y in years:
        part = awards.filter((year == y) & in_csv)
        clean = as_text(contract_frame("awards", part, ids)).with_columns(
            order=pl.lit(part["award_id"].cast(pl.Int64) * 2)
        )
        copies = clean.filter(pl.lit(part["award_id"].is_in(list(dup)))).with_columns(
            order=pl.col("order") + 1
        )
        seeded = defects.award_rows.filter(pl.col("file_year") == y).with_columns(
            order=2 * n + pl.int_range(pl.len(), dtype=pl.Int64)
        )
        columns = clean.columns
        rows = pl.concat([clean, copies, seeded.select(columns)]).sort(
            ["issue_date", "order"], nulls_last=True
        )
        rows = rows.drop("order")
        entries.append(_write(out / f"awards_{y}.csv", "awards", rows.iter_slices(CHUNK_ROWS)))
    path = out / MALFORMED_FILE
    data = defects.malformed_text.encode("utf-8")
    path.write_bytes(data)
    rows = data.count(b"\n") - 1
    entries.append(FileEntry(MALFORMED_FILE, "awards", rows, hashlib.sha256(data).hexdigest()))
    return entries


def write_json(path: Path, payload: dict) -> None:
    path.write_text(json.dumps(payload, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
