"""Data quality: what each delivery brought in, what was loaded, quarantined or rejected, and why.

Reads the build's run report (`load_report`, `quarantine`, `consistency_violations`) and the history kept
across builds (`build_history`, `load_history`, `quality_history`). An older warehouse without history
still renders, with a notice. Quarantined records are shown without any pseudonymised field.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import polars as pl
import streamlit as st

from dashboard import charts, data, widgets
from pipelines.contracts import contracts
from pipelines.settings import REPO_ROOT

KEY_TYPE, KEY_REASON, KEY_FILE, KEY_BUILD = "dq_type", "dq_reason", "dq_file", "dq_build"
ALL_FILES = "(all files)"  # the file selector's first option; no delivery file has this name
HISTORY_TABLES = ("build_history", "load_history", "quality_history")
MAX_DOCS_BYTES = 50_000_000
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")
EQUATION = "In = loaded + quarantined + rejected"
TILE_HEIGHT = 130  # px: tiles line up whether or not they carry a change on the previous build

# Plain-language meaning of each reason code (README "Checks run in a fixed order", DATA_TEMPLATES.md).
REASONS = {
    "missing_required": "a required field is empty",
    "invalid_value": "a value is not of the field's type (number, date, boolean) or breaks its pattern",
    "unknown_code": "a code is not in the field's code list",
    "out_of_range": "a number is outside the field's allowed range",
    "conflicting_values": "rows with the same key disagree; all of them are kept aside",
    "duplicate_key": "the row repeats the key of an earlier row (the first occurrence is kept)",
    "orphan_reference": "the row points to a record that is in no delivery",
    "parent_quarantined": "the row points to a record that was itself quarantined",
    "date_after_cutoff": "a date after the data cut-off",
    "date_before_launch": "an award dated before its credential's launch",
    "date_order": "dates in an impossible order",
    "level_mismatch": "a credential stacks into a qualification below its own EQF level",
    "malformed_row": "the line cannot be parsed as CSV",
}


def _md(text: object) -> str:
    """Text from a delivery (file names, header names) made inert in Markdown: no links, no emphasis."""
    return _MD_SPECIAL.sub(r"\\\1", str(text)).replace("\n", " ")


def _code(text: object) -> str:
    """Text shown as a Markdown code span (which cannot hold a backtick)."""
    return "`" + str(text).replace("`", "'").replace("\n", " ") + "`"


def _reason_text(code: str) -> str:
    meaning = REASONS.get(code)
    return f"{_code(code)}: {meaning}" if meaning else _code(code)


def _utc(column: str) -> pl.Expr:
    """A timestamp column as UTC text to the second (naive timestamps are taken to be UTC already)."""
    return pl.col(column).dt.strftime("%Y-%m-%d %H:%M:%S")


def _as_utc(frame: pl.DataFrame, column: str) -> pl.DataFrame:
    dtype = frame.schema[column]
    if isinstance(dtype, pl.Datetime) and dtype.time_zone is not None:
        return frame.with_columns(pl.col(column).dt.convert_time_zone("UTC"))
    return frame


def _share(pct: float | None) -> str:
    return f"{pct:.1f} %" if pct is not None else "n/a"


# --- Headline ---------------------------------------------------------------------------------------


def _previous_build(history: pl.DataFrame | None, build_id: str) -> dict | None:
    """The build recorded just before this one, for the change shown under the tiles."""
    if history is None or history.height < 2:
        return None
    ids = history["build_id"].to_list()
    at = ids.index(build_id) if build_id in ids else len(ids)
    return history.row(at - 1, named=True) if at >= 1 else None


def _change(now: int, before: int | None) -> dict:
    """st.metric delta arguments: an increase in a problem count is bad (inverse colours)."""
    if before is None:
        return {}
    diff = now - before
    if diff == 0:
        return {"delta": "no change on the previous build", "delta_color": "off", "delta_arrow": "off"}
    return {"delta": f"{diff:+,} on the previous build", "delta_color": "inverse"}


def _tile(label: str, value: str, help_text: str, caption: str, change: dict | None = None) -> None:
    st.metric(label, value, border=True, height=TILE_HEIGHT, help=help_text, **(change or {}))
    st.caption(caption)


def _headline(totals: dict, previous: dict | None) -> None:
    rows_in, quarantined, rejected = totals["rows_in"], totals["rows_quarantined"], totals["rejected_files"]
    tiles = st.columns(5)
    with tiles[0]:
        _tile(
            "Delivery files",
            f"{totals['files']:,}",
            "Files read by this build",
            f"{totals['files'] - rejected:,} loaded, {rejected:,} rejected",
        )
    with tiles[1]:
        _tile(
            "Rows in",
            f"{rows_in:,}",
            "Data rows in all delivery files",
            "every data row of every file, header excluded",
        )
    with tiles[2]:
        _tile(
            "Rows loaded",
            f"{totals['rows_loaded']:,}",
            "Rows that passed every check",
            f"{_share(totals['loaded_pct'])} of rows in",
        )
    with tiles[3]:
        _tile(
            "Rows quarantined",
            f"{quarantined:,} ({_share(totals['quarantined_pct'])})",
            "Rows kept aside with a reason code; the rest of their file loaded",
            "rows (share of rows in)",
            _change(quarantined, previous and previous["rows_quarantined"]),
        )
    with tiles[4]:
        _tile(
            "Files rejected",
            f"{rejected:,}",
            "Files not read at all (for example a header that does not match the template)",
            f"{totals['rows_rejected']:,} rows not loaded",
            _change(rejected, previous and previous["files_rejected"]),
        )

    accounted = totals["rows_accounted"]
    equation = (
        f"{rows_in:,} rows in = {totals['rows_loaded']:,} loaded "
        f"+ {totals['rows_quarantined']:,} quarantined + {totals['rows_rejected']:,} rejected"
    )
    if accounted == rows_in:
        st.success(f"**Every row is accounted for:** {equation}.", icon=":material/check_circle:")
    else:
        st.error(
            f"**Rows are missing from the accounting:** {rows_in:,} rows in, but {accounted:,} loaded, "
            "quarantined or rejected. The build should have stopped; rebuild with `mco build`.",
            icon=":material/error:",
        )


# --- Deliveries -------------------------------------------------------------------------------------


def delivery_table(report: pl.DataFrame) -> pl.DataFrame:
    """One row per delivery file with its accounting, the check that it adds up, and why it was not loaded
    (`report`: `data.load_report` or `data.load_history`)."""
    gap = pl.col("unaccounted")
    return report.select(
        pl.col("source_file").alias("File"),
        pl.col("record_type").fill_null("?").alias("Record type"),
        pl.col("status").alias("Status"),
        pl.col("rows_in").alias("Rows in"),
        pl.col("rows_loaded").alias("Loaded"),
        pl.col("rows_quarantined").alias("Quarantined"),
        pl.col("rows_rejected").alias("Rejected"),
        pl.col("quarantined_pct").alias("Quarantined (%)"),
        pl.when(gap == 0).then(pl.lit("✓")).otherwise(pl.format("✗ off by {}", gap)).alias(EQUATION),
        pl.concat_str(pl.col("reason"), pl.col("notes"), separator="; ", ignore_nulls=True)
        .fill_null("")
        .alias("Reason / notes"),
    )


def _pick_build(wh: data.Warehouse, tables: frozenset[str], build: dict[str, str]) -> tuple[str, str]:
    """The build whose deliveries to list: this one, or an earlier one from `load_history`."""
    current = build.get("build_id", "")
    if "load_history" not in tables or "build_history" not in tables:
        return current, ""
    history = _as_utc(data.build_history(wh), "built_at")
    if history.height < 2:
        return current, ""
    history = history.sort("built_at", "build_id", descending=True)
    labels = {
        r["build_id"]: f"{r['built']} UTC · {r['build_id']}"
        + (" (this build)" if r["build_id"] == current else "")
        for r in history.with_columns(_utc("built_at").alias("built")).iter_rows(named=True)
    }
    ids = list(labels)
    if current in ids:  # this build first
        ids.insert(0, ids.pop(ids.index(current)))
    if st.session_state.get(KEY_BUILD) not in ids:
        st.session_state[KEY_BUILD] = ids[0]
    chosen = st.selectbox(
        "Build",
        ids,
        key=KEY_BUILD,
        format_func=labels.get,
        help="Earlier builds come from the history kept in the warehouse",
        width=420,
    )
    return chosen, labels[chosen]


def _deliveries(
    wh: data.Warehouse, tables: frozenset[str], build: dict[str, str], report: pl.DataFrame
) -> None:
    st.subheader("Deliveries")
    chosen, label = _pick_build(wh, tables, build)
    shown = report if chosen == build.get("build_id", "") else data.load_history(wh, chosen)
    st.caption(
        f"One row per delivery file{f' of build {label}' if label else ' of this build'}. Rows are counts; "
        f"the column *{EQUATION}* checks the accounting of each file."
    )
    widgets.table(
        delivery_table(shown),
        {
            "File": widgets.text(180),
            "Record type": widgets.text(140),
            "Status": widgets.text(70),
            "Rows in": widgets.count(75),
            "Loaded": widgets.count(75),
            "Quarantined": widgets.count(90),
            "Rejected": widgets.count(75),
            "Quarantined (%)": st.column_config.NumberColumn(width=110, format="%.1f %%"),
            EQUATION: widgets.text(
                225, alignment="center", help="✓ when rows in = loaded + quarantined + rejected"
            ),
            "Reason / notes": widgets.text(400),
        },
    )

    rejected = shown.filter(pl.col("status") == "rejected")
    if rejected.is_empty():
        st.caption(":material/check: No delivery file was rejected.")
        return
    lines = [
        f"- **{_md(r['source_file'])}** ({_md(r['record_type'] or 'unknown record type')}, "
        f"{r['rows_rejected']:,} rows): {_md(r['reason'] or 'no reason recorded')}"
        for r in rejected.iter_rows(named=True)
    ]
    st.warning(
        f"**{rejected.height:,} file(s) rejected whole**, none of their rows loaded:\n\n" + "\n".join(lines),
        icon=":material/block:",
    )


# --- Reasons and trend ------------------------------------------------------------------------------


def _reasons(wh: data.Warehouse, tables: frozenset[str], summary: pl.DataFrame | None) -> None:
    st.subheader("Why rows were quarantined")
    missing = [t for t in ("build_history", "quality_history") if t not in tables]
    left, right = st.columns(2)
    with left:
        if summary is None:
            st.info(
                "This warehouse has no quarantine table; rebuild it with `mco build`.", icon=":material/info:"
            )
        elif summary.is_empty():
            st.success("No rows were quarantined in this build.", icon=":material/check_circle:")
        else:
            reasons = charts.quarantine_reasons(summary)
            top = summary.group_by("reason_code").agg(pl.col("rows").sum()).sort("rows", descending=True)
            said = f"{summary['rows'].sum():,} rows quarantined; most often {top['reason_code'][0]}."
            st.altair_chart(
                charts.accessible(reasons, "Top quarantine reasons (rows)", said), width="stretch"
            )
    with right:
        if missing:
            st.info(
                "**No trend across builds:** this warehouse comes from an older build that kept no history "
                f"(`{'`, `'.join(missing)}` missing). The next `mco build` starts recording it.",
                icon=":material/history_toggle_off:",
            )
            return
        builds = _as_utc(data.build_history(wh), "built_at").with_columns(_utc("built_at").alias("built"))
        history = _as_utc(data.quality_history(wh), "built_at").with_columns(_utc("built_at").alias("built"))
        trend = history.select("built", "build_id", "reason_code", "rows")
        per_build = charts.quarantine_trend(trend, builds["built"].to_list())
        said = f"{builds.height} builds, {trend['rows'].sum():,} rows quarantined in all."
        st.altair_chart(
            charts.accessible(per_build, "Rows quarantined per build, by reason (count)", said),
            width="stretch",
        )
        if builds.height < 2:
            st.caption("Only one build is recorded so far; each new build adds a bar.")
    _build_table(builds, current=data.build_info(wh).get("build_id", ""))


def _build_table(builds: pl.DataFrame, current: str) -> None:
    st.markdown("**Builds recorded in this warehouse** (newest first; rows are counts)")
    table = builds.sort("built_at", "build_id", descending=True).select(
        pl.col("built").alias("Built at (UTC)"),
        pl.when(pl.col("build_id") == current)
        .then(pl.format("{} (this build)", pl.col("build_id")))
        .otherwise(pl.col("build_id"))
        .alias("Build"),
        pl.col("data_cutoff").cast(pl.String).alias("Data cut-off"),
        pl.col("files").alias("Files"),
        pl.col("files_rejected").alias("Files rejected"),
        pl.col("rows_in").alias("Rows in"),
        pl.col("rows_loaded").alias("Loaded"),
        pl.col("rows_quarantined").alias("Quarantined"),
        pl.col("quarantined_pct").alias("Quarantined (%)"),
    )
    widgets.table(
        table,
        {
            "Build": widgets.text(200),
            **{c: widgets.count() for c in ("Files", "Files rejected", "Rows in", "Loaded", "Quarantined")},
            "Quarantined (%)": st.column_config.NumberColumn(format="%.2f %%"),
        },
        max_rows=10,
        height=400,
    )


# --- Drill-down -------------------------------------------------------------------------------------


def _keep_valid(key: str, options: list[str]) -> None:
    """A selection that no longer exists (other record type, newer build) falls back to the first option."""
    if key in st.session_state and st.session_state[key] not in options:
        st.session_state[key] = options[0]


def _fields_of(record_type: str) -> set[str]:
    """The fields of a record type's template; all hideable fields when the type is unknown."""
    contract = contracts().get(record_type)
    return set(contract.column_names) if contract else set(data.hidden_record_fields())


