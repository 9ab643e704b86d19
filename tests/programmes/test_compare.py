"""Programme metrics beside their peers, on hand-built programmes: values, Wilson intervals, peer medians,
percentiles, and the disclosure rules (primary, peer-group and secondary suppression, funnel)."""

from __future__ import annotations

import polars as pl
import pytest

from pipelines.programmes.compare import METRICS, funnel, funnel_table, peer_groups, programme_metrics
from pipelines.programmes.stats import wilson
from pipelines.publish.settings import Disclosure

pytestmark = pytest.mark.unit

RULES = Disclosure(min_people=10, min_denominator=20, min_contributors=10)
COUNTS = (
    "awards", "enrolled_learners", "completed_learners", "awarded_learners", "stacked_learners",
    "employed_learners_12m", "stacking_eligible", "stacked", "recognition_eligible", "recognised",
    "verification_eligible", "verified", "observed_12m", "employed_12m", "related_12m",
)  # fmt: skip


def programme(
    cid: str, provider: str = "P1", field: str | None = "06", level: int | None = 5, **counts
) -> dict:
    row = {
        "credential_id": cid,
        "title": f"Programme {cid}",
        "provider_id": provider,
        "provider_name": f"Provider {provider}",
        "isced_f_broad": field,
        "eqf_level": level,
        "annex_present": counts.pop("annex_present", 9),
    }
    base = dict.fromkeys(COUNTS, 100)
    base.update(counts)
    return row | base


def mart(rows: list[dict]) -> pl.DataFrame:
    schema = {"credential_id": pl.String, "title": pl.String, "provider_id": pl.String,
              "provider_name": pl.String, "isced_f_broad": pl.String, "eqf_level": pl.Int64,
              "annex_present": pl.Int32} | dict.fromkeys(COUNTS, pl.Int64)  # fmt: skip
    return pl.DataFrame(rows, schema=schema)


def cell(frame: pl.DataFrame, cid: str, metric: str) -> dict:
    rows = frame.filter((pl.col("credential_id") == cid) & (pl.col("metric") == metric)).to_dicts()
    assert len(rows) == 1
    return rows[0]


def peer_set() -> list[dict]:
    """Twelve programmes of one peer group (06, EQF 5), each from its own provider, completion 40/40 … 51/…"""
    return [
        programme(f"C{i:02d}", provider=f"P{i:02d}", enrolled_learners=100, completed_learners=40 + i)
        for i in range(12)
    ]


def test_values_and_wilson_interval():
    out = programme_metrics(mart([programme("A", enrolled_learners=40, completed_learners=30)]), RULES)
    c = cell(out, "A", "completion_rate")
    assert c["value"] == 75.0 and c["numerator"] == 30 and c["denominator"] == 40
    low, high = wilson(30, 40)
    assert c["ci_low"] == pytest.approx(low * 100) and c["ci_high"] == pytest.approx(high * 100)
    assert c["ci_low"] == pytest.approx(59.806, abs=1e-3) and c["ci_high"] == pytest.approx(85.813, abs=1e-3)
    assert c["flag"] is None and c["unit"] == "%"
    awards = cell(out, "A", "awards")
    assert (awards["value"], awards["ci_low"], awards["unit"]) == (100.0, None, "count")
    annex = cell(out, "A", "annex_completeness")
    assert annex["value"] == 100.0 and annex["ci_low"] is None
    assert out.height == len(METRICS)


def test_peer_median_and_percentile_against_hand_computation():
    out = programme_metrics(mart(peer_set()), RULES)
    # Completion rates 40 … 51 % over 12 peers: median (45 + 46)/2 = 45.5.
    top = cell(out, "C11", "completion_rate")
    assert top["peer_n"] == 12 and top["peer_median"] == 45.5 and top["peer_flag"] is None
    assert top["percentile"] == pytest.approx(100 * 11.5 / 12)  # 11 below, itself half
    assert cell(out, "C00", "completion_rate")["percentile"] == pytest.approx(100 * 0.5 / 12)
    assert cell(out, "C05", "completion_rate")["percentile"] == pytest.approx(100 * 5.5 / 12)
    # Every peer has 100 % verification: all tie at the median, percentile 50.
    assert cell(out, "C03", "verification_rate")["percentile"] == 50.0
    assert top["peer_group"] == "06 · EQF 5"


