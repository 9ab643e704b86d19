"""The data-quality page in a real headless browser, on a warehouse with two builds of history.

Opens the page from a link that selects a drill-down, checks the figures against DuckDB, changes the
selection (the link follows), and saves artifacts/screenshots/data_quality.png for a person to look at.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from tests.browser.test_overview_browser import (
    SCREENSHOTS,
    assert_no_errors,
    screenshot,
    settle,
    streamlit_server,
)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def two_builds(small_two_builds: Path) -> Path:
    return small_two_builds  # tests/conftest.py: build_twice(small_raw), shared with the AppTest


@pytest.fixture(scope="module")
def dq_server(two_builds: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Streamlit serving the two-build warehouse (the same start-up as the overview's browser test)."""
    with streamlit_server(tmp_path_factory.mktemp("streamlit_dq"), MCO_WAREHOUSE=str(two_builds)) as url:
        yield url


def metric(page, label: str) -> str:
    tile = page.locator('[data-testid="stMetric"]', has_text=label).first
    return tile.locator('[data-testid="stMetricValue"]').inner_text().strip()


@pytest.mark.cost(40)  # its own two-build warehouse and server
def test_data_quality_page_in_a_browser(dq_server: str, browser, two_builds: Path):
    with duckdb.connect(str(two_builds), read_only=True) as con:
        rows_in, quarantined = con.sql(
            "select sum(rows_in), sum(rows_quarantined) from load_report"
        ).fetchall()[0]
        record_type, count = con.sql(
            "select record_type, count(*) from quarantine where reason_code = 'duplicate_key' "
            "group by 1 order by 2 desc limit 1"
        ).fetchall()[0]
        records = [json.loads(r) for (r,) in con.sql("select record from quarantine").fetchall() if r]
    learner_ids = {r["learner_id"] for r in records if r.get("learner_id")}

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1440, "height": 1000})
    try:
        # A shared deep link is the first request this cold server sees: it must open inside the app.
        page.goto(f"{dq_server}/data_quality", wait_until="domcontentloaded")
        page.wait_for_selector("h1:has-text('Data quality')", timeout=60_000)
        settle(page)
        assert_no_errors(page)
        # A link to a drill-down opens it.
        page.goto(
            f"{dq_server}/data_quality?dq_type={record_type}&dq_reason=duplicate_key",
            wait_until="domcontentloaded",
        )
        page.wait_for_selector("h1:has-text('Data quality')", timeout=60_000)
        page.wait_for_function(
            "document.querySelectorAll('[data-testid=\"stMetric\"]').length >= 5", timeout=30_000
        )
        page.wait_for_function(
            "document.querySelectorAll('[data-testid=\"stVegaLiteChart\"]').length >= 2", timeout=30_000
        )
        settle(page)
        assert_no_errors(page)

        assert metric(page, "Rows in") == f"{rows_in:,}"
        assert metric(page, "Rows quarantined").startswith(f"{quarantined:,} (")
        assert page.get_by_text("Every row is accounted for").count() == 1
        assert page.get_by_text(f"all {count:,} rows").count() == 1  # the drill-down chosen by the link
        assert page.get_by_text("0 consistency violations").count() == 1
        html = page.content()
        assert not any(lid in html for lid in learner_ids)
        screenshot(page, "data_quality.png")

        # Another record type: the link follows the selection.
        combobox = page.get_by_role("combobox", name="Record type")
        combobox.click()
        combobox.press("ArrowDown")  # opens the list (a click only focuses the combobox)
        option = page.get_by_role("option", name="credentials", exact=True)
        option.wait_for(timeout=10_000)
        option.click()
        page.wait_for_url(re.compile(r"[?&]dq_type=credentials"), timeout=15_000)
        page.get_by_text(re.compile(r"^credentials: ")).first.wait_for(timeout=30_000)
        settle(page)
        assert_no_errors(page)
    finally:
        page.close()
