"""Building blocks of the policy pages: header, KPI tiles, charts with downloads, "about" texts.

A dimension page (Adoption, Trust, …) is a `PageSpec` plus, at most, a few extra sections: `render`
draws the header and filters, one tile per key indicator (value for the view, change on the last year,
progress to its target, coverage), an explorer for one indicator (by year, compared across countries,
regions or another breakdown, and per country over time), and the table of all the dimension's
indicators. Every chart comes with its data as CSV (with a metadata header) and as PNG or SVG.

Figures are the published ones (`data.indicators`: the public cube without filters, the engine with),
so a tile equals `mco indicators --json` for the same filters.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date

import altair as alt
import polars as pl
import streamlit as st

from dashboard import charts, data, exports, maps, widgets
from dashboard.filters import (
    FilterState,
    Options,
    remember,
    show_page_notices,
    sidebar_filters,
    sync_query,
    to_query,
    url_choice,
)
from dashboard.formatting import (
    BREAKDOWN_LABELS,
    BREAKDOWN_NOUNS,
    DIMENSION_INTROS,
    DIMENSION_LABELS,
    DIRECTION_LABELS,
    FLAG_HELP,
    FLAG_MEANINGS,
    PP_FIRST,
    SUPPRESSED,
    UNIT_LABELS,
    VERDICT_BADGES,
    VERDICT_WORDS,
    breakdown_value_label,
    flag_reason,
    format_delta,
    format_growth,
    format_value,
    period_label,
    tile_value,
    trajectory_text,
    unit_note,
)
from dashboard.pages import PageSpec
from pipelines.indicators import derived, targets
from pipelines.indicators.engine import Filters
from pipelines.indicators.registry import ALL, Indicator, get
from pipelines.settings import settings

# Breakdowns a page may compare by, in the registry's order: all but the whole view, the year and
# country x year (the explorer's trends show those) and the provider (the programmes page's business).
COMPARE_BY = tuple(b for b in ALL if b not in ("overall", "year", "provider") and not b.endswith("_year"))
PARAM_INDICATOR, PARAM_BY = "ind", "by"
TILES_PER_ROW = 4
CSV_HELP = "Exactly the rows of this chart, with flags, the filters, the build and a citation"
COVERAGE_ID = derived.OUTCOME_COVERAGE
GLOSSARY = "glossary"  # the Glossary page's path: every flag links to its entry
NO_AWARDS = "No awards match these filters. Widen the period or remove a filter in the sidebar."
BENCHMARK = "All countries"  # the benchmark beside a filtered figure: the whole observatory, unfiltered


@dataclass
class View:
    """One run of a page: the warehouse, what the user chose, and how to describe and link it."""

    wh: data.Warehouse
    options: Options
    state: FilterState
    filters: Filters
    build: dict[str, str]
    page: str
    extra_query: dict[str, str] = field(default_factory=dict)

    @property
    def describe(self) -> str:
        return self.state.describe()

    @property
    def period(self) -> str:
        return period_label(self.state.year_from, self.state.year_to)

    @property
    def query(self) -> dict[str, str]:
        return {**to_query(self.state, self.options), **self.extra_query}

    @property
    def region_names(self) -> dict[str, str]:
        return dict(self.options.region_names)

    @property
    def cutoff(self) -> date:
        """The build's data cut-off: which years are complete (their outcome windows have closed)."""
        try:
            return date.fromisoformat(self.build.get("data_cutoff", "")[:10])
        except ValueError:
            return date(self.options.last_year or date.today().year, 12, 31)

    @property
    def benchmarked(self) -> bool:
        """A country, region, provider type, field or level is chosen: figures get the all-countries
        value beside them."""
        f = self.filters
        return bool(f.countries or f.provider_types or f.regions or f.fields or f.eqf_levels)

    def indicators(self, ids: Iterable[str], by: str) -> pl.DataFrame:
        return data.indicators(self.wh, tuple(ids), by, self.filters)

    def benchmark(self, ids: Iterable[str], by: str) -> pl.DataFrame:
        """The same cells for all countries (the public cube, as `mco indicators` without filters)."""
        return data.indicators(self.wh, tuple(ids), by, Filters())


# --- Header and footer --------------------------------------------------------------------------------


def start(page: str, title: str, intro: str) -> View:
    """The page header, the sidebar filters and the line saying what the figures cover."""
    wh = data.require_warehouse()
    options = data.options(wh)
    build = data.build_info(wh)
    st.title(title)
    if intro:
        st.caption(intro)
    state = sidebar_filters(options)
    if not options.years:
        st.info("The warehouse holds no awards yet, so there is nothing to show.", icon=":material/info:")
        st.stop()
    view = View(wh, options, state, state.to_filters(options), build, page)
    st.markdown(f"**Showing:** {view.describe}")
    if view.filters != Filters() and data.base_counts(wh, ("awards",), view.filters).get("awards") == 0:
        st.info(NO_AWARDS, icon=":material/filter_alt_off:")
        footer(view)
        st.stop()
    return view


def footer(view: View) -> None:
    st.divider()
    widgets.view_link(view.page, view.query)
    st.caption(flag_legend())
    build = view.build
    if build:
        st.caption(
            f"Build `{build.get('build_id', 'unknown')}` · built {build.get('built_at', 'unknown')} · "
            f"data cut-off {build.get('data_cutoff', 'unknown')} · source: Microcredential Observatory "
            f"warehouse · suggested citation: {exports.citation('Micro-credential indicators', build)}"
        )
    else:
        st.caption("Build information is not available in this warehouse.")


