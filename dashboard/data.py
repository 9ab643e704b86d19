"""Read-only access to the warehouse: one cached connection, cached query results.

The dashboard reads curated tables and marts only, through the same indicator engine as the CLI, so the
figures on screen are the published figures. A view without filters reads the build's public cube
(`pub_indicator_cube`, every indicator by every breakdown, already under disclosure control); a
filtered view calls the engine (`compute` + `published`), cached on (indicators, breakdown, filters).
Caches are keyed on the warehouse file's path, modification time and identity (device, inode, size):
after `mco build` swaps in a new warehouse, the next page run opens and reads the new one
(`dashboard/connection.py` explains why a plain `duckdb.connect(path)` would not).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

import duckdb
import polars as pl
import streamlit as st

from dashboard import connection
from dashboard.filters import Options
from pipelines.contracts import contracts
from pipelines.indicators import annex_elements, engine, published_outcomes
from pipelines.indicators import targets as targets_mod
from pipelines.indicators.engine import Filters
from pipelines.indicators.registry import INDICATORS
from pipelines.settings import settings

ENV_WAREHOUSE = "MCO_WAREHOUSE"  # read by pipelines.settings; named here in messages


class Warehouse(NamedTuple):
    """Identifies one build of the warehouse file; hashable, so caches key on it."""

    path: str
    stamp: int  # st_mtime_ns of the file
    identity: tuple[int, ...] = ()  # (st_dev, st_ino, st_size): with the stamp, one build's file


def warehouse_path() -> Path:
    """`MCO_WAREHOUSE` if set (relative to the working directory), else the default under the repo root
    (so `streamlit run` works from any directory): the settings' warehouse."""
    return settings().warehouse


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
    return Warehouse(str(path), *connection.file_identity(path))


def _close(con: duckdb.DuckDBPyConnection) -> None:
    con.close()


@st.cache_resource(max_entries=2, on_release=_close, show_spinner=False)
def _connection(path: str, stamp: int, identity: tuple[int, ...] = ()) -> duckdb.DuckDBPyConnection:
    """One read-only connection per warehouse build, shared by all sessions (queries use cursors); the
    previous build's stays open for queries still running on it, older ones are closed."""
    return connection.open_readonly(path)


def _cursor(wh: Warehouse) -> duckdb.DuckDBPyConnection:
    """A cursor per query: DuckDB connections refuse overlapping results, cursors are thread-safe."""
    try:
        return connection.cursor(_connection(wh.path, wh.stamp, wh.identity))
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


@contextmanager
def _usable(wh: Warehouse) -> Iterator[None]:
    """Reads of a warehouse that cannot answer them (an older or broken build) end the page with a
    message saying how to fix it (`_unusable`) instead of a traceback."""
    try:
        yield
    except duckdb.Error as exc:
        _unusable(wh, exc)
        raise  # unreachable: st.stop() ends the run


PUBLIC_CUBE = "pub_indicator_cube"
NO_FILTERS = Filters()


@st.cache_data(show_spinner=False, max_entries=4096)
def _indicator_set(wh: Warehouse, indicator_ids: tuple[str, ...], by: str, filters: Filters) -> pl.DataFrame:
    """Indicators for one breakdown and filter, as published, computed together: one scan of each base
    for all of them (a page's 55 overall figures take 8 queries, not 55). Disclosure control works
    within one indicator and breakdown, so together they are the same cells as one at a time."""
    cur = _cursor(wh)
    try:
        return engine.published(engine.compute(cur, indicator_ids, by, filters))
    finally:
        cur.close()


def _indicators(
    wh: Warehouse, indicator_ids: tuple[str, ...] | None, by: str, filters: Filters
) -> pl.DataFrame:
    ids = indicator_ids if indicator_ids is not None else tuple(i.id for i in INDICATORS)
    if not ids:
        return pl.DataFrame(schema={**engine.RESULT_SCHEMA, "suppression": pl.String})
    return _indicator_set(wh, ids, by, filters)


@st.cache_resource(max_entries=4, show_spinner=False)
def _cube(path: str, stamp: int, identity: tuple[int, ...] = ()) -> pl.DataFrame | None:
    """The whole public cube in memory (read-only, shared by all sessions); None in an older warehouse."""
    cur = connection.cursor(_connection(path, stamp, identity))
    try:
        return cur.sql(f"select * from {PUBLIC_CUBE} order by indicator_id, breakdown, breakdown_value").pl()
    except duckdb.CatalogException:
        return None
    finally:
        cur.close()


