"""The Overview and Methodology pages run without an exception, and every scorecard tile shows what the
CLI publishes.

The CLI (`mco indicators --json`) is the oracle: both read the same warehouse through the same engine,
so a tile that differs from it means the dashboard filtered, formatted or suppressed differently.
The dimension pages are tested in test_policy_pages_apptest.py.
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from dashboard.pages import SCORECARD as PAGE_SCORECARD
from pipelines.indicators.registry import DIMENSIONS, INDICATORS, get
from pipelines.indicators.targets import window_months
from tests.dashboard.apptest import APP, TIMEOUT, open_page, tiles

pytestmark = pytest.mark.build

HEADLINES = [i.id for i in sorted(INDICATORS, key=lambda i: DIMENSIONS.index(i.dimension)) if i.headline]
SCORECARD = tuple(i for ids in PAGE_SCORECARD.values() for i in ids)  # the Overview's tiles, in order


def cli(warehouse: Path, *args: str) -> list[dict]:
    from typer.testing import CliRunner

    from pipelines.cli import app

    result = CliRunner().invoke(app, ["indicators", "--json", "--warehouse", str(warehouse), *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def cli_args(
    year_from=None, year_to=None, countries=(), ptypes=(), regions=(), fields=(), eqf=()
) -> list[str]:
    args = []
    if year_from is not None:
        args += ["--year-from", str(year_from)]
    if year_to is not None:
        args += ["--year-to", str(year_to)]
    for country in countries:
        args += ["--country", country]
    for ptype in ptypes:
        args += ["--provider-type", ptype]
    for region in regions:
        args += ["--region", region]
    for field in fields:
        args += ["--field", field]
    for level in eqf:
        args += ["--eqf-level", str(level)]
    return args


def shown(value: float | None, unit: str, flag: str | None) -> str:
    """How a published value must read on a tile (written independently of dashboard.formatting)."""
    if flag == "c":
        return "suppressed (c)"
    if flag == "z" or value is None:
        return "n/a"
    return {
        "%": f"{value:.1f} %",
        "pp": f"{value:+.1f} pp",
        "ratio": f"{value:.2f}",
        "per 1,000": f"{value:.2f}",  # the unit is written out under the tile
        "EUR/month": f"€{value:,.0f}",
        "months": f"{value:,.1f} mo",
        "ECTS": f"{value:,.1f} ECTS",
    }.get(unit, f"{value:,.0f}")


def cutoff(warehouse: Path) -> dt.date:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute("select data_cutoff from build_info").fetchone()[0]


def last_complete(indicator_id: str, day: dt.date) -> int:
    """The latest year whose outcome window has closed on `day` (a gap waits as long as what it is the
    gap of), from the registry's window and the calendar, written apart from the dashboard."""
    ind = get(indicator_id)
    timed = get(ind.gap.of) if ind.gap else ind
    months = window_months(timed)
    year = day.year
    while True:
        end_month = 12 + months
        closes = dt.date(year + (end_month - 1) // 12, (end_month - 1) % 12 + 1, 28)
        if closes.replace(day=calendar.monthrange(closes.year, closes.month)[1]) <= day:
            return year
        year -= 1


def headline_rows(warehouse: Path, args: list[str] | tuple[str, ...]) -> dict[str, tuple[dict | None, bool]]:
    """Per indicator, the CLI's cell of its latest complete year with a cell that is not `z` (None:
    none), and whether the view has newer, too recent years."""
    day = cutoff(warehouse)
    found: dict[str, list[dict]] = {}
    for r in cli(warehouse, "--by", "year", *args):
        found.setdefault(r["indicator_id"], []).append(r)
    out = {}
    for indicator_id, rows in found.items():
        last = last_complete(indicator_id, day)
        done = sorted(
            (r for r in rows if int(r["breakdown_value"]) <= last and r["flag"] != "z"),
            key=lambda r: int(r["breakdown_value"]),
        )
        recent = any(int(r["breakdown_value"]) > last for r in rows)
        out[indicator_id] = (done[-1] if done else None, recent)
    return out


def headline_shown(cell: tuple[dict | None, bool] | None, unit: str) -> str:
    row, recent = cell or (None, False)
    if row is None:
        return "too recent" if recent else "n/a"
    if row["flag"] == "c":
        return "suppressed"  # one word in a tile's large type; the flag is in the caption
    return shown(row["value"], unit, row["flag"])


def expected_tiles(warehouse: Path, args: list[str], ids=SCORECARD) -> dict[str, str]:
    """Each tile: the latest complete year's published value (issue 13), not the pooled period."""
    cells = headline_rows(warehouse, args)
    return {i: headline_shown(cells.get(i), get(i).unit) for i in ids}


def expected_growth(warehouse: Path, args: list[str]) -> str:
    rows = sorted(
        cli(warehouse, "--by", "year", "--indicator", "ADO-2", *args), key=lambda r: r["breakdown_value"]
    )
    if not rows or rows[-1]["value"] is None:
        return ""
    year = int(rows[-1]["breakdown_value"])
    return f"{rows[-1]['value']:+.1f} % in {year}"


def busiest_slice(warehouse: Path) -> tuple[list[int], str, str]:
    """The years, and the country and provider type with the most awards: a filter that shows numbers."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        years = [r[0] for r in con.execute("select distinct year from mart_award order by 1").fetchall()]
        country, ptype = con.execute(
            "select country_code, provider_type from mart_award "
            "group by all order by count(*) desc, 1, 2 limit 1"
        ).fetchone()
    return years, country, ptype


def test_overview_without_filters_matches_the_cli(warehouse: Path):
    at = open_page()
    assert list(tiles(at)) == list(SCORECARD)
    assert set(HEADLINES) <= set(SCORECARD)
    assert tiles(at) == expected_tiles(warehouse, [])
    assert at.metric[0].delta == expected_growth(warehouse, [])
    assert at.query_params == {}
    assert not at.warning
    assert any("data cut-off" in c.value for c in at.caption)
    assert not at.dataframe  # the table of every indicator is shown on demand
    at.toggle(key="overview_all").set_value(True).run()
    assert at.query_params == {"all": "1"}
    assert len(at.dataframe) == 1 and at.dataframe[0].value.shape[0] == len(INDICATORS)


def test_the_table_of_every_indicator_opens_from_a_link_and_matches_the_cli(warehouse: Path):
    _, country, _ = busiest_slice(warehouse)
    at = open_page(query={"all": "1", "country": country})
    table = at.dataframe[0].value
    truth = {r["indicator_id"]: r for r in cli(warehouse, *cli_args(countries=[country]))}
    assert list(table["ID"]) == [i.id for i in INDICATORS]
    for ind_id, value, flag in zip(table["ID"], table["Value"], table["Flag"], strict=True):
        assert flag == (truth[ind_id]["flag"] or "")
        assert value == in_table(truth[ind_id]["value"], get(ind_id).unit, truth[ind_id]["flag"]), ind_id


def in_table(value: float | None, unit: str, flag: str | None) -> str:
    """How a value reads in a table, where units are written out in full."""
    if flag in ("c", "z") or value is None:
        return shown(value, unit, flag)
    return {
        "per 1,000": f"{value:.2f} per 1,000",
        "EUR/month": f"€{value:,.0f}/month",
        "months": f"{value:,.1f} months",
    }.get(unit) or shown(value, unit, flag)


def test_overview_with_filters_from_the_url_matches_the_cli(warehouse: Path):
    years, country, ptype = busiest_slice(warehouse)
    assert len(years) >= 3, "the small ecosystem should span several years"
    year_from, year_to = years[1], years[-2]
    at = open_page(
        query={"from": str(year_from), "to": str(year_to), "country": country.lower(), "ptype": ptype}
    )
    args = cli_args(year_from, year_to, [country], [ptype])
    assert tiles(at) == expected_tiles(warehouse, args)
    assert at.metric[0].delta == expected_growth(warehouse, args)
    assert at.query_params == {"from": str(year_from), "to": str(year_to), "country": country, "ptype": ptype}
    assert not at.warning
    assert tiles(at)["ADO-1"] not in ("n/a", "0")


def test_overview_with_region_field_and_eqf_from_the_url_matches_the_cli(warehouse: Path):
    with duckdb.connect(str(warehouse), read_only=True) as con:
        region, field, level = con.execute(
            "select region_code, isced_f_broad, eqf_level from mart_award where region_code is not null "
            "and isced_f_broad is not null and eqf_level is not null "
            "group by all order by count(*) desc limit 1"
        ).fetchone()
    at = open_page(query={"region": region.lower(), "field": str(int(field)), "eqf": f"EQF{level}"})
    assert not at.warning  # lower case, an unpadded field and "EQF5" are all understood
    assert at.query_params == {"region": region, "field": field, "eqf": str(level)}
    assert tiles(at) == expected_tiles(warehouse, cli_args(regions=[region], fields=[field], eqf=[level]))


def test_suppressed_headline_reads_suppressed_not_zero(warehouse: Path):
    with duckdb.connect(str(warehouse), read_only=True) as con:
        small = con.execute(
            "select country_code, provider_type, year from mart_award group by all "
            "having count(*) between 1 and 19 order by count(*) desc, 1, 2, 3 limit 1"
        ).fetchone()
    if small is None:
        pytest.skip("no slice of the small ecosystem has fewer than 20 awards")
    country, ptype, year = small
    at = open_page(query={"from": str(year), "to": str(year), "country": country, "ptype": ptype})
    expected = expected_tiles(warehouse, cli_args(year, year, [country], [ptype]))
    assert tiles(at) == expected
    assert expected["TRU-1"] == "suppressed"  # a rate on fewer than 20 awards


def test_hostile_query_string_falls_back_to_the_default_view_with_a_notice(warehouse: Path):
    at = open_page(
        query={"country": "NL';drop table mart_award;--", "from": "99999999999999999999", "ptype": "<b>x</b>"}
    )
    assert len(at.warning) == 3
    assert tiles(at) == expected_tiles(warehouse, [])
    assert at.query_params == {}  # the URL is rewritten to the view actually shown


@pytest.mark.parametrize(
    "query",
    [
        {"region": "XX99", "field": "99", "eqf": "9"},  # codes the warehouse does not know
        {"region": "NL32' or 1=1 --", "field": "06;drop table mart_award", "eqf": "5 union select 1"},
        {"region": "A" * 5000, "field": "0" * 400, "eqf": "9" * 400},  # huge values
        {"eqf": "-1", "field": "", "region": "\u0000"},
    ],
)
def test_hostile_region_field_and_eqf_give_the_default_view_with_notices(warehouse: Path, query):
    at = open_page(query=query)
    assert at.warning, "a bad value must be reported"
    assert all(len(w.value) < 200 for w in at.warning)
    assert tiles(at) == expected_tiles(warehouse, [])
    assert at.query_params == {}


def test_changing_a_filter_updates_the_url_and_the_figures(warehouse: Path):
    _, country, _ = busiest_slice(warehouse)
    at = open_page()
    at.multiselect(key="flt_countries").set_value([country]).run()
    assert not at.exception
    assert at.query_params == {"country": country}
    assert tiles(at) == expected_tiles(warehouse, cli_args(countries=[country]))


def test_filters_survive_a_visit_to_the_methodology_page(warehouse: Path):
    _, country, _ = busiest_slice(warehouse)
    at = open_page(query={"country": country})
    at.switch_page("views/methodology.py").run()
    at.switch_page("views/overview.py").run()
    assert not at.exception
    assert at.multiselect(key="flt_countries").value == [country]
    assert at.query_params == {"country": country}


def test_methodology_page_renders_the_whole_registry(warehouse: Path):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    at.switch_page("views/methodology.py").run()
    assert not at.exception and not at.error
    assert at.title[0].value == "Methodology"
    text = "\n".join(m.value for m in at.markdown)
    for ind in INDICATORS:
        assert f"{ind.id} · {ind.name}" in text
        assert ind.numerator_text in text
        assert (ind.denominator_text or "a count") in text
    assert "below 10" in text and "below 20" in text
    assert "`c`" in text and "`z`" in text
    assert not at.metric  # no warehouse figures on this page


def test_missing_warehouse_explains_how_to_build_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("MCO_WAREHOUSE", str(tmp_path / "nowhere.duckdb"))
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert not at.exception
    assert len(at.error) == 1
    assert "mco build" in at.error[0].value and "make run" in at.error[0].value
    assert not at.metric


def test_warehouse_without_marts_says_so_instead_of_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    monkeypatch.setenv("MCO_WAREHOUSE", str(empty))
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert not at.exception
    assert len(at.error) == 1 and "mco build" in at.error[0].value


def test_corrupt_warehouse_file_says_so_instead_of_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    broken = tmp_path / "broken.duckdb"
    broken.write_bytes(b"this is not a DuckDB database" * 100)
    monkeypatch.setenv("MCO_WAREHOUSE", str(broken))
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert not at.exception
    assert len(at.error) == 1 and "mco build" in at.error[0].value
