"""The Programmes and Data downloads pages in a real headless browser: they serve, show the institution's
programmes beside their peers, react to a choice (the URL follows), and look right.

Screenshots: artifacts/screenshots/programmes.png and downloads.png.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

from tests.browser.test_overview_browser import SCREENSHOTS, assert_no_errors, screenshot, settle

pytestmark = pytest.mark.browser


def two_providers(warehouse: Path) -> tuple[str, str, str]:
    """The provider with the most awards, another one, and the second one's name."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        found = con.sql(
            "select provider_id, any_value(provider_name) from mart_programme group by 1 "
            "order by sum(awards) desc, 1 limit 2"
        ).fetchall()
    return found[0][0], found[1][0], found[1][1]


def wait_for_page(page, charts: int) -> None:
    """Until the script run finished with the table and `charts` charts drawn (how long that takes is
    measured by benchmarks/bench_dashboard.py, not asserted here)."""
    page.wait_for_selector('[data-testid="stDataFrame"]', timeout=60_000)
    page.wait_for_function(
        f'document.querySelectorAll(\'[data-testid="stVegaLiteChart"] canvas, '
        f'[data-testid="stVegaLiteChart"] svg.marks\').length >= {charts}',
        timeout=60_000,
    )
    page.wait_for_selector('[data-testid="stStatusWidget"]', state="detached", timeout=30_000)


def test_programmes_page_in_a_browser(server: str, browser, small_warehouse: Path):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    first, second, second_name = two_providers(small_warehouse)
    page = browser.new_page(viewport={"width": 1440, "height": 1000})
    try:
        page.goto(f"{server}/programmes?provider={first}", wait_until="domcontentloaded")
        wait_for_page(page, charts=4)
        settle(page)
        assert_no_errors(page)
        assert page.get_by_role("heading", name="Programme comparison").count() == 1
        assert page.get_by_text(re.compile(r"Percentile among peers")).count() >= 1
        assert page.get_by_text("Download report (HTML)").count() == 1
        assert re.search(rf"provider={first}\b", page.url)
        screenshot(page, "programmes.png")

        # Choose another institution: the table, charts and URL follow.
        box = page.locator('[data-testid="stSelectbox"]').first
        box.click()
        page.keyboard.type(second)
        page.locator('[role="option"]', has_text=second).first.click()
        page.wait_for_url(re.compile(rf"provider={second}\b"), timeout=30_000)
        page.get_by_role("heading", name=re.compile(re.escape(f"Programmes of {second_name}"))).wait_for(
            timeout=30_000
        )
        settle(page)
        assert_no_errors(page)
    finally:
        page.close()


def test_downloads_page_in_a_browser(server: str, browser, releases: Path):
    version = next(p.name for p in releases.iterdir() if p.is_dir())
    page = browser.new_page(viewport={"width": 1440, "height": 1000})
    try:
        page.goto(f"{server}/downloads", wait_until="domcontentloaded")
        page.get_by_text(re.compile(r"Download the whole release")).wait_for(timeout=60_000)
        settle(page)
        assert_no_errors(page)
        assert re.search(rf"release={re.escape(version)}", page.url)
        assert page.get_by_text("Suggested citation").count() == 1
        with page.expect_download(timeout=30_000) as download:
            page.get_by_role("button", name=re.compile(r"Download the whole release")).click()
        assert download.value.suggested_filename == f"{version}.zip"
        screenshot(page, "downloads.png")
    finally:
        page.close()
