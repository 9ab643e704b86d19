"""Build the warehouse: raw deliveries -> staging (+ quarantine) -> curated star schema -> marts -> cube.

The build writes a new DuckDB file next to the target and moves it into place only when everything
succeeded, so a failed or interrupted build never damages the last good warehouse.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import polars as pl

from pipelines import buildprofile, cellkey, pseudonymise
from pipelines.buildguard import SignalGuard, build_lock, building_prefix, remove_stale
from pipelines.errors import BuildFailed, ObservatoryError
from pipelines.impact.tables import build_tables
from pipelines.indicators.engine import BREAKDOWNS, compute_all, published, raw
from pipelines.indicators.registry import BY_ID, INDICATORS
from pipelines.indicators.targets import assess_targets
from pipelines.settings import REQUIRED_TABLES, DuckDBSettings, Target, settings
from pipelines.sources.discover import DeliveryFile, discover, read_cutoff, read_generator
from pipelines.sql.models import Model, ModelError, sql_build_order
from pipelines.staging.intake import file_report, load_deliveries
from pipelines.staging.stage import QUARANTINE_DDL, record_violations
from pipelines.warehouse import rows, scalar

# The curated tables and marts: one pipelines/sql/<layer>/<table>.sql each, built in the order
# pipelines.sql.models.sql_build_order derives from the tables each SQL file reads.
BUILD_STEPS = {"curated": "curated tables", "marts": "marts"}
# Where the curated tables and marts are computed (README "Running on Spark"); staging, the cube and the
# gate run in DuckDB on either.
ENGINES = ("duckdb", "spark")
REFERENCE = Path(__file__).parent / "indicators" / "reference"
AGE_BAND = """
create or replace temp macro age_band(age) as case
    when age is null then null when age < 25 then '15-24' when age < 35 then '25-34'
    when age < 45 then '35-44' when age < 55 then '45-54' when age < 65 then '55-64' else '65+' end
