"""Fixtures of the dashboard tests."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def warehouse(small_warehouse: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The session's small warehouse, as the one the dashboard reads (`MCO_WAREHOUSE`)."""
    monkeypatch.setenv("MCO_WAREHOUSE", str(small_warehouse))
    return small_warehouse