def glossary_link(flag: str | None = None) -> str:
    """A Markdown link to the Glossary (to a flag's entry when one is named)."""
    return f"[{flag}]({GLOSSARY}#flag-{flag})" if flag else f"[Glossary]({GLOSSARY})"


def flag_legend() -> str:
    """What each flag means, each flag a link to its Glossary entry."""
    parts = [f"**{glossary_link(flag)}** = {meaning}" for flag, meaning in FLAG_MEANINGS.items()]
    return " · ".join(parts) + f" · every term explained in the {glossary_link()}"


# --- Figures in words ---------------------------------------------------------------------------------


def row_of(frame: pl.DataFrame, indicator_id: str, value: str | None = None) -> dict | None:
    rows = frame.filter(pl.col("indicator_id") == indicator_id)
    if value is not None:
        rows = rows.filter(pl.col("breakdown_value") == value)
    return rows.row(0, named=True) if rows.height else None


def shown(ind: Indicator, row: Mapping | None) -> str:
    if row is None:
        return format_value(None, ind.unit, "z")
    return format_value(row["value"], ind.unit, row["flag"])


def coverage(ind: Indicator, row: Mapping | None, bases: Mapping[str, int], out5: Mapping | None) -> str:
    """Share of the records in view the figure could be computed on (`derived.coverage`), in words."""
    found = derived.coverage(ind, row, bases.get(ind.base))
    noun = derived.base_noun(ind)
    texts = {
        "coverage": "this indicator is the outcome coverage",
        "outcomes": f"{shown(get(COVERAGE_ID), out5)} of learners awarded have an employment "
        f"observation ({COVERAGE_ID})",
        "all": f"every one of the {noun} in view counts",
        "not_applicable": "not applicable (a ratio or a difference between groups)",
        "no_figure": "n/a",
        "hidden": "n/a: the figure is suppressed or not available",
        "suppressed": "suppressed (c): too few records in view",
        "no_records": "n/a: no records in view",
    }
    if found.status != "share":
        return texts[found.status]
    return f"{found.share:.1f} % of the {noun} in view ({found.counted:,.0f} of {found.total:,})"


def disclosure_rule(ind: Indicator) -> str:
    rules = settings().disclosure
    if ind.people or ind.kind == "per_capita":
        return f"a count of people, suppressed below {rules.min_people}"
    if ind.kind == "quantile":
        return f"suppressed with fewer than {rules.min_contributors} contributors"
    if ind.kind == "gap":
        return f"suppressed when either group has fewer than {rules.min_denominator} records"
    if ind.denominator_sql is not None or ind.kind == "growth":
        return f"suppressed when the denominator is below {rules.min_denominator}"
    return "a count of records (not of people): perturbed like every published count"


def about_text(ind: Indicator, coverage_text: str | None = None) -> str:
    """Definition, numerator, denominator, coverage and caveats of one indicator, from the registry."""
    lines = [
        f"**{ind.id} · {ind.name}**",
        "",
        ind.definition,
        "",
        f"- **Numerator:** {ind.numerator_text}",
        f"- **Denominator:** {ind.denominator_text or 'none (a count)'}",
        f"- **Unit:** {UNIT_LABELS.get(ind.unit, ind.unit)} · "
        f"**Direction:** {DIRECTION_LABELS.get(ind.direction, ind.direction)}",
        f"- **Period:** {ind.period_basis}",
    ]
    if ind.gap:
        lines.append(f"- **Computed as:** {ind.gap.of} for {ind.gap.a} minus {ind.gap.of} for {ind.gap.b}")
    if coverage_text:
        lines.append(f"- **Coverage in this view:** {coverage_text}")
    lines.append(f"- **Disclosure control:** {disclosure_rule(ind)}")
    lines.append(
        "- **Breakdowns:** " + ", ".join(BREAKDOWN_NOUNS.get(b, b) for b in ind.available() if b != "overall")
    )
    lines.append(f"- **Caveats:** {ind.caveats or 'none recorded'}")
    return "\n".join(lines)


# --- Tiles ---------------------------------------------------------------------------------------------


@dataclass
class Figures:
    """What the tiles and tables of a page read: overall and yearly rows, targets, coverage inputs, and
    with a filter the same yearly rows for all countries (the benchmark)."""

    overall: pl.DataFrame
    years: pl.DataFrame
    growth: pl.DataFrame | None
    targets: dict[str, dict]
    bases: dict[str, int]
    out5: dict | None
    cutoff: date = date(1970, 1, 1)
    bench_years: pl.DataFrame | None = None
    bench_growth: pl.DataFrame | None = None

    def row(self, indicator_id: str) -> dict | None:
        return row_of(self.overall, indicator_id)

    def coverage(self, ind: Indicator) -> str:
        return coverage(ind, self.row(ind.id), self.bases, self.out5)

    def headline(self, ind: Indicator) -> derived.Headline:
        """The latest complete year of `ind` in the view (`derived.headline`)."""
        return derived.headline(ind, self.years, self.cutoff, self.growth)

    def bench_row(self, ind: Indicator, year: int | None) -> dict | None:
        """The all-countries cell of `ind` in `year` (None without a filter or a year)."""
        if self.bench_years is None or year is None:
            return None
        return row_of(self.bench_years, ind.id, str(year))