def _choose(column, label: str, key: str, options: list[str]) -> str:
    """A selector kept in the page's link, falling back to its first option."""
    with column:
        _keep_valid(key, options)
        return st.selectbox(label, options, key=key, bind="query-params")


def _drill_down(wh: data.Warehouse, summary: pl.DataFrame | None) -> None:
    st.subheader("Quarantined rows")
    if summary is None or summary.is_empty():
        st.caption("Nothing to list: no rows were quarantined in this build.")
        return
    st.caption(
        "Choose a record type and a reason (and optionally a file) to list the rows kept aside. "
        "The selection is kept in the page's link."
    )
    type_rows = data.quarantine_totals(wh)
    left, middle, right = st.columns([1, 1, 1.4])
    record_type = _choose(left, "Record type", KEY_TYPE, list(type_rows))
    reason_rows = data.quarantine_totals(wh, record_type)
    reason = _choose(middle, "Reason", KEY_REASON, list(reason_rows))
    per_file = summary.filter((pl.col("record_type") == record_type) & (pl.col("reason_code") == reason))
    file_rows = dict(per_file.sort("source_file").select("source_file", "rows").iter_rows())
    source_file = _choose(right, "File", KEY_FILE, [ALL_FILES, *file_rows])

    chosen_file = None if source_file == ALL_FILES else source_file
    rows, total = data.quarantined_rows(wh, record_type, reason, chosen_file)
    checks = ", ".join(_code(c) for c in sorted(set(rows["Check"].to_list())))
    shown = (
        f"all {total:,} rows"
        if rows.height == total
        else f"the first {rows.height:,} of {total:,} rows (by file and line)"
    )
    where = f"in {_md(source_file)}" if source_file != ALL_FILES else f"in {len(file_rows):,} file(s)"
    st.markdown(
        f"**{_md(record_type)}**: {type_rows[record_type]:,} rows quarantined, "
        f"{reason_rows[reason]:,} of them for {_reason_text(reason)}. "
        f"Showing {shown} {where}; caught by {checks}."
    )
    hidden = sorted(data.hidden_record_fields() & _fields_of(record_type))
    note = "record fields are as delivered (text)"
    if hidden:
        shown_hidden = " · ".join(f"**{name}**: {data.HIDDEN_TEXT}" for name in hidden)
        note = f"{shown_hidden} — learner identifiers are never shown on this page; {note}"
    st.caption(note[0].upper() + note[1:] if not hidden else note)
    widgets.table(
        rows,
        {
            "File": widgets.text(150, pinned=True),
            "Line": st.column_config.NumberColumn(width=60, format="%d", pinned=True),
            "Check": widgets.text(240),
            "Detail": widgets.text(380),
        },
        max_rows=15,
        height=560,
    )
    buffer = io.BytesIO()
    rows.write_csv(buffer)
    st.download_button(
        f"Download these {rows.height:,} rows (CSV, identifiers removed)",
        data=buffer.getvalue(),
        file_name=f"mco_quarantine_{record_type}_{reason}.csv",
        mime="text/csv",
        icon=":material/download:",
    )


