"""Programmes: an institution's credential programmes beside their peer groups, a programme's funnel,
up to four programmes side by side, and the institution report to download.

The URL reproduces the view: `?provider=PRV-00104&programme=CRED-000210&compare=CRED-1,CRED-2`.
"""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboard import data, exports, programmes_data, widgets
from pipelines.disclosure import FLAG_LEGEND
from pipelines.programmes.compare import BY_KEY, METRICS, Metric
from pipelines.programmes.present import (
    FLAG_NOTES,
    SUPPRESSED,
    comparison_table,
    detail_table,
    field_label,
    programme_label,
)

PARAM_PROVIDER, PARAM_PROGRAMME, PARAM_COMPARE = "provider", "programme", "compare"
KEY_PROVIDER, KEY_PROGRAMME, KEY_SCOPE = "prog_provider", "prog_programme", "prog_funnel_scope"
KEY_SOURCES, KEY_COMPARE = "prog_compare_sources", "prog_compare"
KEY_METRIC, KEY_HEATMAP = "prog_table_metric", "prog_heatmap"
ALL = "all"
ONE_BASE = (
    "The funnel and the tables share one base: stage shares are of the learners enrolled, and the "
    "employment stage is the table's employment rate (employed ÷ observed 12 months after the award), "
    "from the same perturbed counts."
)
MAX_COMPARE = 4
HEATMAP_ROWS = 25
WHOLE = "All programmes of the institution"


def _param(name: str) -> str:
    values = st.query_params.get_all(name)
    return values[0][:400] if values else ""


def _notice(text: str) -> None:
    st.session_state.setdefault("prog_notices", []).append(text)


def _show_notices() -> None:
    for text in st.session_state.pop("prog_notices", []):
        st.warning(text, icon=":material/link_off:")


def _choose_provider(providers: pl.DataFrame) -> str:
    ids = providers["provider_id"].to_list()
    names = dict(zip(ids, providers["provider_name"].to_list(), strict=True))
    countries = dict(zip(ids, providers["country_code"].to_list(), strict=True))
    counts = dict(zip(ids, providers["programmes"].to_list(), strict=True))
    if KEY_PROVIDER not in st.session_state:
        wanted = _param(PARAM_PROVIDER).upper()
        if wanted and wanted not in names:
            _notice(f"Institution `{wanted[:40]}` from the link is not in this warehouse; showing another.")
        busiest = providers.sort(["awards", "provider_id"], descending=[True, False])["provider_id"][0]
        st.session_state[KEY_PROVIDER] = wanted if wanted in names else busiest
    return st.selectbox(
        "Institution",
        ids,
        key=KEY_PROVIDER,
        format_func=lambda p: f"{names[p]} ({p}, {countries[p]}, {counts[p]} programmes)",
        help="Type to search by name or id. Peers come from every institution.",
    )


def _choose_programme(own: pl.DataFrame) -> str:
    ids = own["credential_id"].to_list()
    titles = dict(zip(ids, own["title"].to_list(), strict=True))
    current = st.session_state.get(KEY_PROGRAMME)
    if current not in ids:
        wanted = _param(PARAM_PROGRAMME).upper()
        if current is None and wanted and wanted not in ids:
            _notice(f"Programme `{wanted[:40]}` from the link is not one of this institution's.")
        with_peers = own.filter(pl.col("isced_f_broad").is_not_null() & pl.col("eqf_level").is_not_null())
        default = with_peers["credential_id"][0] if with_peers.height else ids[0]  # largest with peers
        st.session_state[KEY_PROGRAMME] = wanted if current is None and wanted in ids else default
    return st.selectbox(
        "Programme",
        ids,
        key=KEY_PROGRAMME,
        format_func=lambda c: f"{titles[c] or '(untitled)'} ({c})",
    )


