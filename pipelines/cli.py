"""The `mco` command line: generate a sample ecosystem, build the warehouse, print indicators."""

from __future__ import annotations

import json
import os
import shutil
import sys
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Annotated

import polars as pl
import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from pipelines.buildguard import BuildInterrupted
from pipelines.errors import ObservatoryError
from pipelines.settings import DEFAULT_RAW, DEFAULT_WAREHOUSE, default_memory_limit, parse_memory, settings

app = typer.Typer(
    help="Microcredential Observatory: load micro-credential data, check it, and report whether "
    "micro-credentials are working.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console()
err = Console(stderr=True)

WarehouseOpt = Annotated[
    Path, typer.Option("--warehouse", "-w", help="Warehouse file (DuckDB).", envvar="MCO_WAREHOUSE")
]


def _fail(message: str, code: int = 1) -> None:
    err.print(f"[bold red]Error:[/] {message}", highlight=False)
    raise typer.Exit(code)


def _progress() -> Progress:
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    )


@app.command()
def generate(
    scale: Annotated[
        str, typer.Option(help="small (tests), demo (100k awards), medium (1M), large (10M).")
    ] = "demo",
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives identical files.")] = 42,
    out_dir: Annotated[Path, typer.Option("--out", help="Folder to write the delivery into.")] = DEFAULT_RAW,
    cutoff: Annotated[str, typer.Option(help="Data cut-off date (YYYY-MM-DD).")] = "2025-12-31",
    force: Annotated[bool, typer.Option(help="Replace files already in the folder.")] = False,
) -> None:
    """Generate the synthetic sample ecosystem (one CSV per record type) with its ground truth."""
    # imported on use: `mco --help` stays fast
    from pipelines.generate import SCALES
    from pipelines.generate import generate as run_generate

    if scale not in SCALES:
        _fail(f"unknown scale {scale!r}; choose one of {', '.join(SCALES)}.")
    cut = _parse_date(cutoff, "--cutoff")
    existing = [p for p in out_dir.glob("*") if p.name != ".gitkeep"] if out_dir.exists() else []
    if existing and not force:
        _fail(f"{out_dir} already holds {len(existing)} file(s); pass --force to replace them.")
    for p in existing:
        shutil.rmtree(p) if p.is_dir() else p.unlink()
    with _progress() as progress:
        task = progress.add_task(f"generating {scale} ecosystem", total=None)
        result = run_generate(
            scale,
            seed,
            out_dir,
            cutoff=cut,
            on_step=lambda msg: progress.update(task, description=f"generate: {msg}"),
        )
    out.print(
        f"Generated [bold]{result.awards:,}[/] awards for [bold]{result.learners:,}[/] learners in "
        f"{len(result.files)} files under {out_dir} ({result.seconds:.1f} s)."
    )


