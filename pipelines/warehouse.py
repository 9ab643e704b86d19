"""Read-only access to a built warehouse, for the CLI and the dashboard."""

from __future__ import annotations

from pathlib import Path

import duckdb

from pipelines.errors import ObservatoryError


def connect_readonly(path: Path) -> duckdb.DuckDBPyConnection:
    """Open the warehouse read-only, or explain how to build one."""
    path = Path(path)
    if not path.exists():
        raise ObservatoryError("no warehouse found; build one with `mco build` (or `make run`)", path)
    try:
        return duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        raise ObservatoryError(f"the warehouse cannot be opened: {str(exc).splitlines()[0]}", path) from None


def rows(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[tuple]:
    """All rows of a query (DuckDB 2 results must be read to the end before the next statement)."""
    return con.sql(sql, params=params).fetchall()


def scalar(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None):
    """The first value of the first row of a query."""
    result = rows(con, sql, params)
    return result[0][0] if result else None