def _compare_choice(mart: pl.DataFrame, provider: str, providers: pl.DataFrame) -> list[str]:
    """Up to four programmes from any institutions: pick institutions, then programmes among theirs."""
    names = dict(zip(providers["provider_id"].to_list(), providers["provider_name"].to_list(), strict=True))
    if KEY_COMPARE not in st.session_state:
        wanted = [c.strip().upper() for c in _param(PARAM_COMPARE).split(",") if c.strip()][:20]
        owners = dict(
            mart.filter(pl.col("credential_id").is_in(wanted))
            .select("credential_id", "provider_id")
            .iter_rows()
        )
        known = [c for c in dict.fromkeys(wanted) if c in owners][:MAX_COMPARE]
        if len(known) < len(wanted):
            _notice(
                "Some programmes in the link's comparison are unknown or beyond four; they were left out."
            )
        if not known:
            known = (
                mart.filter(pl.col("provider_id") == provider)
                .sort(["awards", "credential_id"], descending=[True, False])
                .head(2)["credential_id"]
                .to_list()
            )
            owners = dict.fromkeys(known, provider)
        st.session_state[KEY_COMPARE] = known
        st.session_state[KEY_SOURCES] = list(dict.fromkeys([provider, *(owners[c] for c in known)]))
    left, right = st.columns([2, 3])
    with left:
        sources = st.multiselect(
            "Institutions to pick from",
            list(names),
            key=KEY_SOURCES,
            format_func=lambda p: f"{names[p]} ({p})",
            help="Add any institutions; their programmes become choices on the right.",
        )
    chosen = st.session_state.get(KEY_COMPARE, [])
    pool = mart.filter(pl.col("provider_id").is_in(sources) | pl.col("credential_id").is_in(chosen)).select(
        "credential_id", "title", "provider_id", "provider_name"
    )
    by_id = {r["credential_id"]: r for r in pool.iter_rows(named=True)}
    options = pool.sort(["provider_name", "title", "credential_id"])["credential_id"].to_list()
    with right:
        picked = st.multiselect(
            f"Programmes to compare (up to {MAX_COMPARE})",
            options,
            key=KEY_COMPARE,
            max_selections=MAX_COMPARE,
            format_func=lambda c: programme_label(by_id[c]),
        )
    return picked


def _view_query(provider: str, programme: str, compare: list[str]) -> dict[str, str]:
    wanted = {PARAM_PROVIDER: provider, PARAM_PROGRAMME: programme, PARAM_COMPARE: ",".join(compare)}
    return {k: v for k, v in wanted.items() if v}


def _sync_url(provider: str, programme: str, compare: list[str]) -> None:
    wanted = {PARAM_PROVIDER: provider, PARAM_PROGRAMME: programme, PARAM_COMPARE: ",".join(compare)}
    for key, value in wanted.items():
        if value and st.query_params.get(key) != value:
            st.query_params[key] = value
        elif not value and key in st.query_params:
            del st.query_params[key]


def _number(m: Metric, label: str, help: str, fmt: str | None = None) -> st.column_config.Column:
    """A numeric (sortable) column in the metric's unit: "62.3 %" or "1,234"."""
    default = "%.1f %%" if m.unit == "%" else "localized"
    return st.column_config.NumberColumn(label, help=help, format=fmt or default, width="small")


def _head_config() -> dict:
    return {
        "title": st.column_config.TextColumn("Programme", width=170, pinned=True),
        "credential_id": st.column_config.TextColumn("ID", width=105),
        "isced_f_broad": st.column_config.TextColumn("Field", width=50, help="ISCED-F 2013 broad field"),
        "eqf_level": st.column_config.NumberColumn("EQF", width=45, format="%d"),
    }


