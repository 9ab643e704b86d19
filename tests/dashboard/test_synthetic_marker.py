"""A warehouse built from generated deliveries says so: build_info records it, every page shows the
banner, and the release `make run` writes (its `release` step, run here on the small warehouse) marks
its title, README, dictionary and datapackage.json."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from dashboard.pages import PAGES
from pipelines.generate import GENERATOR
from pipelines.sources.discover import SYNTHETIC_GENERATOR, read_generator
from tests.dashboard.apptest import open_page

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.unit
def test_the_generator_name_is_the_one_the_build_looks_for(tmp_path: Path):
    assert SYNTHETIC_GENERATOR == GENERATOR
    (tmp_path / "manifest.json").write_text(json.dumps({"generator": GENERATOR, "scale": "tiny", "seed": 3}))
    assert read_generator(tmp_path) == "mco generate (scale tiny, seed 3)"
    (tmp_path / "manifest.json").write_text(json.dumps({"generator": "a ministry's export"}))
    assert read_generator(tmp_path) is None
    (tmp_path / "manifest.json").write_text("{not json")
    assert read_generator(tmp_path) is None


@pytest.mark.build
def test_build_info_records_synthetic(small_warehouse: Path):
    with duckdb.connect(str(small_warehouse), read_only=True) as con:
        synthetic, generator = con.sql("select synthetic, generator from build_info").fetchall()[0]
    assert synthetic is True and generator.startswith("mco generate (scale small, seed ")


@pytest.mark.build
@pytest.mark.parametrize("page", [p.file for p in PAGES])
def test_every_page_shows_the_banner(warehouse: Path, page: str):
    at = open_page(page, timeout=90, errors=True)
    banner = [m.value for m in at.markdown if "SYNTHETIC DATA" in m.value]
    assert len(banner) == 1 and "mco generate (scale small" in banner[0], page
    assert at.markdown[0].value == banner[0]  # before anything the page draws


@pytest.mark.build
def test_no_banner_for_real_data(small_warehouse: Path, tmp_path: Path, monkeypatch):
    real = tmp_path / "real.duckdb"
    shutil.copyfile(small_warehouse, real)
    with duckdb.connect(str(real)) as con:
        con.sql("update build_info set synthetic = false, generator = null")
    monkeypatch.setenv("MCO_WAREHOUSE", str(real))
    at = open_page(PAGES[0].file, timeout=90)
    assert not any("SYNTHETIC DATA" in m.value for m in at.markdown)


@pytest.mark.build
def test_make_run_writes_the_release(small_warehouse: Path, tmp_path: Path):
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    out = tmp_path / "releases"
    args = [f"BIN={Path(sys.executable).parent}", f"WAREHOUSE={small_warehouse}", f"RELEASES={out}", "STAMP="]
    plan = subprocess.run(
        ["make", "-n", "run", f"RAW={tmp_path / 'raw'}", *args], cwd=REPO, capture_output=True, text=True
    )
    assert plan.returncode == 0, plan.stderr
    commands = plan.stdout
    assert commands.index("mco build") < commands.index("mco export") < commands.index("streamlit run")
    done = subprocess.run(
        ["make", "-s", "release", *args], cwd=REPO, capture_output=True, text=True, env=dict(os.environ)
    )
    assert done.returncode == 0, done.stdout + done.stderr
    (folder,) = [p for p in out.iterdir() if p.is_dir()]
    package = json.loads((folder / "datapackage.json").read_text())
    dictionary = json.loads((folder / "dictionary.json").read_text())
    assert package["synthetic"] is True and dictionary["synthetic"] is True
    assert "synthetic" in package["title"] and "synthetic" in package["citation"]
    assert "SYNTHETIC DATA" in (folder / "README.md").read_text().split("\n## ", 1)[0]
    assert "SYNTHETIC DATA" in (folder / "DICTIONARY.md").read_text()
    assert "synthetic" in (folder / "CITATION.cff").read_text()
