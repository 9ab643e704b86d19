"""The map of a regional indicator: a NUTS 2 choropleth (Altair `mark_geoshape`) of published cells.

Figures come from the engine's published rows by region (per 1,000 adults from
`pipelines.indicators.per_capita_map`); this module only draws them. A region without a value is grey
with its flag's reason in the tooltip, never a colour; the "Unknown / not stated" region and regions the
boundaries do not draw (outside the map's frame, or not a NUTS 2021 code) are said beside the map, not
lost. Boundaries: Eurostat GISCO NUTS 2021 at 1:60 million (dashboard/assets/geo/README.md), read once
per process; their attribution is inside the chart (so PNG and SVG carry it) and in the CSV header.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import altair as alt
import polars as pl
import streamlit as st

from dashboard import data, exports, widgets
from dashboard.formatting import UNIT_LABELS, breakdown_value_label, flag_reason, format_value
from pipelines.disclosure import NOT_APPLICABLE, SUPPRESSED
from pipelines.indicators import per_capita_map
from pipelines.indicators.registry import BASES, Indicator, get

if TYPE_CHECKING:  # dimension_page imports this module: only the type, to avoid an import cycle
    from dashboard.dimension_page import View

ATTRIBUTION = "© EuroGeographics for the administrative boundaries"
BOUNDARIES = "Eurostat GISCO, NUTS 2021, 1:60 million (WGS84), via eurostat/Nuts2json"
GEO_DIR = Path(__file__).resolve().parent / "assets" / "geo"
NUTS2_FILE, NUTS0_FILE = "nuts2_2021_60M_4326.geojson", "nuts0_2021_60M_4326.geojson"
NUTS2_CODE = re.compile(r"[A-Z]{2}[0-9A-Z]{2}")
UNKNOWN = "unknown"  # the engine's breakdown value for a record without a region
# The map's frame (longitude, latitude of a region's bounding-box centre): mainland Europe and the
# islands near it. Outside it (the Azores, Madeira, Svalbard) a region is listed beside the map.
FRAME = ((-25.0, 45.0), (34.0, 72.0))
HEIGHT = 560
PER_1000_LABEL = f"per 1,000 {per_capita_map.POPULATION_TEXT}"
MEASURES = {"rate": "Per 1,000 adults", "count": "Count"}
# Region fills: a value on a sequential scale; without one, a grey per reason (darkest = suppressed).
STATUS_COLOURS = {
    "suppressed (c)": "#8c8c8c",
    "not applicable (z)": "#c8c8c8",
    "no records in view": "#e3e3e3",
}
STATUS = {SUPPRESSED: "suppressed (c)", NOT_APPLICABLE: "not applicable (z)", None: "no records in view"}
OUTLINE_FILL, BORDER, HIGHLIGHT = "#f7f7f7", "#ffffff", "#000000"


# --- Boundaries ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Boundaries:
    """The committed NUTS 2 regions (code -> geometry, name) and NUTS 0 outlines, read once."""

    regions: Mapping[str, dict]  # NUTS 2 code -> GeoJSON geometry
    names: Mapping[str, str]  # NUTS 2 code -> name in the region's own language
    in_frame: frozenset[str]  # NUTS 2 codes whose centre lies in FRAME
    boxes: Mapping[str, tuple[float, float, float, float]]  # NUTS 2 code -> lon0, lat0, lon1, lat1
    countries: Mapping[str, dict]  # NUTS 0 code -> GeoJSON geometry


def _points(geometry: dict):
    polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    for polygon in polygons:
        for ring in polygon:
            yield from ring


def _box(geometry: dict) -> tuple[float, float, float, float]:
    xs, ys = zip(*_points(geometry), strict=True)
    return min(xs), min(ys), max(xs), max(ys)


@cache
def boundaries() -> Boundaries:
    """The NUTS 2021 boundaries committed under dashboard/assets/geo (read once per process)."""
    nuts2 = json.loads((GEO_DIR / NUTS2_FILE).read_text(encoding="ascii"))
    nuts0 = json.loads((GEO_DIR / NUTS0_FILE).read_text(encoding="ascii"))
    regions = {f["properties"]["id"]: f["geometry"] for f in nuts2["features"]}
    boxes = {code: _box(geometry) for code, geometry in regions.items()}
    (lon0, lon1), (lat0, lat1) = FRAME
    framed = frozenset(
        c
        for c, (x0, y0, x1, y1) in boxes.items()
        if lon0 <= (x0 + x1) / 2 <= lon1 and lat0 <= (y0 + y1) / 2 <= lat1
    )
    return Boundaries(
        regions=regions,
        names={f["properties"]["id"]: f["properties"]["na"] for f in nuts2["features"]},
        in_frame=framed,
        boxes=boxes,
        countries={f["properties"]["id"]: f["geometry"] for f in nuts0["features"]},
    )


def placement(code: str) -> str:
    """Where a region's cell goes: "map", or why not ("unknown region", "outside the map's frame",
    "not a NUTS 2021 region")."""
    if code == UNKNOWN:
        return "unknown region"
    geo = boundaries()
    if code not in geo.regions:
        return "not a NUTS 2021 region"
    return "map" if code in geo.in_frame else "outside the map's frame"


# --- Values in words ------------------------------------------------------------------------------


def rate_text(value: float) -> str:
    """A rate per 1,000 to three significant digits, trailing zeros dropped (0.025, 1.23, 12.3, 123)."""
    if value == 0:
        return "0"
    digits = min(4, max(0, 2 - math.floor(math.log10(abs(value)))))
    text = f"{value:,.{digits}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def value_text(value: float | None, unit: str, flag: str | None) -> str:
    """A published value in words, as the tooltip shows it ("12.3 per 1,000 residents aged 25-64")."""
    if flag in (SUPPRESSED, NOT_APPLICABLE) or value is None:
        return format_value(value, unit, flag)
    if unit == per_capita_map.UNIT:
        return f"{rate_text(value)} {PER_1000_LABEL}"
    return format_value(value, unit, flag)


def unit_title(unit: str) -> str:
    return PER_1000_LABEL if unit == per_capita_map.UNIT else UNIT_LABELS.get(unit, unit)


def map_rows(rows: pl.DataFrame, ind: Indicator, region_names: Mapping[str, str], unit: str | None = None):
    """One row per published region cell (what the CSV holds): codes, names, the value and how it
    reads, counts, flag and reason, and where the cell is shown (`placement`)."""
    unit = unit or ind.unit
    cells = rows.filter(pl.col("indicator_id") == ind.id)
    geo = boundaries()
    codes = cells["breakdown_value"].to_list()
    values, flags = cells["value"].to_list(), cells["flag"].to_list()
    suppression = cells["suppression"].to_list() if "suppression" in cells.columns else [None] * len(codes)
    return pl.DataFrame(
        {
            "region_code": codes,
            "region": [_region_name(c, region_names, geo.names) for c in codes],
            "indicator_id": [ind.id] * len(codes),
            "indicator": [ind.name] * len(codes),
            "unit": [unit] * len(codes),
            "value": values,
            "value_shown": [value_text(v, unit, f) for v, f in zip(values, flags, strict=True)],
            "numerator": cells["numerator"].to_list(),
            "denominator": cells["denominator"].to_list(),
            "flag": flags,
            "suppression": suppression,
            "note": [flag_reason(ind.id, f, s) for f, s in zip(flags, suppression, strict=True)],
            "shown": [placement(c) for c in codes],
        },
        schema_overrides={
            "value": pl.Float64,
            "numerator": pl.Float64,
            "denominator": pl.Float64,
            "flag": pl.String,
            "suppression": pl.String,
        },
    )


def _region_name(code: str, region_names: Mapping[str, str], geo_names: Mapping[str, str]) -> str:
    if code == UNKNOWN:
        return breakdown_value_label("region", code)
    name = region_names.get(code) or geo_names.get(code)
    return f"{code} – {name}" if name else code


# --- The chart -----------------------------------------------------------------------------------------


def _feature(geometry: dict, **properties) -> dict:
    return {"type": "Feature", "geometry": geometry, "properties": properties}


def _shapes(name: str, features: list[dict]) -> alt.InlineData:
    """Features as one GeoJSON text, inline in the layer. A text is not copied field by field each time
    Altair builds a layer (dicts of coordinates took seconds), and a named inline value stays in the
    layer: Altair would move it to the spec's datasets, which Streamlit sends as Arrow tables that
    Vega cannot draw as shapes."""
    text = json.dumps({"type": "FeatureCollection", "features": features}, separators=(",", ":"))
    return alt.InlineData(values=text, format=alt.DataFormat(type="json", property="features"), name=name)


@cache
def _outline() -> alt.InlineData:
    """The NUTS 0 countries behind the regions: the same for every map, built once."""
    return _shapes("countries", [_feature(g, code=c) for c, g in sorted(boundaries().countries.items())])


def region_map(
    rows: pl.DataFrame,
    ind: Indicator,
    region_names: dict[str, str],
    highlight: str | None = None,
    *,
    unit: str | None = None,
) -> alt.LayerChart:
    """A NUTS 2 choropleth of `ind`'s published cells by region (`rows`, as `View.indicators` returns
    them; `unit` "per 1,000" for rates made by `per_capita_map.per_thousand`). Every NUTS 2 region of
    the countries in `rows` is drawn: coloured by its value, or grey by why it has none (suppressed,
    not applicable, no records in view), the reason in its tooltip; `highlight` is outlined. The
    unknown region and regions without boundaries are not drawn (see `unknown_note`, `off_map_note`)."""
    unit = unit or ind.unit
    geo = boundaries()
    table = map_rows(rows, ind, region_names, unit).filter(pl.col("shown") == "map")
    cells = {r["region_code"]: r for r in table.iter_rows(named=True)}
    countries = sorted({c[:2] for c in cells} | ({highlight[:2]} if highlight in geo.in_frame else set()))
    drawn = sorted(c for c in geo.in_frame if c[:2] in countries)
    valued, blank = [], []
    for code in drawn:
        cell = cells.get(code)
        name = _region_name(code, region_names, geo.names)
        if cell is not None and cell["value"] is not None:
            props = {"value": cell["value"], "shown": cell["value_shown"]}
            valued.append(_feature(geo.regions[code], code=code, region=name, **props))
        else:
            flag = cell["flag"] if cell is not None else None
            status = STATUS.get(flag, STATUS[None])
            note = cell["note"] if cell is not None else "no records of this region in the view"
            props = {"status": status, "shown": cell["value_shown"] if cell else "no records", "note": note}
            blank.append(_feature(geo.regions[code], code=code, region=name, **props))
    boxes = [geo.boxes[c] for c in drawn] or [(-10.0, 35.0, 35.0, 70.0)]
    pad = 0.5
    corners = [
        [min(b[0] for b in boxes) - pad, min(b[1] for b in boxes) - pad],
        [max(b[2] for b in boxes) + pad, max(b[3] for b in boxes) + pad],
    ]
    fit = _feature({"type": "MultiPoint", "coordinates": corners})
    projection = alt.Projection(type="azimuthalEqualArea", rotate=[-10, -52, 0], fit=fit)
    tooltip = [
        alt.Tooltip("properties.region:N", title="Region"),
        alt.Tooltip("properties.shown:N", title=ind.name),
    ]
    title = f"{ind.name} by region"
    subtitle = [f"{unit_title(unit)} · {ind.id} · NUTS 2 regions", f"period: {ind.period_basis}"]
    layers = [
        alt.Chart(_outline())
        .mark_geoshape(fill=OUTLINE_FILL, stroke="#bdbdbd", strokeWidth=0.5, clip=True)
        .encode(tooltip=alt.value(None)),
    ]
    if blank:
        layers.append(
            alt.Chart(_shapes("regions_without_value", blank))
            .mark_geoshape(stroke=BORDER, strokeWidth=0.6, clip=True)
            .encode(
                color=alt.Color(
                    "properties.status:N",
                    title="No value",
                    scale=alt.Scale(domain=list(STATUS_COLOURS), range=list(STATUS_COLOURS.values())),
                    legend=alt.Legend(
                        orient="bottom", direction="vertical", labelLimit=220, symbolType="square"
                    ),
                ),
                tooltip=[*tooltip, alt.Tooltip("properties.note:N", title="Why")],
            )
        )
    if valued:
        layers.append(
            alt.Chart(_shapes("regions_with_value", valued))
            .mark_geoshape(stroke=BORDER, strokeWidth=0.6, clip=True)
            .encode(
                color=alt.Color(
                    "properties.value:Q",
                    title=unit_title(unit),
                    scale=alt.Scale(
                        type="quantize", scheme=alt.SchemeParams("blues", count=5), nice=True, zero=True
                    ),
                    legend=alt.Legend(
                        orient="bottom", direction="horizontal", format=",~r", gradientLength=160
                    ),
                ),
                tooltip=tooltip,
            )
        )
    if highlight in drawn:
        layers.append(
            alt.Chart(_shapes("highlight", [_feature(geo.regions[highlight], code=highlight)]))
            .mark_geoshape(fill=None, filled=False, stroke=HIGHLIGHT, strokeWidth=2.5, clip=True)
            .encode(tooltip=alt.value(None))
        )
    credit = (
        alt.Chart(alt.InlineData(values=[{"text": ATTRIBUTION}], name="credit"))
        .mark_text(align="right", baseline="bottom", fontSize=10, color="#555555", dx=-4, dy=-4)
        .encode(text="text:N", x=alt.value({"expr": "width"}), y=alt.value({"expr": "height"}))
    )
    layers.append(credit)
    return (
        alt.layer(*layers)
        .resolve_scale(color="independent")
        .properties(
            title=alt.Title(title, subtitle=subtitle, anchor="start"),
            height=HEIGHT,
            projection=projection,
        )
        .configure_view(stroke=None)
        .configure_legend(titleLimit=300)
    )


# --- Beside the map ---------------------------------------------------------------------------------


def unknown_note(rows: pl.DataFrame) -> str | None:
    """The "Unknown / not stated" region in a sentence ("1,234 awards issued have no region stated"),
    None when the rows have no such cell (or a count of zero)."""
    cells = rows.filter(pl.col("breakdown_value") == UNKNOWN)
    if cells.is_empty():
        return None
    cell = cells.row(0, named=True)
    ind = get(cell["indicator_id"])
    value, flag = cell["value"], cell["flag"]
    what = ind.name[0].lower() + ind.name[1:]
    if flag == SUPPRESSED:
        reason = flag_reason(ind.id, flag, cell.get("suppression"))
        return f"The figure for records with no region stated is suppressed (c; {reason}); not on the map."
    if flag == NOT_APPLICABLE or value is None:
        return None
    if ind.kind == "count":
        if value == 0:
            return None
        verb = "has" if value == 1 else "have"
        return f"{value:,.0f} {what} {verb} no region stated, so they are not on the map."
    noun = _base_noun(ind)
    return f"{noun} with no region stated (not on the map): {value_text(value, ind.unit, flag)}."


def _base_noun(ind: Indicator) -> str:
    noun = BASES[ind.base].noun
    return noun[0].upper() + noun[1:]


def off_map_note(
    rows: pl.DataFrame, ind: Indicator, region_names: Mapping[str, str], unit: str | None = None
) -> str | None:
    """The regions with a cell the map cannot draw (outside its frame, or without NUTS 2021
    boundaries), each with its value, so none is lost; None when every region is drawn."""
    table = map_rows(rows, ind, region_names, unit).filter(~pl.col("shown").is_in(["map", "unknown region"]))
    if table.is_empty():
        return None
    parts = [
        f"{r['region']}: {r['value_shown']} ({r['shown']})"
        for r in table.sort("region_code").iter_rows(named=True)
    ]
    return "Not on the map: " + "; ".join(parts) + "."


# --- The map tab ------------------------------------------------------------------------------------


@st.cache_data(show_spinner=False, max_entries=8)
def _population(wh: data.Warehouse) -> pl.DataFrame:
    """Residents aged 25-64 per region (public reference data), read once per warehouse build."""
    return data._read(wh, per_capita_map.POPULATION_SQL).cast(per_capita_map.POPULATION_SCHEMA)


def shown_cells(
    view: View, ind: Indicator, rows: pl.DataFrame, measure: str
) -> tuple[pl.DataFrame, Indicator, str]:
    """The cells the map draws for `measure` ("rate" or "count"): (rows, their indicator, their unit).
    A rate is the registry's per-capita indicator of the count where it has one (ADO-4 for ADO-3),
    else the published count per 1,000 residents aged 25-64 (`per_capita_map.per_thousand`)."""
    if measure != "rate" or not per_capita_map.offers_rate(ind):
        return rows, ind, ind.unit
    rate = per_capita_map.rate_for(ind)
    if rate is not None:
        return view.indicators((rate.id,), "region"), rate, rate.unit
    return per_capita_map.per_thousand(rows, _population(view.wh)), ind, per_capita_map.UNIT


@st.cache_resource(max_entries=64, show_spinner=False)
def _drawn(
    key: tuple, _cells: pl.DataFrame, indicator_id: str, names: tuple, highlight: str | None, unit: str
) -> tuple[alt.LayerChart, dict]:
    """The map and its Vega-Lite spec, built once per set of cells (`key`: their rows) and shared by
    sessions (neither is changed by drawing it): building the layers and the spec is most of the
    tab's Python time."""
    chart = region_map(_cells, get(indicator_id), dict(names), highlight, unit=unit)
    return chart, chart.to_dict()


