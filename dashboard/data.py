"""Read-only access to the warehouse: one cached connection, cached query results.

The dashboard reads curated tables and marts only, through the same indicator engine as the CLI, so the
figures on screen are the published figures. Caches are keyed on the warehouse file's path and
modification time: after `mco build` swaps in a new warehouse, the next page run reads the new one.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import NamedTuple

import duckdb
import polars as pl
import streamlit as st

from dashboard.filters import Options
from pipelines.config import DEFAULT_WAREHOUSE
from pipelines.indicators import engine
from pipelines.indicators.engine import Filters

REPO_ROOT = Path(__file__).resolve().parents[1]
ENV_WAREHOUSE = "MCO_WAREHOUSE"


class Warehouse(NamedTuple):
    """Identifies one build of the warehouse file; hashable, so caches key on it."""

    path: str
    stamp: int  # st_mtime_ns of the file


def warehouse_path() -> Path:
    """`MCO_WAREHOUSE` if set (relative to the working directory), else the default under the repo root.

    Anchoring the default at the repo root lets `streamlit run` work from any directory.
    """
    env = os.environ.get(ENV_WAREHOUSE, "").strip()
    if env:
        return Path(env).expanduser().resolve()
    return REPO_ROOT / DEFAULT_WAREHOUSE


def require_warehouse() -> Warehouse:
    """The current warehouse, or a clear error with the command that builds one (stops the page)."""
    path = warehouse_path()
    if not path.is_file():
        st.error(
            f"**No warehouse found** at `{path}`.\n\n"
            "Build it first with `make run` (or `mco build`), or point the environment variable "
            f"`{ENV_WAREHOUSE}` at an existing warehouse file, then reload this page.",
            icon=":material/database_off:",
        )
        st.stop()
    return Warehouse(str(path), path.stat().st_mtime_ns)


def _close(con: duckdb.DuckDBPyConnection) -> None:
    con.close()


@st.cache_resource(max_entries=4, on_release=_close, show_spinner=False)
def _connection(path: str, stamp: int) -> duckdb.DuckDBPyConnection:
    """One read-only connection per warehouse build, shared by all sessions (queries use cursors)."""
    return duckdb.connect(path, read_only=True)


def _cursor(wh: Warehouse) -> duckdb.DuckDBPyConnection:
    """A cursor per query: DuckDB connections refuse overlapping results, cursors are thread-safe."""
    try:
        return _connection(wh.path, wh.stamp).cursor()
    except duckdb.Error as exc:
        st.error(
            f"**The warehouse at `{wh.path}` could not be opened** ({type(exc).__name__}). "
            "Rebuild it with `make run` (or `mco build`).",
            icon=":material/database_off:",
        )
        st.stop()
        raise  # unreachable: st.stop() ends the run


def _unusable(wh: Warehouse, exc: duckdb.Error) -> None:
    """A warehouse from an older or broken build: say so and how to fix it, instead of a traceback."""
    st.error(
        f"**The warehouse at `{wh.path}` cannot answer this view**: {str(exc).splitlines()[0]}\n\n"
        "It may come from an older or failed build. Rebuild it with `make run` (or `mco build`).",
        icon=":material/database_off:",
    )
    st.stop()


@st.cache_data(show_spinner=False, max_entries=512)
def _indicators(
    wh: Warehouse, indicator_ids: tuple[str, ...] | None, by: str, filters: Filters
) -> pl.DataFrame:
    cur = _cursor(wh)
    try:
        return engine.published(engine.compute(cur, indicator_ids, by, filters))
    finally:
        cur.close()


def indicators(
    wh: Warehouse, indicator_ids: tuple[str, ...] | None, by: str, filters: Filters
) -> pl.DataFrame:
    """The engine's published rows (suppressed and n/a values blanked, flags kept) for one view."""
    try:
        return _indicators(wh, indicator_ids, by, filters)
    except duckdb.Error as exc:
        _unusable(wh, exc)
        raise  # unreachable: st.stop() ends the run


@st.cache_data(show_spinner=False, max_entries=8)
def _options(wh: Warehouse) -> Options:
    cur = _cursor(wh)
    try:
        return Options.from_mapping(engine.filter_options(cur))
    finally:
        cur.close()


def options(wh: Warehouse) -> Options:
    """The years, countries and provider types present in the warehouse."""
    try:
        return _options(wh)
    except duckdb.Error as exc:
        _unusable(wh, exc)
        raise  # unreachable: st.stop() ends the run


@st.cache_data(show_spinner=False, max_entries=8)
def build_info(wh: Warehouse) -> dict[str, str]:
    """The build's identity (build id, build time, data cut-off, …) as display strings; empty if absent."""
    cur = _cursor(wh)
    try:
        result = cur.execute("select * from build_info limit 1")
        names = [d[0] for d in result.description]
        row = result.fetchone()
    except duckdb.CatalogException:
        return {}
    finally:
        cur.close()
    if row is None:
        return {}
    return {name: _text(value) for name, value in zip(names, row, strict=True)}


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None and value.utcoffset() == dt.timedelta(0):
            return value.strftime("%Y-%m-%d %H:%M UTC")
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)
