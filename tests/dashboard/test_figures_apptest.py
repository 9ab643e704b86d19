"""Every figure the Overview and the dimension pages show equals `mco indicators --json` for the same
filters: every tile (value, change on the last year, target progress, coverage), every cell of the
indicator tables, and every row behind every chart (value, flag, numerator, denominator, the text a
tooltip shows), with no filter, one country and one year.

The CLI is the oracle. The change on the last year, the progress to a target and the coverage are
derived here from the CLI's figures by their definitions (written independently of the dashboard), the
coverage with the engine's published base totals (`engine.base_totals`, not in the CLI). The Annex I
elements, which are no indicator of the catalogue yet, are checked against the engine
(`annex_elements.annex_missing`). A chart whose data this test does not know fails it, so a new chart
cannot slip past.
"""

from __future__ import annotations

import math
from functools import cache
from pathlib import Path

import duckdb
import polars as pl
import pyarrow as pa
import pytest
from streamlit.testing.v1 import AppTest

from dashboard.pages import BY_NAME, DIMENSION_PAGES, SCORECARD
from pipelines.indicators.engine import Filters
from pipelines.indicators.registry import BASES, INDICATORS, get, growth_for
from tests.dashboard.apptest import open_page
from tests.dashboard.test_pages_apptest import (
    busiest_slice,
    cli,
    headline_rows,
    headline_shown,
    in_table,
    shown,
)

pytestmark = pytest.mark.build

OUTCOME_COVERAGE = "OUT-5"
VIEWS = ("all", "country", "year")


# --- The oracle ---------------------------------------------------------------------------------------


@cache
def _view(warehouse: Path, name: str) -> tuple[dict[str, str], tuple[str, ...], Filters]:
    """A view by name: its URL query, the CLI's filter options and the engine's filters."""
    years, country, _ = busiest_slice(warehouse)
    if name == "country":
        return {"country": country}, ("--country", country), Filters(countries=(country,))
    if name == "year":
        y = years[-2]
        return {"from": str(y), "to": str(y)}, ("--year-from", str(y), "--year-to", str(y)), Filters(y, y)
    return {}, (), Filters()


@cache
def _cli(warehouse: Path, by: str, args: tuple[str, ...]) -> dict[tuple[str, str], dict]:
    """Every indicator by one breakdown, as the CLI prints it: (indicator, breakdown value) -> row."""
    return {(r["indicator_id"], r["breakdown_value"]): r for r in cli(warehouse, "--by", by, *args)}


class Oracle:
    def __init__(self, warehouse: Path, view: str):
        self.warehouse = warehouse
        self.query, self.args, self.filters = _view(warehouse, view)

    def cells(self, by: str) -> dict[tuple[str, str], dict]:
        return _cli(self.warehouse, by, self.args)

    def overall(self, indicator_id: str) -> dict | None:
        return self.cells("overall").get((indicator_id, "all"))

    def years(self, indicator_id: str) -> list[dict]:
        found = [r for (i, _), r in self.cells("year").items() if i == indicator_id]
        return sorted(found, key=lambda r: r["breakdown_value"])

    def base_total(self, base: str) -> int | None:
        return _base_totals(self.warehouse, base, self.filters)

    def headline(self, indicator_id: str) -> tuple[dict | None, bool]:
        """The CLI's cell of the latest complete year (issue 13) and whether newer years are too recent."""
        return _headlines(self.warehouse, self.args).get(indicator_id, (None, False))

    def all_countries(self, indicator_id: str, year: int) -> dict | None:
        """The benchmark: the CLI's cell without filters for `year`."""
        return _cli(self.warehouse, "year", ()).get((indicator_id, str(year)))

    def target(self, indicator_id: str) -> dict | None:
        row = self.overall(indicator_id)
        return row.get("target") if row else None


@cache
def _headlines(warehouse: Path, args: tuple[str, ...]) -> dict[str, tuple[dict | None, bool]]:
    return headline_rows(warehouse, args)


@cache
def _base_totals(warehouse: Path, base: str, filters: Filters) -> int | None:
    from pipelines.indicators import engine

    with duckdb.connect(str(warehouse), read_only=True) as con:
        return engine.base_totals(con, (base,), filters)[base]


