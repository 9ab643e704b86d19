"""Programme tables keep numbers numeric (sortable); text is for presentation only."""

from __future__ import annotations

import polars as pl
import pytest

from pipelines.programmes.compare import programme_metrics
from pipelines.programmes.present import detail_table, iqr_text, programme_values, verdict_counts
from tests.programmes.test_compare import RULES, mart, peer_set, programme

pytestmark = pytest.mark.unit


def test_programme_values_are_numeric_with_verdicts():
    rows = [*peer_set(), programme("V", provider="W", enrolled_learners=1000, completed_learners=900)]
    m = mart(rows)
    published = programme_metrics(m, RULES)
    table = programme_values(m, published)
    assert table.height == 13
    assert table.schema["completion_rate"] == pl.Float64 and table.schema["awards"] == pl.Float64
    assert table.schema["completion_rate_percentile"] == pl.Float64
    assert table.schema["completion_rate_peer_p25"] == pl.Float64
    v = table.filter(pl.col("credential_id") == "V").row(0, named=True)
    assert v["completion_rate"] == 90.0 and v["completion_rate_verdict"] == "above most peers"
    assert v["completion_rate_peer_basis"] == "field and EQF level"
    assert table.sort("completion_rate", descending=True)["credential_id"][0] == "V"  # sorts as numbers
    assert verdict_counts(published, "completion_rate")["above most peers"] >= 1
    detail = detail_table(published, "V").filter(pl.col("Metric") == "Completion rate").row(0, named=True)
    assert detail["Verdict"] == "above most peers" and detail["Peer range (IQR)"].endswith("%")


def test_iqr_text():
    assert iqr_text(42.75, 48.25, "%") == "42.8–48.2 %" or iqr_text(42.75, 48.25, "%") == "42.8–48.3 %"
    assert iqr_text(None, 3, "%") == "" and iqr_text(10, 20, "count") == "10–20"
