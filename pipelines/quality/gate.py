"""The quality gate: validate every staging and curated table of a warehouse with the GX suites (issue 4).

Route: GX's SQL data source over duckdb-engine does not work on current releases (an upstream issue),
so each table is read from DuckDB as Arrow record batches, converted to pandas (`to_pandas`) and
validated with GX's pandas engine in batches of `batch_rows` rows, on an ephemeral GX context (nothing
written to disk except the Data Docs site, when asked for).

- Row-level expectations (types, non-null, codes, patterns, ranges, dates <= cut-off) are validated on
  every batch and their counts summed: the unexpected count of the whole table is exact.
- Whole-table expectations (row-count bounds, unique keys) cannot be decided by one batch. A table that
  fits in one batch has them validated by GX itself; for a larger table the gate evaluates the same
  expectations in DuckDB over the whole table, with GX's semantics (unexpected = non-null rows whose
  key value occurs more than once), and records them as GX results beside the batch results.
- Relationships (a column's values are keys of another table: `meta.relationship` of an in-set
  expectation) are evaluated in DuckDB over the whole table, never by GX, which would need the parent's
  keys as a value set: unexpected = non-null values that the parent's column does not hold.
- The data cut-off is the suite parameter `data_cutoff`, supplied here per build.
- One merged validation result per table goes into the Data Docs site (one page per table).
"""

from __future__ import annotations

import contextlib
import logging
import shutil
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import great_expectations as gx
import great_expectations.execution_engine.pandas_execution_engine as gx_pandas_engine
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc
from great_expectations.core import ExpectationSuiteValidationResult, ExpectationValidationResult
from great_expectations.core.run_identifier import RunIdentifier
from great_expectations.data_context.types.base import (
    DataContextConfig,
    InMemoryStoreBackendDefaults,
    ProgressBarsConfig,
)
from great_expectations.data_context.types.resource_identifiers import (
    ExpectationSuiteIdentifier,
    ValidationResultIdentifier,
)

from pipelines.buildprofile import setting_off
from pipelines.quality.suites import CUTOFF_PARAMETER, TABLE_WIDE, build_suites

DEFAULT_BATCH_ROWS = 500_000  # rows per pandas batch: about 1 s of GX work, a few hundred MB
TYPE_SAMPLE = 10_000  # rows the type expectations see (a dtype is the same in every row)
SITE = "observatory"
RESULT_SCHEMA = {
    "build_id": pl.String,
    "suite": pl.String,
    "table_name": pl.String,
    "expectation": pl.String,
    "column": pl.String,
    "success": pl.Boolean,
    "unexpected_count": pl.Int64,
    "element_count": pl.Int64,
    "details": pl.String,
}
_NS_MIN, _NS_MAX = date(1677, 9, 22), date(2262, 4, 11)  # dates a datetime64[ns] can hold


@dataclass
class GateResult:
    success: bool
    results: pl.DataFrame  # one row per expectation per table, columns as RESULT_SCHEMA
    docs_index: Path | None
    notes: list[str] = field(default_factory=list)  # suites skipped, and why
    seconds: float = 0.0

    @property
    def failures(self) -> pl.DataFrame:
        return self.results.filter(pl.col("success").not_())


# --- Arrow -> pandas ---------------------------------------------------------------------------------


def _nullable_ints(t: pa.DataType):
    if pa.types.is_integer(t):
        return pd.Int64Dtype()
    if pa.types.is_boolean(t):
        return pd.BooleanDtype()
    return None


def _numpy_ints(t: pa.DataType):
    return pd.BooleanDtype() if pa.types.is_boolean(t) else None


