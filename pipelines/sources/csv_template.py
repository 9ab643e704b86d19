"""Reader for the project's CSV templates: one file -> a temporary all-text table with provenance.

Accepts UTF-8 with or without a byte-order mark, comma or semicolon delimiters and CRLF line ends.
A file that cannot be read at all raises `FileRejected`; a line with the wrong number of fields is
kept aside (line number and reason) for the quarantine while the rest of the file loads.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb

from pipelines.contracts import Contract
from pipelines.errors import FileRejected
from pipelines.sources.discover import DeliveryFile
from pipelines.warehouse import rows, scalar

BOM = b"\xef\xbb\xbf"


@dataclass
class ReadResult:
    table: str  # name of the temporary table holding the rows
    rows: int  # rows read (good ones)
    bad_lines: list[tuple[int, str]] = field(default_factory=list)  # (line, reason) of malformed lines
    notes: list[str] = field(default_factory=list)


def sniff(head: bytes, name: str) -> tuple[str, list[str]]:
    """Delimiter and header columns from the first line, or FileRejected with the reason."""
    if not head.strip():
        raise FileRejected("the file is empty", name)
    if head.startswith(BOM):
        head = head[len(BOM) :]
    first = head.splitlines()[0] if head.splitlines() else b""
    try:
        line = first.decode("utf-8")
    except UnicodeDecodeError:
        raise FileRejected("the header is not valid UTF-8; save the file as UTF-8", name, 1) from None
    delim = ";" if line.count(";") > line.count(",") else ","
    header = [c.strip().strip('"').strip().lower() for c in line.split(delim)]
    return delim, header


def check_header(header: list[str], contract: Contract, name: str) -> list[str]:
    """Reject a file missing required columns; note missing optional and unknown extra columns."""
    missing_required = [c for c in contract.required_columns if c not in header]
    if missing_required:
        raise FileRejected(
            f"the header lacks required column(s) {', '.join(missing_required)} of the "
            f"{contract.table} template (found: {', '.join(header)})",
            name,
            1,
        )
    if len(set(header)) != len(header):
        raise FileRejected("the header repeats a column name", name, 1)
    notes = []
    absent = [c for c in contract.column_names if c not in header]
    if absent:
        notes.append(f"optional column(s) absent, read as empty: {', '.join(absent)}")
    extra = [c for c in header if c not in contract.column_names]
    if extra:
        notes.append(f"column(s) not in the template, ignored: {', '.join(extra)}")
    return notes


def read(con: duckdb.DuckDBPyConnection, file: DeliveryFile, contract: Contract, table: str) -> ReadResult:
    """Load one CSV into temp table `table` with the contract's columns (text), `source_file`, `source_line`.

    Learner identifiers are pseudonymised in the same statement, so raw identifiers never reach a
    table (the `pseudonym` macro must be registered on `con`).
    """
    with open(file.path, "rb") as fh:
        head = fh.read(65536)
    delim, header = sniff(head, file.name)
    notes = check_header(header, contract, file.name)

    select = []
    for col in contract.columns:
        expr = f'"{col.name}"' if col.name in header else "null::varchar"
        if col.pseudonymise:
            expr = f"pseudonym({expr})"
        select.append(f"{expr} as {col.name}")
    types = ", ".join(f"'{h}': 'VARCHAR'" for h in header)
    source = (
        f"read_csv(?, header = true, delim = '{delim}', quote = '\"', escape = '\"', "
        f"columns = {{{types}}}, store_rejects = true, rejects_table = 'reject_errors', "
        f"rejects_scan = 'reject_scans', strict_mode = true, null_padding = false)"
    )
    try:
        con.execute("drop table if exists reject_errors; drop table if exists reject_scans")
        con.execute(
            f"create or replace temp table {table}_read as select {', '.join(select)} from {source}",
            [str(file.path)],
        )
    except duckdb.Error as exc:
        raise FileRejected(f"the file cannot be parsed as CSV: {_first_line(exc)}", file.name) from None

    bad = rows(con, "select line, error_type from reject_errors order by line")
    bad_lines = sorted({(int(line), str(kind).lower().replace(" ", "_")) for line, kind in bad})
    n_rows = scalar(con, f"select count(*) from {table}_read")
    _number_lines(con, table, [line for line, _ in bad_lines], file.name)
    return ReadResult(table, n_rows, bad_lines, notes)


def _number_lines(con: duckdb.DuckDBPyConnection, table: str, bad: list[int], name: str) -> None:
    """Add `source_file` and `source_line` (file line, header = line 1) in file order.

    Good rows fill the lines the rejected ones did not take; `rowid` keeps insertion (= file) order.
    """
    # a_j = good rows before the j-th bad line; good row k sits on line k + 2 + #{j: a_j <= k}
    offsets = [line - 2 - j for j, line in enumerate(sorted(bad))]
    shift = "(select count(*) from unnest(?::bigint[]) as o(a) where o.a <= t.rowid)" if offsets else "0"
    quoted = name.replace("'", "''")
    con.execute(
        f"""
        create or replace temp table {table} as
        select '{quoted}' as source_file, cast(t.rowid + 2 + {shift} as bigint) as source_line, t.*
        from {table}_read as t
        order by t.rowid
        """,
        [offsets] if offsets else [],
    )
    con.execute(f"drop table {table}_read")


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0][:300]
