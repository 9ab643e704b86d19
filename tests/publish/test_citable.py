"""Citable versions: a human version YYYY.N per release (the build id kept as metadata), and the
configured base URL and DOI in CITATION.cff, datapackage.json, the README and the API."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
import yaml

from pipelines.publish.release import export

pytestmark = [pytest.mark.build, pytest.mark.filterwarnings("ignore::DeprecationWarning")]


@pytest.fixture
def configured(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    from pipelines.settings import DEFAULT_CONFIG

    config = tmp_path / "observatory.toml"
    text = re.sub(r"(?ms)^\[release\].*?(?=^\[|\Z)", "", DEFAULT_CONFIG.read_text(encoding="utf-8"))
    config.write_text(
        text + '\n[release]\nbase_url = "https://data.example.org/mco/"\ndoi = "10.5281/zenodo.1234567"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("MCO_CONFIG", str(config))
    return config


def test_versions_count_up_per_release_and_repeat_for_the_same_build(small_warehouse: Path, tmp_path: Path):
    out = tmp_path / "releases"
    first = export(small_warehouse, out)[0]
    year = json.loads((first.folder / "datapackage.json").read_text())["built_at"][:4]
    assert first.release == f"{year}.1"
    again = export(small_warehouse, out)[0]
    assert again.release == first.release  # the same build keeps its number (and its bytes)
    # an earlier release of another build of the same year in the folder: this one becomes the next
    other = out / "2025-06-30-0000000000000000"
    shutil.copytree(first.folder, other)
    package = json.loads((other / "datapackage.json").read_text())
    (other / "datapackage.json").write_text(json.dumps(package | {"release": f"{year}.7"}))
    shutil.rmtree(first.folder)
    assert export(small_warehouse, out)[0].release == f"{year}.8"


def test_base_url_and_doi_reach_every_citation(small_warehouse: Path, tmp_path: Path, configured: Path):
    released = export(small_warehouse, tmp_path, restricted=True, restricted_out=tmp_path / "restricted")
    public, restricted = released
    assert restricted.release == public.release
    folder, release = public.folder, public.release
    url = f"https://data.example.org/mco/releases/{release}"
    cff = yaml.safe_load((folder / "CITATION.cff").read_text())
    assert cff["version"] == release and cff["url"] == url and cff["doi"] == "10.5281/zenodo.1234567"
    package = json.loads((folder / "datapackage.json").read_text())
    assert package["release"] == release and package["homepage"] == url
    assert package["id"] == "https://doi.org/10.5281/zenodo.1234567"
    citation = package["citation"]
    assert f"version {release}" in citation and "https://doi.org/10.5281/zenodo.1234567" in citation
    assert citation in (folder / "README.md").read_text()
    dictionary = json.loads((folder / "dictionary.json").read_text())
    assert (dictionary["release"], dictionary["url"], dictionary["doi"]) == (
        release, url, "10.5281/zenodo.1234567")  # fmt: skip

    from fastapi.testclient import TestClient

    from pipelines.api.app import create_app

    app = create_app(small_warehouse, tmp_path)
    with TestClient(app) as client:
        listed = client.get("/releases").json()["releases"]
        assert [(r["release"], r["url"], r["doi"]) for r in listed] == [
            (release, url, "10.5281/zenodo.1234567")]  # fmt: skip
        one = client.get(f"/releases/{release}")  # the citable URL resolves
        assert one.status_code == 200 and one.json()["version"] == public.version
        by_human = client.get(f"/releases/{release}/files/CITATION.cff")
        assert by_human.status_code == 200 and f"version: '{release}'" in by_human.text
        figures = client.get("/indicators/TRU-1").json()
        assert figures["release"] == release and figures["citation"] == citation
        csv = client.get("/indicators/TRU-1?format=csv").text
        assert f"# release: {release}" in csv and f"# citation: {citation}" in csv
    app.state.store.close()
