"""The region map: published cells drawn by NUTS 2 region, nothing suppressed coloured, nothing lost."""

from __future__ import annotations

import hashlib
import json
import re

import polars as pl
import pytest

from dashboard import exports, maps
from pipelines.indicators import per_capita_map
from pipelines.indicators.registry import get
from tests.indicators.test_per_capita_map import POPULATION, cells

pytestmark = pytest.mark.unit

ADO1 = get("ADO-1")
NAMES = {"NL11": "Groningen", "NL22": "Gelderland", "NL32": "Noord-Holland"}
ROWS = cells(
    {
        "NL11": (120.0, None, None),
        "NL22": (340.0, None, None),
        "NL32": (None, "c", "primary"),
        "DE21": (None, "c", "secondary"),
        "unknown": (1234.0, None, None),
        "PT20": (15.0, None, None),  # the Azores: outside the map's frame
        "XX99": (11.0, None, None),  # not a NUTS 2021 region
    }
)


def layers(chart) -> tuple[dict, list[list[dict]]]:
    """The spec and each layer's rows: a shape layer's GeoJSON features (their properties), the
    credit's rows. All data is inline (Streamlit would send a named dataset as Arrow, not drawable)."""
    spec = chart.to_dict()
    assert "datasets" not in spec
    data = []
    for layer in spec["layer"]:
        values = layer["data"]["values"]
        if isinstance(values, str):
            assert layer["data"]["format"] == {"type": "json", "property": "features"}
            values = [f["properties"] for f in json.loads(values)["features"]]
        data.append(values)
    return spec, data


def drawn(chart) -> dict[str, dict]:
    """Every region feature of the chart's data by code (the outline and credit layers aside)."""
    _, data = layers(chart)
    return {f["code"]: f for rows in data for f in rows if "region" in f}


def test_suppressed_regions_have_no_value_and_say_why():
    features = drawn(maps.region_map(ROWS, ADO1, NAMES))
    for code in ("NL32", "DE21"):
        assert "value" not in features[code]
        assert features[code]["status"] == "suppressed (c)"
        assert features[code]["shown"] == "suppressed (c)"
    assert features["NL32"]["note"].startswith("suppressed: fewer than")
    assert features["DE21"]["note"].startswith("secondary suppression")
    assert features["NL11"]["value"] == 120.0 and features["NL11"]["region"] == "NL11 – Groningen"


def test_regions_of_drawn_countries_without_a_cell_read_no_records():
    features = drawn(maps.region_map(ROWS, ADO1, NAMES))
    assert features["NL12"]["status"] == "no records in view" and "value" not in features["NL12"]
    assert not any(code.startswith("FR") for code in features)  # no cell of France: not drawn


def test_unknown_and_unmappable_regions_are_beside_the_map_not_on_it():
    features = drawn(maps.region_map(ROWS, ADO1, NAMES))
    assert "unknown" not in features and "PT20" not in features and "XX99" not in features
    assert maps.unknown_note(ROWS) == "1,234 awards issued have no region stated, so they are not on the map."
    note = maps.off_map_note(ROWS, ADO1, NAMES)
    assert "PT20 – Região Autónoma dos Açores: 15 (outside the map's frame)" in note
    assert "XX99: 11 (not a NUTS 2021 region)" in note


def test_unknown_note_suppressed_and_absent():
    suppressed = cells({"unknown": (None, "c", "primary")})
    assert "suppressed (c" in maps.unknown_note(suppressed)
    assert maps.unknown_note(cells({"NL11": (5.0, None, None)})) is None
    share = cells({"unknown": (45.25, None, None)}, ind="TRU-1")
    assert maps.unknown_note(share) == "Awards with no region stated (not on the map): 45.2 %."


def test_attribution_inside_the_chart_and_its_pictures():
    chart = maps.region_map(ROWS, ADO1, NAMES)
    spec, data = layers(chart)
    assert {"text": maps.ATTRIBUTION} in data[-1] and spec["layer"][-1]["mark"]["type"] == "text"
    assert maps.ATTRIBUTION in exports.svg_bytes(chart).decode("utf-8")


