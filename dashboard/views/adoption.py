"""Adoption: how many micro-credentials are awarded, to how many learners, by how many providers."""

from __future__ import annotations

from dashboard.dimension_page import render
from dashboard.pages import spec

SPEC = spec("adoption")

render(SPEC)
