"""The policy dashboard in a real headless browser: filters live in the URL, a copied link reproduces the
figures, a chart's CSV downloads with its rows and metadata, hostile links are safe. (That every page
renders, with its tiles, and its screenshots at two widths: tests/browser/test_accessibility_browser.py.)
"""

from __future__ import annotations

import json
import re

import duckdb
import pytest

from tests.browser.test_overview_browser import (
    assert_no_errors,
    go_to,
    settle,
)
from tests.dashboard.test_pages_apptest import cli, expected_tiles

pytestmark = pytest.mark.browser


def open_url(page, url: str, heading: str) -> None:
    page.goto(url, wait_until="domcontentloaded")
    page.wait_for_selector(f"h1:has-text('{heading}')", timeout=60_000)
    settle(page)


def tile_values(page) -> dict[str, str]:
    """Tile values keyed by the indicator id in the caption under each (e.g. "TRU-1 · 2019–2025 · …")."""
    values = {}
    tiles = page.locator(
        '[data-testid="stVerticalBlock"]:has(> [data-testid="stElementContainer"] > [data-testid="stMetric"])'
    )
    for tile in tiles.all():
        caption = tile.locator('[data-testid="stCaptionContainer"]').first.inner_text()
        value = tile.locator('[data-testid="stMetricValue"]').inner_text()
        values[caption.split(" · ", 1)[0].strip()] = value
    return values


def wait_for_tiles(page, ids: set[str], timeout_ms: int = 60_000) -> dict[str, str]:
    """The tile values once the tiles of `ids` have drawn and two reads a moment apart agree: a page
    still running its script shows older or partial tiles, so wait for it rather than race it."""
    previous: dict[str, str] | None = None
    waited = 0
    while waited < timeout_ms:
        values = tile_values(page)
        if set(values) >= ids and values == previous:
            return values
        previous = values
        page.wait_for_timeout(300)
        waited += 300
    return tile_values(page)


def test_filters_live_in_the_url_and_a_copied_link_reproduces_the_view(server: str, browser, small_warehouse):
    page = browser.new_page(viewport={"width": 1440, "height": 1000})
    try:
        open_url(page, f"{server}/trust", "Trust")
        before = wait_for_tiles(page, {"TRU-1", "TRU-2", "TRU-4"})
        assert set(before) >= {"TRU-1", "TRU-2", "TRU-4"}

        # choose the first country in the sidebar: the URL and the figures follow
        page.locator('[data-testid="stSidebar"] [data-testid="stMultiSelect"]').first.click()
        option = page.locator('[role="option"]', has_text=re.compile(r"^[A-Z]{2}\b")).first
        option.wait_for(timeout=10_000)
        code = option.inner_text().strip()[:2]
        option.click()
        page.keyboard.press("Escape")
        page.wait_for_url(re.compile(rf"/trust\?country={code}$"), timeout=15_000)
        page.get_by_text(re.compile(rf"· {code} ·")).first.wait_for(timeout=30_000)
        settle(page)
        filtered = wait_for_tiles(page, set(before))
        # each tile is the latest complete year (issue 13), as the CLI publishes it by year
        assert filtered == expected_tiles(small_warehouse, ["--country", code], tuple(filtered))

        # the explorer's indicator is part of the link too
        choose = page.locator('[data-testid="stMain"] [data-testid="stSelectbox"] input').first
        choose.scroll_into_view_if_needed()
        choose.click()
        choose.fill("TRU-4")
        page.get_by_role("option", name=re.compile(r"^TRU-4 ")).click()
        page.wait_for_url(re.compile(rf"/trust\?country={code}&ind=TRU-4$"), timeout=15_000)
        settle(page)
        link = page.url

        # a new visitor opening the copied link sees the same view
        other = browser.new_page(viewport={"width": 1440, "height": 1000})
        try:
            open_url(other, link, "Trust")
            assert wait_for_tiles(other, set(filtered)) == filtered
            assert other.url == link
            chosen = other.locator('[data-testid="stMain"] [data-testid="stSelectbox"] input').first
            assert chosen.input_value().startswith("TRU-4 ")
            assert other.get_by_text("Third-party verification rate per year (%)").count() >= 1
            assert_no_errors(other)
        finally:
            other.close()

        # the filters follow the visitor to another page (and its link)
        go_to(page, "Adoption")
        page.wait_for_selector("h1:has-text('Adoption')", timeout=30_000)
        page.wait_for_url(re.compile(rf"/adoption\?country={code}$"), timeout=15_000)
        settle(page)
        assert page.get_by_text(re.compile(rf"· {code} ·")).count() >= 1
    finally:
        page.close()


def test_a_charts_csv_downloads_with_its_rows_and_metadata(server: str, browser, small_warehouse, tmp_path):
    page = browser.new_page(viewport={"width": 1440, "height": 1000}, accept_downloads=True)
    try:
        open_url(page, f"{server}/trust?from=2020", "Trust")
        with page.expect_download() as info:
            # the trend chart's own button (its key), not whichever chart's button happens to draw first
            button = page.locator(".st-key-csv_trend_TRU-1").get_by_role(
                "button", name=re.compile("Data \\(CSV\\)")
            )
            button.wait_for(state="visible", timeout=60_000)
            button.click()
        target = tmp_path / info.value.suggested_filename
        info.value.save_as(target)
    finally:
        page.close()
    text = target.read_text(encoding="utf-8")
    header = dict(line[2:].split(": ", 1) for line in text.splitlines() if line.startswith("# "))
    with duckdb.connect(str(small_warehouse), read_only=True) as con:
        build_id = con.execute("select build_id from build_info").fetchone()[0]
    assert header["build_id"] == build_id
    assert header["filters"].startswith("2020–")
    assert header["view"].startswith("page Trust ?from=2020")
    assert header["indicator TRU-1"].startswith("Quality-assured share")
    assert "citation" in header and "licence" in header and "c = confidential" in header["flags"]

    import polars as pl

    rows = pl.read_csv(target, comment_prefix="#")
    truth = cli(small_warehouse, "--by", "year", "-i", "TRU-1", "--year-from", "2020")
    assert rows["breakdown_value"].cast(pl.String).to_list() == [r["breakdown_value"] for r in truth]
    assert rows["flag"].to_list() == [r["flag"] for r in truth]
    for got, want in zip(rows["value"].to_list(), truth, strict=True):
        assert (got is None and want["value"] is None) or got == pytest.approx(want["value"])
    assert json.dumps(rows.columns).count("note") == 1


def test_hostile_links_give_the_default_view_and_a_notice(server: str, browser, small_warehouse):
    page = browser.new_page(viewport={"width": 1440, "height": 1000})
    try:
        hostile = (
            "country=NL%27%3Bdrop%20table%20mart_award%3B--&eqf=99999999999999999999&field=%3Cscript%3E"
            "&region=" + "A" * 400 + "&ind=%3Cimg%20src%3Dx%3E&by=1%3D1"
        )
        open_url(page, f"{server}/trust?{hostile}", "Trust")
        warnings = page.locator('[data-testid="stAlertContentWarning"]').all_inner_texts()
        assert len(warnings) == 6, warnings
        assert_no_errors(page)
        assert page.url == f"{server}/trust"  # the link now says what is shown: the default view
        values = wait_for_tiles(page, {"TRU-1", "TRU-2", "TRU-4"})
        assert values == expected_tiles(small_warehouse, [], tuple(values))
        assert page.locator("img[src='x']").count() == 0
    finally:
        page.close()
