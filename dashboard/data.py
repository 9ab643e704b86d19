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


# --- Data quality: the build's run report, quarantine and history ----------------------------------

QUARANTINE_ROW_CAP = 500
HIDDEN_TEXT = "(pseudonymised, hidden)"
_KEYED_HASH = r"\b[0-9a-f]{64}\b"  # a keyed hash quoted inside a check's detail text


def hidden_record_fields() -> frozenset[str]:
    """Fields never shown from a quarantined record: learner_id, and every column a contract pseudonymises.

    The stored values are keyed hashes already, but a hash still singles out a person.
    """
    from pipelines.contracts import contracts

    pseudonymised = {c.name for contract in contracts().values() for c in contract.columns if c.pseudonymise}
    return frozenset({"learner_id"} | pseudonymised)


@st.cache_data(show_spinner=False, max_entries=8)
def _table_names(wh: Warehouse) -> frozenset[str]:
    cur = _cursor(wh)
    try:
        found = cur.sql("select table_name from duckdb_tables() where database_name = current_database()")
        return frozenset(name for (name,) in found.fetchall())
    finally:
        cur.close()


def table_names(wh: Warehouse) -> frozenset[str]:
    """The tables of the warehouse, so a page can tell an older build (fewer tables) from a broken one."""
    try:
        return _table_names(wh)
    except duckdb.Error as exc:
        _unusable(wh, exc)
        raise  # unreachable: st.stop() ends the run


@st.cache_data(show_spinner=False, max_entries=64)
def _frame(wh: Warehouse, sql: str, params: tuple) -> pl.DataFrame:
    cur = _cursor(wh)
    try:
        return cur.sql(sql, params=list(params)).pl()
    finally:
        cur.close()


def _read(wh: Warehouse, sql: str, params: tuple = ()) -> pl.DataFrame:
    try:
        return _frame(wh, sql, params)
    except duckdb.Error as exc:
        _unusable(wh, exc)
        raise  # unreachable: st.stop() ends the run


def load_report(wh: Warehouse) -> pl.DataFrame:
    """This build's per-file report: rows in = rows loaded + rows quarantined + rows rejected."""
    return _read(wh, "select * from load_report order by source_file")


def load_history(wh: Warehouse, build_id: str) -> pl.DataFrame:
    """The per-file report of one earlier build, from `load_history` (the page checks it exists)."""
    return _read(
        wh,
        "select * exclude (build_id, built_at) from load_history where build_id = ? order by source_file",
        (build_id,),
    )


def build_history(wh: Warehouse) -> pl.DataFrame:
    """One row per recorded build, oldest first."""
    return _read(wh, "select * from build_history order by built_at, build_id")


def quality_history(wh: Warehouse) -> pl.DataFrame:
    """Rows quarantined per build, record type and reason, oldest build first."""
    return _read(
        wh,
        "select build_id, built_at, record_type, reason_code, sum(rows)::bigint as rows "
        "from quality_history group by all order by built_at, build_id, record_type, reason_code",
    )


def quarantine_summary(wh: Warehouse) -> pl.DataFrame:
    """Rows quarantined in this build per record type, reason and file, with the checks that caught them."""
    return _read(
        wh,
        "select coalesce(record_type, '?') as record_type, reason_code, source_file, count(*) as rows, "
        "string_agg(distinct check_name, ', ' order by check_name) as checks "
        "from quarantine group by all order by rows desc, record_type, reason_code, source_file",
    )


def consistency_violations(wh: Warehouse) -> pl.DataFrame:
    """Cross-table consistency failures left after quarantining (the build refuses to publish any)."""
    return _read(wh, "select * from consistency_violations order by record_type, source_file, source_line")


def quarantined_rows(
    wh: Warehouse, record_type: str, reason_code: str, source_file: str | None = None
) -> tuple[pl.DataFrame, int]:
    """Up to QUARANTINE_ROW_CAP quarantined rows (file, line, check, detail, record fields) and their total.

    Pseudonymised fields are dropped from the record and keyed hashes in the detail text are masked, so
    nothing identifying a learner leaves this function.
    """
    where = "coalesce(record_type, '?') = ? and reason_code = ?"
    params: tuple = (record_type, reason_code)
    if source_file:
        where += " and source_file = ?"
        params += (source_file,)
    total = _read(wh, f"select count(*) as n from quarantine where {where}", params).item()
    rows = _read(
        wh,
        f"select source_file, source_line, check_name, detail, record::varchar as record from quarantine "
        f"where {where} order by source_file, source_line, check_name limit {QUARANTINE_ROW_CAP}",
        params,
    )
    return _safe_records(rows), int(total)


def _safe_records(rows: pl.DataFrame) -> pl.DataFrame:
    """Quarantined rows for display: record fields as text columns, without any pseudonymised field."""
    import json
    import re

    hidden = hidden_record_fields()
    keyed_hash = re.compile(_KEYED_HASH)
    records = [json.loads(r) if r else {} for r in rows["record"].to_list()]
    fields: list[str] = []
    for record in records:
        fields.extend(k for k in record if k not in fields and k not in hidden)
    columns: dict[str, list] = {
        "File": rows["source_file"].to_list(),
        "Line": rows["source_line"].to_list(),
        "Check": rows["check_name"].to_list(),
        "Detail": [keyed_hash.sub("(pseudonymised)", d) if d else d for d in rows["detail"].to_list()],
    }
    for name in fields:
        label = name if name not in columns else f"record.{name}"
        columns[label] = [_field_text(r.get(name)) for r in records]
    schema = {name: pl.String for name in columns} | {"Line": pl.Int64}
    return pl.DataFrame(columns, schema=schema)


def _field_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    import json

    return json.dumps(value)
