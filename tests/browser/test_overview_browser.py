"""The dashboard in a real headless browser: it serves, shows numbers, reacts to a filter, and looks right.

Screenshots go to artifacts/screenshots/ so a person can check the layout after a run.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# A tile shows a number with its unit, or says why there is none.
TILE_VALUE = re.compile(
    r"^(\d{1,3}(,\d{3})*|\d+\.\d{2}( ‰)?|\d{1,3}(,\d{3})*\.\d (%|ECTS|mo)|[+-]\d+\.\d pp|€\d{1,3}(,\d{3})*"
    r"|suppressed \(c\)|n/a)$"
)
SCORECARD_TILES = 21  # seven scorecards of three headline indicators


def chromium() -> str:
    for candidate in (os.environ.get("MCO_CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium")):
        if candidate and Path(candidate).is_file():
            return candidate
    message = "no chromium found (set MCO_CHROMIUM, or install Debian's chromium)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_serving(url: str, server: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"streamlit exited with {server.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    pytest.fail(f"streamlit did not answer within {timeout:.0f} s:\n{log.read_text()[-3000:]}")


@contextmanager
def streamlit_server(log_dir: Path, **env_extra: str) -> Iterator[str]:
    """`streamlit run dashboard/app.py` on a free local port with extra environment; stopped on exit."""
    port = free_port()
    log = log_dir / "server.log"
    env = {**os.environ, **env_extra}
    command = [
        sys.executable, "-m", "streamlit", "run", "dashboard/app.py",
        "--server.headless", "true", "--server.port", str(port), "--server.address", "127.0.0.1",
        "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
    ]  # fmt: skip
    with log.open("wb") as out:
        proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_until_serving(url, proc, log)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@pytest.fixture(scope="module")
def server(small_warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with streamlit_server(tmp_path_factory.mktemp("streamlit"), MCO_WAREHOUSE=str(small_warehouse)) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    executable = chromium()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def settle(page) -> None:
    """Wait until the script run has finished and the charts have drawn."""
    page.wait_for_selector('[data-testid="stStatusWidget"]', state="detached", timeout=30_000)
    page.wait_for_timeout(500)


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
    page.wait_for_timeout(700)  # charts re-measure after a resize
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
