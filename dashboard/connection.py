"""Read-only warehouse connections that always see the file that is there now.

`mco build` replaces the warehouse file by renaming a new one over it. DuckDB keeps one database
instance per file path in a process: while any connection to the old instance is open,
`duckdb.connect(path)` hands back that instance, still reading the old, replaced file. So the dashboard
(a long-running process) would serve the old build to every new session.

Instead, each build gets a fresh in-memory DuckDB instance that attaches the file read-only: attaching
always opens the file at the path as it is now. A build is recognised cheaply on every page run by the
file's identity (device, inode, size and modification time: one `stat`), the key of the cached
connection, so a new file means a new connection, and old ones are closed as they leave the cache.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import duckdb

ALIAS = "warehouse"  # catalog name of the attached file; every cursor uses it as its default


class FileIdentity(NamedTuple):
    """What tells one build's file from the next at the same path."""

    stamp: int  # st_mtime_ns
    identity: tuple[int, int, int]  # (st_dev, st_ino, st_size)


def file_identity(path: str | Path) -> FileIdentity:
    st = Path(path).stat()
    return FileIdentity(st.st_mtime_ns, (st.st_dev, st.st_ino, st.st_size))


def open_readonly(path: str | Path) -> duckdb.DuckDBPyConnection:
    """A connection of its own DuckDB instance to the file now at `path`, read-only; queries go through
    `cursor()`. Never shares an instance with an earlier connection to the same path."""
    con = duckdb.connect(":memory:")
    try:
        con.execute(f"attach ? as {ALIAS} (read_only)", [str(path)])
        con.execute(f"use {ALIAS}")
    except BaseException:
        con.close()
        raise
    return con


def cursor(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """A cursor (thread-safe, one per query) reading the attached warehouse by default."""
    cur = con.cursor()
    try:
        cur.execute(f"use {ALIAS}")
    except BaseException:
        cur.close()
        raise
    return cur