@app.command()
def build(
    raw: Annotated[Path, typer.Option(help="Folder of raw deliveries.")] = DEFAULT_RAW,
    warehouse: WarehouseOpt = DEFAULT_WAREHOUSE,
    cutoff: Annotated[
        str | None, typer.Option(help="Data cut-off (YYYY-MM-DD); default: the delivery's manifest.json.")
    ] = None,
    max_quarantine_share: Annotated[
        float | None,
        typer.Option(
            min=0.0,
            max=1.0,
            help="Fail when a file has more than this share of rows quarantined "
            "(default MCO_MAX_QUARANTINE_SHARE or 0.2).",
        ),
    ] = None,
    gate: Annotated[
        bool, typer.Option(help="Run the Great Expectations quality gate and write its Data Docs.")
    ] = True,
    new_key: Annotated[
        bool,
        typer.Option(
            "--new-key",
            help="Accept a pseudonymisation key other than the one the current warehouse was built with "
            "(learners then no longer link to earlier deliveries).",
        ),
    ] = False,
    wait: Annotated[
        float | None,
        typer.Option(
            min=0.0,
            metavar="SECONDS",
            help="When another build of the same warehouse is running, wait up to this long for it "
            "(default: fail at once).",
        ),
    ] = None,
    memory_limit: Annotated[
        str | None,
        typer.Option(
            metavar="SIZE",
            help="DuckDB memory limit, e.g. 6GB or 30% (default: MCO_DUCKDB_MEMORY_LIMIT, \\[duckdb] "
            f"memory_limit, else a quarter of this machine's memory: {default_memory_limit() / 1e9:.1f}GB); "
            "beyond it DuckDB spills to the temp directory.",
        ),
    ] = None,
    threads: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="DuckDB threads (default: MCO_DUCKDB_THREADS, \\[duckdb] threads, else this machine's "
            f"{os.cpu_count()} cores).",
        ),
    ] = None,
    temp_directory: Annotated[
        Path | None,
        typer.Option(
            help="Where DuckDB spills (default: MCO_DUCKDB_TEMP_DIRECTORY, \\[duckdb] temp_directory, else "
            "next to the warehouse); the build's spill folder is removed when it ends."
        ),
    ] = None,
    profile: Annotated[
        bool, typer.Option("--profile", help="Print each step's wall time, peak resident memory and spill.")
    ] = False,
    explain: Annotated[
        Path | None,
        typer.Option(metavar="DIR", help="Write the EXPLAIN ANALYZE of every model's SQL into DIR."),
    ] = None,
    engine: Annotated[
        str,
        typer.Option(
            help="Where the curated tables and marts are computed: duckdb, or spark (Spark SQL over a "
            "Parquet lake; master from [spark] in the settings or MCO_SPARK_MASTER).",
        ),
    ] = "duckdb",
) -> None:
    """Load every delivery, quarantine bad rows, and build the warehouse (swapped in only on success)."""
    # imported on use: `mco --help` stays fast
    from pipelines.build import build as run_build

    cut = _parse_date(cutoff, "--cutoff") if cutoff else None
    limits = settings().duckdb
    if memory_limit is not None:
        limits = replace(limits, memory_limit=parse_memory(memory_limit, "--memory-limit"))
    if threads is not None:
        limits = replace(limits, threads=threads)
    if temp_directory is not None:
        limits = replace(limits, temp_directory=temp_directory)

    def waiting(holder: str) -> None:
        err.print(
            f"Waiting up to {wait:g} s for the other build of {warehouse} ({holder}) to finish…",
            highlight=False,
            soft_wrap=True,
        )

    with _progress() as progress:
        task = progress.add_task("building", total=None)
        result = run_build(
            raw,
            warehouse,
            cutoff=cut,
            max_quarantine_share=max_quarantine_share,
            gate=gate,
            new_key=new_key,
            wait=wait,
            on_wait=waiting,
            engine=engine,
            on_step=lambda msg: progress.update(task, description=f"build: {msg}"),
            resources=limits,
            profile=(lambda s: progress.console.print(_profile_line(s), highlight=False))
            if profile
            else False,
            explain=explain,
        )
    if result.profile is not None:
        _print_profile(result.profile, limits)
    _print_deliveries(
        f"Deliveries loaded (build {result.build_id}, cut-off {result.cutoff})", result.report, "loaded"
    )
    out.print(
        f"[bold green]Built[/] {result.warehouse} in {result.seconds:.1f} s: {result.rows_in:,} rows in, "
        f"{result.rows_loaded:,} loaded, {result.rows_quarantined:,} quarantined, "
        f"{result.files_rejected} file(s) rejected. See `mco quarantine` for the reasons."
    )
    if result.data_docs:
        out.print(f"Quality gate passed; Data Docs: {result.data_docs}")


def _profile_line(s) -> str:
    """One finished step of `mco build --profile`, printed as it ends (a long build shows its way)."""
    rss, spill = s.peak_rss / 2**20, s.peak_spill / 2**20
    times = f"{s.seconds:8.2f} s {s.cpu_seconds:8.2f} s CPU"
    return f"  {times} {rss:7,.0f} MiB RSS {spill:7,.0f} MiB spill  {s.name}"