# --- What the figures must read, from their definitions ------------------------------------------------


def delta_text(change: float, unit: str, year: int) -> str:
    """A change on the previous year: counts in percent, shares in percentage points (an unchanged
    figure reads 0, without a sign)."""
    digits = 2 if unit in ("ratio", "per 1,000") else 0 if unit == "EUR/month" else 1
    suffix = {"count": "%", "%": "pp", "pp": "pp", "ratio": "", "per 1,000": "", "EUR/month": "€/month"}
    suffix = suffix.get(unit, unit)
    if round(change, digits) == 0:
        return f"{'0.00' if digits == 2 else '0' if digits == 0 else '0.0'} {suffix} in {year}".replace(
            "  ", " "
        )
    if unit in ("ratio", "per 1,000"):
        return f"{change:+.2f} in {year}"
    if unit == "EUR/month":
        return f"{change:+,.0f} €/month in {year}"
    if unit in ("count", "%", "pp"):
        return f"{change:+.1f} {suffix} in {year}"
    return f"{change:+,.1f} {unit} in {year}"


def expected_change(oracle: Oracle, indicator_id: str, with_growth: bool) -> tuple[str | None, str]:
    """(delta, note) of the change of the latest complete year on the year before, from the CLI's
    figures by year; a count with a growth indicator reads that indicator's cell of the same year."""
    ind = get(indicator_id)
    head, _ = oracle.headline(indicator_id)
    if head is None:
        return None, "change n/a: no complete year with data"
    year = int(head["breakdown_value"])
    rate = growth_for(indicator_id)
    if rate is not None and with_growth:
        found = [r for r in oracle.years(rate.id) if int(r["breakdown_value"]) == year]
        if not found or found[0]["value"] is None:
            flag = found[0]["flag"] if found else None
            return None, f"change in {year}: {'suppressed (c)' if flag == 'c' else 'n/a'}"
        return f"{found[0]['value']:+.1f} % in {year}", f"change vs {year - 1}"
    if head["flag"] == "c":
        return None, f"change n/a: {year} suppressed (c)"
    before = next(
        (r for r in oracle.years(indicator_id) if int(r["breakdown_value"]) == year - 1 and r["flag"] != "z"),
        None,
    )
    if before is None:
        return None, f"change n/a: no {year - 1} in the view"
    if before["flag"] == "c":
        return None, f"change n/a: {year - 1} suppressed (c)"
    if before["value"] is None or head["value"] is None:
        return None, "change n/a"
    if ind.unit == "count":
        if not before["value"]:
            return None, "change n/a"
        change = (head["value"] - before["value"]) / before["value"] * 100
    else:
        change = head["value"] - before["value"]
    return delta_text(change, ind.unit, year), f"change vs {year - 1}"


def expected_coverage(oracle: Oracle, indicator_id: str) -> str:
    ind = get(indicator_id)
    noun = BASES[ind.base].noun
    if ind.base == "outcomes" or ind.dimension == "outcomes":
        if ind.id == OUTCOME_COVERAGE:
            return "this indicator is the outcome coverage"
        out5 = oracle.overall(OUTCOME_COVERAGE)
        value = shown(out5["value"], "%", out5["flag"]) if out5 else "n/a"
        return f"{value} of learners awarded have an employment observation (OUT-5)"
    if ind.kind in ("count", "sum"):
        return f"every one of the {noun} in view counts"
    if ind.kind not in ("share", "quantile"):
        return "not applicable (a ratio or a difference between groups)"
    row = oracle.overall(indicator_id)
    if row is None:
        return "n/a"
    if row["flag"] == "c" or row["denominator"] is None:
        return "n/a: the figure is suppressed or not available"
    total = oracle.base_total(ind.base)
    if total is None or 0 < total < 20:
        return "suppressed (c): too few records in view"
    if not total:
        return "n/a: no records in view"
    counted = min(row["denominator"] / ind.denominator_per_record, total)
    return f"{counted / total * 100:.1f} % of the {noun} in view ({counted:,.0f} of {total:,})"


