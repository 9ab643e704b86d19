"""Documents generated from code must match the code: a test fails when they drift apart."""

from pathlib import Path

import pytest

from pipelines.contracts import contracts
from pipelines.contracts.docs import render

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[1]


def test_data_templates_doc_is_current():
    committed = (ROOT / "docs" / "DATA_TEMPLATES.md").read_text(encoding="utf-8")
    assert committed == render(), "docs/DATA_TEMPLATES.md is stale: run `mco docs`"


def test_every_template_and_column_is_documented():
    text = render()
    for c in contracts().values():
        assert f"## `{c.table}`" in text
        assert ",".join(c.column_names) in text


def test_methodology_doc_is_current():
    from pipelines.indicators.methodology import render as methodology

    committed = (ROOT / "docs" / "METHODOLOGY.md").read_text(encoding="utf-8")
    assert committed == methodology(), "docs/METHODOLOGY.md is stale: run `mco docs`"


def test_methodology_covers_every_indicator():
    from pipelines.indicators.methodology import render as methodology
    from pipelines.indicators.registry import INDICATORS

    text = methodology()
    for ind in INDICATORS:
        assert f"### {ind.id} {ind.name}" in text
