"""Downloads of a chart: its data as CSV with a metadata header, and the picture as PNG or SVG.

The CSV holds exactly the rows the chart draws (suppressed cells included, blank, with their flag and
the reason), preceded by `# key: value` lines: title, indicator definitions, the filters and the link
that reproduce the view, its absolute link, the build, the licence and a suggested citation (DOMAIN.md
§6); a synthetic (generated) warehouse says so on the second line. Read it with
`pandas.read_csv(path, comment="#")` or `polars.read_csv(path, comment_prefix="#")`.

Pictures are drawn offline by vl-convert from the same Vega-Lite spec the page shows, with a footer
naming title, source, licence, build and link (and "synthetic data" when it is), so a picture that
travels alone still says where it came from.
"""

from __future__ import annotations

import io
import re
import textwrap
from collections.abc import Iterable, Mapping
from urllib.parse import urlencode, urlsplit

import altair as alt
import polars as pl

from dashboard.formatting import FLAG_MEANINGS, UNIT_LABELS
from dashboard.pages import PAGES
from pipelines.indicators.registry import Indicator
from pipelines.publish import synthetic
from pipelines.publish.csv_safe import neutralise
from pipelines.settings import settings

LOCAL_BASE = "http://localhost:8501"  # `make run`'s address, when neither settings nor browser say


def publication() -> tuple[str, str]:
    """Publisher and licence: the data releases' settings (config `[release]`)."""
    release = settings().release
    return release.publisher, f"{release.licence} ({release.licence_url})"


EXPORT_WIDTH = 760  # px: charts are drawn at this width for a picture (the page lets them stretch)
_SLUG = re.compile(r"[^a-z0-9]+")


def slug(text: str) -> str:
    """A file-name-safe short form of a title."""
    return _SLUG.sub("-", text.lower()).strip("-")[:60] or "chart"


def view_link(query: Mapping[str, str]) -> str:
    """The query string that reproduces the view (relative to the page's address)."""
    return "?" + urlencode(dict(query), safe=",") if query else "(no filters: the default view)"


def base_url() -> str:
    """The observatory's public address: `[release] base_url` of the settings (the same site serves the
    pages and `/releases`), else the address the browser is on, else `make run`'s local one."""
    configured = settings().release.base_url.strip().rstrip("/")
    if configured:
        return configured
    import streamlit as st
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    # Outside a page run (a script, a unit test) there is no browser, hence no address.
    seen = st.context.url if get_script_run_ctx(suppress_warning=True) is not None else None
    parts = urlsplit(seen or "")
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else LOCAL_BASE


def page_path(page: str) -> str:
    """A page's path in the URL from its name or menu title ("Trust" → "trust"; the default page → "")."""
    for p in PAGES:
        if page in (p.name, p.title, p.heading):
            return p.url_path
    return page.strip("/")


def permalink(page: str = "", query: Mapping[str, str] | None = None, base: str | None = None) -> str:
    """The absolute address that reproduces a view: `<base>/<page>?<query>` (page "" = the default page;
    a page may be named by its menu title, as the download headers name it)."""
    root = (base if base is not None else base_url()).rstrip("/")
    path = f"{root}/{page_path(page)}" if page_path(page) else f"{root}/"
    return path + ("?" + urlencode(dict(query), safe=",") if query else "")


def citation(title: str, build: Mapping[str, str]) -> str:
    built = build.get("built_at", "")[:4] or "n.d."
    publisher, _ = publication()
    return (
        f"{publisher} ({built}). {title}. Build {build.get('build_id', 'unknown')}, "
        f"data cut-off {build.get('data_cutoff', 'unknown')}."
    )


def metadata(
    title: str,
    indicators: Iterable[Indicator],
    view: str,
    query: Mapping[str, str],
    build: Mapping[str, str],
    page: str = "",
    notes: Iterable[str] = (),
) -> dict[str, str]:
    """The header of a download, in order: what it is, how it was made, where from, how to cite it."""
    publisher, licence = publication()
    meta: dict[str, str] = {"title": title}
    if synthetic.is_synthetic(build):
        meta["data"] = synthetic.note(build)
    meta["publisher"] = publisher
    for ind in indicators:
        unit = UNIT_LABELS.get(ind.unit, ind.unit)
        meta[f"indicator {ind.id}"] = f"{ind.name} ({unit}). {ind.definition}"
        meta[f"numerator {ind.id}"] = ind.numerator_text
        meta[f"denominator {ind.id}"] = ind.denominator_text or "none (a count)"
        meta[f"period basis {ind.id}"] = ind.period_basis
        if ind.caveats:
            meta[f"caveats {ind.id}"] = ind.caveats
    for n, note in enumerate(notes, start=1):
        meta[f"note {n}"] = note
    meta["filters"] = view
    meta["view"] = (f"page {page} " if page else "") + view_link(query)
    meta["link"] = permalink(page, query)
    meta["build_id"] = build.get("build_id", "unknown")
    meta["built_at"] = build.get("built_at", "unknown")
    meta["data_cutoff"] = build.get("data_cutoff", "unknown")
    meta["source"] = f"{publisher} warehouse, public indicator cube and marts (disclosure-controlled)"
    meta["flags"] = "; ".join(f"{flag} = {meaning}" for flag, meaning in FLAG_MEANINGS.items())
    meta["licence"] = licence
    meta["citation"] = citation(title, build)
    return meta