def csv_meta(title: str, ind: Indicator, view: View, notes: list[str]) -> dict[str, str]:
    """The map download's header: the attribution of the boundaries right after the title."""
    meta = exports.metadata(title, [ind], view.describe, view.query, view.build, view.page, notes)
    head = {"title": meta.pop("title"), "attribution": ATTRIBUTION, "boundaries": BOUNDARIES}
    return head | meta


def map_summary(table: pl.DataFrame) -> str:
    """One sentence for a screen reader: how many regions are coloured, the highest and lowest, how many
    are hidden (from `map_rows`: the published cells only)."""
    on_map = table.filter(pl.col("shown") == "map")
    valued = on_map.filter(pl.col("value").is_not_null()).sort("value", descending=True)
    hidden = on_map.height - valued.height
    if valued.is_empty():
        return f"No region has a published value ({hidden} regions without one)."
    top, low = valued.row(0, named=True), valued.row(-1, named=True)
    text = (
        f"{valued.height} regions coloured; highest {top['region']} ({top['value_shown']}), "
        f"lowest {low['region']} ({low['value_shown']})."
    )
    return text + (f" {hidden} regions have no published value." if hidden else "")


def map_tab(view: View, ind: Indicator, rows: pl.DataFrame) -> None:
    """The whole Map tab for `ind`: a switch per 1,000 adults / count (counts), the map, the unknown
    region and the regions off the map in words, the attribution, and the downloads (CSV, PNG, SVG).
    `rows`: `view.indicators((ind.id,), "region")`."""
    if "region" not in ind.available():
        st.info(f"{ind.id} is not published by region, so it has no map.", icon=":material/info:")
        return
    measure = "count"
    if per_capita_map.offers_rate(ind):
        measure = (
            st.segmented_control(
                "Show",
                list(MEASURES),
                format_func=MEASURES.get,
                default="rate",
                key=f"map_measure_{view.page}_{ind.id}",
                required=True,
            )
            or "rate"
        )
    cells, shown_ind, unit = shown_cells(view, ind, rows, measure)
    highlight = view.filters.regions[0] if len(view.filters.regions) == 1 else None
    names = tuple(sorted(view.region_names.items()))
    chart, spec = _drawn(tuple(cells.rows()), cells, shown_ind.id, names, highlight, unit)
    title = f"{shown_ind.name} by region ({unit_title(unit)})"
    table = map_rows(cells, shown_ind, view.region_names, unit)
    # a copy: the cached spec is shared by sessions
    spec = {**spec, "description": f"Map. {title}. {map_summary(table)}"}
    st.vega_lite_chart(spec, width="stretch", key=f"map_{view.page}_{ind.id}_{measure}")
    notes = [n for n in (unknown_note(rows), off_map_note(cells, shown_ind, view.region_names, unit)) if n]
    if shown_ind.id != ind.id:
        rate_note = (
            f"Per 1,000 adults shows {shown_ind.id} ({shown_ind.name}), the registry's rate for "
            f"{ind.id}: {shown_ind.definition}"
        )
        notes.insert(0, rate_note)
    elif unit == per_capita_map.UNIT:
        rate_note = (
            "Per 1,000 adults: the published count of each region divided by its "
            f"{per_capita_map.POPULATION_TEXT} (dim_region), in thousands; a suppressed count has no rate."
        )
        notes.insert(0, rate_note)
    for note in notes:
        st.caption(note)
    st.caption(f"Boundaries: {BOUNDARIES}. {ATTRIBUTION}.")
    widgets.chart_downloads(
        chart,
        table,
        csv_meta(title, shown_ind, view, notes),
        f"mco_map_{exports.slug(title)}",
        f"map_{view.page}_{ind.id}_{measure}",
        csv_help="Every region's published cell, with flags, where it is shown, the filters, the build, "
        "the boundaries' attribution and a citation",
    )