def _print_profile(profile, limits) -> None:
    """The per-step table of `mco build --profile`: wall and CPU seconds, peak RSS and spill."""
    table = Table(
        title=f"Build profile (DuckDB memory limit {limits.memory_bytes / 2**30:.2f} GiB, "
        f"{limits.thread_count} threads)"
    )
    for name in ("step", "seconds", "CPU seconds", "peak RSS (MiB)", "peak spill (MiB)"):
        table.add_column(name, justify="left" if name == "step" else "right")
    steps = profile.steps
    for s in steps:
        rss, spilled = f"{s.peak_rss / 2**20:,.0f}", f"{s.peak_spill / 2**20:,.0f}"
        table.add_row(s.name, f"{s.seconds:.2f}", f"{s.cpu_seconds:.2f}", rss, spilled)
    peak = max((s.peak_rss for s in steps), default=0)
    table.add_row(
        "total",
        f"{sum(s.seconds for s in steps):.2f}",
        f"{sum(s.cpu_seconds for s in steps):.2f}",
        f"{peak / 2**20:,.0f}",
        f"{profile.peak_spill / 2**20:,.0f}",
    )
    err.print(table)


@app.command()
def indicators(
    warehouse: WarehouseOpt = DEFAULT_WAREHOUSE,
    by: Annotated[
        str,
        typer.Option(
            help="Breakdown: overall, year, country, region, provider_type, field, …, country_year, "
            "region_year, provider_type_year (each indicator lists its own in the catalogue)."
        ),
    ] = "overall",
    indicator: Annotated[
        list[str] | None, typer.Option("--indicator", "-i", help="Indicator id (repeatable); default all.")
    ] = None,
    year_from: Annotated[int | None, typer.Option(help="First award year.")] = None,
    year_to: Annotated[int | None, typer.Option(help="Last award year.")] = None,
    country: Annotated[list[str] | None, typer.Option(help="Country code (repeatable).")] = None,
    provider_type: Annotated[list[str] | None, typer.Option(help="Provider type (repeatable).")] = None,
    region: Annotated[
        list[str] | None, typer.Option(help="NUTS 2 region of the provider (repeatable).")
    ] = None,
    field: Annotated[
        list[str] | None, typer.Option(help="ISCED-F broad field, e.g. 06 (repeatable).")
    ] = None,
    eqf_level: Annotated[list[int] | None, typer.Option(help="EQF level 1-8 (repeatable).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON on standard output.")] = False,
) -> None:
    """Print indicator values (suppressed cells flagged c, not-applicable z) from the warehouse."""
    # imported on use: `mco --help` stays fast
    from pipelines.indicators.engine import BREAKDOWNS, Filters, compute, published
    from pipelines.indicators.registry import BY_ID
    from pipelines.indicators.targets import stored_targets
    from pipelines.warehouse import connect_readonly

    if by not in BREAKDOWNS:
        _fail(f"unknown breakdown {by!r}; choose one of {', '.join(BREAKDOWNS)}.")
    unknown = [i for i in indicator or [] if i not in BY_ID]
    if unknown:
        _fail(f"unknown indicator(s) {', '.join(unknown)}; known: {', '.join(BY_ID)}.")
    filters = Filters(
        year_from,
        year_to,
        tuple(c.upper() for c in country or ()),
        tuple(provider_type or ()),
        tuple(r.upper() for r in region or ()),
        tuple(f.zfill(2) for f in field or ()),
        tuple(eqf_level or ()),
    )
    con = connect_readonly(warehouse)
    try:
        frame = published(compute(con, indicator or None, by, filters))
        targets = stored_targets(con)
    finally:
        con.close()
    frame = frame.with_columns(
        pl.col("indicator_id").replace_strict({k: v.name for k, v in BY_ID.items()}).alias("name"),
        pl.col("indicator_id").replace_strict({k: v.unit for k, v in BY_ID.items()}).alias("unit"),
    ).select(
        "indicator_id",
        "name",
        "breakdown",
        "breakdown_value",
        "value",
        "unit",
        "numerator",
        "denominator",
        "flag",
    )
    if as_json:  # each row of an indicator with a policy target carries it (all countries, as released)
        found = {t["indicator_id"]: t for t in targets.to_dicts()}
        dicts = frame.to_dicts()
        rows_out = [
            r | ({"target": found[r["indicator_id"]]} if r["indicator_id"] in found else {}) for r in dicts
        ]
        sys.stdout.write(json.dumps(rows_out, indent=1) + "\n")
        return
    table = Table(title=f"Indicators by {by} ({filters.describe()})")
    for col in ("id", "indicator", by, "value", "numerator", "denominator", "flag"):
        table.add_column(col, justify="right" if col in ("value", "numerator", "denominator") else "left")
    for r in frame.iter_rows(named=True):
        table.add_row(
            r["indicator_id"],
            r["name"],
            r["breakdown_value"],
            _fmt(r["value"], r["unit"]),
            _fmt(r["numerator"], "count"),
            _fmt(r["denominator"], "count"),
            r["flag"] or "",
        )
    out.print(table)
    shown = set(frame["indicator_id"])
    for t in targets.filter(pl.col("indicator_id").is_in(list(shown))).iter_rows(named=True):
        unit = BY_ID[t["indicator_id"]].unit
        diff = "pp" if unit == "%" else unit  # a difference of percentages is in percentage points
        gap = (
            ""
            if t["gap"] is None
            else f", {abs(t['gap']):,.1f} {diff} {'short of' if t['gap'] > 0 else 'beyond'} it"
        )
        out.print(
            f"Target {t['indicator_id']}: {_fmt(t['target_value'], unit)} by {t['target_year']}: "
            f"{t['verdict'].replace('_', ' ')}{gap} ({t['method']}; all countries)",
            highlight=False,
        )