def figures(view: View, ids: Iterable[str]) -> Figures:
    ids = tuple(dict.fromkeys(ids))
    inds = [get(i) for i in ids]
    needs_out5 = any(i.base == "outcomes" or i.dimension == "outcomes" for i in inds)
    overall_ids = (*ids, COVERAGE_ID) if needs_out5 and COVERAGE_ID not in ids else ids
    overall = view.indicators(overall_ids, "overall")
    years = view.indicators(ids, "year")
    rates = derived.growth_ids(ids)
    growth = view.indicators(rates, "year") if rates else None
    bases = tuple(sorted({i.base for i in inds if i.kind in ("share", "quantile")}))
    return Figures(
        overall=overall,
        years=years,
        growth=growth,
        targets=data.trajectories(view.wh),
        bases=data.base_counts(view.wh, bases, view.filters) if bases else {},
        out5=row_of(overall, COVERAGE_ID) if needs_out5 else None,
        cutoff=view.cutoff,
        bench_years=view.benchmark(ids, "year") if view.benchmarked else None,
        bench_growth=view.benchmark(rates, "year") if view.benchmarked and rates else None,
    )


def headline_change(ind: Indicator, head: derived.Headline) -> tuple[str | None, str]:
    """The change of the headline year on the complete year before, in words: (delta, note)."""
    change, year = head.change, head.year
    if year is None:
        return None, "change n/a: no complete year with data"
    if change.growth is not None:
        delta = format_growth(change.value, year)
        if delta is None:
            why = SUPPRESSED if change.why == "suppressed" else "n/a"
            return None, f"change in {year}: {why}"
        return delta, f"change vs {year - 1}"
    notes = {
        "no_data": "change n/a: no year with data",
        "suppressed": f"change n/a: {year} suppressed (c)",
        "no_previous": f"change n/a: no {year - 1} in the view",
        "previous_suppressed": f"change n/a: {year - 1} suppressed (c)",
        "not_available": "change n/a",
    }
    if change.why:
        return None, notes[change.why]
    return format_delta(change.value, ind.unit, year), f"change vs {year - 1}"


def window_note(head: derived.Headline) -> str:
    """Why the newest years of the view are not the headline: "2025: too recent: the 36-month window
    closes in 2028" (the first year that is not complete)."""
    if not head.recent:
        return ""
    year, closes = head.recent[0]
    return f"{year}: {derived.window_text(head.window_months, closes)}"


def headline_value(ind: Indicator, head: derived.Headline) -> str:
    if head.row is None:
        return "too recent" if head.recent else shown(ind, None)
    return tile_value(head.row["value"], ind.unit, head.row["flag"])


def benchmark_text(ind: Indicator, figs: Figures, year: int | None) -> str:
    """The all-countries value beside a filtered tile, for the same year."""
    if figs.bench_years is None or year is None:
        return ""
    found = figs.bench_row(ind, year)
    return f"{BENCHMARK}, {year}: {shown(ind, found)}"


def target_line(ind: Indicator, trajectory: Mapping | None) -> str:
    """The verdict as a coloured badge and the trajectory in words (all countries, as released)."""
    if not trajectory:
        return ""
    verdict = trajectory["verdict"]
    badge = f":{VERDICT_BADGES[verdict]}-badge[{VERDICT_WORDS[verdict]}]"
    return f"{badge} {trajectory_text(trajectory, ind.unit)} · all countries"


def tile(ind: Indicator, figs: Figures, view: View) -> None:
    """One key figure: the latest complete year with its trend, the change on the complete year
    before, the all-countries value beside it under a filter, the target's verdict, about."""
    head = figs.headline(ind)
    delta, note = headline_change(ind, head)
    colour = {"up": "normal", "down": "inverse"}.get(ind.direction, "off")
    flat = delta is not None and delta.lstrip("+-").startswith(("0.0 ", "0.00 ", "0 "))
    spark = [float("nan") if v is None else v for _, v in head.series]  # a gap, never a zero
    with st.container(border=True, height="stretch", gap="xsmall"):
        # the name above the figure, where it can wrap (a metric's own label is cut to one line)
        st.markdown(f"**{ind.name}**")
        st.metric(
            label=ind.name,
            label_visibility="collapsed",
            value=headline_value(ind, head),
            delta=delta.lstrip("+-") if flat else delta,
            delta_color="off" if flat else colour,
            delta_arrow="off" if flat else "auto",
            help=f"{ind.id}: {ind.definition}",
            chart_data=spark if len(spark) > 1 else None,
            chart_type="line",
        )
        period = str(head.year) if head.year is not None else view.period
        detail = f"{ind.id} · {period}" + (f" · {note}" if note else "")
        if unit_note(ind.id):
            detail += f" · {unit_note(ind.id)}"
        row = head.row
        if row and row["flag"] in ("c", "z"):
            reason = flag_reason(ind.id, row["flag"], row.get("suppression"))
            detail += f"  \n*{reason}* ({glossary_link(row['flag'])})"
        st.caption(detail)
        bench = benchmark_text(ind, figs, head.year)
        if bench:
            st.caption(bench)
        recent = window_note(head)
        if recent:
            st.caption(recent)
        line = target_line(ind, figs.targets.get(ind.id))
        if line:
            st.markdown(line)
        cover = figs.coverage(ind)
        if ind.dimension == "outcomes" and ind.id != COVERAGE_ID:
            st.caption(f"Coverage (OUT-5): {shown(get(COVERAGE_ID), figs.out5)}")
        with st.popover("About this indicator", icon=":material/info:", width="stretch"):
            st.markdown(about_text(ind, cover))