VERDICTS = {"on_track": "on track", "off_track": "off track", "met": "met", "no_data": "no data"}


def expected_target(indicator_id: str, target: dict) -> tuple[str, str]:
    """The verdict badge and the start of the target line, from the CLI's target (all countries)."""
    ind = get(indicator_id)
    sign = "≤" if ind.direction == "down" else "≥"
    head = f"Target {sign} {in_table(target['target_value'], ind.unit, None)} by {target['target_year']}"
    return f"-badge[{VERDICTS[target['verdict']]}]", head


def same(a: float | None, b: float | None) -> bool:
    a = None if a is None or (isinstance(a, float) and math.isnan(a)) else a
    b = None if b is None or (isinstance(b, float) and math.isnan(b)) else b
    return a == b if a is None or b is None else a == pytest.approx(b, rel=1e-9, abs=1e-9)


# --- The page --------------------------------------------------------------------------------------------


def tile_blocks(at: AppTest) -> dict[str, dict]:
    """Each tile's value, delta, captions and progress text, keyed by its indicator id."""
    found = {}

    def walk(node) -> None:
        children = getattr(node, "children", None)
        if not isinstance(children, dict):
            return
        kids = [children[k] for k in sorted(children)]
        metrics = [k for k in kids if getattr(k, "type", "") == "metric"]
        if len(metrics) == 1 and any(getattr(k, "type", "") == "markdown" for k in kids):
            m = metrics[0]
            found[m.help.split(":", 1)[0]] = {
                "value": m.value,
                "delta": m.delta,
                "captions": [k.value for k in kids if getattr(k, "type", "") == "caption"],
                "progress": [k.proto.text for k in kids if getattr(k, "type", "") == "progress"],
                "markdown": [k.value for k in kids if getattr(k, "type", "") == "markdown"],
            }
            return
        for k in kids:
            walk(k)

    walk(at._tree)
    return found


def chart_frames(at: AppTest) -> list[pl.DataFrame]:
    frames = []
    for chart in at.get("vega_lite_chart"):
        for dataset in chart.proto.datasets:
            frames.append(pl.from_arrow(pa.ipc.open_stream(dataset.data.data).read_all()))
    return frames


# --- The checks ------------------------------------------------------------------------------------------


def check_tiles(at: AppTest, oracle: Oracle, ids: tuple[str, ...]) -> None:
    """Each tile: the latest complete year's value and period, the change on the year before, the
    all-countries value of that year under a filter, the target's verdict (as the CLI's)."""
    blocks = tile_blocks(at)
    assert list(blocks) == list(ids)
    filtered = bool(set(oracle.query) - {"from", "to"})
    for indicator_id, tile in blocks.items():
        ind = get(indicator_id)
        head, recent = oracle.headline(indicator_id)
        assert tile["value"] == headline_shown((head, recent), ind.unit), indicator_id
        delta, note = expected_change(oracle, indicator_id, with_growth=True)
        flat = delta is not None and delta.lstrip("+-").startswith(("0.0 ", "0.00 ", "0 "))
        assert tile["delta"] == ((delta.lstrip("+-") if flat else delta) or ""), indicator_id
        first = tile["captions"][0].split("  \n")[0]
        if head is not None:
            year = int(head["breakdown_value"])
            assert first.startswith(f"{indicator_id} · {year} · "), (indicator_id, first)
            bench = [c for c in tile["captions"] if c.startswith("All countries, ")]
            if filtered:
                cell = oracle.all_countries(indicator_id, year)
                value = in_table(cell["value"], ind.unit, cell["flag"]) if cell else "n/a"
                assert bench == [f"All countries, {year}: {value}"], indicator_id
            else:
                assert bench == [], indicator_id
        assert f" · {note}" in first, (indicator_id, tile["captions"])
        lines = [m for m in tile["markdown"] if "-badge[" in m]
        target = oracle.target(indicator_id)
        if target is not None:
            badge, start = expected_target(indicator_id, target)
            assert len(lines) == 1 and badge in lines[0] and start in lines[0], (indicator_id, lines)
            assert lines[0].endswith(" · all countries")
        else:
            assert lines == [], indicator_id
        assert tile["progress"] == []
        if ind.dimension == "outcomes" and indicator_id != OUTCOME_COVERAGE:
            out5 = oracle.overall(OUTCOME_COVERAGE)
            assert f"Coverage (OUT-5): {shown(out5['value'], '%', out5['flag'])}" in tile["captions"]


