"""The command line as a newcomer meets it: help everywhere, one-sentence errors, no tracebacks."""

import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from pipelines.cli import app

pytestmark = pytest.mark.build

runner = CliRunner()
COMMANDS = ["generate", "build", "indicators", "quarantine", "docs"]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command):
    result = runner.invoke(app, [command, "--help"])
    assert result.exit_code == 0
    assert "Usage" in result.output


def _mco(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pipelines.cli", *args], capture_output=True, text=True, timeout=120
    )


def test_missing_warehouse_is_one_clear_sentence(tmp_path):
    result = _mco("indicators", "--warehouse", str(tmp_path / "none.duckdb"))
    assert result.returncode == 1
    assert "no warehouse found" in result.stderr and "Traceback" not in result.stderr


def test_missing_raw_folder_is_one_clear_sentence(tmp_path):
    result = _mco("build", "--raw", str(tmp_path / "nope"), "--warehouse", str(tmp_path / "w.duckdb"))
    assert result.returncode == 1
    assert "raw data folder does not exist" in result.stderr and "Traceback" not in result.stderr


def test_bad_options_are_explained(tmp_path):
    assert "unknown scale" in _mco("generate", "--scale", "huge", "--out", str(tmp_path)).stderr
    bad_date = _mco("build", "--cutoff", "31/12/2025", "--raw", str(tmp_path))
    assert bad_date.returncode == 1 and "YYYY-MM-DD" in bad_date.stderr


def test_generate_refuses_to_overwrite(tmp_path):
    (tmp_path / "awards.csv").write_text("x\n")
    result = _mco("generate", "--scale", "small", "--out", str(tmp_path))
    assert result.returncode == 1 and "--force" in result.stderr


def test_indicators_json_and_table(small_warehouse):
    result = runner.invoke(
        app, ["indicators", "--json", "--warehouse", str(small_warehouse), "--by", "year", "-i", "ADO-1"]
    )
    assert result.exit_code == 0
    rows = json.loads(result.stdout)
    assert rows and {r["indicator_id"] for r in rows} == {"ADO-1"}
    assert all(r["breakdown"] == "year" for r in rows)
    table = runner.invoke(app, ["indicators", "--warehouse", str(small_warehouse), "--by", "country"])
    assert table.exit_code == 0 and "TRU-1" in table.stdout


def test_unknown_indicator_and_breakdown(small_warehouse):
    r = runner.invoke(app, ["indicators", "--warehouse", str(small_warehouse), "-i", "XYZ-9"])
    assert r.exit_code == 1 and "unknown indicator" in r.output
    r = runner.invoke(app, ["indicators", "--warehouse", str(small_warehouse), "--by", "planet"])
    assert r.exit_code == 1 and "unknown breakdown" in r.output


def test_build_options_reach_the_build(tmp_path, monkeypatch):
    """Every `mco build` option is passed on (a misspelt or dropped option must not silently do nothing)."""
    import pipelines.build as build_module

    seen = {}

    def fake_build(raw, warehouse, **kwargs):
        seen.update(kwargs)
        raise build_module.BuildFailed("stop here")

    monkeypatch.setattr(build_module, "build", fake_build)
    runner.invoke(
        app,
        [
            "build",
            "--raw",
            str(tmp_path),
            "--warehouse",
            str(tmp_path / "w.duckdb"),
            "--no-gate",
            "--max-quarantine-share",
            "0.5",
            "--cutoff",
            "2024-12-31",
        ],
    )
    assert seen["gate"] is False and seen["max_quarantine_share"] == 0.5
    assert str(seen["cutoff"]) == "2024-12-31"