def key_figures_caption(view: View) -> str:
    """What a tile shows, said once above the tiles."""
    text = (
        "Each figure is the latest complete year (the newest year whose outcome window has closed by "
        f"the data cut-off, {view.cutoff.isoformat()}), with its trend over the complete years. " + PP_FIRST
    )
    if view.benchmarked:
        text += f" Under each figure: the value for {BENCHMARK.lower()} in the same year, for comparison."
    return text


def tiles(view: View, ids: tuple[str, ...], figs: Figures, per_row: int = TILES_PER_ROW) -> None:
    for start_at in range(0, len(ids), per_row):
        chunk = ids[start_at : start_at + per_row]
        for column, indicator_id in zip(st.columns(per_row), chunk, strict=False):
            with column:
                tile(get(indicator_id), figs, view)


# --- Shown rows, charts and downloads ----------------------------------------------------------------


def shown_rows(
    frame: pl.DataFrame, by: str, view: View, series: Mapping[str, str] | None = None
) -> pl.DataFrame:
    """The rows a chart draws and its CSV holds: codes, labels, values as shown, flags and reasons."""
    names = view.region_names
    records = []
    for r in frame.iter_rows(named=True):
        ind = get(r["indicator_id"])
        value = r["breakdown_value"]
        record = {
            "indicator_id": ind.id,
            "indicator": ind.name,
            "unit": ind.unit,
            "breakdown": r["breakdown"],
            "breakdown_value": value,
        }
        year = None
        if by == "country_year":
            country, _, year = value.partition(" ")
            record |= {"country": country, "year": year, "label": breakdown_value_label("country", country)}
        else:
            record["label"] = breakdown_value_label(by, value, names)
            if by == "year":
                record["year"] = year = value
        if series is not None:
            record["series"] = series.get(ind.id, ind.name)
        record |= {
            "value": r["value"],
            "value_shown": format_value(r["value"], ind.unit, r["flag"]),
            "numerator": r["numerator"],
            "denominator": r["denominator"],
            "flag": r["flag"],
            "suppression": r.get("suppression"),
            "note": flag_reason(ind.id, r["flag"], r.get("suppression")),
        }
        if year is not None:
            timed = derived.windowed(ind)
            complete = targets.is_complete(timed, int(year), view.cutoff)
            record["complete"] = complete
            if not complete:
                closes = targets.window_closes(timed, int(year))
                record["note"] = derived.window_text(targets.window_months(timed), closes)
        records.append(record)
    schema = {"value": pl.Float64, "numerator": pl.Float64, "denominator": pl.Float64}
    out = pl.DataFrame(records, schema_overrides=schema, infer_schema_length=None)
    if out.is_empty():
        return out
    if by == "country_year":
        out = out.rename({"label": "country_label"})
    return out


def for_chart(rows: pl.DataFrame) -> pl.DataFrame:
    """Shown rows with the column names the chart builders read."""
    return rows.rename({"value_shown": "value_text"})


def chart_with_downloads(
    chart: alt.TopLevelMixin,
    rows: pl.DataFrame,
    title: str,
    inds: Iterable[Indicator],
    view: View,
    key: str,
    caption: str = "",
    notes: Iterable[str] = (),
    stretch: bool = True,
    drawn: pl.DataFrame | None = None,
) -> None:
    """A chart, what it cannot draw and why, and its downloads: CSV (the rows shown, with a metadata
    header), PNG and SVG. `drawn`: the rows the marks show, when the download holds more (e.g. the
    growth that only a tooltip shows). The chart's description (its aria-label) is its title and a
    one-sentence summary of the rows drawn."""
    chart = charts.accessible(chart, title, summary(rows if drawn is None else drawn))
    st.altair_chart(chart, width="stretch" if stretch else "content", key=f"chart_{key}")
    text = " ".join(t for t in (caption, flagged_text(rows if drawn is None else drawn)) if t)
    if text:
        st.caption(text)
    meta = exports.metadata(title, list(inds), view.describe, view.query, view.build, view.page, notes)
    widgets.chart_downloads(chart, rows, meta, f"mco_{exports.slug(title)}", key, csv_help=CSV_HELP)


def summary(rows: pl.DataFrame) -> str:
    """One sentence on what a chart shows, for a screen reader: the span of years and the latest
    complete value of a trend, the highest and lowest group of a comparison."""
    if rows.is_empty() or "value_shown" not in rows.columns:
        return f"{rows.height} values; the data is in the table and the CSV download."
    own = rows.filter(~pl.col("benchmark")) if "benchmark" in rows.columns else rows
    valued = own.filter(pl.col("value").is_not_null())
    flagged = own.height - valued.height
    tail = f" {flagged} cells without a value (suppressed, not applicable or too recent)." if flagged else ""
    if "country_label" in own.columns:
        return (
            f"One small trend per country for {own['country'].n_unique()} countries, "
            f"{own['year'].min()} to {own['year'].max()}.{tail}"
        )
    if "year" in own.columns and "label" in own.columns and own["breakdown"][0] == "year":
        done = valued.filter(pl.col("complete")) if "complete" in valued.columns else valued
        names = own["series"].unique().to_list() if "series" in own.columns else []
        head = f"{', '.join(names)} per year" if names else "Per year"
        span = f"{head} from {own['year'].min()} to {own['year'].max()}"
        if done.is_empty():
            return f"{span}; no complete year with a published value.{tail}"
        last = done.sort("year").row(-1, named=True)
        who = f" ({last['series']})" if names else ""
        return f"{span}; latest complete year {last['year']}: {last['value_shown']}{who}.{tail}"
    if valued.is_empty():
        return f"{own.height} groups, none with a published value."
    ranked = valued.sort("value", descending=True)
    top, low = ranked.row(0, named=True), ranked.row(-1, named=True)
    return (
        f"{own['label'].n_unique()} groups; highest {top['label']} at {top['value_shown']}, "
        f"lowest {low['label']} at {low['value_shown']}.{tail}"
    )