def _all_metrics(values: pl.DataFrame) -> None:
    """Every metric's value, numeric and sortable; a hidden figure is blank, its reason in the last column."""
    keys = [m.key for m in METRICS if m.key in values.columns]
    hidden = (
        pl.concat_list(
            [
                pl.when(pl.col(f"{k}_flag") == "c")
                .then(pl.lit(f"{BY_KEY[k].short}: c"))
                .when(pl.col(f"{k}_flag") == "z")
                .then(pl.lit(f"{BY_KEY[k].short}: z"))
                for k in keys
            ]
        )
        .list.drop_nulls()
        .list.join(", ")
    )
    frame = values.select(
        "title", "credential_id", "isced_f_broad", "eqf_level", *keys, hidden.alias("hidden")
    )
    config = _head_config()
    for k in keys:
        m = BY_KEY[k]
        config[k] = _number(m, m.short, f"{m.label} ({m.unit}): {m.definition}")
    config["hidden"] = st.column_config.TextColumn(
        "Not shown", width="medium", help="Blank cells: c = suppressed (too few people), z = not applicable"
    )
    widgets.table(frame, config, max_rows=15, height=560, placeholder="", key="prog_table")


def _one_metric(values: pl.DataFrame, m: Metric) -> None:
    """One metric beside each programme's peers: value, interval, peer median with the interquartile
    range beside it, percentile, verdict and the basis of the comparison."""
    k = m.key
    has_ci = f"{k}_ci_low" in values.columns and m.kind == "rate"
    frame = values.select(
        "title",
        "credential_id",
        "isced_f_broad",
        "eqf_level",
        pl.col(k).alias("value"),
        *([pl.col(f"{k}_ci_low").alias("ci_low"), pl.col(f"{k}_ci_high").alias("ci_high")] if has_ci else []),
        pl.col(f"{k}_peer_median").alias("peer_median"),
        pl.col(f"{k}_peer_p25").alias("peer_p25"),
        pl.col(f"{k}_peer_p75").alias("peer_p75"),
        pl.col(f"{k}_percentile").alias("percentile"),
        pl.col(f"{k}_verdict").fill_null("").alias("verdict"),
        pl.col(f"{k}_peer_basis")
        .replace_strict(
            programmes_data.BASIS_WORDS, default=programmes_data.basis_words(None), return_dtype=pl.String
        )
        .alias("basis"),
        pl.col(f"{k}_flag").fill_null("").alias("flag"),
    )
    unit = f" ({m.unit})" if m.unit == "%" else ""
    config = _head_config() | {
        "value": _number(m, m.short + unit, f"{m.label}: {m.definition}"),
        "ci_low": _number(m, "95 % CI from", "Lower end of the 95 % Wilson interval"),
        "ci_high": _number(m, "95 % CI to", "Upper end of the 95 % Wilson interval"),
        "peer_median": _number(m, "Peer median", "The median of the peer group's published values"),
        "peer_p25": _number(m, "Peers P25", "Lower quartile of the peers: the middle half starts here"),
        "peer_p75": _number(m, "Peers P75", "Upper quartile of the peers: the middle half ends here"),
        "percentile": st.column_config.NumberColumn(
            "Percentile", format="P%.0f", width="small", help="Mid-rank percentile among peers (P50 = median)"
        ),
        "verdict": st.column_config.TextColumn("Verdict", width="medium", help=VERDICT_HELP),
        "basis": st.column_config.TextColumn("Peers", width="large", help="The peer group of the comparison"),
        "flag": widgets.text(45, help=FLAG_LEGEND),
    }
    widgets.table(frame, config, max_rows=15, height=560, placeholder="–", key="prog_table")


VERDICT_HELP = (
    "Above / below most peers: the whole 95 % interval lies above the peers' upper quartile (P75) or "
    "below their lower quartile (P25); else within the usual range"
)


