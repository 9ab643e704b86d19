"""How programme figures read, shared by the dashboard page and the institution report.

Pure functions over the published frame of `compare.programme_metrics`: a suppressed figure reads
"suppressed (c)", never 0, and every rate carries its peer percentile where one may be shown.
"""

from __future__ import annotations

import polars as pl

from pipelines.codes import FIELD_NAMES
from pipelines.disclosure import FLAGS, NOT_APPLICABLE_TEXT, SUPPRESSED_TEXT, flag_text
from pipelines.programmes.compare import BY_KEY, METRICS

SUPPRESSED = SUPPRESSED_TEXT
TABLE_LEGEND = (
    f"value · Pnn = percentile among peers (P50 = the peer median); c = {FLAGS['c'].meaning}; "
    f"– = {FLAGS['z'].label}. Peers: programmes of every provider with the same ISCED-F broad field and EQF "
    "level, or the same field alone when that group is too small or the level unknown."
)
NOT_APPLICABLE = NOT_APPLICABLE_TEXT
# The flags in the programmes' own words: why a programme's figure is hidden or does not apply.
FLAG_NOTES = {
    "c": flag_text("c", "too few people, or a peer group of fewer than the minimum", named=False),
    "z": flag_text("z", "no one in the denominator, or the field or EQF level is unknown"),
}


def value_text(value: float | None, unit: str, flag: str | None = None) -> str:
    """One figure with its unit: "1,234" or "62.3 %"; suppressed and n/a cells say so."""
    if flag == "c":
        return SUPPRESSED
    if flag == "z" or value is None:
        return NOT_APPLICABLE
    if unit == "%":
        return f"{value:.1f} %"
    return f"{value:,.0f}"


def ci_text(low: float | None, high: float | None) -> str:
    """A 95 % interval in percent, "55.1–68.9 %", or "" when there is none."""
    if low is None or high is None:
        return ""
    return f"{low:.1f}–{high:.1f} %"


def iqr_text(low: float | None, high: float | None, unit: str) -> str:
    """The peers' interquartile range, "42.8–48.3 %", or "" when it may not be shown."""
    if low is None or high is None:
        return ""
    if unit == "%":
        return f"{low:.1f}–{high:.1f} %"
    return f"{low:,.0f}–{high:,.0f}"


def percentile_text(percentile: float | None) -> str:
    """A peer percentile as "P71" (rounded), or "" when it may not be shown."""
    return "" if percentile is None else f"P{percentile:.0f}"


def cell_text(row: dict, compact: bool = False) -> str:
    """A table cell: the value and, when known, its peer percentile: "62.3 % · P71".

    `compact` writes a suppressed cell as "c" and a not-applicable one as "–" (for wide tables).
    """
    if compact and row["flag"] == "c":
        return "c"
    if compact and (row["flag"] == "z" or row["value"] is None):
        return "–"
    text = value_text(row["value"], row["unit"], row["flag"])
    pct = percentile_text(row["percentile"])
    return f"{text} · {pct}" if pct else text


def field_label(code: str | None) -> str:
    if code is None:
        return "unknown"
    return f"{code} {FIELD_NAMES.get(code, '')}".strip()


def programme_table(programmes: pl.DataFrame, published: pl.DataFrame, compact: bool = True) -> pl.DataFrame:
    """One row per programme of `programmes` (mart rows), one text column per metric: value · percentile.

    Compact cells: "c" = suppressed, "–" = not applicable (see `cell_text`).
    """
    ids = programmes["credential_id"].to_list()
    cells = (
        published.filter(pl.col("credential_id").is_in(ids))
        .with_columns(
            pl.struct("value", "unit", "flag", "percentile")
            .map_elements(lambda r: cell_text(r, compact), return_dtype=pl.String)
            .alias("cell")
        )
        .pivot(on="metric", index="credential_id", values="cell")
    )
    head = programmes.select(
        "credential_id",
        pl.col("title").fill_null("(untitled)").alias("Programme"),
        pl.col("isced_f_broad").fill_null("?").alias("Field"),
        pl.col("eqf_level").cast(pl.String).fill_null("?").alias("EQF"),
    )
    table = head.join(cells, on="credential_id", how="left").rename({"credential_id": "ID"})
    return table.rename({m.key: m.short for m in METRICS}).select(
        "Programme", "ID", "Field", "EQF", *[m.short for m in METRICS]
    )


