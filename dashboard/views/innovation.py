"""Innovation: new credentials, non-traditional providers, flexible delivery, digital and open standards."""

from __future__ import annotations

from dashboard.dimension_page import render
from dashboard.pages import spec

SPEC = spec("innovation")

render(SPEC)