def _institution_table(values: pl.DataFrame) -> None:
    options = [ALL, *(m.key for m in METRICS)]
    choice = st.selectbox(
        "Metric in the table",
        options,
        key=KEY_METRIC,
        format_func=lambda k: "All metrics (values)" if k == ALL else BY_KEY[k].label,
        help="One metric shows each programme beside its peers: median, interquartile range, verdict.",
    )
    if choice == ALL:
        _all_metrics(values)
        st.caption(
            "Values in each metric's unit; sort by clicking a heading. Blank: suppressed (c) or not "
            "applicable (z), named in the last column. Choose a metric above for its peer comparison."
        )
    else:
        _one_metric(values, BY_KEY[choice])
        st.caption(
            "Peers: programmes of every institution in the same ISCED-F broad field and EQF level; when "
            "that group has fewer than the minimum of published values, or the level is unknown, the same "
            "field at any EQF level (the Peers column says which). P25–P75: the middle half of the peers."
        )


def _basis_sentence(published: pl.DataFrame, programme: str, row: dict) -> str:
    """How this programme is compared, in words, per metric when the basis differs between metrics."""
    rows = published.filter(pl.col("credential_id") == programme).select("metric", "peer_basis")
    by_basis: dict[str | None, list[str]] = {}
    for metric, basis in rows.iter_rows():
        by_basis.setdefault(basis, []).append(BY_KEY[metric].short)
    field = field_label(row["isced_f_broad"])
    eqf = row["eqf_level"] if row["eqf_level"] is not None else "unknown"
    if len(by_basis) == 1:
        (basis,) = by_basis
        return f"Peers: {programmes_data.basis_words(basis)} (field {field}, EQF {eqf})."
    parts = [f"{', '.join(names)}: {programmes_data.basis_words(b)}" for b, names in by_basis.items()]
    return f"Peers (field {field}, EQF {eqf}) — " + "; ".join(parts) + "."


def _verdicts(published: pl.DataFrame, programme: str) -> None:
    rows = published.filter(pl.col("credential_id") == programme).select("metric", "verdict")
    lines = [
        f"- **{BY_KEY[metric].label}**: {verdict or 'no verdict'}" for metric, verdict in rows.iter_rows()
    ]
    st.markdown("**Verdict per metric**\n\n" + "\n".join(lines))


