"""Cached reads for the Programmes page: mart_programme, its published comparison frame, the report.

Everything on the page comes from `pipelines.programmes` (the same functions as `mco report` and the
release), computed once per warehouse build and shared by all sessions.
"""

from __future__ import annotations

import re

import duckdb
import polars as pl
import streamlit as st

from dashboard import connection, data
from dashboard.data import Warehouse
from pipelines.programmes import charts
from pipelines.programmes.compare import BASIS_FIELD, BASIS_FIELD_EQF, BY_KEY, funnel, programme_metrics
from pipelines.programmes.present import programme_label, programme_values
from pipelines.programmes.report import InstitutionReport, institution_report
from pipelines.settings import settings

MART = "mart_programme"
COMPARE_LABELS = 150  # px of y-axis labels in the comparison chart (its legend starts that far left)
# The peer basis as the page says it (pipelines.programmes.compare: `peer_basis`).
BASIS_WORDS = {
    BASIS_FIELD_EQF: "compared with programmes in the same field and EQF level",
    BASIS_FIELD: "compared with programmes in the same field, any EQF level",
    None: "no peer group (field unknown, or too few peers with a published value)",
}


def _close(con: duckdb.DuckDBPyConnection) -> None:
    con.close()


@st.cache_resource(max_entries=2, on_release=_close, show_spinner=False)
def _connection(path: str, stamp: int, identity: tuple) -> duckdb.DuckDBPyConnection:
    """Its own read-only instance per build of the file (see dashboard/connection.py)."""
    return connection.open_readonly(path)


@st.cache_resource(max_entries=4, show_spinner=False)
def _mart(path: str, stamp: int, identity: tuple = ()) -> pl.DataFrame | None:
    """mart_programme in memory (read-only, shared); None when the warehouse predates it."""
    cur = connection.cursor(_connection(path, stamp, identity))
    try:
        return cur.sql(f"select * from {MART} order by credential_id").pl()
    except duckdb.CatalogException:
        return None
    finally:
        cur.close()


def programmes(wh: Warehouse) -> pl.DataFrame:
    """Every programme (one row per credential), or a clear message when the build is too old."""
    try:
        mart = _mart(wh.path, wh.stamp, wh.identity)
    except duckdb.Error as exc:
        mart, error = None, str(exc).splitlines()[0]
    else:
        error = "it has no programme metrics (mart_programme)"
    if mart is None:
        st.error(
            f"**The warehouse at `{wh.path}` cannot show programmes**: {error}.\n\n"
            "It comes from an older build. Rebuild it with `make run` (or `mco build`).",
            icon=":material/database_off:",
        )
        st.stop()
    return mart


@st.cache_resource(max_entries=4, show_spinner=False)
def _published(path: str, stamp: int, identity: tuple = ()) -> pl.DataFrame:
    return programme_metrics(_mart(path, stamp, identity))


def published(wh: Warehouse) -> pl.DataFrame:
    """One row per programme and metric with CI, peer median and percentile, after disclosure control."""
    programmes(wh)
    return _published(wh.path, wh.stamp, wh.identity)


@st.cache_data(max_entries=8, show_spinner=False)
def providers(wh: Warehouse) -> pl.DataFrame:
    """Providers with at least one programme, by name: id, name, type, country, programmes, awards."""
    return (
        programmes(wh)
        .group_by("provider_id", "provider_name", "provider_type", "country_code")
        .agg(pl.len().alias("programmes"), pl.col("awards").sum())
        .sort("provider_name", "provider_id")
    )


def institution(wh: Warehouse, provider_id: str) -> dict:
    """One institution's headline: its programmes (largest first, by awards), their count, the ISCED-F
    fields they cover, how many have a peer group (field and EQF level both known), and its awards as
    the cube publishes them (ADO-1 by provider; None when suppressed), never a sum of programmes."""
    own = programmes(wh).filter(pl.col("provider_id") == provider_id)
    own = own.sort(["awards", "credential_id"], descending=[True, False])
    published_awards = data.indicators(wh, ("ADO-1",), "provider", data.NO_FILTERS)
    awards = published_awards.filter(pl.col("breakdown_value") == provider_id)["value"].to_list()
    return {
        "programmes": own,
        "count": own.height,
        "fields": sorted({f for f in own["isced_f_broad"].to_list() if f is not None}),
        "with_peers": own.filter(
            pl.col("isced_f_broad").is_not_null() & pl.col("eqf_level").is_not_null()
        ).height,
        "awards": awards[0] if awards else None,
    }


@st.cache_data(max_entries=64, show_spinner=False)
def values(wh: Warehouse, provider_id: str) -> pl.DataFrame:
    """The institution's programmes (largest first) with numeric, sortable columns per metric
    (`present.programme_values`) and each rate's 95 % interval (`<key>_ci_low`, `<key>_ci_high`)."""
    own = institution(wh, provider_id)["programmes"]
    frame = published(wh)
    wide = programme_values(own, frame)
    ci = frame.filter(pl.col("credential_id").is_in(own["credential_id"].to_list()))
    for part in ("ci_low", "ci_high"):
        piece = ci.pivot(on="metric", index="credential_id", values=part)
        piece = piece.rename({k: f"{k}_{part}" for k in piece.columns if k in BY_KEY})
        wide = wide.join(piece, on="credential_id", how="left")
    return wide


def basis_words(basis: str | None) -> str:
    return BASIS_WORDS.get(basis, BASIS_WORDS[None])


def report(wh: Warehouse, provider_id: str, build: dict[str, str]) -> InstitutionReport:
    return institution_report(programmes(wh), provider_id, published=published(wh), build=build)