def flagged_text(rows: pl.DataFrame, limit: int = 8) -> str:
    """The cells a chart cannot draw, named with their flag and reason (so no gap goes unexplained);
    years whose outcome window is still open are named as too recent, in words, not as a flag."""
    if rows.is_empty() or "flag" not in rows.columns:
        return ""
    if "benchmark" in rows.columns:
        rows = rows.filter(~pl.col("benchmark"))
    incomplete = pl.col("complete").not_() if "complete" in rows.columns else pl.lit(False)
    recent = rows.filter(incomplete)
    flagged = rows.filter(pl.col("flag").is_not_null() & ~incomplete)
    if "country_label" in rows.columns:
        label = pl.concat_str("country", "year", separator=" ").alias("label")
        flagged, recent = flagged.with_columns(label), recent.with_columns(label)
    who = "series" if "series" in rows.columns else "indicator"
    named = who == "series" or (rows.height > 0 and rows["indicator_id"].n_unique() > 1)
    parts = []
    for (flag, note), group in flagged.group_by("flag", "note", maintain_order=True):
        parts.append(f"**{glossary_link(flag)}** ({note}): " + _cells(group, who, named, limit))
    out = "Not drawn: " + " · ".join(parts) + "." if parts else ""
    if recent.height:
        notes = [
            f"{_cells(group, who, named, limit)}: {note}"
            for (note,), group in recent.group_by("note", maintain_order=True)
        ]
        out += (" " if out else "") + "Grey band, not a decline: " + "; ".join(notes) + "."
    return out


def _cells(group: pl.DataFrame, who: str, named: bool, limit: int) -> str:
    cells = []
    for (name,), cell in group.group_by(who, maintain_order=True):
        labels = [str(v) for v in cell["label"].to_list()]
        more = f" and {len(labels) - limit} more" if len(labels) > limit else ""
        cells.append((f"{name} " if named else "") + ", ".join(labels[:limit]) + more)
    return "; ".join(cells)


def subtitle(view: View, ind: Indicator | None = None, extra: str = "") -> list[str]:
    """A chart's subtitle: the filters on one line, the period basis and any note on the next."""
    second = [f"period: {ind.period_basis}"] if ind is not None else []
    if extra:
        second.append(extra)
    return [view.describe, " · ".join(second)] if second else [view.describe]


# --- The explorer ----------------------------------------------------------------------------------------


def _choice_label(indicator_id: str) -> str:
    return f"{indicator_id} · {get(indicator_id).name}"


def _offered(ind: Indicator) -> tuple[tuple[str, ...], str | None]:
    """The breakdowns the explorer offers for an indicator, and the default one."""
    offered = tuple(b for b in COMPARE_BY if b in ind.available())
    return offered, ("country" if "country" in offered else offered[0] if offered else None)


def seed_explorer(spec: PageSpec) -> None:
    """Read the explorer's choices from the link before the page is drawn, so that a notice about an
    unusable value shows at the top of the page, with the filters' notices."""
    ind_key, by_key = f"{spec.dimension}_ind", f"{spec.dimension}_by"
    url_choice(ind_key, PARAM_INDICATOR, spec.choices, spec.default, "indicator")
    offered, default_by = _offered(get(st.session_state[ind_key]))
    if offered:
        url_choice(by_key, PARAM_BY, offered, default_by, "breakdown")
    show_page_notices()


def explorer(view: View, spec: PageSpec, figs: Figures) -> None:
    """One indicator in depth: about it, by year, compared across a breakdown, per country over time."""
    st.subheader("Explore an indicator")
    ind_key, by_key = f"{spec.dimension}_ind", f"{spec.dimension}_by"
    choices = spec.choices
    url_choice(ind_key, PARAM_INDICATOR, choices, spec.default, "indicator")
    chosen = st.selectbox(
        "Indicator",
        choices,
        key=ind_key,
        format_func=_choice_label,
        on_change=remember,
        args=(ind_key,),
        width=520,
    )
    ind = get(chosen)
    about = st.container()
    offered, default_by = _offered(ind)
    by = None
    if offered:
        url_choice(by_key, PARAM_BY, offered, default_by, "breakdown")
        with st.container():
            by = st.pills(
                "Compare by",
                offered,
                key=by_key,
                format_func=lambda b: BREAKDOWN_LABELS[b],
                required=True,
                on_change=remember,
                args=(by_key,),
                wrap=True,
            )
    view.extra_query = {}
    if chosen != spec.default:
        view.extra_query[PARAM_INDICATOR] = chosen
    if by and by != default_by:
        view.extra_query[PARAM_BY] = by
    sync_query(view.extra_query, (PARAM_INDICATOR, PARAM_BY))
    show_page_notices()

    row = figs.row(ind.id) if ind.id in figs.overall["indicator_id"].to_list() else None
    if row is None:
        row = row_of(view.indicators((ind.id,), "overall"), ind.id)
    bases = figs.bases
    if ind.kind in ("share", "quantile") and ind.base not in bases:
        bases = {**bases, **data.base_counts(view.wh, (ind.base,), view.filters)}
    cover = coverage(ind, row, bases, figs.out5)
    with about, st.expander(f"About this indicator: {ind.id} · {ind.name}", icon=":material/info:"):
        st.markdown(about_text(ind, cover))

    coverage_rows = spec.coverage_beside and ind.id != COVERAGE_ID
    notes = [f"Coverage: {cover}"]
    has_map = "region" in ind.available()
    names = ["Chart", "Map", "Table"] if has_map else ["Chart", "Table"]
    tabs = dict(zip(names, st.tabs(names), strict=True))
    with tabs["Chart"]:
        left, right = st.columns(2, gap="large")
        with left:
            _trend_section(view, ind, coverage_rows, notes)
        with right:
            if by:
                _comparison_section(view, ind, by, row, coverage_rows, notes)
            else:
                st.info(
                    f"{ind.id} is published for the whole view, per year and per country and year only.",
                    icon=":material/info:",
                )
        trajectory = figs.targets.get(ind.id)
        if trajectory:
            _trajectory_section(view, ind, trajectory)
        if "country_year" in ind.available() and len(view.options.years) > 1:
            _country_trends_section(view, ind, coverage_rows, notes)
    if has_map:
        with tabs["Map"]:
            _map_section(view, ind)
    with tabs["Table"]:
        _table_section(view, ind, by)


