"""One verdict per target everywhere: the build's table, the release table and `mco indicators --json`."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from pipelines.cli import app
from pipelines.indicators.registry import BY_ID
from pipelines.indicators.targets import VERDICTS, assess_targets, last_complete_year
from pipelines.publish.release_tables import PUBLIC_TABLES
from pipelines.settings import settings
from pipelines.warehouse import connect_readonly, scalar

pytestmark = pytest.mark.build


def test_targets_agree_between_build_release_and_cli(small_warehouse):
    con = connect_readonly(small_warehouse)
    try:
        stored = con.sql("select * from indicator_targets order by indicator_id").pl()
        spec = next(t for t in PUBLIC_TABLES if t.name == "indicator_targets")
        released = spec.load(con, settings().disclosure)
        years = con.sql("select * from pub_indicator_cube where breakdown = 'year'").pl()
        cutoff = scalar(con, "select data_cutoff from build_info")
    finally:
        con.close()
    assert stored.height == len(settings().targets) > 0
    assert set(stored["verdict"]) <= set(VERDICTS)
    assert released.equals(stored)
    assert {c.name for c in spec.columns} == set(stored.columns)
    assert assess_targets(BY_ID, years, cutoff, settings().targets).sort("indicator_id").equals(stored)
    for r in stored.iter_rows(named=True):  # only complete years are read
        if r["latest_year"] is not None:
            assert r["latest_year"] <= last_complete_year(BY_ID[r["indicator_id"]], cutoff)
    result = CliRunner().invoke(app, ["indicators", "--json", "--warehouse", str(small_warehouse)])
    assert result.exit_code == 0
    blocks = {r["indicator_id"]: r["target"] for r in json.loads(result.stdout) if "target" in r}
    assert blocks == {r["indicator_id"]: r for r in stored.to_dicts()}