def check_indicator_table(at: AppTest, oracle: Oracle, ids: tuple[str, ...]) -> None:
    table = pl.from_pandas(at.dataframe[-1].value)
    assert table["ID"].to_list() == list(ids)
    for cell in table.iter_rows(named=True):
        indicator_id = cell["ID"]
        ind = get(indicator_id)
        row = oracle.overall(indicator_id) or {
            "value": None,
            "numerator": None,
            "denominator": None,
            "flag": "z",
        }
        assert cell["Indicator"] == ind.name
        assert cell["Value"] == in_table(row["value"], ind.unit, row["flag"]), indicator_id
        assert cell["Flag"] == (row["flag"] or ""), indicator_id
        assert same(cell["Numerator"], row["numerator"]), indicator_id
        assert same(cell["Denominator"], row["denominator"]), indicator_id
        delta, note = expected_change(oracle, indicator_id, with_growth=True)
        assert cell["Change on last year"] == (delta or note), indicator_id
        head, recent = oracle.headline(indicator_id)
        if head is not None:
            latest = f"{head['breakdown_value']}: {in_table(head['value'], ind.unit, head['flag'])}"
            assert cell["Latest complete year"] == latest, indicator_id
        assert (cell["Note"] == "") == (row["flag"] is None), indicator_id
        assert cell["Coverage"] == expected_coverage(oracle, indicator_id).split(" (")[0], indicator_id


def check_about_texts(at: AppTest, oracle: Oracle, ids: tuple[str, ...]) -> None:
    """The coverage line of each indicator's "About" text (tile popovers and the explorer)."""
    for text in (m.value for m in at.markdown):
        head = text.split("\n", 1)[0]
        if not (head.startswith("**") and " · " in head and "**Coverage in this view:**" in text):
            continue
        indicator_id = head.strip("*").split(" · ", 1)[0]
        line = next(x for x in text.splitlines() if x.startswith("- **Coverage in this view:**"))
        assert line == f"- **Coverage in this view:** {expected_coverage(oracle, indicator_id)}", indicator_id


def check_cell_rows(frame: pl.DataFrame, oracle: Oracle) -> None:
    """Rows of a chart of indicator cells: each one as the CLI publishes it; the all-countries rows
    beside a filtered view (`benchmark`) as the CLI publishes them without filters, for the view's
    years."""
    assert "peers" not in frame.columns  # no view of this test chooses a region
    if "benchmark" in frame.columns:
        bench = frame.filter(pl.col("benchmark"))
        if bench.height:
            assert set(oracle.query) - {"from", "to"}, "a benchmark only beside a filter"
            check_cell_rows(bench.drop("benchmark"), Oracle(oracle.warehouse, "all"))
        frame = frame.filter(~pl.col("benchmark")).drop("benchmark")
    for r in frame.iter_rows(named=True):
        ind = get(r["indicator_id"])
        cli_row = oracle.cells(r["breakdown"]).get((r["indicator_id"], r["breakdown_value"]))
        assert cli_row is not None, r
        assert same(r["value"], cli_row["value"]), r
        assert same(r["numerator"], cli_row["numerator"]), r
        assert same(r["denominator"], cli_row["denominator"]), r
        assert (r["flag"] or None) == cli_row["flag"], r
        assert r["value_text"] == in_table(cli_row["value"], ind.unit, cli_row["flag"]), r
        if "coverage_out5" in frame.columns:
            out5 = oracle.cells(r["breakdown"]).get((OUTCOME_COVERAGE, r["breakdown_value"]))
            assert same(r["coverage_out5"], out5["value"] if out5 else None), r
            assert (r["coverage_out5_flag"] or None) == (out5["flag"] if out5 else None), r
    indicators = set(frame["indicator_id"].to_list())
    breakdowns = set(frame["breakdown"].to_list())
    expected = {
        (i, v)
        for by in breakdowns
        for (i, v) in oracle.cells(by)
        if i in indicators and not (by == "vpl_outcome" and v == "unknown")
    }
    assert {(r["indicator_id"], r["breakdown_value"]) for r in frame.iter_rows(named=True)} == expected


