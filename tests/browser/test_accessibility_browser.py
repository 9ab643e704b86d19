"""Every page in a real headless Chromium at a desktop (1440 px) and a phone (390 px) width: it renders
without an error, its tiles show figures, each chart is announced by its own description (never only
as "Vega visualization"), no tile text is cut short, no chart runs off the screen, and a screenshot of
each page at each width is saved. One visit per page and width serves all of these; the two widths
are two tests, so pytest-xdist may run them on two workers (see tests/scheduling.py).

Screenshots go to a temporary folder (or `MCO_SCREENSHOT_DIR`, for a person to look at).
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from dashboard.pages import DIMENSION_PAGES, PAGES
from tests.browser.test_overview_browser import SCREENSHOTS, TILE_VALUE, assert_no_errors, frames, screenshot

pytestmark = pytest.mark.browser

WIDTHS = (1440, 390)
TILED = {"overview", *(p.name for p in DIMENSION_PAGES)}  # the pages of indicator tiles
CHART = '[data-testid="stVegaLiteChart"]'
DRAWN = f"{CHART} canvas, {CHART} svg"
GENERIC = "vega visualization"
METRIC = '[data-testid="stMetricValue"]'

# Charts on show: not those in a tab that is not open (Vega draws a chart when its tab opens).
VISIBLE = f"[...document.querySelectorAll('{CHART}')].filter(c => c.offsetParent !== null)"
# Each chart's accessible name: the aria-label Vega writes on its drawing from the spec's description.
CHART_NAMES = f"""() => {VISIBLE}.map(chart => {{
    const named = chart.hasAttribute('aria-label') ? chart : chart.querySelector('[aria-label]');
    return named ? named.getAttribute('aria-label') : '';
}})"""
# Text that does not fit its box (cut off with an ellipsis or hidden): metric values, labels, deltas.
CUT_TILES = """() => [...document.querySelectorAll(
        '[data-testid="stMetricValue"], [data-testid="stMetricDelta"], [data-testid="stMetricLabel"]')]
    .filter(el => el.offsetParent !== null)
    .filter(el => [el, ...el.querySelectorAll('*')].some(e => e.scrollWidth > e.clientWidth + 1))
    .map(el => el.innerText)"""
# Charts whose drawing ends beyond the right edge of the window (clipped), outside a scrolling box.
CLIPPED = f"""() => {VISIBLE}.filter(chart => {{
    const drawn = chart.querySelector('svg, canvas');
    if (!drawn || drawn.offsetParent === null) return false;
    for (let el = chart.parentElement; el; el = el.parentElement) {{
        const style = getComputedStyle(el);
        if (['auto', 'scroll'].includes(style.overflowX) && el.scrollWidth > el.clientWidth) return false;
    }}
    return drawn.getBoundingClientRect().right > window.innerWidth + 1;
}}).map(chart => chart.getAttribute('aria-label') || '?')"""


def settle(page, timeout_ms: int = 120_000) -> None:
    """Wait until the script run has finished and the charts have drawn (a first visit on a busy
    machine computes every figure once, so allow it time)."""
    page.wait_for_selector('[data-testid="stStatusWidget"]', state="detached", timeout=timeout_ms)
    frames(page)


def shots_dir(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("MCO_SCREENSHOT_DIR") or tmp_path / "shots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def visit(context, url: str, heading: str):
    """A page of `context` (one per width: pages share its cache, so the app's scripts load once)."""
    page = context.new_page()
    page.goto(url, wait_until="domcontentloaded")
    page.wait_for_selector(f"h1:has-text('{heading}')", timeout=60_000)
    settle(page)
    return page


ALL_DRAWN = f"""() => !document.querySelector('[data-testid="stSkeleton"]')
    && {VISIBLE}.every(c => c.querySelector('svg, canvas'))"""


def open_map(page) -> list[str]:
    """Open the explorer's Map tab and return the names of the charts then on show (the map among them)."""
    page.get_by_role("tab", name="Map").first.click()
    page.wait_for_function(
        f"() => {VISIBLE}.some(c => ((c.hasAttribute('aria-label') ? c : c.querySelector('[aria-label]'))"
        "?.getAttribute('aria-label') || '').startsWith('Map.') && c.querySelector('svg, canvas'))",
        timeout=120_000,
    )
    return page.evaluate(CHART_NAMES)


def check_page(page, name: str) -> dict[str, list[str]]:
    """What is wrong with the page as drawn: charts without their own name, tiles (on the pages of
    indicator tiles) that are too few, show no figure or are cut, clipped charts."""
    if name in TILED:  # the page's tiles come first: wait for them rather than race the script run
        page.wait_for_function(f"() => document.querySelectorAll('{METRIC}').length >= 6", timeout=120_000)
    page.wait_for_function(ALL_DRAWN, timeout=120_000)  # every chart drawn, no placeholder left
    # Vega writes a drawing's name as it renders it: a chart that has just drawn gets a moment; one
    # still unnamed after it is reported below
    with contextlib.suppress(PlaywrightTimeout):
        page.wait_for_function(f"() => ({CHART_NAMES})().every(n => n.trim())", timeout=10_000)
    frames(page)
    names = page.evaluate(CHART_NAMES)
    found = {
        "unnamed": [n for n in names if not n.strip() or n.strip().lower() == GENERIC],
        "cut": page.evaluate(CUT_TILES) if name in TILED else [],
        "clipped": page.evaluate(CLIPPED),
    }
    if name in TILED:
        values = [v.strip() for v in page.locator(METRIC).all_inner_texts()]
        found["tiles"] = [] if len(values) >= 6 else [f"only {len(values)} tiles"]
        found["tiles"] += [v for v in values if not TILE_VALUE.match(v)]
    return found


@pytest.mark.cost(60)
@pytest.mark.parametrize("width", WIDTHS)
def test_every_page_names_its_charts_cuts_no_tile_and_is_photographed(server: str, browser, tmp_path, width):
    folder = shots_dir(tmp_path)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    problems = {}
    charts_seen = 0
    context = browser.new_context(viewport={"width": width, "height": 900})
    for p in PAGES:
        page = visit(context, f"{server}/{p.url_path}", p.heading)
        try:
            assert_no_errors(page)
            found = check_page(page, p.name)
            charts_seen += page.locator(CHART).count()
            if any(found.values()):
                problems[p.name] = found
            shot = screenshot(page, f"{p.name}_{width}.png")
            target = folder / shot.name
            if target != shot:
                target.write_bytes(shot.read_bytes())
        finally:
            page.close()
    assert not problems, problems
    assert charts_seen >= 10, "the policy pages draw charts"
    page = visit(context, f"{server}/adoption", "Adoption")  # ADO-1: published by region
    try:
        names = open_map(page)
        text = page.inner_text("body")
        shot = screenshot(page, f"adoption_map_{width}.png")
        (folder / shot.name).write_bytes(shot.read_bytes())
    finally:
        page.close()
        context.close()
    maps = [n for n in names if n.startswith("Map.")]
    assert maps and "regions coloured" in maps[0], names  # the map says what it shows, in words
    assert "© EuroGeographics for the administrative boundaries" in text
    for p in PAGES:
        shot = folder / f"{p.name}_{width}.png"
        assert shot.exists() and shot.stat().st_size > 10_000, shot