def _map_section(view: View, ind: Indicator) -> None:
    """The indicator by NUTS 2 region on a map, with its downloads (dashboard.maps: the published cells,
    per 1,000 adults for counts, the unknown region in words beside it)."""
    maps.map_tab(view, ind, view.indicators((ind.id,), "region"))


def _table_section(view: View, ind: Indicator, by: str | None) -> None:
    """The explorer's figures as tables: per year, and by the breakdown chosen (as the charts draw)."""
    for what, label in (("year", "Per year"), (by, f"By {BREAKDOWN_NOUNS.get(by or '', '')}")):
        if what is None:
            continue
        rows = shown_rows(view.indicators((ind.id,), what), what, view)
        if rows.is_empty():
            continue
        st.markdown(f"**{label}**")
        columns = {
            "label": "Year" if what == "year" else BREAKDOWN_LABELS[what],
            "value_shown": "Value",
            "numerator": "Numerator",
            "denominator": "Denominator",
            "flag": "Flag",
            "note": "Note",
        }
        widgets.table(
            rows.select(
                *(pl.col(c).alias(n) for c, n in columns.items() if c != "flag"), pl.col("flag").fill_null("")
            ).rename({"flag": "Flag"}),
            {
                "Value": widgets.text(110, alignment="right"),
                "Numerator": widgets.count(100),
                "Denominator": widgets.count(100),
                "Flag": widgets.text(42, help=FLAG_HELP),
                "Note": widgets.text(300),
            },
        )
    st.caption(flag_legend())


def coverage_cells(view: View, by: str, everyone: bool = False) -> pl.DataFrame:
    """OUT-5 (outcome coverage) by `by`: breakdown_value, coverage_out5 and coverage_out5_flag (for
    all countries with `everyone`, beside the benchmark rows)."""
    cells = view.benchmark((COVERAGE_ID,), by) if everyone else view.indicators((COVERAGE_ID,), by)
    return cells.select(
        "breakdown_value",
        pl.col("value").alias("coverage_out5"),
        pl.col("flag").alias("coverage_out5_flag"),
    )


def _with_coverage(rows: pl.DataFrame, view: View, by: str, everyone: bool = False) -> pl.DataFrame:
    """OUT-5 for the same cells beside each row (the outcomes page shows coverage beside every figure)."""
    joined = rows.join(coverage_cells(view, by, everyone), on="breakdown_value", how="left")
    text = [
        format_value(v, "%", f) if (v is not None or f) else "n/a"
        for v, f in zip(joined["coverage_out5"], joined["coverage_out5_flag"], strict=True)
    ]
    return joined.with_columns(pl.Series("coverage_text", text, dtype=pl.String))


def _in_period(rows: pl.DataFrame, view: View) -> pl.DataFrame:
    f = view.filters
    years = pl.col("breakdown_value").cast(pl.Int64)
    return rows.filter(
        (years >= (f.year_from or 0)) & (years <= (f.year_to or 9999))
        if not rows.is_empty()
        else pl.lit(True)
    )


def benchmark_rows(view: View, ind: Indicator, by: str) -> pl.DataFrame | None:
    """The all-countries cells beside a filtered chart (`benchmark` true), for the view's years; none
    without a filter, or for a count (a country's count beside the total says nothing)."""
    if not view.benchmarked or ind.kind in ("count", "sum"):
        return None
    rows = shown_rows(_in_period(view.benchmark((ind.id,), by), view), by, view)
    if rows.is_empty():
        return None
    return rows.with_columns(pl.lit(True).alias("benchmark"), pl.lit(BENCHMARK).alias("series"))


def _trend_section(view: View, ind: Indicator, coverage_rows: bool, notes: list[str]) -> None:
    rows = shown_rows(view.indicators((ind.id,), "year"), "year", view)
    if rows.is_empty():
        st.info(f"{ind.id} has no yearly figures in this view.", icon=":material/info:")
        return
    if coverage_rows:
        rows = _with_coverage(rows, view, "year")
    bench = benchmark_rows(view, ind, "year")
    extra = ""
    if bench is not None and coverage_rows:
        bench = _with_coverage(bench, view, "year", everyone=True)
    if bench is not None:
        rows = pl.concat(
            [rows.with_columns(pl.lit(False).alias("benchmark"), pl.lit(ind.name).alias("series")), bench],
            how="diagonal_relaxed",
        )
        extra = f"dashed grey line: {BENCHMARK.lower()}"
    title = f"{ind.name} per year ({charts.unit_axis(ind.unit)})"
    chart = charts.trend(
        for_chart(rows), title, subtitle(view, ind, extra), ind.unit, bars=ind.unit == "count"
    )
    chart_with_downloads(chart, rows, title, [ind], view, f"trend_{ind.id}", notes=notes)