def check_markers(frame: pl.DataFrame, cells: list[pl.DataFrame]) -> None:
    """The flag letters a trend draws at the foot of a year: the flags of that year's cells."""
    flagged = {}
    for c in cells:
        if "year" in c.columns and "breakdown" in c.columns:
            for r in c.filter(pl.col("flag").fill_null("") != "").iter_rows(named=True):
                flagged.setdefault(str(r["year"]), set()).add(r["flag"])
    for r in frame.iter_rows(named=True):
        assert set(r["flag"].split("/")) <= flagged.get(str(r["year"]), set()), r


def check_awards_trend(frame: pl.DataFrame, oracle: Oracle) -> None:
    awards = {r["breakdown_value"]: r for r in oracle.years("ADO-1")}
    growth = {r["breakdown_value"]: r for r in oracle.years("ADO-2")}
    assert set(frame["year"].to_list()) == set(awards)
    for r in frame.iter_rows(named=True):
        assert same(r["awards"], awards[r["year"]]["value"]), r
        g = growth.get(r["year"])
        assert r["growth"] == (in_table(g["value"], "%", g["flag"]) if g else None), r


def check_earnings(frame: pl.DataFrame, oracle: Oracle) -> None:
    cells = oracle.cells("country")
    for r in frame.iter_rows(named=True):
        code = "unknown" if r["label"] == "Unknown / not stated" else r["label"].split(" – ")[0]
        for column, indicator_id in (("low", "OUT-3q1"), ("mid", "OUT-3md"), ("high", "OUT-3q3")):
            assert same(r[column], cells[(indicator_id, code)]["value"]), (r, indicator_id)
        out5 = cells.get((OUTCOME_COVERAGE, code))
        assert same(r["coverage_out5"], out5["value"] if out5 else None), r


def check_annex(frame: pl.DataFrame, oracle: Oracle) -> None:
    from pipelines.indicators.annex_elements import annex_missing

    with duckdb.connect(str(oracle.warehouse), read_only=True) as con:
        truth = annex_missing(con, oracle.filters)
    assert frame.height == truth.height
    for r, t in zip(frame.iter_rows(named=True), truth.iter_rows(named=True), strict=True):
        assert (r["element"], r["counted_over"], r["label"]) == (
            t["element"],
            t["counted_over"],
            t["element_label"],
        )
        for column in ("value", "numerator", "denominator"):
            assert same(r[column], t[column]), (r, column)
        assert (r["flag"] or None) == t["flag"], r
        assert r["value_text"] == in_table(t["value"], "%", t["flag"]), r


def check_trajectory(frame: pl.DataFrame, oracle: Oracle) -> None:
    """A target's chart: published points are the CLI's complete years without filters, the target
    point is the CLI's target, and the projection ends on its projected value."""
    everyone = Oracle(oracle.warehouse, "all")
    targets_seen = frame.filter(pl.col("kind") == "target").rows(named=True)
    assert len(targets_seen) == 1
    found = [
        (i, r["target"])
        for (i, v), r in everyone.cells("overall").items()
        if r.get("target")
        and r["target"]["target_year"] == targets_seen[0]["year"]
        and same(r["target"]["target_value"], targets_seen[0]["value"])
    ]
    assert found, targets_seen
    indicator_id, target = found[0]
    published = {
        int(r["breakdown_value"]): r["value"] for r in everyone.years(indicator_id) if r["value"] is not None
    }
    for r in frame.filter(pl.col("kind") == "published").iter_rows(named=True):
        assert same(r["value"], published[r["year"]]), r
    latest = frame.filter(pl.col("kind") == "published")["year"].max()
    if latest is not None:
        assert latest == target["latest_year"]
    ends = frame.filter(pl.col("kind") == "projection").sort("year")
    if target["projected_value"] is not None:
        assert same(ends["value"][-1], target["projected_value"])