"""


@dataclass
class BuildResult:
    warehouse: Path
    build_id: str
    cutoff: date
    seconds: float
    report: pl.DataFrame  # one row per delivery file: rows in / loaded / quarantined / rejected
    data_docs: Path | None = None  # Great Expectations Data Docs of this build's quality gate
    profile: buildprofile.Profile | None = None  # per-step time, peak RSS and spill (build(profile=True))

    @property
    def rows_in(self) -> int:
        return int(self.report["rows_in"].sum())

    @property
    def rows_loaded(self) -> int:
        return int(self.report["rows_loaded"].sum())

    @property
    def rows_quarantined(self) -> int:
        return int(self.report["rows_quarantined"].sum())

    @property
    def files_rejected(self) -> int:
        return int((self.report["status"] == "rejected").sum())


def _digest(files: list[DeliveryFile], cutoff: date, key_fingerprint: str) -> str:
    """Build id: a hash of the input bytes, cut-off and key fingerprint, so the same inputs give the same
    id and a new pseudonymisation key (other learner keys, other tables) gives a new one."""
    h = hashlib.sha256(cutoff.isoformat().encode())
    h.update(b"\0key:" + key_fingerprint.encode())
    for f in files:
        h.update(f.name.encode())
        with open(f.path, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
    return h.hexdigest()[:16]


KEY_CHANGED = (
    "the pseudonymisation key changed (fingerprint {old} in the current warehouse, {new} now): learner "
    "links to earlier deliveries would break; pass --new-key if this is intended"
)


def previous_fingerprint(warehouse: Path) -> str | None:
    """The key fingerprint recorded by the build of `warehouse`; None without one (older or unreadable)."""
    if not warehouse.is_file():
        return None
    con = duckdb.connect()
    try:
        con.execute("attach ? as prev (read_only)", [str(warehouse)])
        has = scalar(
            con,
            "select count(*) from duckdb_columns() where database_name = 'prev' "
            "and table_name = 'build_info' and column_name = 'key_fingerprint'",
        )
        return scalar(con, "select key_fingerprint from prev.build_info limit 1") if has else None
    except duckdb.Error:
        return None
    finally:
        con.close()


def build(
    raw: Path,
    warehouse: Path,
    *,
    cutoff: date | None = None,
    on_step: Callable[[str], None] | None = None,
    max_quarantine_share: float | None = None,
    gate: bool = True,
    new_key: bool = False,
    wait: float | None = None,
    on_wait: Callable[[str], None] | None = None,
    resources: DuckDBSettings | None = None,
    profile: bool | Callable[[buildprofile.Step], None] = False,
    explain: Path | None = None,
    engine: str = "duckdb",
) -> BuildResult:
    """Build `warehouse` from the deliveries under `raw`; raises BuildFailed on a critical problem.

    Critical: a required record type with no valid rows, a delivery file with more than
    `max_quarantine_share` of its rows quarantined (default MCO_MAX_QUARANTINE_SHARE or 0.2), or a
    consistency violation left after quarantining. The previous warehouse then stays untouched.

    One build per warehouse at a time: another build holding the lock fails this one at once, or after
    `wait` seconds. A pseudonymisation key other than the one the current warehouse was built with
    fails the build unless `new_key`. SIGTERM/SIGINT stop it cleanly (`BuildInterrupted`).

    DuckDB works within `resources` (default: the settings' `[duckdb]`), spilling into a folder of this
    build that is removed afterwards. `profile` records each step's time, peak RSS and spill (a callable
    `profile` is also given each step as it ends); `explain` names a folder for the EXPLAIN ANALYZE of
    every model's SQL. `engine` "spark" computes the curated tables and marts on Spark SQL
    (pipelines/spark/).
    """
    if engine not in ENGINES:
        raise BuildFailed(f"unknown engine {engine!r}; choose one of {', '.join(ENGINES)}")
    share = max_quarantine_share if max_quarantine_share is not None else settings().max_quarantine_share
    started = time.perf_counter()
    step = on_step or (lambda _msg: None)
    raw, warehouse = Path(raw), Path(warehouse)
    if not raw.is_dir():
        raise BuildFailed("the raw data folder does not exist", raw)
    files = discover(raw)
    if not files:
        raise BuildFailed("the raw data folder holds no delivery files (run `mco generate` first)", raw)
    cutoff = cutoff or read_cutoff(raw) or date.today()
    key = pseudonymise.load_key()
    fingerprint = pseudonymise.fingerprint(key)
    build_id = _digest(files, cutoff, fingerprint)

    warehouse.parent.mkdir(parents=True, exist_ok=True)
    docs_root = warehouse.parent / "data_docs"
    with build_lock(warehouse, wait, on_wait), SignalGuard() as guard:
        for stale in remove_stale(warehouse, docs_root):
            step(f"removed {stale.name}, left by a build that did not finish")
        old = previous_fingerprint(warehouse)
        if old is not None and old != fingerprint and not new_key:
            raise BuildFailed(KEY_CHANGED.format(old=old, new=fingerprint), warehouse)
        tmp = warehouse.with_name(f"{building_prefix(warehouse)}{os.getpid()}")
        docs_tmp = docs_root / f".{build_id}.building-{os.getpid()}"
        docs_final = docs_root / build_id
        wal = Path(str(tmp) + ".wal")
        limits = resources or settings().duckdb
        spill = (
            limits.temp_directory / f"mco-build-{os.getpid()}"
            if limits.temp_directory
            else Path(str(tmp) + ".tmp")
        )
        probe = buildprofile.Profile(spill, profile if callable(profile) else None) if profile else None
        if probe is not None:
            step = _profiled(step, probe)
        con = None

        def discard() -> None:
            """Remove what this build wrote (idempotent); signals wait until it is done."""
            with guard.deferred():
                guard.connection = None
                if con is not None:
                    con.close()
                tmp.unlink(missing_ok=True)
                wal.unlink(missing_ok=True)
                shutil.rmtree(spill, ignore_errors=True)
                if docs_tmp.exists():
                    shutil.rmtree(docs_tmp, ignore_errors=True)

        try:
            try:
                with guard.deferred():
                    tmp.unlink(missing_ok=True)
                    wal.unlink(missing_ok=True)
                    con = guard.connection = duckdb.connect(str(tmp))
                buildprofile.configure(con, limits.memory_bytes, limits.thread_count, spill)
                if probe is not None:
                    probe.__enter__()
                lake = tmp.with_name(f"{tmp.name}.lake") if engine == "spark" else None
                report = _fill(con, raw, files, cutoff, key, share, step, explain, lake)
                if gate:
                    step("quality gate (Great Expectations)")
                    docs = _quality_gate(con, cutoff, build_id, docs_tmp)
                else:
                    docs = None
                final_index = docs_final / docs.relative_to(docs_tmp.resolve()) if docs else None
                _build_info(con, build_id, cutoff, raw, report, final_index, warehouse.parent, fingerprint)
                _history(con, warehouse)
                con.execute("checkpoint")
                with guard.deferred():
                    guard.connection = None
                    con.close()
                    os.replace(tmp, warehouse)
                    guard.swapped = True
                    if docs is not None:
                        _put_in_place(docs_tmp, docs_final)
                    shutil.rmtree(spill, ignore_errors=True)
            except BaseException:
                discard()
                raise
            finally:
                if probe is not None:
                    probe.__exit__()
        except BaseException:
            # A signal handled as this build failed for another reason (a DuckDB statement it
            # interrupted, say) can cut the first clean-up short: the second one finishes it.
            discard()
            raise
    seconds = time.perf_counter() - started
    return BuildResult(warehouse, build_id, cutoff, seconds, report, final_index, probe)


def _profiled(step: Callable[[str], None], probe: buildprofile.Profile) -> Callable[[str], None]:
    """The progress callback, also ending the profile's current step and starting the next."""

    def both(message: str) -> None:
        probe.mark(message)
        step(message)

    return both


