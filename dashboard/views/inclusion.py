"""Inclusion: who micro-credentials reach, and the gaps between groups in stacking and employment."""

from __future__ import annotations

from dashboard.dimension_page import PageSpec, render

SPEC = PageSpec(
    dimension="inclusion",
    title="Inclusion",
    tiles=("INC-1a", "INC-1b", "INC-2", "INC-4a", "INC-3s", "INC-3a", "INC-3o", "INC-4b"),
    default="INC-1a",
)

render(SPEC)
