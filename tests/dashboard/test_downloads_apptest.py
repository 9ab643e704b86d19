"""The Data downloads page lists the public releases written by `mco export`, shows their dictionary,
changelog and citation, serves their files, and never lists a restricted release."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.pages import BY_NAME
from pipelines.publish.release import export
from tests.dashboard.apptest import open_page

pytestmark = pytest.mark.build

APP = Path(__file__).resolve().parents[2] / "dashboard" / "app.py"
PAGE = BY_NAME["downloads"].file
TIMEOUT = 60


@pytest.fixture(scope="module")
def releases(small_warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Public releases, with a restricted one dropped into the same folder to prove it is not served."""
    out = tmp_path_factory.mktemp("releases")
    export(small_warehouse, out, restricted=True, restricted_out=out)
    return out


def run(monkeypatch, warehouse: Path, releases: Path, query: dict[str, str] | None = None) -> AppTest:
    monkeypatch.setenv("MCO_WAREHOUSE", str(warehouse))
    monkeypatch.setenv("MCO_RELEASES", str(releases))
    return open_page(PAGE, query, TIMEOUT, errors=True)


def test_lists_public_releases_with_metadata(small_warehouse: Path, releases: Path, monkeypatch):
    at = run(monkeypatch, small_warehouse, releases)
    assert not at.error and not at.warning
    public = sorted(p.name for p in releases.iterdir() if p.is_dir() and not p.name.endswith("-restricted"))
    assert len(public) == 1 and (releases / f"{public[0]}-restricted").is_dir()
    box = at.selectbox(key="dl_release")
    assert box.options == [f"{public[0]} (latest)"] and box.value == public[0]
    assert at.query_params["release"] == public[0]
    package = json.loads((releases / public[0] / "datapackage.json").read_text())
    build = next(m for m in at.metric if m.label == "Build")  # short enough for its tile at 1440 px
    assert build.value == package["build_id"][:8] and package["build_id"] in build.help
    apa, bibtex, plain = (c.value for c in at.code[:3])
    assert plain == package["citation"]
    release = package["release"]
    assert apa.endswith("[Data set].") or apa.rsplit(" ", 1)[1].startswith("http"), apa
    assert f"(Version {release})" in apa and package["title"] in apa
    assert bibtex.startswith("@dataset{") and f"version   = {{{release}}}" in bibtex and bibtex.endswith("}")
    assert package["data_cutoff"] in bibtex
    dictionary = json.loads((releases / public[0] / "dictionary.json").read_text())
    assert len(at.expander) == len(dictionary["tables"])
    first = dictionary["tables"][0]
    shown = at.dataframe[0].value
    assert shown["Column"].tolist() == [c["name"] for c in first["columns"]]
    assert shown["Description"].tolist() == [c["description"] for c in first["columns"]]
    assert any("First release" in m.value for m in at.markdown)
    assert "cff-version" in at.code[3].value
    labels = [b.label for b in at.get("download_button")]
    assert labels[0].startswith("Download the whole release (zip")
    assert sum(label.startswith("CSV") for label in labels) == len(dictionary["tables"])
    assert sum(label.startswith("Parquet") for label in labels) == len(dictionary["tables"])
    assert {"datapackage.json", "dictionary.json", "CHANGELOG.md", "CITATION.cff", "SHA256SUMS"} <= set(
        labels
    )


def test_unknown_release_in_the_link(small_warehouse: Path, releases: Path, monkeypatch):
    restricted = next(p.name for p in releases.iterdir() if p.name.endswith("-restricted") and p.is_dir())
    at = run(monkeypatch, small_warehouse, releases, {"release": restricted})
    assert at.warning and restricted in at.warning[0].value
    assert not at.selectbox(key="dl_release").value.endswith("-restricted")


def test_no_release_yet(small_warehouse: Path, tmp_path: Path, monkeypatch):
    at = run(monkeypatch, small_warehouse, tmp_path / "none")
    assert at.info and "mco export" in at.info[0].value
    assert not at.get("download_button")


def test_release_files_are_served_only_from_the_checksum_list(releases: Path):
    from dashboard.releases_data import releases as found

    release = found(releases)[0]
    assert release.path("data/indicator_cube.csv") is not None
    assert release.path("../" + release.version + "-restricted/data/learner_awards.csv") is None
    assert release.path("/etc/passwd") is None and release.path("datapackage.json") is not None
