"""Reader for the project's CSV templates: one file -> a temporary all-text table with provenance.

Accepts UTF-8 with or without a byte-order mark, comma or semicolon delimiters and LF or CRLF line
ends. One record is one line. A file that cannot be read at all raises `FileRejected`; a malformed
line (wrong number of fields, bad quoting, not UTF-8, a NUL byte, longer than the line limit) is kept
aside with its line number for the quarantine while the rest of the file loads.

The file is data, never code: no header name, file name or value is pasted into SQL (the path and
name are bound parameters, column identifiers come from the contract), and no message quotes the
file's content (header names are quoted only when they are known template columns).
"""

from __future__ import annotations

import csv
import mmap
import os
import re
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import duckdb
import numpy as np
import polars as pl

from pipelines.contracts import Contract
from pipelines.errors import FileRejected
from pipelines.sources.discover import DeliveryFile
from pipelines.warehouse import rows, scalar

BOM = b"\xef\xbb\xbf"
IDENT = re.compile(r"[a-z][a-z0-9_]*")
SCAN_CHUNK = 64 * 1024 * 1024
SLOW_BATCH = 100_000
csv.field_size_limit(2**31 - 1)  # our own line and header limits apply, not the csv module's 128 KB
# DuckDB reject types -> our malformed-line kinds (anything else is `malformed`)
DUCKDB_KINDS = {
    "TOO MANY COLUMNS": "too_many_columns",
    "MISSING COLUMNS": "missing_columns",
    "INVALID ENCODING": "invalid_encoding",
    "INVALID UNICODE": "invalid_encoding",
    "LINE SIZE OVER MAXIMUM": "line_too_long",
    "UNQUOTED VALUE": "unbalanced_quote",
    "UNTERMINATED QUOTES": "unbalanced_quote",
}
# What each kind means, for quarantine details: fixed phrases, never the line's content
KIND_TEXT = {
    "too_many_columns": "more fields than the header",
    "missing_columns": "fewer fields than the header",
    "invalid_encoding": "not valid UTF-8",
    "unbalanced_quote": "a quote is unbalanced or misplaced",
    "line_too_long": "the line is longer than the line limit (MCO_MAX_CSV_LINE_BYTES)",
    "nul_byte": "a value holds a NUL byte",
    "malformed": "the line is not valid CSV",
}


@dataclass(frozen=True)
class Limits:
    """Per-file limits, from the environment, so a hostile file cannot exhaust the machine."""

    max_bytes: int = 64 * 1024**3
    max_rows: int = 100_000_000
    max_line_bytes: int = 1024 * 1024
    max_header_bytes: int = 4 * 1024 * 1024
    max_columns: int = 10_000

    @classmethod
    def from_env(cls) -> Limits:
        env = {
            "max_bytes": "MCO_MAX_CSV_BYTES",
            "max_rows": "MCO_MAX_CSV_ROWS",
            "max_line_bytes": "MCO_MAX_CSV_LINE_BYTES",
            "max_header_bytes": "MCO_MAX_CSV_HEADER_BYTES",
        }
        values = {}
        for attr, var in env.items():
            raw = os.environ.get(var, "").strip()
            if raw:
                if not raw.isdigit() or int(raw) <= 0:
                    raise FileRejected(f"{var} must be a positive whole number")
                values[attr] = int(raw)
        return cls(**values)


class CsvRejected(FileRejected):
    """A rejected CSV that says how many rows it held, when known without reading it (else None)."""

    def __init__(self, message: str, path: object | None = None, row: int | None = None, rows_in=None):
        super().__init__(message, path, row)
        self.rows_in = rows_in


@dataclass
class ReadResult:
    table: str  # name of the temporary table holding the rows
    rows: int  # rows read (good ones)
    bad_lines: list[tuple[int, str]] = field(default_factory=list)  # (line, kind) of malformed lines
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Lines:
    """Byte ranges and line numbers of the non-blank data lines (header = line 1)."""

    starts: np.ndarray
    ends: np.ndarray  # exclusive, without the line end
    numbers: np.ndarray


def sniff(head: bytes, name: str) -> tuple[str, list[str]]:
    """Delimiter and header columns from the first line, or FileRejected with the reason."""
    if not head.strip():
        raise FileRejected("the file is empty", name)
    if head.startswith(BOM):
        head = head[len(BOM) :]
    first = head.split(b"\n", 1)[0].rstrip(b"\r")
    try:
        line = first.decode("utf-8")
    except UnicodeDecodeError:
        raise FileRejected("the header is not valid UTF-8; save the file as UTF-8", name, 1) from None
    if not line.strip():
        raise FileRejected("the header line (line 1) is empty", name, 1)
    delim = ";" if line.count(";") > line.count(",") else ","
    try:
        cells = next(csv.reader([line], delimiter=delim, quotechar='"', strict=True))
    except csv.Error:
        raise FileRejected("the header line has an unbalanced or misplaced quote", name, 1) from None
    return delim, [c.strip().strip('"').strip().lower() for c in cells]