@st.cache_data(max_entries=32, show_spinner=False)
def report_html(wh: Warehouse, provider_id: str, build: dict[str, str]) -> bytes:
    return report(wh, provider_id, build).html().encode("utf-8")


@st.cache_data(max_entries=32, show_spinner=False)
def report_pdf(wh: Warehouse, provider_id: str, build: dict[str, str]) -> bytes | None:
    return report(wh, provider_id, build).pdf()


# Chart specifications (Vega-Lite dicts), cached: building and validating an Altair chart costs more than
# drawing it, and the same views come back often (every visit starts at the busiest institution).


def _narrow(spec: dict, subtitle: list[str] | None = None, label_limit: int = 150) -> dict:
    """A chart that fits a phone's width (390 px): the subtitle as short lines (Vega-Lite titles do not
    wrap), shorter y-axis labels and legends stacked vertically with short labels (cut with an ellipsis;
    the tooltip has the full text)."""
    if subtitle is not None:
        spec.setdefault("title", {})["subtitle"] = subtitle

    def walk(node: object) -> None:
        if isinstance(node, dict):
            axis = node.get("y", {}).get("axis") if isinstance(node.get("y"), dict) else None
            if isinstance(axis, dict):
                axis["labelLimit"] = label_limit
            legend = node.get("legend")
            if isinstance(legend, dict):
                legend.update(direction="vertical", labelLimit=200)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk({k: v for k, v in spec.items() if k != "datasets"})
    return spec


def _short_labels(spec: dict) -> dict:
    """Funnel bar labels without the base ("38 (100 %)"; the subtitle names it, the tooltip keeps it)."""
    for rows in spec.get("datasets", {}).values():
        for row in rows:
            if isinstance(row.get("text"), str):
                row["short"] = re.sub(r" \((\d+) % [^)]*\)$", r" (\1 %)", row["text"])
    for layer in spec.get("layer", []):
        text = layer.get("encoding", {}).get("text")
        if isinstance(text, dict) and text.get("field") == "text":
            text["field"] = "short"
    return spec


def described(spec: dict, summary: str) -> dict:
    """A spec a screen reader announces by its title and a one-sentence summary (Vega writes the
    description as the chart's aria-label), never only as "Vega visualization"."""
    title = spec.get("title", "")
    text = title.get("text", "") if isinstance(title, dict) else title
    text = " ".join(text) if isinstance(text, list) else str(text)
    return {**spec, "description": f"{text}. {summary}" if text else summary}


@st.cache_data(max_entries=512, show_spinner=False)
def peer_spec(wh: Warehouse, credential_id: str) -> dict:
    """The programme's rates (point, 95 % interval) beside the peers' median (tick) and interquartile
    range (grey band), as wide as its container."""
    spec = charts.peer_chart(published(wh), credential_id).to_dict()
    narrow = _narrow(
        spec,
        [
            "Point: the programme; blue bar: its 95 % interval;",
            "orange tick: peer median; grey band: peers' middle half (IQR)",
        ],
    )
    return described(
        narrow, "The programme's figures beside the median and interquartile range of its peer group."
    )


@st.cache_data(max_entries=512, show_spinner=False)
def funnel_spec(wh: Warehouse, credential_ids: tuple[str, ...], title: str) -> dict:
    rows = programmes(wh).filter(pl.col("credential_id").is_in(list(credential_ids)))
    spec = _short_labels(charts.funnel_chart(funnel(rows, settings().disclosure), title).to_dict())
    narrow = _narrow(
        spec,
        [
            "Distinct learners; % of those enrolled (employment: of",
            "those observed at 12 months, as in the table)",
        ],
    )
    return described(
        narrow, "Learners at each stage, from enrolment to employment 12 months after the award."
    )


@st.cache_data(max_entries=256, show_spinner=False)
def heatmap_spec(wh: Warehouse, credential_ids: tuple[str, ...]) -> dict:
    order = {c: i for i, c in enumerate(credential_ids)}
    rows = (
        programmes(wh)
        .filter(pl.col("credential_id").is_in(list(credential_ids)))
        .sort(pl.col("credential_id").replace_strict(order, return_dtype=pl.Int64))
    )
    narrow = _narrow(
        charts.percentile_heatmap(published(wh), rows).to_dict(),
        ["P50 = the peer median; blank: suppressed (c) or no peer", "group; peers: same field and EQF level"],
        label_limit=260,
    )
    return described(narrow, "Each programme's percentile among its peers, one cell per metric.")


@st.cache_data(max_entries=256, show_spinner=False)
def comparison_spec(wh: Warehouse, credential_ids: tuple[str, ...]) -> dict:
    rows = programmes(wh).filter(pl.col("credential_id").is_in(list(credential_ids)))
    by_id = {r["credential_id"]: programme_label(r) for r in rows.iter_rows(named=True)}
    spec = charts.comparison_chart(published(wh), {c: by_id[c] for c in credential_ids}).to_dict()
    lines = ["Bars: rate; lines: 95 % Wilson interval;", "a missing bar is suppressed (c) or n/a"]
    spec = _narrow(spec, lines, label_limit=COMPARE_LABELS)
    # The legend from the chart's left edge (not the plot's), so long programme names fit a phone; the
    # title moves up to make room for it.
    spec["title"]["offset"] = 18 * len(credential_ids) + 18
    for layer in spec.get("layer", []):
        legend = layer.get("encoding", {}).get("color", {}).get("legend")
        if isinstance(legend, dict):
            legend.update(
                orient="none", legendX=-COMPARE_LABELS, legendY=-18 * len(credential_ids) - 12, labelLimit=300
            )
    return described(spec, "The chosen programmes' figures side by side.")
