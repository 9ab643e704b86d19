"""Inclusion: who micro-credentials reach, and the gaps between groups in stacking and employment."""

from __future__ import annotations

from dashboard.dimension_page import render
from dashboard.pages import spec

SPEC = spec("inclusion")

render(SPEC)