# --- Consistency and Data Docs ----------------------------------------------------------------------


def _consistency(wh: data.Warehouse, tables: frozenset[str]) -> None:
    if "consistency_violations" not in tables:
        st.info(
            "This warehouse predates the cross-table consistency checks; "
            "rebuild it with `mco build` to run them.",
            icon=":material/info:",
        )
        return
    violations = data.consistency_violations(wh)
    if violations.is_empty():
        st.success(
            "**0 consistency violations**: every cross-table rule holds on the loaded data.",
            icon=":material/check_circle:",
        )
        return
    st.error(
        f"**{violations.height:,} consistency violation(s)** remain after quarantining; these figures should "
        "not be published. Rebuild with `mco build` after fixing the deliveries.",
        icon=":material/error:",
    )
    st.dataframe(violations, hide_index=True, width="stretch", placeholder="")


def _docs_file(recorded: str, wh: data.Warehouse) -> Path | None:
    """The Data Docs index on this server: as recorded, or relative to the warehouse or the repository."""
    path = Path(recorded).expanduser()
    candidates = [path] if path.is_absolute() else [Path(wh.path).parent / path, REPO_ROOT / path]
    return next((p for p in candidates if p.is_file()), None)


def _data_docs(wh: data.Warehouse, build: dict[str, str]) -> None:
    recorded = build.get("data_docs", "").strip()
    if not recorded:
        st.info("Data Docs not available for this build.", icon=":material/description:")
        return
    found = _docs_file(recorded, wh)
    if found is None or found.stat().st_size > MAX_DOCS_BYTES:
        st.warning(
            f"This build recorded its Great Expectations Data Docs at {_code(recorded)}, but that file "
            "is not readable on the dashboard's server.",
            icon=":material/description:",
        )
        return
    st.markdown(
        "The Great Expectations **Data Docs** of this build (every expectation, its result and the failing "
        f"values) are on the server at {_code(found)}."
    )
    st.download_button(
        "Download the Data Docs index page (HTML)",
        data=found.read_bytes(),
        file_name=f"data_docs_{build.get('build_id', 'build')}.html",
        mime="text/html",
        icon=":material/download:",
    )
    st.caption(
        "The download is the index page alone: its links to the individual validation results work "
        "when it is opened from the Data Docs folder on the server."
    )