def check_header(header: list[str], contract: Contract, name: str) -> tuple[dict[str, int], list[str]]:
    """Map template columns to header positions; reject a file missing required ones.

    Only template column names are ever quoted back: anything else in the header may be data.
    """
    known = [h for h in header if h in contract.column_names]
    missing = [c for c in contract.required_columns if c not in header]
    if missing:
        hint = "; is the header line missing?" if not known else ""
        raise FileRejected(
            f"the header lacks required column(s) {', '.join(missing)} of the {contract.table} template "
            f"(it has {len(header)} column(s), {len(set(known))} of them template columns{hint})",
            name,
            1,
        )
    repeated = sorted({h for h in known if known.count(h) > 1})
    if repeated:
        raise FileRejected(f"the header names column(s) {', '.join(repeated)} more than once", name, 1)
    positions = {h: i for i, h in enumerate(header) if h in contract.column_names}
    notes = []
    absent = [c for c in contract.column_names if c not in positions]
    if absent:
        notes.append(f"optional column(s) absent, read as empty: {', '.join(absent)}")
    extra = len(header) - len(positions)
    if extra:
        notes.append(f"{extra} column(s) not in the template, ignored")
    return positions, notes


def read(con: duckdb.DuckDBPyConnection, file: DeliveryFile, contract: Contract, table: str) -> ReadResult:
    """Load one CSV into temp table `table` with the contract's columns (text), `source_file`, `source_line`.

    Learner identifiers are pseudonymised in the statement that reads them, so raw identifiers never
    reach a table (the `pseudonym` macro must be registered on `con`).
    """
    limits = Limits.from_env()
    with _open_regular(file, limits) as buf:
        newlines = _newlines(buf)
        header_end = int(newlines[0]) if len(newlines) else len(buf)
        if header_end > limits.max_header_bytes:
            raise CsvRejected(
                f"the header line is longer than {limits.max_header_bytes} bytes (MCO_MAX_CSV_HEADER_BYTES)",
                file.name,
                1,
            )
        delim, header = sniff(bytes(buf[: header_end + 1]), file.name)
        if len(header) > limits.max_columns:
            raise FileRejected(
                f"the header has {len(header)} columns, more than {limits.max_columns}", file.name, 1
            )
        positions, notes = check_header(header, contract, file.name)
        lines = _data_lines(buf, newlines)
        if len(lines.numbers) > limits.max_rows:
            raise CsvRejected(
                f"the file has {len(lines.numbers)} rows, more than the limit of {limits.max_rows} "
                "(MCO_MAX_CSV_ROWS)",
                file.name,
            )
        exprs = _select_list(contract, positions)
        fast = _fast_read(con, buf, file, len(header), delim, lines, limits, positions, exprs, table)
        if fast is None:
            exprs = _select_list(contract, positions, empty_is_null=True)
            bad, numbers = (
                _slow_read(con, buf, len(header), delim, lines, limits, positions, exprs, table),
                None,
            )
        else:
            bad, numbers = fast
    _finish(con, table, file.name, numbers)
    return ReadResult(table, scalar(con, f"select count(*) from {table}"), bad, notes)