def _fill(
    con,
    raw: Path,
    files: list[DeliveryFile],
    cutoff: date,
    key: bytes,
    share: float,
    step,
    explain: Path | None = None,
    lake: Path | None = None,
) -> pl.DataFrame:
    """Everything up to the indicator cube, into the build's connection; returns the per-file report."""
    pseudonymise.register(con, key)
    con.execute(AGE_BAND)
    con.execute(cellkey.RECORD_KEY_MACRO)
    columns = "{'country_code': 'VARCHAR', 'share_isced_0_2': 'DOUBLE', 'note': 'VARCHAR'}"
    con.execute(
        "create table ref_low_qualified_share as select country_code, share_isced_0_2 "
        f"from read_csv(?, header = true, columns = {columns})",
        [str(REFERENCE / "low_qualified_share.csv")],
    )
    con.execute("set variable cutoff = ?::date", [cutoff])
    con.execute(QUARANTINE_DDL)
    report = load_deliveries(con, files, step, root=raw)
    con.execute(
        "create or replace table quarantine as select * from quarantine "
        "order by record_type, source_file, source_line, check_name"
    )
    report = file_report(con, report)
    con.register("report_frame", report)
    con.execute("create or replace table load_report as select * from report_frame order by source_file")
    con.unregister("report_frame")
    _check_required(con)
    _check_share(report, share)
    step("consistency checks")
    if record_violations(con):
        raise BuildFailed("consistency checks still fail after quarantining (see consistency_violations)")
    if lake is None:
        _run_models(con, step, explain)
    else:  # on Spark, over a Parquet lake in `lake`
        # imported on use: pyspark (and a JVM) only for a Spark build
        from pipelines.spark.run import run_models

        run_models(con, lake, cutoff, step)
    step("indicator cube")
    _cube(con)
    step("impact estimates")
    build_tables(con, settings().disclosure.min_denominator)
    return report


def _put_in_place(docs_tmp: Path, docs_final: Path) -> None:
    """Move this build's Data Docs folder to data_docs/<build id>, replacing a rebuild's older copy."""
    if docs_final.exists():
        old = docs_final.with_name(f".{docs_final.name}.replaced-{os.getpid()}")
        os.replace(docs_final, old)
        os.replace(docs_tmp, docs_final)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(docs_tmp, docs_final)


def _check_required(con: duckdb.DuckDBPyConnection) -> None:
    empty = [t for t in REQUIRED_TABLES if scalar(con, f"select count(*) from stg_{t}") == 0]
    if empty:
        raise BuildFailed(
            f"no valid rows for required record type(s) {', '.join(empty)}; the previous warehouse is kept"
        )


ROOT_DELIVERY = "(the top of the raw folder)"


def delivery_of(source_file: str) -> str:
    """The delivery a credential file belongs to: its top-level folder or archive under the raw folder
    (`badges/uni-a/x.json` -> `badges`, `export.zip!x.json` -> `export.zip`); files lying at the top
    of the raw folder form one delivery together."""
    top = source_file.split("!", 1)[0]
    return top.split("/", 1)[0] if "/" in top or "!" in source_file else ROOT_DELIVERY


