"""Innovation: new credentials, non-traditional providers, flexible delivery, digital and open standards."""

from __future__ import annotations

from dashboard.dimension_page import PageSpec, render

SPEC = PageSpec(
    dimension="innovation",
    title="Innovation",
    tiles=("INN-1", "INN-2", "INN-3", "INN-4", "INN-4b", "INN-5"),
    default="INN-2",
)

render(SPEC)
