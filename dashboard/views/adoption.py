"""Adoption: how many micro-credentials are awarded, to how many learners, by how many providers."""

from __future__ import annotations

from dashboard.dimension_page import PageSpec, render

SPEC = PageSpec(
    dimension="adoption",
    title="Adoption",
    tiles=("ADO-1", "ADO-3", "ADO-3b", "ADO-4", "ADO-5", "ADO-6"),
    default="ADO-1",
)

render(SPEC)