@st.cache_data(show_spinner=False, max_entries=512)
def _cube_slice(wh: Warehouse, indicator_ids: tuple[str, ...] | None, by: str) -> pl.DataFrame | None:
    cube = _cube(wh.path, wh.stamp, wh.identity)
    if cube is None:
        return None
    rows = cube.filter(pl.col("breakdown") == by)
    if indicator_ids is not None:
        order = {i: n for n, i in enumerate(indicator_ids)}
        rows = (
            rows.filter(pl.col("indicator_id").is_in(list(indicator_ids)))
            .with_columns(pl.col("indicator_id").replace_strict(order, return_dtype=pl.Int32).alias("_o"))
            .sort("_o", "breakdown_value")
            .drop("_o")
        )
    return rows


def indicators(
    wh: Warehouse, indicator_ids: tuple[str, ...] | None, by: str, filters: Filters
) -> pl.DataFrame:
    """The published rows (suppressed and n/a values blanked, flags and `suppression` kept) for one view.

    Without filters they come straight from the build's public cube; with filters from the engine.
    """
    with _usable(wh):
        if filters == NO_FILTERS:
            rows = _cube_slice(wh, indicator_ids, by)
            if rows is not None:
                return rows
        return _indicators(wh, indicator_ids, by, filters)


@st.cache_data(show_spinner=False, max_entries=8)
def _options(wh: Warehouse) -> Options:
    cur = _cursor(wh)
    try:
        found = engine.filter_options(cur)
        try:
            found["region_names"] = cur.sql("select region_code, region_name from dim_region").fetchall()
        except duckdb.CatalogException:
            found["region_names"] = []
        return Options.from_mapping(found)
    finally:
        cur.close()


def options(wh: Warehouse) -> Options:
    """The years, countries, regions, provider types, fields and EQF levels present in the warehouse."""
    with _usable(wh):
        return _options(wh)


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
    with _usable(wh):
        return _table_names(wh)


@st.cache_data(show_spinner=False, max_entries=64)
def _frame(wh: Warehouse, sql: str, params: tuple) -> pl.DataFrame:
    cur = _cursor(wh)
    try:
        return cur.sql(sql, params=list(params)).pl()
    finally:
        cur.close()


def _read(wh: Warehouse, sql: str, params: tuple = ()) -> pl.DataFrame:
    with _usable(wh):
        return _frame(wh, sql, params)


# The accounting of a per-file report, per file: the share quarantined and the rows not accounted for
# (rows in - loaded - quarantined - rejected: 0 when the file adds up).
_ACCOUNTING = (
    "100.0 * rows_quarantined / nullif(rows_in, 0) as quarantined_pct, "
    "rows_in - rows_loaded - rows_quarantined - rows_rejected as unaccounted"
)


def load_report(wh: Warehouse) -> pl.DataFrame:
    """This build's per-file report (rows in = rows loaded + rows quarantined + rows rejected), with the
    share of each file's rows quarantined and the rows it does not account for."""
    return _read(wh, f"select *, {_ACCOUNTING} from load_report order by source_file")


def load_totals(wh: Warehouse) -> dict[str, int | float | None]:
    """This build's files and rows, summed over its per-file report (as `mco build` prints them): rows
    in, loaded, quarantined, rejected and accounted for (the last three together), and the shares of
    the rows in that were loaded and quarantined (None without rows)."""
    return _read(
        wh,
        "select count(*) as files, count(*) filter (where status = 'rejected') as rejected_files, "
        "coalesce(sum(rows_in), 0)::bigint as rows_in, coalesce(sum(rows_loaded), 0)::bigint as rows_loaded, "
        "coalesce(sum(rows_quarantined), 0)::bigint as rows_quarantined, "
        "coalesce(sum(rows_rejected), 0)::bigint as rows_rejected, "
        "coalesce(sum(rows_loaded + rows_quarantined + rows_rejected), 0)::bigint as rows_accounted, "
        "100.0 * sum(rows_loaded) / nullif(sum(rows_in), 0) as loaded_pct, "
        "100.0 * sum(rows_quarantined) / nullif(sum(rows_in), 0) as quarantined_pct from load_report",
    ).row(0, named=True)


def load_history(wh: Warehouse, build_id: str) -> pl.DataFrame:
    """The per-file report of one earlier build, from `load_history` (the page checks it exists), with
    the same accounting as `load_report`."""
    return _read(
        wh,
        f"select * exclude (build_id, built_at), {_ACCOUNTING} from load_history where build_id = ? "
        "order by source_file",
        (build_id,),
    )


def build_history(wh: Warehouse) -> pl.DataFrame:
    """One row per recorded build, oldest first, with the share of its rows quarantined."""
    return _read(
        wh,
        "select *, 100.0 * rows_quarantined / nullif(rows_in, 0) as quarantined_pct from build_history "
        "order by built_at, build_id",
    )


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