def test_peer_groups_keep_apart_and_small_groups_are_suppressed():
    rows = peer_set() + [programme("D1", provider="Q", field="04", level=4, completed_learners=70)]
    out = programme_metrics(mart(rows), RULES)
    lone = cell(out, "D1", "completion_rate")
    assert lone["value"] == 70.0  # the programme's own figure stands
    assert lone["peer_n"] == 1 and lone["peer_flag"] == "c"  # fewer than 10 contributors
    assert lone["peer_median"] is None and lone["percentile"] is None
    assert cell(out, "C11", "completion_rate")["peer_n"] == 12  # D1 is not their peer


def test_unknown_field_or_level_has_no_peer_group():
    out = programme_metrics(mart([*peer_set(), programme("E", provider="R", level=None)]), RULES)
    c = cell(out, "E", "completion_rate")
    assert c["peer_flag"] == "z" and c["peer_group"] is None and c["peer_n"] is None
    assert c["value"] == 100.0


def test_primary_suppression_thresholds():
    rows = [
        programme("F1", provider="S1", enrolled_learners=19, completed_learners=19, awards=9),
        programme("F2", provider="S2", enrolled_learners=20, completed_learners=10, awards=10),
        programme("F4", provider="S4", enrolled_learners=40, completed_learners=5, awards=40),
        programme("F3", provider="S3", observed_12m=0, employed_12m=0, related_12m=0, awards=0),
    ]
    out = programme_metrics(mart(rows), RULES)
    small = cell(out, "F1", "completion_rate")
    assert small["flag"] == "c" and small["suppression"] == "primary"
    assert small["value"] is None and small["numerator"] is None and small["denominator"] is None
    assert small["ci_low"] is None and small["percentile"] is None
    assert cell(out, "F1", "awards")["flag"] == "c" and cell(out, "F1", "awards")["value"] is None
    assert cell(out, "F2", "completion_rate")["value"] == 50.0  # denominator 20 is enough
    few = cell(out, "F4", "completion_rate")  # 5 completers are 5 people: not published, not even as a rate
    assert few["flag"] == "c" and few["value"] is None and few["numerator"] is None
    assert cell(out, "F2", "awards")["value"] == 10.0
    none = cell(out, "F3", "employment_12m")
    assert none["flag"] == "z" and none["value"] is None and none["denominator"] == 0
    assert cell(out, "F3", "related_employment")["flag"] == "z"
    never = cell(out, "F3", "awards")  # a programme never awarded singles out no one
    assert (never["value"], never["flag"]) == (0.0, None)


def test_suppressed_programmes_do_not_count_as_peers():
    rows = peer_set() + [programme("G", provider="T", enrolled_learners=10, completed_learners=1)]
    out = programme_metrics(mart(rows), RULES)
    assert cell(out, "C00", "completion_rate")["peer_n"] == 12
    assert (
        cell(out, "G", "completion_rate")["peer_n"] == 12 and cell(out, "G", "completion_rate")["flag"] == "c"
    )