def programme_values(programmes: pl.DataFrame, published: pl.DataFrame) -> pl.DataFrame:
    """One row per programme of `programmes` (mart rows) with numeric, sortable columns: per metric its
    value (`<key>`, in its unit), peer percentile (`<key>_percentile`), peer median and quartiles
    (`<key>_peer_median`, `_peer_p25`, `_peer_p75`), peer basis (`<key>_peer_basis`) and verdict
    (`<key>_verdict`). Suppressed or not-applicable figures are null, with `<key>_flag` saying which:
    presentation formats them ("c", "–"), the data stays numeric."""
    ids = programmes["credential_id"].to_list()
    rows = published.filter(pl.col("credential_id").is_in(ids))
    parts = ("value", "percentile", "peer_median", "peer_p25", "peer_p75", "peer_basis", "verdict", "flag")
    wide_parts = [
        rows.pivot(on="metric", index="credential_id", values=part).rename(
            {
                m.key: m.key if part == "value" else f"{m.key}_{part}"
                for m in METRICS
                if m.key in rows["metric"]
            }
        )
        for part in parts
    ]
    head = programmes.select(
        "credential_id",
        pl.col("title").fill_null("(untitled)").alias("title"),
        "isced_f_broad",
        pl.col("eqf_level").cast(pl.Int64),
    )
    out = head
    for part in wide_parts:
        out = out.join(part, on="credential_id", how="left")
    order = ["credential_id", "title", "isced_f_broad", "eqf_level"]
    order += [m.key if p == "value" else f"{m.key}_{p}" for m in METRICS for p in parts]
    return out.select([c for c in order if c in out.columns])


def verdict_counts(published: pl.DataFrame, metric: str) -> dict[str, int]:
    """How many programmes of `published` get each verdict on `metric` (for summary sentences)."""
    found = published.filter(pl.col("metric") == metric)["verdict"].value_counts()
    return {r["verdict"]: int(r["count"]) for r in found.iter_rows(named=True)}


def detail_table(published: pl.DataFrame, credential_id: str) -> pl.DataFrame:
    """One programme against its peers: one row per metric with value, CI, peer median and percentile."""
    rows = []
    for r in published.filter(pl.col("credential_id") == credential_id).iter_rows(named=True):
        m = BY_KEY[r["metric"]]
        rows.append(
            {
                "Metric": m.label,
                "Value": value_text(r["value"], m.unit, r["flag"]),
                "95 % CI": ci_text(r["ci_low"], r["ci_high"]),
                "Numerator": r["numerator"],
                "Denominator": r["denominator"],
                "Peer median": value_text(r["peer_median"], m.unit, r["peer_flag"]),
                "Peer range (IQR)": iqr_text(r["peer_p25"], r["peer_p75"], m.unit),
                "Percentile": percentile_text(r["percentile"]),
                "Peers": r["peer_n"],
                "Peer basis": r["peer_basis"] or "",
                "Verdict": r["verdict"] or "",
                "Flag": r["flag"] or "",
            }
        )
    schema = {
        "Metric": pl.String,
        "Value": pl.String,
        "95 % CI": pl.String,
        "Numerator": pl.Float64,
        "Denominator": pl.Float64,
        "Peer median": pl.String,
        "Peer range (IQR)": pl.String,
        "Percentile": pl.String,
        "Peers": pl.Int64,
        "Peer basis": pl.String,
        "Verdict": pl.String,
        "Flag": pl.String,
    }
    return pl.DataFrame(rows, schema=schema)


def comparison_table(programmes: pl.DataFrame, published: pl.DataFrame) -> pl.DataFrame:
    """Up to four programmes side by side: one row per metric, one column per programme."""
    columns: dict[str, list[str]] = {"Metric": [m.label for m in METRICS]}
    for p in programmes.iter_rows(named=True):
        rows = {
            r["metric"]: r
            for r in published.filter(pl.col("credential_id") == p["credential_id"]).iter_rows(named=True)
        }
        label = programme_label(p)
        cells = []
        for m in METRICS:
            r = rows.get(m.key)
            if r is None:
                cells.append(NOT_APPLICABLE)
                continue
            text = cell_text(r)
            ci = ci_text(r["ci_low"], r["ci_high"])
            cells.append(f"{text} ({ci})" if ci else text)
        columns[label] = cells
    return pl.DataFrame(columns)


def programme_label(row: dict) -> str:
    """A programme as a person reads it: "Title (CRED-000123, Provider name)"."""
    title = row.get("title") or "(untitled)"
    provider = row.get("provider_name") or row.get("provider_id") or ""
    return (
        f"{title} ({row['credential_id']}, {provider})" if provider else f"{title} ({row['credential_id']})"
    )