def quarantine_totals(wh: Warehouse, record_type: str | None = None) -> dict[str, int]:
    """Rows quarantined in this build per record type, largest first; with `record_type`, that type's
    rows per reason."""
    if record_type is None:
        found = _read(
            wh,
            "select coalesce(record_type, '?') as k, count(*) as rows from quarantine group by 1 "
            "order by rows desc, k",
        )
    else:
        found = _read(
            wh,
            "select reason_code as k, count(*) as rows from quarantine where coalesce(record_type, '?') = ? "
            "group by 1 order by rows desc, k",
            (record_type,),
        )
    return dict(found.iter_rows())


def published_outcome_data(wh: Warehouse) -> pl.DataFrame:
    """What credential registries publish about holders' outcomes (CTDL), as the Outcomes page lists it
    (the page checks the table exists)."""
    return published_outcomes.for_page(_read(wh, published_outcomes.QUERY))


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


# --- Policy pages: targets, coverage, Annex I elements, prior-learning outcomes ---------------------

TARGET_SCHEMA = {
    "indicator_id": pl.String,
    "target_value": pl.Float64,
    "target_year": pl.Int64,
    "source": pl.String,
}


@st.cache_data(show_spinner=False, max_entries=8)
def _targets(wh: Warehouse) -> pl.DataFrame:
    cur = _cursor(wh)
    try:
        return cur.sql(
            "select indicator_id, target_value, target_year, source from indicator_targets order by 1"
        ).pl()
    except duckdb.CatalogException:
        return pl.DataFrame(schema=TARGET_SCHEMA)
    finally:
        cur.close()


def targets(wh: Warehouse) -> dict[str, dict]:
    """The configured policy targets by indicator id (value, year, source); empty in an older warehouse."""
    with _usable(wh):
        frame = _targets(wh)
    return {row["indicator_id"]: row for row in frame.to_dicts()}


@st.cache_data(show_spinner=False, max_entries=8)
def _trajectories(wh: Warehouse) -> pl.DataFrame:
    cur = _cursor(wh)
    try:
        return targets_mod.stored_targets(cur)
    except duckdb.CatalogException:
        return targets_mod.trajectory_table(())
    finally:
        cur.close()


def trajectories(wh: Warehouse) -> dict[str, dict]:
    """The build's policy targets as trajectories (baseline, path, projection, verdict, gap; all
    countries, as released and as `mco indicators --json` prints them), by indicator id."""
    with _usable(wh):
        frame = _trajectories(wh)
    return {row["indicator_id"]: row for row in frame.to_dicts()}


@st.cache_data(show_spinner=False, max_entries=256)
def _base_counts(wh: Warehouse, bases: tuple[str, ...], filters: Filters) -> dict[str, int | None]:
    cur = _cursor(wh)
    try:
        return engine.base_totals(cur, bases, filters)
    finally:
        cur.close()


def base_counts(wh: Warehouse, bases: tuple[str, ...], filters: Filters) -> dict[str, int | None]:
    """Records of each base mart in the view: the whole of which an indicator's coverage is a share."""
    with _usable(wh):
        return _base_counts(wh, bases, filters)


@st.cache_data(show_spinner=False, max_entries=128)
def _annex_missing(wh: Warehouse, filters: Filters) -> pl.DataFrame:
    cur = _cursor(wh)
    try:
        return annex_elements.annex_missing(cur, filters)
    finally:
        cur.close()


def annex_missing(wh: Warehouse, filters: Filters) -> pl.DataFrame:
    """Per mandatory Annex I element: the share of specifications on offer and of awards that miss it.

    Specifications are those with an award in the view (as TRA-1 and TRA-2 count them) and are checked
    for the nine specification-level elements; awards for all eleven. Shares on fewer than the
    disclosure threshold of records are flagged `c`.
    """
    with _usable(wh):
        return _annex_missing(wh, filters)


def vpl_outcomes(wh: Warehouse, filters: Filters) -> pl.DataFrame:
    """FLX-5 by outcome of the validation (exemption, access, …), as published: the engine gives every
    outcome of the code list a cell (a zero where the view has none), in the code list's order."""
    codes = engine.code_list("vpl_outcome")
    order = {code: n for n, code in enumerate(codes)}
    found = indicators(wh, ("FLX-5",), "vpl_outcome", filters)
    return (
        found.filter(pl.col("breakdown_value").is_in(codes))
        .with_columns(pl.col("breakdown_value").replace_strict(order, return_dtype=pl.Int32).alias("_o"))
        .sort("_o")
        .drop("_o")
    )
