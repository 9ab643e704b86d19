"""Programmes: an institution's credential programmes beside their peer groups, a programme's funnel,
up to four programmes side by side, and the institution report to download.

The URL reproduces the view: `?provider=PRV-00104&programme=CRED-000210&compare=CRED-1,CRED-2`.
"""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboard import data, programmes_data, widgets
from pipelines.disclosure import FLAG_LEGEND
from pipelines.programmes.compare import METRICS
from pipelines.programmes.present import (
    FLAG_NOTES,
    SUPPRESSED,
    TABLE_LEGEND,
    comparison_table,
    detail_table,
    field_label,
    programme_label,
    programme_table,
)

PARAM_PROVIDER, PARAM_PROGRAMME, PARAM_COMPARE = "provider", "programme", "compare"
KEY_PROVIDER, KEY_PROGRAMME, KEY_SCOPE = "prog_provider", "prog_programme", "prog_funnel_scope"
KEY_SOURCES, KEY_COMPARE = "prog_compare_sources", "prog_compare"
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


def _sync_url(provider: str, programme: str, compare: list[str]) -> None:
    wanted = {PARAM_PROVIDER: provider, PARAM_PROGRAMME: programme, PARAM_COMPARE: ",".join(compare)}
    for key, value in wanted.items():
        if value and st.query_params.get(key) != value:
            st.query_params[key] = value
        elif not value and key in st.query_params:
            del st.query_params[key]


def _table_config() -> dict:
    config = {
        "Programme": st.column_config.TextColumn(width=230),
        "ID": st.column_config.TextColumn(width=105),
        "Field": st.column_config.TextColumn(width=50),
        "EQF": st.column_config.TextColumn(width=45),
    }
    for m in METRICS:
        config[m.short] = st.column_config.TextColumn(width=104, help=f"{m.label}: {m.definition}")
    return config


def main() -> None:
    wh = data.require_warehouse()
    build = data.build_info(wh)
    mart = programmes_data.programmes(wh)
    published = programmes_data.published(wh)
    providers = programmes_data.providers(wh)

    st.title("Programme comparison")
    st.caption(
        "For institution leaders: each credential programme beside its peer group (programmes of every "
        "institution with the same ISCED-F broad field and EQF level), with the peer median, the programme's "
        "percentile and a 95 % Wilson interval for rates. Figures follow the disclosure rules on the "
        "Methodology page."
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

    widgets.table(
        programme_table(own, published),
        _table_config(),
        max_rows=15,
        height=560,
        placeholder=None,
        key="prog_table",
    )
    st.caption(TABLE_LEGEND)

    st.subheader("One programme against its peers")
    programme = _choose_programme(own)
    row = own.filter(pl.col("credential_id") == programme).row(0, named=True)
    st.markdown(
        f"**{row['title'] or '(untitled)'}** · `{programme}` · field {field_label(row['isced_f_broad'])} · "
        f"EQF {row['eqf_level'] if row['eqf_level'] is not None else 'unknown'}"
    )
    left, right = st.columns([3, 2])
    with left:
        st.vega_lite_chart(programmes_data.peer_spec(wh, programme), width="stretch")
    with right:
        scope = st.segmented_control(
            "Funnel of", ["This programme", WHOLE], default="This programme", key=KEY_SCOPE
        )
        ids = tuple(own["credential_id"].to_list()) if scope == WHOLE else (programme,)
        title = "Learner funnel, " + (
            "all programmes (summed per programme)" if scope == WHOLE else "this programme"
        )
        st.vega_lite_chart(programmes_data.funnel_spec(wh, ids, title), width="stretch")
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
    if own.height > HEATMAP_ROWS:
        st.caption(f"The {HEATMAP_ROWS} largest of {own.height} programmes, by awards.")
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

    st.divider()
    if build:
        st.caption(
            f"Build `{build.get('build_id', '?')}` · data cut-off {build.get('data_cutoff', '?')} · "
            "source: Microcredential Observatory warehouse (mart_programme)"
        )


main()
