"""One Streamlit server over the session's small warehouse and one headless Chromium for every browser
test (pytest-xdist keeps the browser tests on one worker: see tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser.serving import CHROMIUM_ARGS, chromium, streamlit_server


@pytest.fixture(scope="session")
def releases(small_warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A public release of the small warehouse, for the Data downloads page."""
    from pipelines.publish.release import export

    out = tmp_path_factory.mktemp("releases")
    export(small_warehouse, out)
    return out


@pytest.fixture(scope="session")
def server(small_warehouse: Path, releases: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The dashboard over the small warehouse (and its release), served for the whole session."""
    with streamlit_server(
        tmp_path_factory.mktemp("streamlit"), MCO_WAREHOUSE=str(small_warehouse), MCO_RELEASES=str(releases)
    ) as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    executable = chromium()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
