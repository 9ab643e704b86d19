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
