"""The Programmes page: the institution table, the peer detail, the comparison and the URL, checked
against the published programme frame (`programme_metrics` over mart_programme: the same figures as the
report and the release, cell-key perturbed), the true thresholds and hand-computed Wilson intervals; an
old warehouse gets a clear message."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pandas as pd
import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from dashboard.pages import BY_NAME
from pipelines.programmes.compare import programme_metrics
from pipelines.programmes.stats import wilson
from tests.dashboard.apptest import open_page

pytestmark = pytest.mark.build

APP = Path(__file__).resolve().parents[2] / "dashboard" / "app.py"
PAGE = BY_NAME["programmes"].file
TIMEOUT = 60


@pytest.fixture(scope="module")
def mart(small_warehouse: Path) -> pl.DataFrame:
    with duckdb.connect(str(small_warehouse), read_only=True) as con:
        return con.sql("select * from mart_programme").pl()


@pytest.fixture(scope="module")
def published(mart: pl.DataFrame) -> dict[tuple[str, str], dict]:
    frame = programme_metrics(mart)
    return {(r["credential_id"], r["metric"]): r for r in frame.iter_rows(named=True)}


def run(warehouse: Path, monkeypatch: pytest.MonkeyPatch, query: dict[str, str] | None = None) -> AppTest:
    monkeypatch.setenv("MCO_WAREHOUSE", str(warehouse))
    return open_page(PAGE, query, TIMEOUT, errors=True)


def busiest(mart: pl.DataFrame, rank: int = 0) -> str:
    per = (
        mart.group_by("provider_id")
        .agg(pl.col("awards").sum())
        .sort(["awards", "provider_id"], descending=[True, False])
    )
    return per["provider_id"][rank]


def selectbox(at: AppTest, key: str):
    return next(s for s in at.selectbox if s.key == key)


def multiselect(at: AppTest, key: str):
    return next(m for m in at.multiselect if m.key == key)


def test_institution_table_matches_the_warehouse(
    small_warehouse: Path, mart: pl.DataFrame, published: dict, monkeypatch
):
    at = run(small_warehouse, monkeypatch)
    assert not at.error and not at.warning
    provider = busiest(mart)
    assert selectbox(at, "prog_provider").value == provider  # the default: the institution with most awards
    own = mart.filter(pl.col("provider_id") == provider)
    table = at.dataframe[0].value
    assert len(table) == own.height
    assert list(table.columns[:4]) == ["title", "credential_id", "isced_f_broad", "eqf_level"]
    # Numeric columns (sortable), not text cells: a hidden figure is blank, its flag named in "hidden".
    assert str(table["awards"].dtype).startswith("float") and str(table["completion_rate"].dtype) == "float64"
    rows = {r["credential_id"]: r for r in own.iter_rows(named=True)}
    checked = 0
    for record in table.to_dict("records"):
        r = rows[record["credential_id"]]
        awards, completion, hidden = record["awards"], record["completion_rate"], record["hidden"]
        if 0 < r["awards"] < 10:
            assert pd.isna(awards) and "Awards: c" in hidden
        elif not pd.isna(awards):  # shown unless secondary suppression hid it
            assert awards == published[(r["credential_id"], "awards")]["value"]
        if r["enrolled_learners"] == 0:
            assert pd.isna(completion) and "Completion: z" in hidden
        elif r["enrolled_learners"] < 20 or 0 < r["completed_learners"] < 10:
            assert pd.isna(completion) and "Completion: c" in hidden
        elif not pd.isna(completion):
            assert completion == pytest.approx(published[(r["credential_id"], "completion_rate")]["value"])
            checked += 1
    assert checked > 0
    assert [m.label for m in at.metric] == ["Programmes", "Awards", "Fields", "With a peer group"]
    assert at.metric[0].value == f"{own.height:,}"
    with duckdb.connect(str(small_warehouse), read_only=True) as con:
        cube = con.sql(
            "select value from pub_indicator_cube where indicator_id = 'ADO-1' and breakdown = 'provider' "
            "and breakdown_value = ?",
            params=[provider],
        ).fetchall()
    assert at.metric[1].value == f"{cube[0][0]:,.0f}"  # the cube's figure, not a sum of programmes
    assert at.query_params["provider"] == provider


def test_one_metric_beside_its_peers_with_verdict_and_basis(
    small_warehouse: Path, mart: pl.DataFrame, published: dict, monkeypatch
):
    at = run(small_warehouse, monkeypatch)
    provider = busiest(mart)
    selectbox(at, "prog_table_metric").set_value("completion_rate").run()
    assert not at.exception
    table = at.dataframe[0].value
    assert {"value", "ci_low", "ci_high", "peer_median", "peer_p25", "peer_p75", "percentile"} <= set(table)
    assert all(str(table[c].dtype) == "float64" for c in ("value", "peer_median", "peer_p25", "peer_p75"))
    words = {
        "field and EQF level": "compared with programmes in the same field and EQF level",
        "field only": "compared with programmes in the same field, any EQF level",
    }
    for record in table.to_dict("records"):
        shown = published[(record["credential_id"], "completion_rate")]
        assert record["verdict"] == (shown["verdict"] or "")
        assert record["basis"] == words.get(shown["peer_basis"], record["basis"])
        if shown["peer_p25"] is not None:
            assert record["peer_p25"] == pytest.approx(shown["peer_p25"])
            assert record["peer_p75"] == pytest.approx(shown["peer_p75"])
            assert record["peer_p25"] <= record["peer_median"] <= record["peer_p75"]
    assert len(table) == mart.filter(pl.col("provider_id") == provider).height
    # Under the peer chart: the basis in words and one verdict line per metric; the funnel states its base.
    captions = " ".join(c.value for c in at.caption)
    assert "Peers: compared with programmes in the same field" in captions
    assert "The funnel and the tables share one base" in captions
    verdicts = next(m.value for m in at.markdown if m.value.startswith("**Verdict per metric**"))
    assert verdicts.count("\n- **") == 8 and "**Completion rate**: " in verdicts
    link = next(c.value for c in at.code if "/programmes?" in c.value)
    assert link.startswith("http") and f"provider={provider}" in link


def test_programme_detail_has_wilson_intervals(
    small_warehouse: Path, mart: pl.DataFrame, published: dict, monkeypatch
):
    provider = busiest(mart)
    own = mart.filter((pl.col("provider_id") == provider) & (pl.col("enrolled_learners") >= 20))
    programme = own.sort("enrolled_learners", descending=True)["credential_id"][0]
    at = run(small_warehouse, monkeypatch, {"provider": provider, "programme": programme})
    assert selectbox(at, "prog_programme").value == programme
    detail = at.dataframe[1].value
    assert detail["Metric"].tolist()[:3] == ["Awards issued", "Completion rate", "Stacking rate (36 months)"]
    r = own.filter(pl.col("credential_id") == programme).row(0, named=True)
    completion = detail[detail["Metric"] == "Completion rate"].iloc[0]
    if completion["Value"] != "suppressed (c)":
        shown = published[(programme, "completion_rate")]  # perturbed counts, interval from them
        lo, hi = wilson(int(shown["numerator"]), int(shown["denominator"]))
        assert completion["95 % CI"] == f"{lo * 100:.1f}–{hi * 100:.1f} %"
        assert completion["Denominator"] == shown["denominator"]
        assert abs(shown["denominator"] - r["enrolled_learners"]) <= max(
            2, int(r["enrolled_learners"] ** 0.5 // 2)
        )
    annex = detail[detail["Metric"] == "Annex I completeness"].iloc[0]
    assert annex["Value"] == f"{r['annex_present'] / 9 * 100:.1f} %"


def test_url_reproduces_the_view_and_the_comparison(small_warehouse: Path, mart: pl.DataFrame, monkeypatch):
    first, second = busiest(mart, 0), busiest(mart, 1)
    a = mart.filter(pl.col("provider_id") == first)["credential_id"].sort()[0]
    b = mart.filter(pl.col("provider_id") == second)["credential_id"].sort()[0]
    at = run(small_warehouse, monkeypatch, {"provider": second, "compare": f"{a},{b}"})
    assert selectbox(at, "prog_provider").value == second
    assert multiselect(at, "prog_compare").value == [a, b]
    assert set(multiselect(at, "prog_compare_sources").value) == {first, second}
    comparison = at.dataframe[2].value
    assert comparison.shape == (8, 3) and a in comparison.columns[1] and b in comparison.columns[2]
    # Choosing another programme is written back to the URL.
    other = mart.filter(pl.col("provider_id") == second)["credential_id"].sort()[-1]
    selectbox(at, "prog_programme").set_value(other).run()
    assert not at.exception
    assert at.query_params["programme"] == other
    assert at.query_params["compare"] == f"{a},{b}"


def test_comparison_is_capped_at_four_and_bad_links_are_explained(
    small_warehouse: Path, mart: pl.DataFrame, monkeypatch
):
    ids = mart.sort("credential_id")["credential_id"].to_list()[:5]
    at = run(small_warehouse, monkeypatch, {"provider": "NO-SUCH", "compare": ",".join(ids)})
    assert multiselect(at, "prog_compare").value == ids[:4]
    assert selectbox(at, "prog_provider").value == busiest(mart)
    warnings = " ".join(w.value for w in at.warning)
    assert "NO-SUCH" in warnings and "left out" in warnings


def test_old_warehouse_gets_a_clear_message(small_warehouse: Path, tmp_path: Path, monkeypatch):
    old = tmp_path / "old.duckdb"
    shutil.copyfile(small_warehouse, old)
    with duckdb.connect(str(old)) as con:
        con.sql("drop table mart_programme")
    at = run(old, monkeypatch)
    assert at.error and "mart_programme" in at.error[0].value and "mco build" in at.error[0].value