def share_units(report: pl.DataFrame) -> pl.DataFrame:
    """What the quarantine-share limit is computed over: each CSV template file on its own, and the
    credential files of one delivery (`delivery_of`) together, since one credential file usually holds
    one record and 1 of 1 quarantined says nothing about the export. Columns: unit, kind, files,
    rows_in, rows_quarantined, first_file."""
    is_csv = pl.col("source_file").str.to_lowercase().str.ends_with(".csv")
    keyed = report.with_columns(
        kind=pl.when(is_csv).then(pl.lit("file")).otherwise(pl.lit("credential delivery")),
        unit=pl.when(is_csv)
        .then(pl.col("source_file"))
        .otherwise(pl.col("source_file").map_elements(delivery_of, return_dtype=pl.String)),
    )
    return (
        keyed.group_by("unit", "kind", maintain_order=True)
        .agg(
            pl.len().alias("files"),
            pl.col("rows_in").sum(),
            pl.col("rows_quarantined").sum(),
            pl.col("source_file").first().alias("first_file"),
        )
        .sort("unit")
    )


def _check_share(report: pl.DataFrame, share: float) -> None:
    """A delivery mostly quarantined points to a broken export: stop rather than publish half of it.

    CSV templates are judged per file; credential files per delivery (`share_units`)."""
    units = share_units(report)
    bad = units.filter((pl.col("rows_in") > 0) & (pl.col("rows_quarantined") > share * pl.col("rows_in")))
    if bad.height:
        worst = bad.row(0, named=True)
        what = (
            f"rows of {worst['unit']}"
            if worst["kind"] == "file"
            else f"credential records in delivery {worst['unit']} ({worst['files']:,} file(s))"
        )
        raise BuildFailed(
            f"{worst['rows_quarantined']:,} of {worst['rows_in']:,} {what} were "
            f"quarantined, more than the allowed share of {share:.0%} "
            f"({bad.height} file(s) or deliveries over the limit; see `mco validate` for the reasons)",
            worst["first_file"],
        )


HISTORY = {
    "build_history": "select * from build_info",
    "load_history": "select b.build_id, b.built_at, r.* from load_report as r cross join build_info as b",
    "quality_history": "select b.build_id, b.built_at, q.record_type, q.source_file, q.reason_code, "
    "count(*) as rows from quarantine as q cross join build_info as b group by all",
}


def _history(con: duckdb.DuckDBPyConnection, previous: Path) -> None:
    """Carry the run reports of earlier builds forward from the warehouse being replaced, so trends show."""
    for table, sql in HISTORY.items():
        con.execute(f"create or replace table {table} as {sql}")
    if not previous.exists():
        return
    try:
        con.execute("attach ? as prev (read_only)", [str(previous)])
    except duckdb.Error:
        return  # an unreadable old warehouse has no history worth keeping; the new build still stands
    try:
        have = {
            t for (t,) in rows(con, "select table_name from duckdb_tables() where database_name = 'prev'")
        }
        for table in HISTORY:
            if table in have:
                con.execute(
                    f"insert into {table} by name select * from prev.{table} "
                    f"where build_id <> (select build_id from build_info)"
                )
            con.execute(
                f"create or replace table {table} as select * from {table} order by built_at, build_id"
            )
    finally:
        con.execute("detach prev")


def _run_models(con: duckdb.DuckDBPyConnection, step, explain: Path | None = None) -> None:
    """Every curated table, then every mart, each after the tables its SQL reads (with `explain`, the
    EXPLAIN ANALYZE of each is written there as <table>.txt)."""
    try:
        order = sql_build_order()
    except ModelError as exc:
        raise BuildFailed(f"the build order cannot be derived: {exc.message}", exc.path) from None
    with buildprofile.unordered(con):  # every model's final select has its order by
        for model in order:
            step(f"{BUILD_STEPS.get(model.layer, model.layer)}: {model.name}")
            _run_sql(con, model, explain)


def _run_sql(con: duckdb.DuckDBPyConnection, model: Model, explain: Path | None = None) -> None:
    try:
        if explain is not None:
            explain.mkdir(parents=True, exist_ok=True)
            plan = buildprofile.explain_analyze(con, f"create or replace table {model.name} as {model.sql}")
            (explain / f"{model.name}.txt").write_text(plan, encoding="utf-8")
        else:
            con.execute(f"create or replace table {model.name} as {model.sql}")
    except duckdb.Error as exc:
        message = f"building {model.name} failed: {str(exc).splitlines()[0]}"
        raise BuildFailed(message, model.sql_path) from None