# --- Page -------------------------------------------------------------------------------------------


def main() -> None:
    wh = data.require_warehouse()
    build = data.build_info(wh)
    tables = data.table_names(wh)

    st.title("Data quality")
    st.caption(
        "What each delivery brought in, what was loaded, what was kept aside (quarantined) or rejected, "
        "and why. The Overview's filters (period, country, provider type) do not apply here: this page "
        "reports on whole delivery files as read by the build."
    )
    if "load_report" not in tables:
        st.error(
            f"**The warehouse at {_code(wh.path)} has no load report**; it may come from an older or failed "
            "build. Rebuild it with `make run` (or `mco build`).",
            icon=":material/database_off:",
        )
        st.stop()
    if build:
        st.markdown(
            f"**Build** {_code(build.get('build_id', 'unknown'))} · built {build.get('built_at', 'unknown')} "
            f"· data cut-off {build.get('data_cutoff', 'unknown')} "
            f"· raw folder {_code(build.get('raw_folder', '?'))}"
        )
    missing = [t for t in HISTORY_TABLES if t not in tables]
    if missing:
        st.info(
            "This warehouse comes from an older build that kept no history across builds "
            f"(`{'`, `'.join(missing)}` missing): this build is shown alone, without a trend.",
            icon=":material/history_toggle_off:",
        )

    report = data.load_report(wh)
    summary = data.quarantine_summary(wh) if "quarantine" in tables else None
    history = data.build_history(wh) if "build_history" in tables else None

    st.subheader("This build at a glance")
    _headline(data.load_totals(wh), _previous_build(history, build.get("build_id", "")))
    _deliveries(wh, tables, build, report)
    _reasons(wh, tables, summary)
    _drill_down(wh, summary)

    st.subheader("Consistency checks and Data Docs")
    left, right = st.columns(2)
    with left:
        _consistency(wh, tables)
    with right:
        _data_docs(wh, build)

    st.divider()
    st.caption(
        "Source: the warehouse's run report (`load_report`, `quarantine`) and the history kept across "
        "builds. The same figures are printed by `mco build` and `mco quarantine`."
    )


main()