@contextmanager
def _open_regular(file: DeliveryFile, limits: Limits) -> Iterator[mmap.mmap]:
    """Memory-map a regular file, never through a symbolic link; enforce the byte limit."""
    try:
        fd = os.open(file.path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        raise CsvRejected("the file cannot be opened as a regular file", file.name, rows_in=0) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise CsvRejected("not a regular file; deliveries must be regular files", file.name, rows_in=0)
        if info.st_size > limits.max_bytes:
            raise CsvRejected(
                f"the file is {info.st_size} bytes, more than the limit of {limits.max_bytes} "
                "(MCO_MAX_CSV_BYTES)",
                file.name,
                rows_in=0,
            )
        if info.st_size == 0:
            raise FileRejected("the file is empty", file.name)
        mapped = mmap.mmap(fd, 0, access=mmap.ACCESS_READ)
    finally:
        os.close(fd)
    try:
        yield mapped
    finally:
        mapped.close()


def _release(buf, start: int = 0, length: int | None = None) -> None:
    """Hand the mapped pages of a scanned chunk back to the kernel: they stay in the page cache but no
    longer count in the build's resident memory (a read-only file mapping re-reads them if touched)."""
    length = len(buf) - start if length is None else min(length, len(buf) - start)
    if length > 0 and hasattr(mmap, "MADV_DONTNEED"):
        buf.madvise(mmap.MADV_DONTNEED, start, length)


def _newlines(buf) -> np.ndarray:
    """Offsets of every LF, scanned in chunks so memory stays bounded on very large files."""
    view = np.frombuffer(buf, dtype=np.uint8)
    parts = []
    for i in range(0, len(view), SCAN_CHUNK):
        parts.append(np.flatnonzero(view[i : i + SCAN_CHUNK] == 10) + i)
        _release(buf, i, SCAN_CHUNK)
    del view
    return np.concatenate(parts) if parts else np.empty(0, dtype=np.int64)


def _bytes_at(buf, positions: np.ndarray) -> np.ndarray:
    """The bytes at ascending `positions`, read chunk by chunk with each chunk's pages released after."""
    view = np.frombuffer(buf, dtype=np.uint8)
    out = np.empty(len(positions), dtype=np.uint8)
    bounds = np.searchsorted(positions, np.arange(0, len(view) + SCAN_CHUNK, SCAN_CHUNK))
    for k in range(len(bounds) - 1):
        lo, hi = bounds[k], bounds[k + 1]
        out[lo:hi] = view[positions[lo:hi]]
        _release(buf, k * SCAN_CHUNK, SCAN_CHUNK)
    del view
    return out


def _data_lines(buf, newlines: np.ndarray) -> Lines:
    """The data lines after the header, blank ones left out (they are not records)."""
    view = np.frombuffer(buf, dtype=np.uint8)
    starts = newlines + 1
    ends = np.append(newlines[1:], len(view)).astype(np.int64)
    numbers = np.arange(2, len(starts) + 2, dtype=np.int64)
    nonempty = ends > starts
    cr = np.zeros(len(ends), dtype=bool)
    cr[nonempty] = _bytes_at(buf, ends[nonempty] - 1) == 13
    ends = ends - cr
    keep = ends > starts
    del view
    return Lines(starts[keep], ends[keep], numbers[keep])


def _ident(name: str) -> str:
    if not IDENT.fullmatch(name):
        raise ValueError(f"contract column name {name!r} is not a plain identifier")
    return name


def _select_list(contract: Contract, positions: dict[str, int], empty_is_null: bool = False) -> list[str]:
    """SQL for each contract column over the generated cell names c<i>: identifiers from the contract only.

    DuckDB reads an empty value as null; the line-by-line reader needs `empty_is_null` to match.
    """
    exprs = []
    for col in contract.columns:
        cell = f"c{positions[col.name]}" if col.name in positions else None
        expr = "null::varchar" if cell is None else f"nullif({cell}, '')" if empty_is_null else cell
        if col.pseudonymise:
            expr = f"pseudonym({expr})"
        exprs.append(f"{expr} as {_ident(col.name)}")
    return exprs


def _has_nul(buf) -> bool:
    """Whether the file holds a NUL byte, searched chunk by chunk (pages released after each)."""
    for i in range(0, len(buf), SCAN_CHUNK):
        found = buf.find(b"\0", i, i + SCAN_CHUNK) != -1
        _release(buf, i, SCAN_CHUNK)
        if found:
            return True
    return False


def _nul_check(positions: dict[str, int], buf) -> str:
    """SQL flagging rows with a NUL byte in a template column; `false` when the file has none."""
    if not _has_nul(buf):
        return "false"
    cells = [f"coalesce(contains(c{i}, chr(0)), false)" for i in sorted(positions.values())]
    return " or ".join(cells) or "false"


def _fast_read(con, buf, file, width, delim, lines: Lines, limits, positions, exprs, table):
    """DuckDB's parser over the file: (malformed lines, line numbers of the rows read), or None.

    None when its records do not match the lines one to one, as when a quote left open swallows
    the following lines: the caller then reads line by line, so one bad row never costs the rest.
    """
    cols = ", ".join(f"'c{i}': 'VARCHAR'" for i in range(width))
    con.execute("drop table if exists reject_errors; drop table if exists reject_scans")
    try:
        con.execute(
            f"""
            create or replace temp table {table}_read as
            select {_nul_check(positions, buf)} as _nul, {", ".join(exprs)}
            from read_csv(?, header = false, skip = 1, auto_detect = false, columns = {{{cols}}},
                          delim = ?, quote = '"', escape = '"', strict_mode = true, null_padding = false,
                          max_line_size = ?, store_rejects = true, rejects_table = 'reject_errors',
                          rejects_scan = 'reject_scans')
            """,
            [str(file.path), delim, limits.max_line_bytes],
        )
    except duckdb.Error:
        con.execute(f"drop table if exists {table}_read")
        return None
    rejected: dict[int, str] = {}
    for line, kind in rows(con, "select line, error_type from reject_errors order by line, column_idx"):
        rejected.setdefault(int(line), DUCKDB_KINDS.get(str(kind).upper(), "malformed"))
    good = np.setdiff1d(lines.numbers, np.fromiter(rejected, dtype=np.int64, count=len(rejected)))
    n_read = scalar(con, f"select count(*) from {table}_read")
    if len(good) != n_read or len(good) + len(rejected) != len(lines.numbers):
        con.execute(f"drop table {table}_read")
        return None
    return _split_nul(con, table, sorted(rejected.items()), good)


def _split_nul(con, table: str, bad: list, good: np.ndarray) -> tuple[list, np.ndarray]:
    """Rows whose values hold a NUL byte are malformed lines (rare: only then is the table rewritten)."""
    if not scalar(con, f"select coalesce(bool_or(_nul), false) from {table}_read"):
        return bad, good
    flags = np.array([f for (f,) in rows(con, f"select _nul from {table}_read")], dtype=bool)
    con.execute(f"create or replace temp table {table}_read as select * from {table}_read where not _nul")
    return sorted(bad + [(int(line), "nul_byte") for line in good[flags]]), good[~flags]


def _parse_line(raw: bytes, delim: str, width: int, limit: int) -> tuple[list[str] | None, str | None]:
    """One line -> its fields, or the kind of problem it has."""
    if len(raw) > limit:
        return None, "line_too_long"
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None, "invalid_encoding"
    try:
        fields = next(csv.reader([text], delimiter=delim, quotechar='"', strict=True))
    except (csv.Error, StopIteration):
        return None, "unbalanced_quote"
    if len(fields) != width:
        return None, "too_many_columns" if len(fields) > width else "missing_columns"
    return fields, None


def _slow_read(con, buf, width, delim, lines: Lines, limits, positions, exprs, table):
    """Line by line with Python's csv module, in batches: only for files the fast path could not read."""
    wanted = sorted(positions.values())
    con.execute(f"drop table if exists {table}_read")
    created, bad = False, []
    for lo in range(0, len(lines.numbers), SLOW_BATCH) or [0]:
        cells: dict[str, list] = {"source_line": []} | {f"c{i}": [] for i in wanted}
        for start, end, number in zip(
            lines.starts[lo : lo + SLOW_BATCH].tolist(),
            lines.ends[lo : lo + SLOW_BATCH].tolist(),
            lines.numbers[lo : lo + SLOW_BATCH].tolist(),
            strict=True,
        ):
            fields, problem = _parse_line(buf[start:end], delim, width, limits.max_line_bytes)
            if not problem and any("\0" in fields[i] for i in wanted):
                problem = "nul_byte"
            if problem:
                bad.append((number, problem))
                continue
            cells["source_line"].append(number)
            for i in wanted:
                cells[f"c{i}"].append(fields[i])
        frame = pl.DataFrame(cells, schema={k: pl.Int64 if k == "source_line" else pl.String for k in cells})
        con.register("csv_batch", frame.to_arrow())
        select = f"select source_line, {', '.join(exprs)} from csv_batch"
        con.execute(
            f"insert into {table}_read {select}" if created else f"create temp table {table}_read as {select}"
        )
        con.unregister("csv_batch")
        created = True
    return bad


def _finish(con: duckdb.DuckDBPyConnection, table: str, name: str, numbers: np.ndarray | None) -> None:
    """Final table with `source_file` (a bound parameter, never pasted into SQL) and `source_line`.

    The fast path's rows get their line numbers by position (DuckDB keeps file order).
    """
    if numbers is None:
        source = f"select ?::varchar as source_file, * from {table}_read"
    else:
        con.register("csv_line_numbers", pl.DataFrame({"source_line": numbers}).to_arrow())
        source = (
            f"select ?::varchar as source_file, n.source_line, r.* exclude (_nul) "
            f"from {table}_read as r positional join csv_line_numbers as n"
        )
    con.execute(f"create or replace temp table {table} as {source}", [name])
    if numbers is not None:
        con.unregister("csv_line_numbers")
    con.execute(f"drop table {table}_read")
