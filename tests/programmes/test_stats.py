"""Wilson intervals, medians, percentile ranks and peer statistics against hand-computed cases."""

from __future__ import annotations

import math

import polars as pl
import pytest

from pipelines.programmes.stats import (
    Z95,
    median,
    peer_statistics,
    percentile_rank,
    quantile,
    wilson,
    wilson_exprs,
)

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("successes", "n", "low", "high"),
    [
        # p = 0.5, n = 10: centre 0.5, half-width 1.96·√(0.025 + 0.0096)/1.384 = 0.2634
        (5, 10, 0.2366, 0.7634),
        # p = 0: centre = half-width = (z²/2n)/(1 + z²/n) = 0.19207/1.38415 = 0.13876
        (0, 10, 0.0, 0.2775),
        (10, 10, 0.7225, 1.0),
        # p = 0.2, n = 100: centre 0.211101, half-width 1.96·√(0.0016 + 0.000096)/1.038415 = 0.077731
        (20, 100, 0.1334, 0.2888),
        # p = 0.75, n = 40: centre (0.75 + 0.048018)/1.096037 = 0.728095,
        # half-width 1.96·√(0.0046875 + 0.0006002)/1.096037 = 0.130034
        (30, 40, 0.5981, 0.8581),
    ],
)
def test_wilson_against_hand_computed_intervals(successes, n, low, high):
    got = wilson(successes, n)
    assert got is not None
    assert got[0] == pytest.approx(low, abs=5e-5)
    assert got[1] == pytest.approx(high, abs=5e-5)


def test_wilson_edge_cases():
    assert wilson(0, 0) is None
    assert wilson(3, None) is None
    with pytest.raises(ValueError):
        wilson(11, 10)
    assert abs(Z95 - 1.959964) < 1e-6
    # The interval always contains the point estimate and stays within [0, 1].
    for n in (1, 2, 7, 20, 133):
        for x in range(n + 1):
            lo, hi = wilson(x, n)
            assert 0.0 <= lo <= x / n <= hi <= 1.0


def test_polars_wilson_matches_python():
    cases = [(x, n) for n in (1, 9, 20, 57, 400) for x in (0, 1, n // 3, n // 2, n)] + [(None, 5), (3, 0)]
    frame = pl.DataFrame(
        {"x": [c[0] for c in cases], "n": [c[1] for c in cases]}, schema={"x": pl.Float64, "n": pl.Float64}
    )
    low, high = wilson_exprs(pl.col("x"), pl.col("n"))
    got = frame.select(low.alias("lo"), high.alias("hi"))
    for (x, n), lo, hi in zip(cases, got["lo"], got["hi"], strict=True):
        expected = wilson(x, n) if x is not None and n else None
        if expected is None:
            assert lo is None and hi is None
        else:
            assert math.isclose(lo, expected[0], abs_tol=1e-12) and math.isclose(
                hi, expected[1], abs_tol=1e-12
            )


def test_median():
    assert median([3, 1, 2]) == 2
    assert median([4, 1, 3, 2]) == 2.5
    assert median([None, 5, None]) == 5
    assert median([]) is None
    assert median([None]) is None


def test_percentile_rank_is_mid_rank():
    ten = list(range(1, 11))
    assert percentile_rank(10, ten) == 95.0  # 9 below + ½ of itself, of 10
    assert percentile_rank(1, ten) == 5.0
    assert percentile_rank(5, ten) == 45.0
    assert percentile_rank(2, [1, 2, 2, 3]) == 50.0  # 1 below + ½ × 2 equal, of 4
    assert percentile_rank(7, [7, 7, 7]) == 50.0
    assert percentile_rank(None, ten) is None
    assert percentile_rank(3, [None, None]) is None


def test_peer_statistics_by_group():
    frame = pl.DataFrame(
        {
            "field": ["06", "06", "06", "06", "06", "04", "04", None],
            "level": [5, 5, 5, 5, 5, 4, 4, 5],
            "value": [10.0, 20.0, 30.0, 40.0, 99.0, 50.0, 70.0, 10.0],
            "eligible": [True, True, True, True, False, True, True, True],
        }
    )
    out = peer_statistics(frame, ["field", "level"]).to_dicts()
    # Group 06/5: eligible 10, 20, 30, 40 -> n 4, median 25; 30 is at (2 + ½)/4 = 62.5.
    assert [r["peer_n"] for r in out[:5]] == [4] * 5
    assert [r["peer_median"] for r in out[:5]] == [25.0] * 5
    assert [r["percentile"] for r in out[:5]] == [12.5, 37.5, 62.5, 87.5, None]  # ineligible: no rank
    # Group 04/4: 50 and 70 -> median 60, percentiles 25 and 75.
    assert [(r["peer_n"], r["peer_median"], r["percentile"]) for r in out[5:7]] == [
        (2, 60.0, 25.0),
        (2, 60.0, 75.0),
    ]
    # No field: no peer group at all.
    assert (out[7]["peer_n"], out[7]["peer_median"], out[7]["percentile"]) == (None, None, None)
    # The frame form agrees with the plain-Python form.
    group = [r["value"] for r in out[:4]]
    for r in out[:4]:
        assert r["percentile"] == percentile_rank(r["value"], group)
        assert r["peer_median"] == median(group)
        assert (
            (r["peer_p25"], r["peer_p75"]) == (quantile(group, 0.25), quantile(group, 0.75)) == (17.5, 32.5)
        )


def test_peer_statistics_ties():
    frame = pl.DataFrame({"g": ["a"] * 4, "value": [50.0, 50.0, 80.0, 20.0], "eligible": [True] * 4})
    out = peer_statistics(frame, ["g"])
    assert out["percentile"].to_list() == [50.0, 50.0, 87.5, 12.5]


@pytest.mark.parametrize(
    ("values", "q", "expected"),
    [
        ([1, 2, 3, 4], 0.25, 1.75),
        ([1, 2, 3, 4], 0.75, 3.25),
        ([5], 0.25, 5.0),
        ([None, 2, 4], 0.5, 3.0),
        ([], 0.5, None),
    ],
)
def test_quantile_by_hand_and_as_polars(values, q, expected):
    assert quantile(values, q) == expected
    data = [v for v in values if v is not None]
    if data:
        assert pl.Series(data, dtype=pl.Float64).quantile(q, "linear") == expected