def to_pandas(table: pa.Table, *, exact_types: bool = True) -> pd.DataFrame:
    """The DataFrame GX validates.

    exact_types: varchar -> str, integer -> Int64 (nullable), double -> float64, date -> datetime64
    (ns when every value fits, so GX compares dates vectorised), boolean -> boolean; the dtypes the
    suites' type expectations name. Without exact_types, integers become numpy int64, or float64 when
    the batch has nulls: GX compares only numpy numbers vectorised (it loops in Python over Int64), so
    the row-level expectations run on this form. HUGEINT sums (decimal(38,0)) become integers.
    """
    for i, f in enumerate(table.schema):
        column = table.column(i)
        if pa.types.is_decimal(f.type) and f.type.scale == 0:
            table = table.set_column(i, f.name, pc.cast(column, pa.int64()))
        elif pa.types.is_date(f.type):
            lo, hi = pc.min_max(column).values()
            fits = lo.as_py() is None or (lo.as_py() >= _NS_MIN and hi.as_py() <= _NS_MAX)
            table = table.set_column(i, f.name, pc.cast(column, pa.timestamp("ns" if fits else "ms")))
    mapper = _nullable_ints if exact_types else _numpy_ints
    return table.to_pandas(types_mapper=mapper, split_blocks=True, self_destruct=True)


def _batches(reader: pa.RecordBatchReader, rows: int) -> Iterator[pa.Table]:
    """Regroup DuckDB's record batches (about 120k rows each) into tables of at least `rows` rows;
    an empty table gives one empty batch, so its expectations are still evaluated."""
    pending: list[pa.RecordBatch] = []
    count = 0
    yielded = False
    for batch in reader:
        pending.append(batch)
        count += batch.num_rows
        if count >= rows:
            yield pa.Table.from_batches(pending)
            pending, count, yielded = [], 0, True
    if count or not yielded:
        yield pa.Table.from_batches(pending, schema=reader.schema)


# --- GX context --------------------------------------------------------------------------------------


def _context(docs_dir: Path | None):
    sites = {}
    if docs_dir is not None:
        sites[SITE] = {
            "class_name": "SiteBuilder",
            "show_how_to_buttons": False,
            "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(docs_dir)},
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        }
    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
        data_docs_sites=sites,
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False, metric_calculations=False),
    )
    return gx.get_context(mode="ephemeral", project_config=config)


