"""A rebuild underneath a running dashboard: reloading shows the new build, never the replaced one."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pipelines.build import build
from tests.browser.test_overview_browser import assert_no_errors, settle, streamlit_server
from tests.tiny import TINY, write_tiny

pytestmark = pytest.mark.browser

EXTRA_AWARD = "A10,C1,jan@example.org,2022-02-01,digital_badge,OB3,true,new_learning,issued,,\n"


def _equation(result) -> str:
    r = result.report
    return (
        f"{result.rows_in:,} rows in = {result.rows_loaded:,} loaded + {result.rows_quarantined:,} "
        f"quarantined + {int(r['rows_rejected'].sum()):,} rejected"
    )


def test_a_rebuild_under_a_running_server_is_seen_on_reload(tiny_build, tmp_path: Path, browser):
    _, built, first = tiny_build  # TINY's warehouse (the session's): the build the server starts on
    warehouse = tmp_path / "curated" / "w.duckdb"
    warehouse.parent.mkdir()
    shutil.copyfile(built, warehouse)
    other = dict(TINY, **{"awards.csv": TINY["awards.csv"] + EXTRA_AWARD})
    with streamlit_server(tmp_path, MCO_WAREHOUSE=str(warehouse)) as url:
        page = browser.new_page(viewport={"width": 1440, "height": 1000})
        try:
            page.goto(f"{url}/data_quality", wait_until="domcontentloaded")
            page.get_by_text(_equation(first)).first.wait_for(timeout=60_000)
            settle(page)
            assert_no_errors(page)

            second = build(write_tiny(tmp_path / "b", other), warehouse, gate=False, max_quarantine_share=1.0)
            assert second.build_id != first.build_id and _equation(second) != _equation(first)

            page.reload(wait_until="domcontentloaded")
            page.get_by_text(_equation(second)).first.wait_for(timeout=60_000)
            settle(page)
            assert_no_errors(page)
            assert page.get_by_text(_equation(first)).count() == 0

            # a new session on another page reads the new build too (its build id in the caption)
            fresh = browser.new_page(viewport={"width": 1440, "height": 1000})
            try:
                fresh.goto(f"{url}/adoption", wait_until="domcontentloaded")
                fresh.get_by_text(f"Build {second.build_id}").first.wait_for(timeout=60_000)
                assert fresh.get_by_text(f"Build {first.build_id}").count() == 0
            finally:
                fresh.close()
        finally:
            page.close()