def test_secondary_suppression_within_a_provider():
    rows = [
        programme("H1", provider="U", enrolled_learners=15, completed_learners=10),  # primary
        programme(
            "H2", provider="U", enrolled_learners=30, completed_learners=20
        ),  # smallest other: secondary
        programme("H3", provider="U", enrolled_learners=90, completed_learners=60),
        programme("J1", provider="V", enrolled_learners=15, completed_learners=10),  # alone: nothing to hide
    ]
    out = programme_metrics(mart(rows), RULES)
    assert cell(out, "H1", "completion_rate")["suppression"] == "primary"
    h2 = cell(out, "H2", "completion_rate")
    assert (h2["flag"], h2["suppression"], h2["value"], h2["denominator"]) == ("c", "secondary", None, None)
    assert cell(out, "H3", "completion_rate")["value"] == pytest.approx(66.6667, abs=1e-3)
    assert cell(out, "J1", "completion_rate")["suppression"] == "primary"
    # No suppressed cell of a provider can be recovered from the provider's total minus the shown cells.
    for (_provider, _metric), group in out.group_by("provider_id", "metric"):
        assert (group["flag"] == "c").sum() != 1 or group.height == 1


def test_funnel_stages_and_suppression():
    one = mart(
        [
            programme(
                "K",
                enrolled_learners=50,
                completed_learners=40,
                awarded_learners=38,
                stacked_learners=9,
                employed_learners_12m=12,
            )
        ]
    )
    stages = funnel(one, RULES)
    assert stages["stage"].to_list() == ["enrolled", "completed", "awarded", "stacked", "employed_12m"]
    assert stages["learners"].to_list() == [50, 40, 38, None, 12]
    assert stages["flag"].to_list() == [None, None, None, "c", None]
    assert stages["share_of_enrolled"].to_list()[:3] == [100.0, 80.0, 76.0]
    both = funnel(mart([programme("K1", stacked_learners=6), programme("K2", stacked_learners=6)]), RULES)
    assert both.filter(pl.col("stage") == "stacked")["learners"].item() == 12  # summed, then checked
    long = funnel_table(one, RULES)
    assert long.height == 5 and long["learners"].to_list() == [50, 40, 38, None, 12]


def test_peer_groups_table():
    groups = peer_groups(mart(peer_set()), RULES)
    row = groups.filter(pl.col("metric") == "completion_rate").to_dicts()
    assert row == [
        {"isced_f_broad": "06", "eqf_level": 5, "peer_group": "06 · EQF 5", "metric": "completion_rate",
         "programmes": 12, "contributors": 12, "median": 45.5, "flag": None}
    ]  # fmt: skip


def test_empty_mart():
    assert programme_metrics(mart([]), RULES).is_empty()


def test_programme_counts_are_perturbed_with_their_cell_keys():
    """With cell keys (as mart_programme carries them) the published counts move by the cell key rule,
    thresholds are still decided on the true counts, and the same cell gets the same value in the
    metrics, the funnel and the release's funnel table."""
    rows = [
        programme(f"N{i}", provider=f"Q{i}", enrolled_learners=200, completed_learners=150) for i in range(6)
    ]
    keyed = mart(rows).with_columns(
        [(pl.lit(37 * (i + 1)) + pl.int_range(pl.len())).alias(f"{c}_key") for i, c in enumerate(COUNTS)]
    )
    plain, noisy = programme_metrics(mart(rows), RULES), programme_metrics(keyed, RULES)
    assert plain.filter(pl.col("metric") == "awards")["value"].to_list() == [100.0] * 6
    shown = noisy.filter(pl.col("metric") == "awards")["value"].to_list()
    assert shown != [100.0] * 6 and all(abs(v - 100.0) <= 5 for v in shown)  # D(100) = 5
    completion = noisy.filter(pl.col("metric") == "completion_rate")
    assert (completion["flag"].is_null()).all()
    assert (completion["value"] == completion["numerator"] / completion["denominator"] * 100).all()
    one = keyed.filter(pl.col("credential_id") == "N0")
    enrolled = funnel(one, RULES).filter(pl.col("stage") == "enrolled")["learners"].item()
    assert enrolled == funnel_table(one, RULES).filter(pl.col("stage") == "enrolled")["learners"].item()
    assert enrolled != 200 and abs(enrolled - 200) <= 7  # D(200) = 7