@contextlib.contextmanager
def _no_progress_bar(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """DuckDB draws a progress bar for queries over 2 s; not during the gate (the setting is restored)."""
    with setting_off(con, "enable_progress_bar"):
        yield


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """No progress bars, log lines or warnings from GX and pandas while the gate runs; and no batch
    fingerprint: GX md5-hashes every pandas batch under 1 GB for its batch markers, which costs as
    much as validating it and is not used here."""
    logger = logging.getLogger("great_expectations")
    level = logger.level
    threshold = gx_pandas_engine.HASH_THRESHOLD
    logger.setLevel(logging.ERROR)
    gx_pandas_engine.HASH_THRESHOLD = 0
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        logger.setLevel(level)
        gx_pandas_engine.HASH_THRESHOLD = threshold


# --- results -----------------------------------------------------------------------------------------


def _column(kwargs: dict) -> str | None:
    if "column" in kwargs:
        return kwargs["column"]
    if "column_list" in kwargs:
        return ",".join(kwargs["column_list"])
    return None


def _show(values: list, limit: int = 3) -> str:
    seen: list[str] = []
    for v in values:
        text = str(v.date()) if isinstance(v, pd.Timestamp) else str(v)
        if text not in seen:
            seen.append(text)
        if len(seen) == limit:
            break
    return ", ".join(repr(s) for s in seen)


def _merge(parts: list[ExpectationValidationResult]) -> ExpectationValidationResult:
    """One result from the results of the same expectation on several batches: counts summed."""
    first = parts[0]
    if len(parts) == 1:
        return first
    failed = [p for p in parts if _error(p)]
    if failed:
        return failed[0]
    if "unexpected_count" in first.result:
        element = sum(p.result.get("element_count", 0) for p in parts)
        missing = sum(p.result.get("missing_count", 0) for p in parts)
        unexpected = sum(p.result.get("unexpected_count", 0) for p in parts)
        nonmissing = element - missing
        mostly = first.expectation_config.kwargs.get("mostly", 1)
        partial = [v for p in parts for v in p.result.get("partial_unexpected_list", [])][:20]
        share = unexpected / nonmissing * 100 if nonmissing else 0.0
        result = {
            "element_count": element,
            "missing_count": missing,
            "missing_percent": missing / element * 100 if element else None,
            "unexpected_count": unexpected,
            "unexpected_percent": share,
            "unexpected_percent_total": unexpected / element * 100 if element else 0.0,
            "unexpected_percent_nonmissing": share,
            "partial_unexpected_list": partial,
        }
        success = nonmissing == 0 or (nonmissing - unexpected) / nonmissing >= mostly
    else:
        observed = [p.result.get("observed_value") for p in parts]
        same = len(set(map(str, observed))) == 1
        result = {**first.result, "observed_value": observed[0] if same else observed}
        success = all(p.success for p in parts)
    return ExpectationValidationResult(
        success=success, expectation_config=first.expectation_config, result=result, meta=first.meta
    )


def _error(r: ExpectationValidationResult) -> str | None:
    """The exception message of a result that raised, if any (GX nests them per metric at times)."""
    info = r.exception_info or {}
    found = [info] + [v for v in info.values() if isinstance(v, dict)]
    for entry in found:
        if entry.get("raised_exception"):
            lines = str(entry.get("exception_message") or "exception").strip().splitlines() or ["exception"]
            return lines[0][:200]
    return None


def _details(r: ExpectationValidationResult) -> str | None:
    error = _error(r)
    if error:
        return f"error: {error}"
    note = (r.meta or {}).get("evaluated")
    res = r.result or {}
    if "unexpected_count" in res:
        text = None
        if res["unexpected_count"]:
            examples = _show(res.get("partial_unexpected_list", []))
            text = f"{res['unexpected_count']:,} unexpected, e.g. {examples}"
    else:
        observed = res.get("observed_value")
        text = None if observed is None else f"observed {observed}"
    return "; ".join(t for t in (text, note) if t) or None


def _row(build_id: str, suite: str, table: str, r: ExpectationValidationResult, rows: int) -> dict:
    res = r.result or {}
    return {
        "build_id": build_id,
        "suite": suite,
        "table_name": table,
        "expectation": r.expectation_config.type,
        "column": _column(r.expectation_config.kwargs),
        "success": bool(r.success),
        "unexpected_count": res.get("unexpected_count"),
        "element_count": res.get("element_count", rows),
        "details": _details(r),
    }


# --- whole-table expectations in DuckDB --------------------------------------------------------------


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _relationship(expectation) -> dict | None:
    """The parent {to, field} of a relationship expectation, None for any other."""
    return (expectation.configuration.meta or {}).get("relationship")


def _column_result(config, rows: int, missing: int, unexpected: int, partial: list, note: str):
    """A column expectation's result in the shape GX gives it (counts and shares of missing and
    unexpected values, a sample of the unexpected ones)."""
    nonmissing = rows - missing
    share = unexpected / nonmissing * 100 if nonmissing else 0.0
    result = {
        "element_count": rows,
        "missing_count": missing,
        "missing_percent": missing / rows * 100 if rows else None,
        "unexpected_count": int(unexpected),
        "unexpected_percent": share,
        "unexpected_percent_total": unexpected / rows * 100 if rows else 0.0,
        "unexpected_percent_nonmissing": share,
        "partial_unexpected_list": partial,
    }
    return ExpectationValidationResult(
        success=unexpected == 0, expectation_config=config, result=result, meta={"evaluated": note}
    )


def _related(con, table: str, rows: int, expectation) -> ExpectationValidationResult:
    """A relationship in DuckDB: non-null values of the column that the parent's column does not hold."""
    config = expectation.configuration
    parent = _relationship(expectation)
    column, to, field = _q(config.kwargs["column"]), _q(parent["to"]), _q(parent["field"])
    try:
        missing, unexpected = con.sql(
            f"select count(*) filter (where {column} is null), count(*) filter (where {column} is not null "
            f"and {column} not in (select {field} from {to} where {field} is not null)) from {_q(table)}"
        ).fetchall()[0]
    except duckdb.Error:
        return _absent(expectation, [f"{parent['to']}.{parent['field']}"])
    partial = []
    if unexpected:
        partial = [
            v
            for (v,) in con.sql(
                f"select distinct {column} from {_q(table)} where {column} is not null and {column} not in "
                f"(select {field} from {to} where {field} is not null) order by 1 limit 20"
            ).fetchall()
        ]
    note = f"evaluated in DuckDB: values of {parent['to']}.{parent['field']}"
    return _column_result(config, rows, missing, unexpected, partial, note)


def _table_wide(con, table: str, rows: int, expectation, batches: int) -> ExpectationValidationResult:
    """Evaluate a whole-table expectation in DuckDB, as GX would on the whole table in one batch."""
    config = expectation.configuration
    kw = config.kwargs
    if _relationship(expectation):
        return _related(con, table, rows, expectation)
    note = f"evaluated in DuckDB over the whole table ({batches} batches)"
    if config.type == "expect_table_row_count_to_equal":
        return ExpectationValidationResult(
            success=rows == kw["value"],
            expectation_config=config,
            result={"observed_value": rows},
            meta={"evaluated": note},
        )
    if config.type == "expect_table_row_count_to_be_between":
        lo, hi = kw.get("min_value"), kw.get("max_value")
        ok = (lo is None or rows >= lo) and (hi is None or rows <= hi)
        return ExpectationValidationResult(
            success=ok, expectation_config=config, result={"observed_value": rows}, meta={"evaluated": note}
        )
    columns = [kw["column"]] if "column" in kw else list(kw["column_list"])
    cols = ", ".join(_q(c) for c in columns)
    # GX ignores a row when its key is missing (all key columns null, for a compound key) and counts
    # every row whose key occurs more than once.
    missing_sql = " and ".join(f"{_q(c)} is null" for c in columns)
    groups = f"select {cols}, count(*) as n, {missing_sql} as missing from {_q(table)} group by all"
    missing, unexpected = con.sql(
        "select coalesce(sum(n) filter (where missing), 0), "
        f"coalesce(sum(n) filter (where n > 1 and not missing), 0) from ({groups})"
    ).fetchall()[0]
    partial = []
    if unexpected:
        sample = con.sql(
            f"select {cols} from ({groups}) where n > 1 and not missing order by all limit 20"
        ).fetchall()
        partial = [row[0] if len(row) == 1 else dict(zip(columns, row, strict=True)) for row in sample]
    return _column_result(config, rows, missing, unexpected, partial, note)


# --- the gate ----------------------------------------------------------------------------------------


def _subsuite(suite: gx.ExpectationSuite, keep: list) -> gx.ExpectationSuite:
    """The same suite with only `keep` expectations (ids kept, so results can be matched)."""
    copies = [e.copy(update={"id": None}) for e in keep]
    sub = gx.ExpectationSuite(name=suite.name, expectations=copies, meta=suite.meta)
    for copy, original in zip(sub.expectations, keep, strict=True):
        copy.id = original.id
    return sub


def _present(con: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    """Tables (and views) of the main database, with their columns."""
    found: dict[str, list[str]] = {}
    for table, column in con.sql(
        "select table_name, column_name from duckdb_columns() "
        "where database_name = current_database() and schema_name = 'main' order by table_name, column_index"
    ).fetchall():
        found.setdefault(table, []).append(column)
    return found


def _named(expectation) -> list[str]:
    kw = expectation.configuration.kwargs
    return [kw["column"]] if "column" in kw else list(kw.get("column_list", []))


def _columns(expectations) -> list[str]:
    out: list[str] = []
    for e in expectations:
        out += [c for c in _named(e) if c not in out]
    return out


def _absent(expectation, columns: list[str]) -> ExpectationValidationResult:
    """The failed result of an expectation on a column the table does not have."""
    message = f"column {', '.join(columns)} is not in the table"
    return ExpectationValidationResult(
        success=False,
        expectation_config=expectation.configuration,
        exception_info={"raised_exception": True, "exception_message": message, "exception_traceback": None},
    )


def _validate(definition, suite, frame, params) -> list[ExpectationValidationResult]:
    batch = definition.get_batch(batch_parameters={"dataframe": frame})
    return batch.validate(suite, result_format="BASIC", expectation_parameters=params).results


def _validate_table(con, context, suite, table, present, cutoff, batch_rows):
    """Validate one table; returns (merged result per expectation in suite order, rows, batches).

    Column types depend on the column, not on its rows (DuckDB type -> Arrow type -> pandas dtype), so
    the type expectations run once, on the first TYPE_SAMPLE rows. The row-level expectations run on
    every batch, reading only the columns they name; whole-table ones as described in the module doc.
    """
    rows = con.sql(f"select count(*) from {_q(table)}").fetchall()[0][0]
    multi = rows > batch_rows
    # A data source per table, deleted afterwards: GX's pandas engine keeps the last DataFrame of
    # every asset it validated, which would hold one batch of every table in memory to the end.
    source = context.data_sources.add_pandas(table)
    definition = source.add_dataframe_asset(table).add_batch_definition_whole_dataframe("batch")
    params = {CUTOFF_PARAMETER: pd.Timestamp(cutoff)}
    parts: dict[str, list[ExpectationValidationResult]] = {}
    runnable = []
    for e in suite.expectations:
        absent = [c for c in _named(e) if c not in present]
        if absent:
            parts[e.id] = [_absent(e, absent)]
        else:
            runnable.append(e)

    types = [e for e in runnable if e.configuration.type == "expect_column_values_to_be_of_type"]
    type_ids = {e.id for e in types}
    if types:
        select = ", ".join(_q(c) for c in _columns(types))
        sample = to_pandas(con.sql(f"select {select} from {_q(table)} limit {TYPE_SAMPLE}").to_arrow_table())
        for r in _validate(definition, _subsuite(suite, types), sample, params):
            parts[r.expectation_config.id] = [r]

    row_level = [
        e
        for e in runnable
        if e.id not in type_ids
        and not (multi and e.configuration.type in TABLE_WIDE)
        and not _relationship(e)
    ]
    batches = 0
    if row_level:
        row_suite = _subsuite(suite, row_level)
        select = ", ".join(_q(c) for c in _columns(row_level)) or "1 as _row"
        reader = con.sql(f"select {select} from {_q(table)}").to_arrow_reader(min(batch_rows, 1_000_000))
        for arrow in _batches(reader, batch_rows):
            frame = to_pandas(arrow, exact_types=False)
            del arrow
            for r in _validate(definition, row_suite, frame, params):
                parts.setdefault(r.expectation_config.id, []).append(r)
            batches += 1
            del frame
    context.data_sources.delete(table)
    pa.default_memory_pool().release_unused()  # hand freed Arrow memory back before the next table
    merged = []
    for e in suite.expectations:
        if e.id in parts:
            merged.append(_merge(parts[e.id]))
        else:
            merged.append(_table_wide(con, table, rows, e, batches))
    return merged, rows, batches


def run_gate(
    con: duckdb.DuckDBPyConnection,
    cutoff: date,
    build_id: str,
    docs_dir: Path | None,
    *,
    batch_rows: int = DEFAULT_BATCH_ROWS,
) -> GateResult:
    """Validate every staging and curated table present in `con` with its suite.

    `con` is a read-write connection to the warehouse being built; `cutoff` is the build's data
    cut-off (dates after it fail); `docs_dir`, when given, receives a static GX Data Docs site
    (index.html) with one page per table. Suites whose table is absent are skipped with a note, and so
    are relationships to an absent table.
    """
    started = time.perf_counter()
    docs_dir = None if docs_dir is None else Path(docs_dir).resolve()
    present = _present(con)
    rows_out: list[dict] = []
    notes: list[str] = []
    run_id = RunIdentifier(run_name=f"build-{build_id}", run_time=datetime.now(UTC))
    with _quiet(), _no_progress_bar(con):
        context = _context(docs_dir)
        for name, suite in build_suites().items():
            table = suite.meta["table"]
            if table not in present:
                notes.append(f"{name}: skipped, table {table} is not in the warehouse")
                rows_out.append(
                    {
                        "build_id": build_id,
                        "suite": name,
                        "table_name": table,
                        "expectation": None,
                        "column": None,
                        "success": None,
                        "unexpected_count": None,
                        "element_count": None,
                        "details": "skipped: table not in the warehouse",
                    }
                )
                continue
            # a relationship to a table the warehouse does not have is skipped like that table's suite
            unrelated = [
                e for e in suite.expectations if (_relationship(e) or {}).get("to", table) not in present
            ]
            for e in unrelated:
                r = _relationship(e)
                notes.append(
                    f"{name}: {_column(e.configuration.kwargs)} -> {r['to']} skipped, not in the warehouse"
                )
            if unrelated:
                skip = {e.id for e in unrelated}
                suite = _subsuite(suite, [e for e in suite.expectations if e.id not in skip])
            merged, rows, batches = _validate_table(
                con, context, suite, table, present[table], cutoff, batch_rows
            )
            rows_out += [_row(build_id, name, table, r, rows) for r in merged]
            if docs_dir is not None:
                _store(context, suite, merged, run_id, build_id, cutoff, rows, batches)
        docs_index = None
        if docs_dir is not None:
            _clear_site(docs_dir)
            context.build_data_docs(site_names=[SITE])
            docs_index = docs_dir / "index.html"
    results = pl.DataFrame(rows_out, schema=RESULT_SCHEMA)
    success = bool(results["success"].drop_nulls().all())
    return GateResult(success, results, docs_index, notes, time.perf_counter() - started)


def _clear_site(docs_dir: Path) -> None:
    """Remove the pages of an earlier Data Docs site in `docs_dir`, so the site shows this build only."""
    docs_dir.mkdir(parents=True, exist_ok=True)
    if (docs_dir / "index.html").is_file() and (docs_dir / "static").is_dir():
        for sub in ("validations", "expectations"):
            shutil.rmtree(docs_dir / sub, ignore_errors=True)


def _store(context, suite, merged, run_id, build_id, cutoff, rows, batches) -> ValidationResultIdentifier:
    """Put one table's merged result (and its suite) into the context's stores for Data Docs."""
    context.suites.add(_subsuite(suite, list(suite.expectations)))
    passed = sum(bool(r.success) for r in merged)
    suite_id = ExpectationSuiteIdentifier(name=suite.name)
    key = ValidationResultIdentifier(
        expectation_suite_identifier=suite_id, run_id=run_id, batch_identifier=suite.meta["table"]
    )
    result = ExpectationSuiteValidationResult(
        success=passed == len(merged),
        results=merged,
        suite_name=suite.name,
        suite_parameters={CUTOFF_PARAMETER: cutoff.isoformat()},
        statistics={
            "evaluated_expectations": len(merged),
            "successful_expectations": passed,
            "unsuccessful_expectations": len(merged) - passed,
            "success_percent": passed / len(merged) * 100 if merged else None,
        },
        meta={
            "great_expectations_version": gx.__version__,
            "run_id": run_id,
            "validation_time": run_id.run_time,
            "batch_spec": {
                "data_asset_name": suite.meta["table"],
                "batch_data": "pandas DataFrames read from DuckDB as Arrow",
                "rows": rows,
                "batches": batches,
            },
            "batch_markers": {"build_id": build_id, "data_cutoff": cutoff.isoformat()},
            "build_id": build_id,
            "data_cutoff": cutoff.isoformat(),
        },
        batch_id=suite.meta["table"],
    )
    context.validation_results_store.store_validation_results(
        suite_validation_result=result,
        suite_validation_result_identifier=key,
        expectation_suite_identifier=suite_id,
    )
    return key
