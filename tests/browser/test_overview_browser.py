"""The dashboard in a real headless browser: it serves, shows numbers, reacts to a filter, and looks right.

Screenshots go to artifacts/screenshots/ so a person can check the layout after a run.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.browser.serving import ROOT, chromium, streamlit_server  # noqa: F401 - used by the other modules

pytestmark = pytest.mark.browser

SCREENSHOTS = ROOT / "artifacts" / "screenshots"
# A tile shows a number with its unit, or says why there is none.
TILE_VALUE = re.compile(
    r"^(\d{1,3}(,\d{3})*|\d+\.\d{2}( per 1,000)?|\d{1,3}(,\d{3})*\.\d (%|ECTS|mo)|[+-]\d+\.\d pp"
    r"|€\d{1,3}(,\d{3})*|suppressed|too recent|n/a)$"
)
SCORECARD_TILES = 21  # seven scorecards of three headline indicators


def settle(page) -> None:
    """Wait until the script run has finished and the charts have drawn."""
    page.wait_for_selector('[data-testid="stStatusWidget"]', state="detached", timeout=30_000)
    page.wait_for_timeout(500)


def frames(page, count: int = 2) -> None:
    """Wait until the browser has drawn `count` more frames (what was just laid out is on screen)."""
    page.evaluate(
        "n => new Promise(done => { const next = k => k ? requestAnimationFrame(() => next(k - 1)) : done();"
        " next(n); })",
        count,
    )


def screenshot(page, name: str) -> Path:
    """A whole-page picture: Streamlit scrolls inside its own container, so grow the viewport to fit it."""
    height = page.evaluate(
        """() => Math.max(document.documentElement.scrollHeight,
            ...['stMain', 'stAppViewContainer', 'stMainBlockContainer'].map(id => {
                const el = document.querySelector(`[data-testid="${id}"]`);
                return el ? el.scrollHeight + el.getBoundingClientRect().top : 0; }))"""
    )
    width = page.viewport_size["width"]
    page.set_viewport_size({"width": width, "height": int(min(max(height, 800), 12_000))})
    frames(page, 3)  # charts re-measure after a resize: let them draw again
    page.wait_for_function(
        """() => [...document.querySelectorAll('[data-testid="stVegaLiteChart"]')]
            .filter(c => c.offsetParent !== null).every(c => c.querySelector('svg, canvas'))""",
        timeout=60_000,
    )
    path = SCREENSHOTS / name
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size({"width": width, "height": 1000})
    return path


def assert_no_errors(page) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0, page.locator(
        '[data-testid="stException"]'
    ).all_inner_texts()
    errors = page.locator('[data-testid="stAlertContentError"]')
    assert errors.count() == 0, errors.all_inner_texts()


def go_to(page, name: str) -> None:
    """Follow the navigation link to a page, opening the menu of pages that did not fit when needed."""
    link = page.get_by_role("link", name=name, exact=True).locator("visible=true")
    if not link.count():
        page.get_by_text(re.compile(r"^\d+ more$")).locator("visible=true").first.click()
        link = page.get_by_role("menuitem", name=name, exact=True)
    link.first.click()


def test_overview_and_methodology_in_a_browser(server: str, browser):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1440, "height": 1000})
    try:
        page.goto(server, wait_until="domcontentloaded")
        page.wait_for_selector('[data-testid="stMetric"]', timeout=60_000)
        page.wait_for_function(
            f"document.querySelectorAll('[data-testid=\"stMetric\"]').length >= {SCORECARD_TILES}",
            timeout=30_000,
        )
        page.wait_for_selector('[data-testid="stVegaLiteChart"]', timeout=30_000)
        settle(page)
        assert_no_errors(page)

        values = page.locator('[data-testid="stMetricValue"]').all_inner_texts()
        assert len(values) == SCORECARD_TILES
        assert all(TILE_VALUE.match(v.strip()) for v in values), values
        assert re.match(r"^\d", values[0].strip()), f"awards tile shows no number: {values[0]!r}"
        assert page.locator('[data-testid="stVegaLiteChart"]').count() == 2
        screenshot(page, "overview.png")

        # Choose the first country in the sidebar filter: the URL must carry it.
        page.locator('[data-testid="stSidebar"] [data-testid="stMultiSelect"]').first.click()
        option = page.locator('[role="option"]', has_text=re.compile(r"^[A-Z]{2}\b")).first
        option.wait_for(timeout=10_000)
        code = option.inner_text().strip()[:2]
        option.click()
        page.wait_for_url(re.compile(rf"[?&]country={code}$"), timeout=15_000)
        page.keyboard.press("Escape")
        page.get_by_text(re.compile(rf"· {code} ·")).first.wait_for(timeout=30_000)
        settle(page)
        assert_no_errors(page)
        filtered = page.locator('[data-testid="stMetricValue"]').all_inner_texts()
        assert len(filtered) == SCORECARD_TILES, filtered
        assert all(TILE_VALUE.match(v.strip()) for v in filtered), filtered
        screenshot(page, "overview_filtered.png")

        go_to(page, "Methodology")
        page.wait_for_selector("h1:has-text('Methodology')", timeout=30_000)
        settle(page)
        assert_no_errors(page)
        assert page.get_by_text("TRU-1 · Quality-assured share").count() == 1
        screenshot(page, "methodology.png")
    finally:
        page.close()