@app.command()
def impact(
    warehouse: WarehouseOpt = DEFAULT_WAREHOUSE,
    by: Annotated[
        str | None, typer.Option(help="Breakdown: overall, field, provider_type, eqf_level, country.")
    ] = None,
    outcome: Annotated[str | None, typer.Option(help="employment or earnings; default both.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON on standard output.")] = False,
) -> None:
    """Print the counterfactual impact estimates (CEM + difference-in-differences) with 95 % intervals."""
    # imported on use: `mco --help` stays fast
    from pipelines.impact.read import BREAKDOWNS, OUTCOME_UNITS, available, payload
    from pipelines.warehouse import connect_readonly

    if by is not None and by not in BREAKDOWNS:
        _fail(f"unknown breakdown {by!r}; choose one of {', '.join(BREAKDOWNS)}.")
    if outcome is not None and outcome not in OUTCOME_UNITS:
        _fail(f"unknown outcome {outcome!r}; choose one of {', '.join(OUTCOME_UNITS)}.")
    con = connect_readonly(warehouse)
    try:
        if not available(con):
            _fail("this warehouse has no impact estimates; rebuild it with `mco build`.")
        data = payload(con, by, outcome)
    finally:
        con.close()
    if as_json:
        sys.stdout.write(json.dumps(data, indent=1) + "\n")
        return
    table = Table(title=f"Impact estimates ({data['method']}, version {data['method_version']})")
    for col in (
        "outcome",
        "months",
        "breakdown",
        "group",
        "naive gain",
        "estimate",
        "95 % CI",
        "learners",
        "flag",
    ):
        table.add_column(col)

    def num(v, outcome_name):
        return "" if v is None else (f"{v:+.3f}" if outcome_name == "employment" else f"{v:+,.0f}")

    for r in data["estimates"]:
        o = r["outcome"]
        ci = "" if r["ci_low"] is None else f"[{num(r['ci_low'], o)}, {num(r['ci_high'], o)}]"
        table.add_row(
            o,
            str(r["horizon_months"]),
            r["breakdown"],
            r["breakdown_value"],
            num(r["naive"], o),
            num(r["estimate"], o),
            ci,
            "" if r["treated"] is None else f"{r['treated']:,}",
            r["flag"] or "",
        )
    out.print(table)
    for o, t in data["pretrend_test"].items():
        if t["p_value"] is not None:
            out.print(f"Pre-trend test ({o}): chi2 = {t['chi2']:.2f}, df = {t['df']}, p = {t['p_value']:.3f}")
    out.print(data["assumptions"])


