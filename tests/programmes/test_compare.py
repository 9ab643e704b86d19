"""Programme metrics beside their peers, on hand-built programmes: values, Wilson intervals, peer medians,
percentiles, and the disclosure rules (primary, peer-group and secondary suppression, funnel)."""

from __future__ import annotations

import polars as pl
import pytest

from pipelines.disclosure import Disclosure
from pipelines.programmes.compare import (
    METRICS,
    VERDICTS,
    funnel,
    funnel_table,
    peer_groups,
    programme_metrics,
)
from pipelines.programmes.stats import quantile, wilson

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


def test_unknown_level_falls_back_to_the_field_and_unknown_field_has_no_peer_group():
    rows = [*peer_set(), programme("E", provider="R", level=None), programme("N", provider="R2", field=None)]
    out = programme_metrics(mart(rows), RULES)
    e = cell(out, "E", "completion_rate")
    assert (e["peer_basis"], e["peer_group"], e["peer_n"], e["peer_flag"]) == (
        "field only",
        "06 · all EQF levels",
        13,
        None,
    )
    assert e["value"] == 100.0 and e["peer_median"] == 46.0
    n = cell(out, "N", "completion_rate")
    assert n["peer_flag"] == "z" and n["peer_group"] is None and n["peer_n"] is None
    assert n["peer_basis"] is None and n["verdict"] == "no peer group to compare with"
    assert cell(out, "C00", "completion_rate")["peer_basis"] == "field and EQF level"


def test_small_field_and_level_group_falls_back_to_the_field():
    # 12 programmes of field 06 over EQF 4 and 5 (6 each): neither level group reaches 10, the field does
    rows = [
        programme(f"L{i:02d}", provider=f"P{i:02d}", level=4 + i % 2, completed_learners=40 + i)
        for i in range(12)
    ]
    out = programme_metrics(mart(rows), RULES)
    c = cell(out, "L00", "completion_rate")
    assert (c["peer_basis"], c["peer_n"], c["peer_median"]) == ("field only", 12, 45.5)
    assert c["peer_group"] == "06 · all EQF levels"
    groups = peer_groups(mart(rows), RULES).filter(pl.col("metric") == "completion_rate")
    assert groups.select("eqf_level", "peer_basis", "programmes").to_dicts() == [
        {"eqf_level": None, "peer_basis": "field only", "programmes": 12}
    ]


def test_peer_interquartile_range_against_hand_computation():
    out = programme_metrics(mart(peer_set()), RULES)
    c = cell(out, "C00", "completion_rate")
    # 40 … 51: linear quantiles at positions 0.25 x 11 = 2.75 and 0.75 x 11 = 8.25
    assert (c["peer_p25"], c["peer_median"], c["peer_p75"]) == (42.75, 45.5, 48.25)
    assert quantile(range(40, 52), 0.25) == 42.75 and quantile(range(40, 52), 0.75) == 48.25


@pytest.mark.parametrize(
    ("enrolled", "completed", "verdict"),
    [
        (1000, 900, "above most peers"),
        (1000, 100, "below most peers"),
        (100, 47, "within the usual range"),
        (100, 55, "within the usual range"),  # above the upper quartile, but not its whole interval
        (10, 9, "too few learners to say"),
    ],
)
def test_verdict_from_the_interval_and_the_peer_quartiles(enrolled, completed, verdict):
    rows = [
        *peer_set(),
        programme("V", provider="W", enrolled_learners=enrolled, completed_learners=completed),
    ]
    out = programme_metrics(mart(rows), RULES)
    c = cell(out, "V", "completion_rate")
    assert c["verdict"] == verdict
    if verdict == "above most peers":
        assert c["ci_low"] > c["peer_p75"]
    assert set(out["verdict"]) <= set(VERDICTS)


def test_secondarily_suppressed_programmes_are_not_peers():
    rows = peer_set() + [
        programme("S1", provider="X", enrolled_learners=15, completed_learners=10),  # primary
        programme("S2", provider="X", enrolled_learners=30, completed_learners=20),  # secondary
    ]
    out = programme_metrics(mart(rows), RULES)
    assert cell(out, "S2", "completion_rate")["suppression"] == "secondary"
    assert cell(out, "C00", "completion_rate")["peer_n"] == 12


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
        {"isced_f_broad": "06", "eqf_level": 5, "peer_group": "06 · EQF 5",
         "peer_basis": "field and EQF level", "metric": "completion_rate", "programmes": 12,
         "contributors": 12, "median": 45.5, "p25": 42.75, "p75": 48.25, "flag": None}
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


def test_noise_never_shows_more_completers_than_enrolled():
    """Every enrolled learner completed: each stage's own noise would often show more completers than
    enrolled learners; published, completers are capped at the enrolled count (funnel and release)."""
    rows = [
        programme(f"A{i}", provider=f"Q{i}", enrolled_learners=60, completed_learners=60) for i in range(64)
    ]
    keyed = mart(rows).with_columns(
        pl.int_range(pl.len()).alias("enrolled_learners_key"),
        (pl.int_range(pl.len()) * 97 + 11).alias("completed_learners_key"),
    )
    long = funnel_table(keyed, RULES).pivot(on="stage", index="credential_id", values="learners")
    assert (long["completed"] <= long["enrolled"]).all()
    assert (long["enrolled"] != 60).any()  # the noise is there
    for cid in ("A0", "A1", "A2", "A3"):
        stages = funnel(keyed.filter(pl.col("credential_id") == cid), RULES)
        shown = dict(zip(stages["stage"], stages["learners"], strict=True))
        assert shown["completed"] <= shown["enrolled"]
        assert stages.filter(pl.col("stage") == "completed")["share_of_enrolled"].item() <= 100.0


def test_funnel_and_table_share_one_employment_figure():
    """The funnel's employment share is the table's employment rate (same base, same perturbed counts)."""
    rows = [programme(f"M{i}", provider=f"Q{i}", observed_12m=120, employed_12m=80 + i) for i in range(3)]
    keyed = mart(rows).with_columns(
        [(pl.lit(53 * (i + 1)) + pl.int_range(pl.len())).alias(f"{c}_key") for i, c in enumerate(COUNTS)]
    )
    table = programme_metrics(keyed, RULES)
    for cid in ("M0", "M1", "M2"):
        stages = funnel(keyed.filter(pl.col("credential_id") == cid), RULES)
        employed = stages.filter(pl.col("stage") == "employed_12m").row(0, named=True)
        assert employed["share"] == cell(table, cid, "employment_12m")["value"]
        assert employed["base"] == "of those observed 12 months after the award"
        completed = stages.filter(pl.col("stage") == "completed").row(0, named=True)
        assert (
            completed["share"] == completed["share_of_enrolled"] and completed["base"] == "of those enrolled"
        )
    plain = funnel(mart(rows), RULES).filter(pl.col("stage") == "employed_12m")["share"].item()
    assert plain == pytest.approx((80 + 81 + 82) / 360 * 100)  # several programmes: summed, then divided
