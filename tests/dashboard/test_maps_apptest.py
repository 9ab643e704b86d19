"""The Map tab (`maps.map_tab`) on the small warehouse: it renders, and every region it colours equals
`mco indicators --json` (the published cell, or that count over the region's residents aged 25-64);
suppressed regions carry no value; the unknown region is said beside the map, with the attribution."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from dashboard import maps
from tests.dashboard.test_pages_apptest import cli

pytestmark = pytest.mark.build

SCRIPT = """
import streamlit as st
from dashboard import dimension_page, maps
from pipelines.indicators.registry import get
view = dimension_page.start("Map", "Map", "")
ind = get(st.query_params.get("ind", "ADO-1"))
maps.map_tab(view, ind, view.indicators((ind.id,), "region"))
"""


def run(indicator_id: str, measure: str | None = None, query: dict | None = None) -> AppTest:
    at = AppTest.from_string(SCRIPT, default_timeout=120)
    at.query_params.update({"ind": indicator_id, **(query or {})})
    if measure is not None:
        at.session_state[f"map_measure_Map_{indicator_id}"] = measure
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


def features(at: AppTest) -> dict[str, dict]:
    """The region features the map draws (properties by NUTS code), from the chart Streamlit sends."""
    (chart,) = at.get("vega_lite_chart")
    spec = json.loads(chart.proto.spec)
    assert not chart.proto.datasets  # all shapes inline: an Arrow dataset cannot be drawn as shapes
    found = {}
    for layer in spec["layer"]:
        values = layer["data"]["values"]
        if isinstance(values, str):
            found |= {
                f["properties"]["code"]: f["properties"]
                for f in json.loads(values)["features"]
                if "region" in f["properties"]
            }
    return found


def oracle(warehouse: Path, indicator_id: str, *args: str) -> dict[str, dict]:
    rows = cli(warehouse, "--indicator", indicator_id, "--by", "region", *args)
    return {r["breakdown_value"]: r for r in rows if r["indicator_id"] == indicator_id}


def population(warehouse: Path) -> dict[str, float]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return dict(con.sql("select region_code, pop_25_64 from dim_region").fetchall())


def check(drawn: dict[str, dict], cells: dict[str, dict], rate: dict[str, float] | None = None) -> None:
    assert "unknown" not in drawn
    for code, cell in cells.items():
        if code == "unknown":
            continue
        assert code in drawn, code
        if cell["flag"] is not None:
            assert "value" not in drawn[code] and drawn[code]["status"].startswith(
                {"c": "suppressed", "z": "not applicable"}[cell["flag"]]
            )
            continue
        expected = cell["value"] if rate is None else cell["value"] / (rate[code] / 1000)
        assert drawn[code]["value"] == pytest.approx(expected, rel=1e-12), code
    valued = [c for c in drawn if "value" in drawn[c]]
    assert valued and set(valued) <= set(cells)


def test_awards_per_thousand_adults_by_default(warehouse: Path):
    at = run("ADO-1")
    cells = oracle(warehouse, "ADO-1")
    check(features(at), cells, population(warehouse))
    captions = [c.value for c in at.caption]
    assert any(maps.ATTRIBUTION in c for c in captions)
    unknown = cells.get("unknown")
    if unknown and unknown["value"]:
        assert f"{unknown['value']:,.0f} awards issued have no region stated" in " ".join(captions)


def test_awards_as_counts(warehouse: Path):
    check(features(run("ADO-1", "count")), oracle(warehouse, "ADO-1"))


def test_learners_per_thousand_is_the_registrys_rate(warehouse: Path):
    at = run("ADO-3")
    check(features(at), oracle(warehouse, "ADO-4"))
    assert any("ADO-4" in c.value for c in at.caption)


def test_a_share_with_a_country_filter(warehouse: Path):
    countries = sorted({c["breakdown_value"][:2] for c in oracle(warehouse, "TRU-1").values()} - {"un"})
    at = run("TRU-1", query={"country": countries[0]})
    assert not at.get("button_group")  # a share has no per-1,000 switch
    check(features(at), oracle(warehouse, "TRU-1", "--country", countries[0]))