@app.command()
def quarantine(
    warehouse: WarehouseOpt = DEFAULT_WAREHOUSE,
    limit: Annotated[int, typer.Option(help="Rows to list per reason.")] = 5,
) -> None:
    """Summarise quarantined rows by record type and reason, with examples (file, line, detail)."""
    # imported on use: `mco --help` stays fast
    from pipelines.warehouse import connect_readonly

    con = connect_readonly(warehouse)
    try:
        summary = con.sql(
            "select record_type, reason_code, count(*) as n from quarantine "
            "group by all order by n desc, record_type, reason_code"
        ).fetchall()
        table = Table(title="Quarantined rows")
        for col in ("record type", "reason", "rows", "examples (file:line: detail)"):
            table.add_column(col)
        for rtype, reason, n in summary:
            ex = con.sql(
                "select source_file, source_line, detail from quarantine where record_type = ? "
                "and reason_code = ? order by source_file, source_line limit ?",
                params=[rtype, reason, limit],
            ).fetchall()
            table.add_row(rtype, reason, f"{n:,}", "\n".join(f"{f}:{line}: {d}" for f, line, d in ex))
        out.print(table if summary else "No quarantined rows.")
        rejected = con.sql("select source_file, reason from load_report where status = 'rejected'").fetchall()
        for f, reason in rejected:
            out.print(f"[red]Rejected file[/] {f}: {reason}")
    finally:
        con.close()


@app.command()
def validate(
    path: Annotated[Path, typer.Argument(help="A delivery file or folder (CSV templates).")],
    against: Annotated[
        Path | None,
        typer.Option(
            help="Warehouse whose records stand in for parents the delivery lacks "
            "(default: the default warehouse, when it exists)."
        ),
    ] = None,
    cutoff: Annotated[str | None, typer.Option(help="Data cut-off (YYYY-MM-DD).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON report on standard output.")] = False,
    examples: Annotated[int, typer.Option(help="Example rows to show per reason.")] = 5,
) -> None:
    """Check a delivery before sending it: the same checks as a build, nothing written. Exit 0 when clean."""
    # imported on use: `mco --help` stays fast
    from pipelines.quality.validate import validate as run_validate

    cut = _parse_date(cutoff, "--cutoff") if cutoff else None
    if against is None and DEFAULT_WAREHOUSE.exists():
        against = DEFAULT_WAREHOUSE
    report = run_validate(path, against, cut)
    if as_json:
        sys.stdout.write(json.dumps(report.to_dict(examples), indent=1, default=str) + "\n")
        raise typer.Exit(0 if report.clean else 1)
    _print_deliveries(f"Validation of {path} (cut-off {report.cutoff})", report.files, "would load")
    if report.quarantine.height:
        problems = Table(title="Problems found (file:line: detail)")
        for col in ("record type", "reason", "rows", "examples"):
            problems.add_column(col)
        for s in report.summary().iter_rows(named=True):
            ex = report.quarantine.filter(
                (pl.col("record_type") == s["record_type"]) & (pl.col("reason_code") == s["reason_code"])
            ).head(examples)
            lines = "\n".join(
                f"{e['source_file']}:{e['source_line']}: {e['detail']}" for e in ex.iter_rows(named=True)
            )
            problems.add_row(s["record_type"], s["reason_code"], f"{s['rows']:,}", lines)
        out.print(problems)
    if report.skipped_references:
        out.print(
            f"[yellow]Not checked:[/] references to {', '.join(report.skipped_references)} "
            "(not in this delivery and no warehouse given with --against)."
        )
    if report.clean:
        out.print("[bold green]Clean:[/] every row would load.")
    else:
        out.print("[bold red]Not clean:[/] fix the rows above and validate again.")
    raise typer.Exit(0 if report.clean else 1)


