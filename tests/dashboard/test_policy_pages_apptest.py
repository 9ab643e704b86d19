"""The dimension pages (Adoption … Inclusion): they run, and every figure they show is the CLI's.

The CLI (`mco indicators --json`) is the oracle for the tiles and for the table of the dimension's
indicators, with and without filters. Suppressed cells must read "suppressed (c)" with their flag and
reason; the explorer's choices must live in the URL; hostile links must give the default view and a
notice; the chart downloads must carry their rows, flags, filters, build and citation.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from dashboard.pages import DIMENSION_PAGES
from pipelines.indicators.registry import INDICATORS
from tests.dashboard.apptest import open_page, tiles
from tests.dashboard.test_pages_apptest import busiest_slice, cli, cli_args, expected_tiles, shown

pytestmark = pytest.mark.build

PAGES = {p.file: p.name for p in DIMENSION_PAGES}  # script -> dimension


def table(at: AppTest) -> pl.DataFrame:
    """The page's table of all its dimension's indicators (the last table on the page)."""
    return pl.from_pandas(at.dataframe[-1].value)


def expected(warehouse: Path, args: list[str], ids) -> dict[str, dict]:
    rows = {r["indicator_id"]: r for r in cli(warehouse, *args)}
    return {i: rows[i] for i in ids}


def check_against_cli(at: AppTest, warehouse: Path, dimension: str, args: list[str]) -> None:
    members = [i.id for i in INDICATORS if i.dimension == dimension]
    truth = expected(warehouse, args, members)
    shown_tiles = tiles(at)
    assert len(shown_tiles) >= 6 and set(shown_tiles) <= set(members)
    assert shown_tiles == expected_tiles(warehouse, args, tuple(shown_tiles))
    listed = table(at)
    assert listed["ID"].to_list() == members
    for row in listed.iter_rows(named=True):
        cli_row = truth[row["ID"]]
        assert row["Flag"] == (cli_row["flag"] or ""), row
        if cli_row["flag"] == "c":
            assert row["Value"] == "suppressed (c)" and row["Note"].startswith("suppressed")
        elif cli_row["flag"] is None:
            assert row["Numerator"] == pytest.approx(cli_row["numerator"])
            assert row["Denominator"] == pytest.approx(cli_row["denominator"]) or (
                cli_row["denominator"] is None and row["Denominator"] != row["Denominator"]  # NaN
            )


@pytest.mark.parametrize("page", list(PAGES))
def test_page_without_filters_shows_the_published_figures(warehouse: Path, page: str):
    at = open_page(page)
    check_against_cli(at, warehouse, PAGES[page], [])
    assert at.query_params == {}
    assert not at.warning
    assert any("data cut-off" in c.value for c in at.caption)
    assert at.get("download_button"), "every chart has its downloads"
    about = "\n".join(m.value for m in at.markdown)
    assert "**Numerator:**" in about and "**Denominator:**" in about and "**Coverage in this view:**" in about


@pytest.mark.parametrize("page", list(PAGES))
def test_page_with_filters_from_the_url_shows_the_engine_figures(warehouse: Path, page: str):
    years, country, ptype = busiest_slice(warehouse)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        (field,) = con.execute(
            "select isced_f_broad from mart_award where country_code = ? and isced_f_broad is not null "
            "group by 1 order by count(*) desc limit 1",
            [country],
        ).fetchone()
    query = {"from": str(years[1]), "country": country, "field": field, "eqf": "4,5,6,7"}
    at = open_page(page, query)
    assert not at.warning
    levels = [lv for lv in (4, 5, 6, 7) if lv in _eqf_levels(warehouse)]
    args = cli_args(years[1], None, [country], (), (), [field], levels)
    check_against_cli(at, warehouse, PAGES[page], args)
    assert at.query_params["country"] == country and at.query_params["field"] == field


def _eqf_levels(warehouse: Path) -> set[int]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return {r[0] for r in con.execute("select distinct eqf_level from dim_credential").fetchall()}


def test_a_suppressed_cell_shows_its_flag_and_reason(warehouse: Path):
    with duckdb.connect(str(warehouse), read_only=True) as con:
        country, ptype, year = con.execute(
            "select country_code, provider_type, year from mart_award group by all "
            "having count(*) between 1 and 19 order by count(*) desc, 1, 2, 3 limit 1"
        ).fetchone()
    at = open_page("views/trust.py", {"from": str(year), "to": str(year), "country": country, "ptype": ptype})
    check_against_cli(at, warehouse, "trust", cli_args(year, year, [country], [ptype]))
    assert tiles(at)["TRU-1"] == "suppressed"  # one word in the tile; the flag and reason below it
    listed = table(at).filter(pl.col("ID") == "TRU-1").row(0, named=True)
    assert listed["Flag"] == "c" and "denominator below 20" in listed["Note"]
    captions = "\n".join(c.value for c in at.caption)
    assert "*suppressed: denominator below 20* ([c](glossary#flag-c))" in captions  # under the tile
    # the charts say which cells are missing, each flag a link to its Glossary entry
    assert "Not drawn:" in captions and "**[c](glossary#flag-c)**" in captions


def test_explorer_choices_live_in_the_url_and_survive_a_page_switch(warehouse: Path):
    at = open_page("views/trust.py")
    at.selectbox(key="trust_ind").set_value("TRU-4").run()
    assert at.query_params == {"ind": "TRU-4"}
    at.button_group(key="trust_by").set_value("region").run()
    assert not at.exception
    assert at.query_params == {"ind": "TRU-4", "by": "region"}
    at.multiselect(key="flt_fields").set_value(["06"]).run()
    assert at.query_params == {"ind": "TRU-4", "by": "region", "field": "06"}
    at.query_params.clear()  # as the browser does when following a navigation link
    at.switch_page("views/adoption.py").run()
    assert at.query_params == {"field": "06"}  # the filters follow, the other page's selectors do not
    assert at.multiselect(key="flt_fields").value == ["06"]
    at.query_params.clear()
    at.switch_page("views/trust.py").run()
    assert at.selectbox(key="trust_ind").value == "TRU-4"
    assert at.query_params == {"ind": "TRU-4", "by": "region", "field": "06"}


def test_a_copied_link_reproduces_the_explorer(warehouse: Path):
    at = open_page("views/flexibility.py", {"ind": "FLX-6", "by": "sex", "country": "NL"})
    assert not at.warning
    assert at.selectbox(key="flexibility_ind").value == "FLX-6"
    assert at.button_group(key="flexibility_by").value == "sex"
    assert at.query_params == {"ind": "FLX-6", "by": "sex", "country": "NL"}


@pytest.mark.parametrize(
    "query",
    [
        {"ind": "TRU-1'; drop table mart_award; --", "by": "sex) or (1=1"},
        {"ind": "ADO-1", "by": "provider"},  # another page's indicator; a breakdown not offered
        {"ind": "X" * 10_000, "by": "<script>alert(1)</script>"},
    ],
)
def test_hostile_explorer_links_give_the_default_with_a_notice(warehouse: Path, query):
    at = open_page("views/trust.py", query)
    assert len(at.warning) == 2 and all(len(w.value) < 200 for w in at.warning)
    assert at.selectbox(key="trust_ind").value == "TRU-1"
    assert at.button_group(key="trust_by").value == "country"
    assert at.query_params == {}


def test_outcome_pages_show_coverage_beside_every_figure(warehouse: Path):
    at = open_page("views/outcomes.py")
    out5 = expected(warehouse, [], ["OUT-5"])["OUT-5"]
    coverage = shown(out5["value"], "%", out5["flag"])
    captions = [c.value for c in at.caption]
    outcome_tiles = [i for i in tiles(at) if i != "OUT-5"]
    assert sum(c == f"Coverage (OUT-5): {coverage}" for c in captions) == len(outcome_tiles)
    assert any(f"**{coverage}**" in c for c in captions)


def test_transparency_names_the_most_often_missing_annex_elements(warehouse: Path):
    from dashboard import data
    from dashboard.data import Warehouse
    from pipelines.indicators.engine import Filters

    wh = Warehouse(str(warehouse), warehouse.stat().st_mtime_ns)
    missing = data.annex_missing(wh, Filters())
    with duckdb.connect(str(warehouse), read_only=True) as con:
        specs = con.execute("select count(distinct credential_id) from mart_credential_year").fetchone()[0]
        level = con.execute(
            "select count(*) from dim_credential where list_contains(annex_missing, 'level') and "
            "credential_id in (select credential_id from mart_credential_year)"
        ).fetchone()[0]
        awards, awards_level = con.execute(
            "select count(*), count(*) filter (where list_contains(missing_mandatory, 'level')) "
            "from mart_award_annex"
        ).fetchone()

    def near(shown: float, true: int) -> bool:  # within the cell key method's noise bound D(n)
        return abs(shown - true) <= max(2, int(true**0.5 // 2))

    for over, num, den in (("specifications", level, specs), ("awards", awards_level, awards)):
        row = missing.filter((pl.col("element") == "level") & (pl.col("counted_over") == over)).row(
            0, named=True
        )  # published from perturbed counts, like every figure
        assert near(row["numerator"], num) and near(row["denominator"], den)
        assert row["value"] == pytest.approx(row["numerator"] / row["denominator"] * 100)
    assert missing.filter(pl.col("counted_over") == "awards").height == 11
    assert missing.filter(pl.col("counted_over") == "specifications").height == 9
    at = open_page("views/transparency.py")
    assert any("Annex I element" in s.value for s in at.subheader)


@pytest.mark.parametrize("page", ["views/trust.py", "views/overview.py"])
def test_an_empty_view_says_so_once_instead_of_a_note_per_figure(warehouse: Path, page: str):
    with duckdb.connect(str(warehouse), read_only=True) as con:
        country, region = con.execute(
            "select a.country_code, b.region_code from (select distinct country_code from mart_award) a, "
            "(select distinct region_code, country_code from mart_award where region_code is not null) b "
            "where a.country_code <> b.country_code order by 1, 2 limit 1"
        ).fetchone()
    at = open_page(page, {"country": country, "region": region})
    assert [i.value for i in at.info] == [
        "No awards match these filters. Widen the period or remove a filter in the sidebar."
    ]
    assert not at.metric and not at.get("vega_lite_chart")
