"""The gate on a real build (the `small` sample ecosystem): every suite matches the warehouse and passes."""

from __future__ import annotations

import duckdb
import pytest

from pipelines.contracts import contracts
from pipelines.quality.gate import run_gate
from pipelines.sql.models import models

pytestmark = pytest.mark.build


def test_gate_passes_on_the_small_build(small_warehouse, tmp_path):
    con = duckdb.connect(str(small_warehouse), read_only=True)
    cutoff = con.sql("select data_cutoff from build_info").fetchall()[0][0]
    gate = run_gate(con, cutoff, "small", tmp_path / "docs")
    assert gate.success, gate.failures.select("suite", "expectation", "column", "details").rows()
    assert gate.docs_index is not None and gate.docs_index.exists()
    validated = set(gate.results.filter(gate.results["success"].is_not_null())["table_name"])
    assert validated >= {f"stg_{t}" for t in contracts()} | set(models())
    # every column a table's YAML names exists in the warehouse (a renamed column fails, not skips), and
    # every relationship was evaluated
    assert not gate.results["details"].fill_null("").str.contains("is not in the table").any()
    assert not [n for n in gate.notes if "->" in n]
    related = gate.results.filter(
        gate.results["details"].fill_null("").str.contains("evaluated in DuckDB: values")
    )
    assert related.height >= 20 and related["success"].all()