@app.command()
def expectations(
    root: Annotated[Path, typer.Option(help="Folder of the Great Expectations project.")] = Path(
        "expectations"
    ),
) -> None:
    """Regenerate the Great Expectations suites from the table contracts and the warehouse tables' YAML."""
    # imported on use: Great Expectations takes seconds to load
    from pipelines.quality.suites import write_project

    written = write_project(root)
    out.print(f"Wrote {len(written)} file(s) under {root}")


@app.command()
def docs(
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for the generated documents.")] = Path(
        "docs"
    ),
) -> None:
    """Regenerate the documents derived from code: the CSV templates, the warehouse tables and the
    methodology."""
    # imported on use: `mco --help` stays fast
    from pipelines.contracts.docs import render as templates
    from pipelines.indicators.methodology import render as methodology
    from pipelines.sql.docs import render as warehouse_tables

    out_dir.mkdir(parents=True, exist_ok=True)
    documents = (
        ("DATA_TEMPLATES.md", templates),
        ("WAREHOUSE.md", warehouse_tables),
        ("METHODOLOGY.md", methodology),
    )
    for name, render in documents:
        target = out_dir / name
        target.write_text(render(), encoding="utf-8")
        out.print(f"Wrote {target}")


@app.command()
def report(
    provider: Annotated[str, typer.Option("--provider", "-p", help="Provider id, e.g. PRV-00104.")],
    warehouse: WarehouseOpt = DEFAULT_WAREHOUSE,
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for the report files.")] = Path(
        "data/reports"
    ),
    pdf: Annotated[bool, typer.Option(help="Also write a PDF (needs the fpdf2 library).")] = True,
) -> None:
    """Write the one-page institution report (HTML and PDF) of a provider's programmes against peers."""
    # imported on use: `mco --help` stays fast
    from pipelines.programmes.report import write_report
    from pipelines.warehouse import connect_readonly

    con = connect_readonly(warehouse)
    try:
        written = write_report(con, provider, out_dir, pdf=pdf)
    finally:
        con.close()
    for path in written:
        out.print(f"Wrote {path}")
    if pdf and len(written) == 1:
        out.print("[yellow]No PDF:[/] install fpdf2 for one; the HTML report prints to PDF from a browser.")


@app.command()
def providers(
    warehouse: WarehouseOpt = DEFAULT_WAREHOUSE,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON on standard output.")] = False,
) -> None:
    """List the providers with credential programmes: the ids `mco report --provider` takes."""
    # imported on use: `mco --help` stays fast
    from pipelines.programmes.report import load_programmes
    from pipelines.programmes.report import providers as provider_list
    from pipelines.warehouse import connect_readonly

    con = connect_readonly(warehouse)
    try:
        found = provider_list(load_programmes(con))
    finally:
        con.close()
    if as_json:
        sys.stdout.write(json.dumps(found.to_dicts(), indent=1) + "\n")
        return
    table = Table(title=f"Providers with credential programmes ({found.height})")
    for col in ("id", "name", "type", "country", "programmes"):
        table.add_column(col, justify="right" if col == "programmes" else "left")
    for r in found.iter_rows(named=True):
        table.add_row(
            r["provider_id"],
            r["provider_name"],
            (r["provider_type"] or "").replace("_", " "),
            r["country_code"] or "",
            str(r["programmes"]),
        )
    out.print(table)


@app.command()
def export(
    warehouse: WarehouseOpt = DEFAULT_WAREHOUSE,
    out_dir: Annotated[
        Path, typer.Option("--out", help="Folder of public releases (one sub-folder and zip per version).")
    ] = Path("data/releases"),
    restricted: Annotated[
        bool,
        typer.Option(
            help="Also write the restricted release of pseudonymised learner-level tables (never by default)."
        ),
    ] = False,
    restricted_out: Annotated[
        Path, typer.Option(help="Folder of restricted releases, kept apart from the public ones.")
    ] = Path("data/restricted_releases"),
) -> None:
    """Write a versioned, citable data release: Parquet + CSV, dictionary, datapackage.json, checksums."""
    # imported on use: `mco --help` stays fast
    from pipelines.publish.release import export as run_export

    with _progress() as progress:
        task = progress.add_task("exporting", total=None)
        releases = run_export(
            warehouse,
            out_dir,
            restricted=restricted,
            restricted_out=restricted_out,
            on_step=lambda msg: progress.update(task, description=f"export: {msg}"),
        )
    for r in releases:
        since = f"changes since {r.previous}" if r.previous else "first release in this folder"
        out.print(
            f"[bold green]Released[/] {r.access} {r.version} in {r.seconds:.1f} s: {len(r.files)} files, "
            f"{sum(r.rows.values()):,} rows in {len(r.rows)} tables ({since})\n  folder {r.folder}\n"
            f"  zip    {r.archive}",
            highlight=False,
        )


