"""Running a dashboard page under Streamlit's AppTest, as every dashboard test does."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = Path(__file__).resolve().parents[2] / "dashboard" / "app.py"
TIMEOUT = 60  # a page draws more figures now (benchmarks, trajectories); a busy machine needs the time


def open_page(
    page: str | None = None, query: dict[str, str] | None = None, timeout: int = TIMEOUT, errors: bool = False
) -> AppTest:
    """The app run once on `page` (a `dashboard.pages` file; default: the Overview) with the URL query
    `query`: no exception, and no error box unless `errors` allows one."""
    at = AppTest.from_file(APP, default_timeout=timeout)
    at.query_params.update(query or {})
    if page is not None:
        at.switch_page(page)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    if not errors:
        assert not at.error, [e.value for e in at.error]
    return at


def tiles(at: AppTest) -> dict[str, str]:
    """Tile values keyed by indicator id (each tile's help text starts with its id)."""
    return {m.help.split(":", 1)[0]: m.value for m in at.metric}