def check_charts(at: AppTest, oracle: Oracle) -> int:
    """Every chart's rows against the oracle; the number of chart rows checked."""
    frames = chart_frames(at)
    assert frames, "every page draws charts"
    cells = [f for f in frames if {"indicator_id", "breakdown", "breakdown_value"} <= set(f.columns)]
    checked = 0
    for frame in frames:
        columns = set(frame.columns)
        if any(frame is c for c in cells):
            check_cell_rows(frame, oracle)
        elif columns == {"year", "flag", "note"}:
            check_markers(frame, cells)
        elif columns == {"year", "window", "label"}:
            check_window(frame, cells)
        elif columns == {"year", "value", "line_label"}:
            check_labels(frame, cells)
        elif columns == {"year", "value", "kind"}:
            check_trajectory(frame, oracle)
        elif columns == {"year", "awards", "note", "growth"}:
            check_awards_trend(frame, oracle)
        elif {"low", "mid", "high"} <= columns:
            check_earnings(frame, oracle)
        elif {"element", "counted_over"} <= columns:
            check_annex(frame, oracle)
        else:
            raise AssertionError(f"a chart this test does not know: {sorted(columns)}")
        checked += frame.height
    return checked


def check_window(frame: pl.DataFrame, cells: list[pl.DataFrame]) -> None:
    """The grey band: only years a drawn cell says are not complete, named "too recent", never a flag."""
    open_years = {
        str(r["year"])
        for c in cells
        if "complete" in c.columns
        for r in c.filter(~pl.col("complete")).iter_rows(named=True)
    }
    for r in frame.iter_rows(named=True):
        assert str(r["year"]) in open_years and r["label"] == "too recent", r
        assert r["window"].startswith("too recent: "), r


def check_labels(frame: pl.DataFrame, cells: list[pl.DataFrame]) -> None:
    """A line's label sits on a drawn value of that line's last complete year."""
    drawn = {
        (str(r["year"]), r["value"])
        for c in cells
        if "year" in c.columns
        for r in c.iter_rows(named=True)
        if r["value"] is not None
    }
    for r in frame.iter_rows(named=True):
        assert any(y == str(r["year"]) and same(v, r["value"]) for y, v in drawn), r


# --- The tests -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("view", VIEWS)
@pytest.mark.parametrize("page", [p.name for p in DIMENSION_PAGES])
def test_every_figure_of_a_dimension_page_is_the_clis(warehouse: Path, page: str, view: str):
    oracle = Oracle(warehouse, view)
    spec = BY_NAME[page].spec
    at = open_page(BY_NAME[page].file, oracle.query)
    check_tiles(at, oracle, spec.tiles)
    check_indicator_table(at, oracle, spec.indicators)
    check_about_texts(at, oracle, spec.indicators)
    assert check_charts(at, oracle) > 0
    if spec.coverage_beside:
        out5 = oracle.overall(OUTCOME_COVERAGE)
        value = shown(out5["value"], "%", out5["flag"])
        assert any(f"Outcome coverage in this view (OUT-5): **{value}**" in c.value for c in at.caption)


@pytest.mark.parametrize("view", VIEWS)
def test_every_figure_of_the_overview_is_the_clis(warehouse: Path, view: str):
    oracle = Oracle(warehouse, view)
    at = open_page(BY_NAME["overview"].file, {**oracle.query, "all": "1"})
    check_tiles(at, oracle, tuple(i for ids in SCORECARD.values() for i in ids))
    assert check_charts(at, oracle) > 0
    table = pl.from_pandas(at.dataframe[-1].value)
    assert table["ID"].to_list() == [i.id for i in INDICATORS]
    for cell in table.iter_rows(named=True):
        ind = get(cell["ID"])
        row = oracle.overall(ind.id) or {"value": None, "numerator": None, "denominator": None, "flag": "z"}
        assert cell["Value"] == in_table(row["value"], ind.unit, row["flag"]), ind.id
        assert cell["Flag"] == (row["flag"] or ""), ind.id
        assert same(cell["Numerator"], row["numerator"]), ind.id
        assert same(cell["Denominator"], row["denominator"]), ind.id
