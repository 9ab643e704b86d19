"""Honest downloads (unit): a synthetic build says so in every CSV header and picture, links in downloads
are absolute (the settings' base URL), and a picture carries title, source, licence, build and link."""

from __future__ import annotations

from pathlib import Path

import altair as alt
import polars as pl
import pytest

from dashboard import exports
from pipelines.publish import synthetic

pytestmark = pytest.mark.unit

BUILD = {"build_id": "b1", "built_at": "2026-01-02 10:00 UTC", "data_cutoff": "2025-12-31"}
SYNTHETIC = {**BUILD, "synthetic": "True", "generator": "mco generate (scale small, seed 7)"}


def meta(build: dict, query: dict | None = None) -> dict[str, str]:
    return exports.metadata("Awards by year", [], "all", query or {"ind": "ADO-1"}, build, "Adoption")


@pytest.fixture
def base_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    config = tmp_path / "observatory.toml"
    config.write_text('[release]\nbase_url = "https://observatory.example.org/"\n', encoding="utf-8")
    monkeypatch.setenv("MCO_CONFIG", str(config))
    return "https://observatory.example.org"


def test_a_synthetic_build_says_so_in_the_csv_header():
    data = exports.csv_bytes(pl.DataFrame({"value": [1.0]}), meta(SYNTHETIC))
    lines = data.decode().splitlines()
    assert lines[0] == "# title: Awards by year"
    assert (
        lines[1].startswith("# data: SYNTHETIC DATA: ") and "(mco generate (scale small, seed 7))" in lines[1]
    )
    header, rows = exports.read_csv(data)
    assert rows.height == 1 and "no real learners" in header["data"]


@pytest.mark.parametrize("flag", [None, "False", False])
def test_a_real_build_has_no_synthetic_line(flag):
    build = BUILD if flag is None else {**BUILD, "synthetic": flag}
    assert "data" not in meta(build)
    assert synthetic.note(build) == "" and not synthetic.is_synthetic(build)


def test_links_in_downloads_are_absolute_from_the_settings(base_url: str):
    header = meta(BUILD, {"ind": "ADO-1", "by": "region"})
    assert header["link"] == f"{base_url}/adoption?ind=ADO-1&by=region"
    assert exports.permalink("Overview") == f"{base_url}/"  # the default page is the root
    assert exports.permalink("programmes", {"provider": "P1"}) == f"{base_url}/programmes?provider=P1"


def test_without_a_base_url_links_name_the_local_dashboard(tmp_path: Path, monkeypatch):
    config = tmp_path / "observatory.toml"
    config.write_text('[release]\nbase_url = ""\n', encoding="utf-8")
    monkeypatch.setenv("MCO_CONFIG", str(config))
    assert meta(BUILD)["link"] == f"{exports.LOCAL_BASE}/adoption?ind=ADO-1"


def chart() -> alt.Chart:
    frame = pl.DataFrame({"year": ["2024", "2025"], "awards": [10, 20]}).to_pandas()
    return alt.Chart(frame).mark_bar().encode(x="awards:Q", y="year:N").properties(title="Awards")


def test_picture_spec_has_the_footer(base_url: str):
    header = meta(SYNTHETIC)
    spec = exports.export_spec(chart(), header)
    assert spec["vconcat"][0]["width"] == exports.EXPORT_WIDTH and "mark" in spec["vconcat"][0]
    lines = [v["line"] for v in spec["vconcat"][1]["data"]["values"]]
    text = " ".join(lines)
    assert lines[0] == "Awards by year"
    assert "SYNTHETIC DATA" in text
    assert f"Source: {header['source']}" in text
    assert "Licence: CC-BY-4.0" in text
    assert "Build: b1, data cut-off 2025-12-31" in text
    assert f"Link: {base_url}/adoption?ind=ADO-1" in text
    assert all(len(line) <= exports.FOOTER_CHARS for line in lines)  # nothing cut off at the edge
    assert "$schema" in spec and "$schema" not in spec["vconcat"][0]  # top-level keys moved up


def test_picture_without_meta_is_the_chart_alone():
    spec = exports.export_spec(chart())
    assert "vconcat" not in spec and spec["width"] == exports.EXPORT_WIDTH


def test_the_svg_carries_the_footer(base_url: str):
    svg = exports.svg_bytes(chart(), meta(SYNTHETIC)).decode()
    for text in ("Awards by year", "SYNTHETIC DATA", "Licence: CC-BY-4.0", "Build: b1", base_url):
        assert text in svg, text