def _cube(con: duckdb.DuckDBPyConnection) -> None:
    """Every indicator for every breakdown it has, unfiltered: the raw cube (internal, for checks) and
    the public cube after disclosure control, which the dashboard and downloads read."""
    cube = compute_all(con, bys=BREAKDOWNS)
    public = published(cube)
    for name, frame in (("mart_indicator_cube", raw(cube)), ("pub_indicator_cube", public)):
        con.register("cube_frame", frame)
        con.execute(
            f"create or replace table {name} as select * from cube_frame "
            "order by indicator_id, breakdown, breakdown_value"
        )
        con.unregister("cube_frame")
    registry = pl.DataFrame(
        [
            {
                "indicator_id": i.id,
                "dimension": i.dimension,
                "name": i.name,
                "definition": i.definition,
                "numerator": i.numerator_text,
                "denominator": i.denominator_text,
                "unit": i.unit,
                "kind": i.kind,
                "direction": i.direction,
                "period_basis": i.period_basis,
                "caveats": i.caveats,
                "headline": i.headline,
                "breakdowns": list(i.available()),
            }
            for i in INDICATORS
        ]
    )
    con.register("registry_frame", registry)
    con.execute("create or replace table indicator_registry as select * from registry_frame")
    con.unregister("registry_frame")
    _targets(con, public)


def _configured_targets() -> tuple[Target, ...]:
    """The settings' policy targets, each naming an indicator of the registry."""
    found = settings()
    for t in found.targets:
        if t.indicator not in BY_ID:
            raise ObservatoryError(f"target for unknown indicator {t.indicator!r}", found.config_file)
    return found.targets


def _targets(con: duckdb.DuckDBPyConnection, public: pl.DataFrame) -> None:
    """Each configured policy target as a trajectory from the published complete years, with its verdict."""
    cutoff = scalar(con, "select getvariable('cutoff')")
    yearly = public.filter(pl.col("breakdown") == "year")
    frame = assess_targets(BY_ID, yearly, cutoff, _configured_targets())
    con.register("targets_frame", frame)
    con.execute("create or replace table indicator_targets as select * from targets_frame")
    con.unregister("targets_frame")


def _quality_gate(con: duckdb.DuckDBPyConnection, cutoff: date, build_id: str, docs_dir: Path) -> Path | None:
    """Validate staging and curated tables with the Great Expectations suites; a failure is critical."""
    from pipelines.quality.gate import run_gate  # imported on use: Great Expectations takes seconds to load

    result = run_gate(con, cutoff, build_id, docs_dir)
    con.register("gate_frame", result.results)
    con.execute("create or replace table gate_results as select * from gate_frame")
    con.unregister("gate_frame")
    if not result.success:
        failed = result.results.filter(pl.col("success") == False)  # noqa: E712 - polars expression
        first = failed.row(0, named=True)
        raise BuildFailed(
            f"the quality gate failed {failed.height} expectation(s), first: {first['expectation']} on "
            f"{first['table_name']}.{first['column']} ({first['unexpected_count']} unexpected)"
        )
    return result.docs_index


def _build_info(
    con,
    build_id: str,
    cutoff: date,
    raw: Path,
    report: pl.DataFrame,
    docs: Path | None,
    home: Path,
    key_fingerprint: str,
) -> None:
    # `synthetic`: the deliveries were written by `mco generate` (their manifest says so); every page,
    # download and release of such a warehouse is marked synthetic (`generator` names scale and seed).
    generator = read_generator(raw)
    con.execute(
        """
        create or replace table build_info as
        select ? as build_id, ?::timestamptz as built_at, ?::date as data_cutoff, ? as raw_folder,
               ? as files, ? as files_rejected, ? as rows_in, ? as rows_loaded, ? as rows_quarantined,
               ?::varchar as data_docs, ? as key_fingerprint, ? as synthetic, ?::varchar as generator
        """,
        [
            build_id,
            datetime.now(UTC),
            cutoff,
            raw.name,
            report.height,
            int((report["status"] == "rejected").sum()),
            int(report["rows_in"].sum()),
            int(report["rows_loaded"].sum()),
            int(report["rows_quarantined"].sum()),
            Path(os.path.relpath(docs.resolve(), home.resolve())).as_posix() if docs else None,
            key_fingerprint,
            generator is not None,
            generator,
        ],
    )