def main() -> None:
    wh = data.require_warehouse()
    build = data.build_info(wh)
    mart = programmes_data.programmes(wh)
    published = programmes_data.published(wh)
    providers = programmes_data.providers(wh)

    st.title("Programme comparison")
    st.caption(
        "For institution leaders: each credential programme beside its peer group (programmes of every "
        "institution with the same ISCED-F broad field and EQF level, else the same field), with the peers' "
        "median and interquartile range, the programme's percentile, a 95 % Wilson interval for rates and "
        "a one-line verdict. Figures follow the disclosure rules on the Methodology page."
    )
    if providers.is_empty():
        st.info("The warehouse holds no credential programmes yet.", icon=":material/info:")
        st.stop()

    provider = _choose_provider(providers)
    _show_notices()
    info = providers.filter(pl.col("provider_id") == provider).row(0, named=True)
    head = programmes_data.institution(wh, provider)
    own, awards, fields = head["programmes"], head["awards"], head["fields"]

    st.subheader(f"Programmes of {info['provider_name']}")
    a, b, c, d = st.columns(4)
    a.metric("Programmes", f"{head['count']:,}", border=True)
    a.caption("Credential specifications of the institution")
    b.metric("Awards", f"{awards:,.0f}" if awards is not None else SUPPRESSED, border=True)
    b.caption("All its programmes, up to the data cut-off")
    c.metric("Fields", f"{len(fields)}", border=True)
    c.caption(", ".join(field_label(f) for f in fields[:3]) + (" …" if len(fields) > 3 else ""))
    d.metric("With a peer group", f"{head['with_peers']:,} of {head['count']:,}", border=True)
    d.caption("Programmes whose field and EQF level are both known")

    _institution_table(programmes_data.values(wh, provider))

    st.subheader("One programme against its peers")
    programme = _choose_programme(own)
    row = own.filter(pl.col("credential_id") == programme).row(0, named=True)
    st.markdown(
        f"**{row['title'] or '(untitled)'}** · `{programme}` · field {field_label(row['isced_f_broad'])} · "
        f"EQF {row['eqf_level'] if row['eqf_level'] is not None else 'unknown'}"
    )
    st.caption(_basis_sentence(published, programme, row))
    left, right = st.columns([3, 2])
    with left:
        st.vega_lite_chart(programmes_data.peer_spec(wh, programme), width="stretch")
        _verdicts(published, programme)
    with right:
        scope = st.segmented_control(
            "Funnel of", ["This programme", WHOLE], default="This programme", key=KEY_SCOPE
        )
        ids = tuple(own["credential_id"].to_list()) if scope == WHOLE else (programme,)
        title = "Learner funnel, " + (
            "all programmes (summed per programme)" if scope == WHOLE else "this programme"
        )
        st.vega_lite_chart(programmes_data.funnel_spec(wh, ids, title), width="stretch")
        st.caption(ONE_BASE)
    widgets.table(
        detail_table(published, programme),
        {
            "Numerator": widgets.count(),
            "Denominator": widgets.count(),
            "Peers": st.column_config.NumberColumn(help="Peer programmes with a publishable value"),
            "Flag": widgets.text(help=FLAG_LEGEND),
        },
        placeholder="–",
        key="prog_detail",
    )
    st.caption(" · ".join(f"**{k}** = {v}" for k, v in FLAG_NOTES.items()))

    st.subheader("Percentile among peers")
    shown = own.head(HEATMAP_ROWS)
    shown_note = (
        f"The {HEATMAP_ROWS} largest of {own.height} programmes, by awards. "
        if own.height > HEATMAP_ROWS
        else ""
    )
    st.caption(shown_note + "On a narrow screen the chart scrolls sideways.")
    # Wider than a phone (a column per metric): it scrolls sideways in its box rather than being cut.
    st.html(f"<style>.st-key-{KEY_HEATMAP} {{ overflow-x: auto; }}</style>")
    with st.container(key=KEY_HEATMAP):
        st.vega_lite_chart(
            programmes_data.heatmap_spec(wh, tuple(shown["credential_id"].to_list())), width="content"
        )

    st.subheader(f"Compare up to {MAX_COMPARE} programmes")
    picked = _compare_choice(mart, provider, providers)
    _show_notices()
    if picked:
        chosen = mart.filter(pl.col("credential_id").is_in(picked))
        chosen = chosen.with_columns(
            pl.col("credential_id").replace_strict({c: i for i, c in enumerate(picked)}).alias("_o")
        ).sort("_o")
        st.dataframe(
            comparison_table(chosen, published), hide_index=True, width="stretch", key="prog_compare_table"
        )
        st.vega_lite_chart(programmes_data.comparison_spec(wh, tuple(picked)), width="stretch")
    else:
        st.info("Pick programmes above to compare them.", icon=":material/info:")

    st.subheader("Institution report")
    st.caption(
        "One page with the same figures and charts, for printing or sharing (also `mco report --provider "
        f"{provider}`)."
    )
    h, p, _ = st.columns([1, 1, 2])
    with h:
        st.download_button(
            "Download report (HTML)",
            data=lambda: programmes_data.report_html(wh, provider, build),
            file_name=f"institution_{provider}.html",
            mime="text/html",
            icon=":material/download:",
            on_click="ignore",
            key="prog_report_html",
        )
    with p:
        st.download_button(
            "Download report (PDF)",
            data=lambda: programmes_data.report_pdf(wh, provider, build) or b"",
            file_name=f"institution_{provider}.pdf",
            mime="application/pdf",
            icon=":material/picture_as_pdf:",
            on_click="ignore",
            key="prog_report_pdf",
        )
    _sync_url(provider, programme, picked)
    widgets.copy_link(exports.permalink("programmes", _view_query(provider, programme, picked)))

    st.divider()
    if build:
        st.caption(
            f"Build `{build.get('build_id', '?')}` · data cut-off {build.get('data_cutoff', '?')} · "
            "source: Microcredential Observatory warehouse (mart_programme)"
        )


main()
