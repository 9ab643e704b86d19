"""docs/WAREHOUSE.md is generated from the warehouse tables' YAML: a test fails when it drifts."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.sql.docs import render
from pipelines.sql.models import models

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]


def test_warehouse_doc_is_current():
    committed = (ROOT / "docs" / "WAREHOUSE.md").read_text(encoding="utf-8")
    assert committed == render(), "docs/WAREHOUSE.md is stale: run `mco docs`"


def test_every_table_and_column_is_documented():
    text = render()
    for model in models().values():
        assert f"### `{model.name}`" in text
        for c in model.columns:
            assert f"| `{c.name}` |" in text