def test_csv_header_carries_attribution_and_every_cell():
    table = maps.map_rows(ROWS, ADO1, NAMES)
    assert table.height == ROWS.height  # nothing lost: unknown and off-map regions included
    shown = dict(zip(table["region_code"], table["shown"], strict=True))
    assert (
        shown["unknown"] == "unknown region"
        and shown["NL11"] == "map"
        and shown["XX99"] == "not a NUTS 2021 region"
    )
    assert table.filter(pl.col("flag") == "c")["value"].null_count() == 2
    meta = {"title": "t", "attribution": maps.ATTRIBUTION}
    back_meta, back = exports.read_csv(exports.csv_bytes(table, meta))
    assert back_meta["attribution"] == maps.ATTRIBUTION and back.height == table.height


def test_per_thousand_map_values_equal_hand_computation():
    rates = per_capita_map.per_thousand(ROWS, POPULATION)
    features = drawn(maps.region_map(rates, ADO1, NAMES, unit=per_capita_map.UNIT))
    assert features["NL11"]["value"] == pytest.approx(120 / 311.7)
    assert features["NL22"]["value"] == pytest.approx(340 / 1115.6)
    assert features["NL11"]["shown"] == "0.385 per 1,000 residents aged 25-64"
    assert "value" not in features["NL32"]  # a suppressed count has no rate to back-compute it from


def test_highlighted_region_is_outlined():
    spec, data = layers(maps.region_map(ROWS, ADO1, NAMES, highlight="NL22"))
    outlined = [
        d for layer, d in zip(spec["layer"], data, strict=True) if layer["mark"].get("filled") is False
    ]
    assert [f["code"] for f in outlined[0]] == ["NL22"]
    spec, _ = layers(maps.region_map(ROWS, ADO1, NAMES))
    assert not any(layer["mark"].get("filled") is False for layer in spec["layer"])


def test_geometry_codes_are_nuts2_and_files_match_their_readme():
    geo = maps.boundaries()
    assert len(geo.regions) == 328 and all(re.fullmatch(r"[A-Z]{2}[0-9A-Z]{2}", c) for c in geo.regions)
    assert all(re.fullmatch(r"[A-Z]{2}", c) for c in geo.countries)
    assert {"PT20", "PT30", "NO0B"} == set(geo.regions) - geo.in_frame
    readme = (maps.GEO_DIR / "README.md").read_text(encoding="utf-8")
    for name in (maps.NUTS2_FILE, maps.NUTS0_FILE):
        digest = hashlib.sha256((maps.GEO_DIR / name).read_bytes()).hexdigest()
        assert f"`{name}`" in readme and digest in readme
        assert json.loads((maps.GEO_DIR / name).read_bytes())["type"] == "FeatureCollection"
    assert maps.ATTRIBUTION in readme


def test_rate_text_three_significant_digits():
    assert [maps.rate_text(v) for v in (0.0, 0.025, 0.3851, 1.234, 12.34, 123.4, 1234.5)] == [
        "0", "0.025", "0.385", "1.23", "12.3", "123", "1,234"
    ]  # fmt: skip


def test_map_download_header_names_the_boundaries_first():
    from dashboard.dimension_page import View
    from dashboard.filters import FilterState, Options

    options = Options((2019, 2025), ("NL",), ("vet",), ("NL32",), ("06",), (5,), (("NL32", "Noord-Holland"),))
    state = FilterState(2019, 2025)
    build = {"build_id": "abc", "built_at": "2026-01-02 03:04 UTC", "data_cutoff": "2025-12-31"}
    view = View(None, options, state, state.to_filters(options), build, "Adoption")  # type: ignore[arg-type]
    meta = maps.csv_meta("Awards issued by region", ADO1, view, ["a note"])
    assert list(meta)[:3] == ["title", "attribution", "boundaries"]
    assert meta["attribution"] == maps.ATTRIBUTION and "NUTS 2021" in meta["boundaries"]
    assert meta["note 1"] == "a note" and meta["build_id"] == "abc"


def test_a_view_without_region_cells_draws_the_outline_only():
    empty = cells({})
    assert drawn(maps.region_map(empty, ADO1, NAMES)) == {}
    only_unknown = cells({"unknown": (25.0, None, None)})
    assert drawn(maps.region_map(only_unknown, ADO1, NAMES)) == {}
    assert maps.off_map_note(only_unknown, ADO1, NAMES) is None