@app.command()
def api(
    warehouse: WarehouseOpt = DEFAULT_WAREHOUSE,
    host: Annotated[str, typer.Option(help="Address to bind (default: this machine only).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
    releases: Annotated[
        Path | None,
        typer.Option(
            help="Folder of public releases (default MCO_RELEASES or data/releases).", envvar="MCO_RELEASES"
        ),
    ] = None,
    access_log: Annotated[bool, typer.Option(help="Log every request (uvicorn's access log).")] = True,
) -> None:
    """Serve the read-only open-data API (indicators, releases; OpenAPI docs at /docs)."""
    # imported on use: the web server only for `mco api`
    import uvicorn

    # imported on use: `mco --help` stays fast
    from pipelines.api.app import create_app

    out.print(f"Serving the API for {warehouse} on http://{host}:{port} (docs: http://{host}:{port}/docs)")
    uvicorn.run(
        create_app(warehouse, releases), host=host, port=port, log_level="info", access_log=access_log
    )


def _status_note(status: str | None) -> str | None:
    """A file's status when it is news (anything but loaded, or rejected which is listed below)."""
    return None if status in (None, "loaded", "rejected") else status


def _print_deliveries(title: str, report: pl.DataFrame, loaded: str) -> None:
    """The per-file accounting table of a build or a validation, then the reasons files were rejected."""
    counts = ("rows in", loaded, "quarantined", "rejected")
    table = Table(title=title)
    for col in ("file", "record type", *counts, "note"):
        table.add_column(col, justify="right" if col in counts else "left")
    for r in report.iter_rows(named=True):
        rejected = r["status"] == "rejected"
        table.add_row(
            r["source_file"],
            r["record_type"] or "?",
            *(f"{r[c]:,}" for c in ("rows_in", "rows_loaded", "rows_quarantined", "rows_rejected")),
            "rejected (see below)"
            if rejected
            else "; ".join(x for x in (_status_note(r["status"]), r["notes"]) if x),
            style="red" if rejected else ("yellow" if r["rows_quarantined"] else None),
        )
    out.print(table)
    for r in report.filter(pl.col("status") == "rejected").iter_rows(named=True):
        out.print(f"[red]Rejected[/] {r['source_file']}: {r['reason']}", highlight=False)


def _fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "–"
    if unit == "%":
        return f"{value:.1f} %"
    if unit == "ratio":
        return f"{value:.2f}"
    return f"{value:,.0f}"


def _parse_date(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        _fail(f"{option} must be a date as YYYY-MM-DD, not {text!r}.")
        raise  # unreachable


def main() -> None:
    """Entry point: user errors become one clear sentence, never a traceback."""
    try:
        app()
    except BuildInterrupted as exc:
        sys.stderr.write(f"Interrupted: {exc}.\n")
        sys.exit(exc.exit_code)
    except ObservatoryError as exc:
        err.print(f"[bold red]Error:[/] {exc}", highlight=False)
        sys.exit(1)
    except KeyboardInterrupt:
        err.print("Interrupted; nothing was changed.")
        sys.exit(130)
    except Exception as exc:  # noqa: BLE001 - last resort: keep the message, hide the traceback
        if os.environ.get("MCO_DEBUG"):
            raise
        err.print(
            f"[bold red]Unexpected error:[/] {type(exc).__name__}: {exc}\n"
            "Set MCO_DEBUG=1 to see the traceback, and please report it.",
            highlight=False,
        )
        sys.exit(2)


if __name__ == "__main__":
    main()
