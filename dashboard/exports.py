"""Downloads of a chart: its data as CSV with a metadata header, and the picture as PNG or SVG.

The CSV holds exactly the rows the chart draws (suppressed cells included, blank, with their flag and
the reason), preceded by `# key: value` lines: title, indicator definitions, the filters and the link
that reproduce the view, the build, the licence and a suggested citation (DOMAIN.md §6). Read it with
`pandas.read_csv(path, comment="#")` or `polars.read_csv(path, comment_prefix="#")`.

Pictures are drawn offline by vl-convert from the same Vega-Lite spec the page shows.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Mapping
from urllib.parse import urlencode

import altair as alt
import polars as pl

from dashboard.formatting import FLAG_MEANINGS, UNIT_LABELS
from pipelines.indicators.registry import Indicator
from pipelines.publish.csv_safe import neutralise
from pipelines.settings import settings


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
    meta: dict[str, str] = {"title": title, "publisher": publisher}
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


def png_bytes(chart: alt.TopLevelMixin) -> bytes:
    import vl_convert as vlc

    return vlc.vegalite_to_png(_sized(chart), scale=2, allowed_base_urls=[])


def svg_bytes(chart: alt.TopLevelMixin) -> bytes:
    import vl_convert as vlc

    return vlc.vegalite_to_svg(_sized(chart), allowed_base_urls=[]).encode("utf-8")