def _one_line(text: object) -> str:
    return " ".join(str(text).split())


def csv_bytes(rows: pl.DataFrame, meta: Mapping[str, str]) -> bytes:
    """`# key: value` header lines, then the rows as CSV (UTF-8)."""
    header = "".join(f"# {_one_line(k)}: {_one_line(v)}\n" for k, v in meta.items())
    buffer = io.BytesIO()
    neutralise(rows).write_csv(buffer)
    return header.encode("utf-8") + buffer.getvalue()


def read_csv(data: bytes) -> tuple[dict[str, str], pl.DataFrame]:
    """A download read back: its metadata header and its rows (for tests and round trips)."""
    text = data.decode("utf-8")
    meta = {}
    for line in text.splitlines():
        if not line.startswith("# "):
            break
        key, _, value = line[2:].partition(": ")
        meta[key] = value
    return meta, pl.read_csv(io.BytesIO(data), comment_prefix="#", infer_schema_length=None)


def _sized(chart: alt.TopLevelMixin) -> dict:
    """The chart's spec with a fixed width, since a picture has no container to stretch into."""
    spec = chart.to_dict()
    if "facet" in spec or "hconcat" in spec or "vconcat" in spec or "concat" in spec:
        return spec
    spec["width"] = EXPORT_WIDTH
    return spec


# Properties Vega-Lite allows only on the top-level spec: they move up when the chart gets its footer.
_TOP_LEVEL = ("$schema", "config", "datasets", "background", "padding", "autosize", "usermeta")
FOOTER_CHARS = 120  # characters of 10 px text in EXPORT_WIDTH


def footer_lines(meta: Mapping[str, str]) -> list[str]:
    """What a picture says under the chart: title, synthetic data (when it is), source, licence, build
    and the absolute link that reproduces the view."""
    lines = [f"{meta['title']}"] if meta.get("title") else []
    if meta.get("data"):
        lines.append(meta["data"])
    if meta.get("source"):
        lines.append(f"Source: {meta['source']}")
    if meta.get("licence"):
        lines.append(f"Licence: {meta['licence']}")
    build = [f"build {meta['build_id']}"] if meta.get("build_id") else []
    build += [f"data cut-off {meta['data_cutoff']}"] if meta.get("data_cutoff") else []
    if build:
        lines.append("Build: " + ", ".join(build).removeprefix("build "))
    if meta.get("link"):
        lines.append(f"Link: {meta['link']}")
    # Vega-Lite text does not wrap: long lines (the synthetic note, a long link) are cut into lines that fit.
    return [part for line in lines for part in textwrap.wrap(_one_line(line), FOOTER_CHARS) or [""]]


def export_spec(chart: alt.TopLevelMixin, meta: Mapping[str, str] | None = None) -> dict:
    """The spec a picture is drawn from: the chart at `EXPORT_WIDTH`, and below it (with `meta`) a footer
    of `footer_lines`, the first (the title) in bold."""
    spec = _sized(chart)
    if not meta:
        return spec
    lines = footer_lines(meta)
    top = {k: spec.pop(k) for k in _TOP_LEVEL if k in spec}
    footer = {
        "width": EXPORT_WIDTH,
        "height": 15 * len(lines),
        "data": {"values": [{"i": i, "line": line, "first": i == 0} for i, line in enumerate(lines)]},
        "mark": {"type": "text", "align": "left", "baseline": "top", "fontSize": 10, "limit": EXPORT_WIDTH},
        "encoding": {
            "x": {"value": 0},
            "y": {
                "field": "i",
                "type": "quantitative",
                "scale": {"range": [0, 15 * len(lines)]},
                "axis": None,
            },
            "text": {"field": "line", "type": "nominal"},
            "color": {"condition": {"test": "datum.first", "value": "#222222"}, "value": "#4D4D4D"},
            "fontWeight": {"condition": {"test": "datum.first", "value": "bold"}, "value": "normal"},
        },
        "view": {"stroke": None},
    }
    top.setdefault("config", {}).setdefault("view", {})
    return {**top, "vconcat": [spec, footer], "spacing": 12, "usermeta": {"footer": lines}}


def png_bytes(chart: alt.TopLevelMixin, meta: Mapping[str, str] | None = None) -> bytes:
    import vl_convert as vlc

    return vlc.vegalite_to_png(export_spec(chart, meta), scale=2, allowed_base_urls=[])


def svg_bytes(chart: alt.TopLevelMixin, meta: Mapping[str, str] | None = None) -> bytes:
    import vl_convert as vlc

    return vlc.vegalite_to_svg(export_spec(chart, meta), allowed_base_urls=[]).encode("utf-8")