def peer_filters(view: View) -> Filters:
    """The view without its region filter: the chosen regions' peers stay on the regional chart."""
    return replace(view.filters, regions=())


def _comparison_section(
    view: View, ind: Indicator, by: str, overall_row: Mapping | None, coverage_rows: bool, notes: list[str]
) -> None:
    chosen = view.filters.regions if by == "region" else ()
    if chosen:
        countries = {r[:2] for r in chosen}
        found = data.indicators(view.wh, (ind.id,), by, peer_filters(view))
        found = found.filter(pl.col("breakdown_value").str.slice(0, 2).is_in(list(countries)))
        rows = shown_rows(found, by, view).with_columns(
            pl.col("breakdown_value").is_in(list(chosen)).alias("highlight"), pl.lit(True).alias("peers")
        )
    else:
        rows = shown_rows(view.indicators((ind.id,), by), by, view)
    if rows.is_empty():
        st.info(f"{ind.id} has no figures by {BREAKDOWN_NOUNS[by]} in this view.", icon=":material/info:")
        return
    if coverage_rows:
        rows = _with_coverage(rows, view, by)
    reference = benchmark = None
    counts = ind.kind in ("count", "sum")
    if overall_row and overall_row["value"] is not None and not counts:
        text = f"All in view: {format_value(overall_row['value'], ind.unit)}"
        reference = (overall_row["value"], text)
    if view.benchmarked and not counts:
        period = Filters(view.filters.year_from, view.filters.year_to)
        found = row_of(data.indicators(view.wh, (ind.id,), "overall", period), ind.id)
        if found and found["value"] is not None:
            benchmark = (found["value"], f"{BENCHMARK}: {format_value(found['value'], ind.unit)}")
    lines = [t for t, on in (("dashed: all in view", reference), ("dotted: all countries", benchmark)) if on]
    if chosen:
        lines.append(f"{', '.join(chosen)} highlighted among the regions of its country")
    title = f"{ind.name} by {BREAKDOWN_NOUNS[by]} ({charts.unit_axis(ind.unit)})"
    chart = charts.comparison(
        for_chart(rows),
        title,
        subtitle(view, ind, " · ".join(lines)),
        ind.unit,
        BREAKDOWN_LABELS[by],
        bars=counts,
        reference=reference,
        benchmark=benchmark,
    )
    chart_with_downloads(chart, rows, title, [ind], view, f"compare_{ind.id}_{by}", notes=notes)


def trajectory_rows(ind: Indicator, trajectory: Mapping, years: pl.DataFrame, cutoff: date) -> pl.DataFrame:
    """What a target's chart draws: the published complete years (all countries), the straight path
    from the baseline to the target, the projected trend and the target itself."""
    # the same complete years the build's trajectory was fitted on (targets.assess)
    points = [
        {"year": y, "value": v, "kind": "published"} for y, v in targets.complete_series(ind, years, cutoff)
    ]
    t = trajectory
    if t["baseline_year"] is not None and t["baseline_value"] is not None:
        points += [
            {"year": t["baseline_year"], "value": t["baseline_value"], "kind": "path"},
            {"year": t["target_year"], "value": t["target_value"], "kind": "path"},
        ]
    if t["projected_value"] is not None and t["latest_year"] is not None:
        fit_from = t["trend_from"] or t["latest_year"]
        start = t["projected_value"] - t["slope"] * (max(t["target_year"], t["latest_year"]) - fit_from)
        points += [
            {"year": fit_from, "value": start, "kind": "projection"},
            {
                "year": max(t["target_year"], t["latest_year"]),
                "value": t["projected_value"],
                "kind": "projection",
            },
        ]
    points.append({"year": t["target_year"], "value": t["target_value"], "kind": "target"})
    return pl.DataFrame(points, schema={"year": pl.Int64, "value": pl.Float64, "kind": pl.String})


def _trajectory_section(view: View, ind: Indicator, trajectory: Mapping) -> None:
    years = view.benchmark((ind.id,), "year")
    rows = trajectory_rows(ind, trajectory, years, view.cutoff)
    title = f"{ind.name}: target trajectory, all countries ({charts.unit_axis(ind.unit)})"
    text = trajectory_text(trajectory, ind.unit)
    chart = charts.trajectory(rows, title, [text, trajectory.get("method") or ""], ind.unit)
    chart = charts.accessible(chart, title, text + ".")
    st.altair_chart(chart, width="stretch", key=f"chart_trajectory_{ind.id}")
    st.markdown(target_line(ind, trajectory))


def _country_trends_section(view: View, ind: Indicator, coverage_rows: bool, notes: list[str]) -> None:
    rows = shown_rows(view.indicators((ind.id,), "country_year"), "country_year", view)
    if rows.is_empty() or rows["country"].n_unique() < 1:
        return
    if coverage_rows:
        rows = _with_coverage(rows, view, "country_year")
    title = f"{ind.name} per country and year ({charts.unit_axis(ind.unit)})"
    columns = min(max(rows["country"].n_unique(), 1), 2)  # two panels a row: no clipping on a phone
    chart = charts.small_multiples(for_chart(rows), title, subtitle(view, ind), ind.unit, columns=columns)
    chart_with_downloads(chart, rows, title, [ind], view, f"countries_{ind.id}", notes=notes, stretch=False)


