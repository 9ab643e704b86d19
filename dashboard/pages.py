"""Every page of the dashboard, in menu order, and what makes each dimension page: the one list the
navigation (app.py), the tests and the benchmarks read.

Plain data (no Streamlit), so a benchmark or a test can import it without running a page.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipelines.indicators.registry import DIMENSION_NAMES, INDICATORS


@dataclass(frozen=True)
class PageSpec:
    """What makes one dimension page: its indicators, which are tiles, which one the explorer opens on."""

    dimension: str
    title: str
    tiles: tuple[str, ...]
    default: str
    intro: str = ""
    coverage_beside: bool = False  # show OUT-5 (outcome coverage) beside every figure
    explorer_ids: tuple[str, ...] = ()  # the explorer's choices; default: every indicator of the dimension

    @property
    def indicators(self) -> tuple[str, ...]:
        return tuple(i.id for i in INDICATORS if i.dimension == self.dimension)

    @property
    def choices(self) -> tuple[str, ...]:
        return self.explorer_ids or self.indicators


@dataclass(frozen=True)
class Page:
    """One page: its script `views/<name>.py`, its menu title, its heading and icon."""

    name: str
    title: str
    heading: str
    icon: str
    spec: PageSpec | None = None  # a dimension page's tiles and explorer
    default: bool = False  # the page the dashboard opens on (served at the root URL)

    @property
    def file(self) -> str:
        """The script, relative to dashboard/ (as `st.Page`, `st.page_link` and AppTest name it)."""
        return f"views/{self.name}.py"

    @property
    def url_path(self) -> str:
        """The page's path in the URL: its name, or nothing for the default page."""
        return "" if self.default else self.name


def _dimension(dimension: str, icon: str, tiles: tuple[str, ...], default: str, **kw) -> Page:
    title = DIMENSION_NAMES[dimension]
    return Page(dimension, title, title, icon, PageSpec(dimension, title, tiles, default, **kw))


PAGES: tuple[Page, ...] = (
    Page("overview", "Overview", "Micro-credentials at a glance", ":material/monitoring:", default=True),
    _dimension(
        "adoption", ":material/trending_up:", ("ADO-1", "ADO-3", "ADO-3b", "ADO-4", "ADO-5", "ADO-6"), "ADO-1"
    ),
    _dimension(
        "trust", ":material/verified:", ("TRU-1", "TRU-2", "TRU-3", "TRU-4", "TRU-5", "TRU-6"), "TRU-1"
    ),
    _dimension(
        "transparency",
        ":material/visibility:",
        ("TRA-1", "TRA-2", "TRA-3", "TRA-4", "TRA-5", "TRA-5m", "TRA-6"),
        "TRA-1",
    ),
    _dimension(
        "innovation", ":material/lightbulb:", ("INN-1", "INN-2", "INN-3", "INN-4", "INN-4b", "INN-5"), "INN-2"
    ),
    _dimension(
        "flexibility",
        ":material/route:",
        ("FLX-1", "FLX-3", "FLX-4", "FLX-6", "FLX-5", "FLX-5x", "FLX-7"),
        "FLX-1",
    ),
    _dimension(
        "outcomes",
        ":material/work:",
        ("OUT-5", "OUT-1a", "OUT-1b", "OUT-2", "OUT-3md", "OUT-4"),
        "OUT-1b",
        coverage_beside=True,
    ),
    Page("impact", "Impact", "Impact of micro-credentials", ":material/balance:"),
    _dimension(
        "inclusion",
        ":material/diversity_3:",
        ("INC-1a", "INC-1b", "INC-2", "INC-4a", "INC-3s", "INC-3a", "INC-3o", "INC-4b"),
        "INC-1a",
    ),
    Page("programmes", "Programmes", "Programme comparison", ":material/compare_arrows:"),
    Page("downloads", "Data downloads", "Data downloads", ":material/download:"),
    Page("data_quality", "Data quality", "Data quality", ":material/fact_check:"),
    Page("methodology", "Methodology", "Methodology", ":material/menu_book:"),
    Page("glossary", "Glossary", "Glossary", ":material/dictionary:"),
)
BY_NAME = {p.name: p for p in PAGES}
DIMENSION_PAGES = tuple(p for p in PAGES if p.spec is not None)

# The Overview's scorecards: the headline indicators of each dimension, the registry's headline first.
SCORECARD: dict[str, tuple[str, ...]] = {
    "adoption": ("ADO-1", "ADO-3", "ADO-5"),
    "trust": ("TRU-1", "TRU-2", "TRU-4"),
    "transparency": ("TRA-1", "TRA-2", "TRA-4"),
    "innovation": ("INN-2", "INN-3", "INN-4"),
    "flexibility": ("FLX-1", "FLX-3", "FLX-6"),
    "outcomes": ("OUT-1b", "OUT-2", "OUT-5"),
    "inclusion": ("INC-1a", "INC-2", "INC-4a"),
}


def spec(dimension: str) -> PageSpec:
    """The spec of a dimension page."""
    found = BY_NAME[dimension].spec
    if found is None:
        raise KeyError(f"{dimension!r} is not a dimension page")
    return found