def series_trend(
    view: View,
    series: Mapping[str, str] | tuple[str, ...],
    title: str,
    key: str,
    caption: str = "",
    bars: bool = False,
) -> None:
    """Several indicators of one unit per year, one colour each (e.g. the three stack types), named as
    `series` maps them or, for a tuple of ids, by their series labels in the registry."""
    if not isinstance(series, Mapping):
        series = {i: get(i).label for i in series}
    ids = tuple(series)
    inds = [get(i) for i in ids]
    rows = shown_rows(view.indicators(ids, "year"), "year", view, series=series)
    if rows.is_empty():
        st.info("No yearly figures in this view.", icon=":material/info:")
        return
    same_basis = len({i.period_basis for i in inds}) == 1
    sub = subtitle(view, inds[0]) if same_basis else subtitle(view, extra="each by its own period basis")
    chart = charts.trend(for_chart(rows), title, sub, inds[0].unit, bars=bars, series=True)
    chart_with_downloads(chart, rows, title, inds, view, key, caption=caption)


# --- The table of a dimension's indicators ----------------------------------------------------------


def indicator_table(view: View, ids: tuple[str, ...], figs: Figures, key: str) -> None:
    """Every indicator of the page for the whole view, as published, with its CSV."""
    rows = []
    for indicator_id in ids:
        ind = get(indicator_id)
        row = figs.row(indicator_id) or {
            "value": None,
            "numerator": None,
            "denominator": None,
            "flag": "z",
            "suppression": None,
        }
        head = figs.headline(ind)
        delta, note = headline_change(ind, head)
        latest = (
            f"{head.year}: {shown(ind, head.row)}" if head.year is not None else window_note(head) or "n/a"
        )
        rows.append(
            {
                "indicator_id": ind.id,
                "indicator": ind.name,
                "unit": ind.unit,
                "value": row["value"],
                "value_shown": format_value(row["value"], ind.unit, row["flag"]),
                "latest_complete_year": latest,
                "change_on_last_year": delta or note,
                "numerator": row["numerator"],
                "denominator": row["denominator"],
                "flag": row["flag"],
                "suppression": row.get("suppression"),
                "note": flag_reason(ind.id, row["flag"], row.get("suppression")),
                "coverage": figs.coverage(ind),
            }
        )
    table = pl.DataFrame(
        rows,
        schema_overrides={"value": pl.Float64, "numerator": pl.Float64, "denominator": pl.Float64},
        infer_schema_length=None,
    )
    widgets.table(
        table.select(
            pl.col("indicator_id").alias("ID"),
            pl.col("indicator").alias("Indicator"),
            pl.col("value_shown").alias("Value"),
            pl.col("latest_complete_year").alias("Latest complete year"),
            pl.col("change_on_last_year").alias("Change on last year"),
            pl.col("numerator").alias("Numerator"),
            pl.col("denominator").alias("Denominator"),
            pl.col("flag").fill_null("").alias("Flag"),
            pl.col("note").alias("Note"),
            pl.col("coverage").str.split(" (").list.first().alias("Coverage"),
        ),
        {
            "ID": widgets.text(62),
            "Indicator": widgets.text(240),
            "Value": widgets.text(100, alignment="right", help="For the whole period of the view"),
            "Latest complete year": widgets.text(
                150, help="The latest year whose outcome window has closed, and its value"
            ),
            "Change on last year": widgets.text(140, help="Latest complete year on the year before"),
            "Numerator": widgets.count(88),
            "Denominator": widgets.count(95),
            "Flag": widgets.text(42, help=FLAG_HELP),
            "Note": widgets.text(160, help="Why a value is not shown"),
            "Coverage": widgets.text(
                230, help="Share of the records in view the figure could be computed on"
            ),
        },
    )
    title = f"{DIMENSION_LABELS.get(key, key.title())} indicators"
    meta = exports.metadata(title, [get(i) for i in ids], view.describe, view.query, view.build, view.page)
    widgets.csv_button(
        "Download this table (CSV with definitions, flags and metadata)",
        exports.csv_bytes(table, meta),
        f"mco_{exports.slug(title)}.csv",
        f"csv_table_{key}",
    )


# --- A whole dimension page ----------------------------------------------------------------------------


def render(spec: PageSpec, extra: Callable[[View, Figures], None] | None = None) -> None:
    view = start(spec.title, spec.title, spec.intro or DIMENSION_INTROS.get(spec.dimension, ""))
    seed_explorer(spec)
    figs = figures(view, spec.indicators)
    st.subheader("Key figures")
    st.caption(key_figures_caption(view))
    if spec.coverage_beside:
        st.caption(
            f"Outcome coverage in this view (OUT-5): **{shown(get(COVERAGE_ID), figs.out5)}** of learners "
            "awarded have an employment observation; every outcome figure below counts only them."
        )
    tiles(view, spec.tiles, figs)
    explorer(view, spec, figs)
    if extra is not None:
        extra(view, figs)
    st.subheader(f"All {DIMENSION_LABELS[spec.dimension].lower()} indicators")
    st.caption(
        f"{view.describe}. Value = the whole period of the view; the latest complete year is the newest "
        "year whose outcome window has closed, and the change compares it with the year before."
    )
    indicator_table(view, spec.indicators, figs, spec.dimension)
    footer(view)
