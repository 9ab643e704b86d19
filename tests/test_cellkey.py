"""The cell key method on inline frames: bounded, consistent, unbiased noise (pipelines/cellkey.py)."""

from __future__ import annotations

import duckdb
import polars as pl
import pytest

from pipelines import cellkey
from pipelines.indicators.measures import derive

pytestmark = pytest.mark.unit


def _published(counts: list[float], keys: list[int | None], floor: int = 0) -> list[float]:
    frame = pl.DataFrame({"n": counts, "k": keys}, schema={"n": pl.Float64, "k": pl.Int64})
    return frame.select(cellkey.perturb(pl.col("n"), pl.col("k"), floor).alias("p"))["p"].to_list()


def test_zero_stays_zero_and_nothing_goes_negative():
    assert _published([0.0, 0.0], [17, 4095]) == [0.0, 0.0]
    assert all(v >= 0 for v in _published([1.0] * 200, list(range(200))))


def test_noise_is_bounded_by_d_of_n():
    for n in (1, 10, 37, 400, 10_000, 1_000_000):
        shown = _published([float(n)] * cellkey.MODULUS, list(range(cellkey.MODULUS)))
        bound = max(cellkey.MIN_BOUND, int((n**0.5) // 2))
        noise = [v - n for v in shown if n > bound]
        if noise:
            assert max(abs(e) for e in noise) <= bound
            assert {int(min(noise)), int(max(noise))} == {-bound, bound}  # the whole range is used
            assert abs(sum(noise) / len(noise)) < 0.1  # no bias


def test_the_same_cell_always_gets_the_same_value():
    assert _published([123.0, 123.0, 123.0], [77, 77, 78])[:2] == _published([123.0, 123.0], [77, 77])
    first, second = _published([123.0], [77]), _published([123.0], [77])
    assert first == second


def test_a_count_at_a_threshold_is_never_pushed_below_it():
    shown = _published([10.0] * 512, list(range(512)), floor=10)
    assert min(shown) == 10.0 and max(shown) > 10.0
    assert min(_published([9.0] * 512, list(range(512)), floor=10)) < 9.0  # below: suppressed anyway


def test_an_unkeyed_cell_is_not_perturbed():
    assert _published([57.0], [None]) == [57.0]


def test_sums_move_with_their_contributors():
    frame = pl.DataFrame({"amount": [250.0], "n": [50.0], "k": [901]})
    scaled = frame.select(cellkey.scale(pl.col("amount"), pl.col("n"), pl.col("k"))).item()
    count = _published([50.0], [901])[0]
    assert scaled == pytest.approx(250.0 * count / 50.0)


def test_a_sum_at_a_threshold_is_never_pushed_below_it():
    """A denominator that is a sum (INC-2: reference shares) passed the threshold on its true value;
    the published one must not show it below (found by CI: one INC-2 cell showed 19.8 with a value)."""
    frame = pl.DataFrame({"amount": [20.4] * 512, "n": [80.0] * 512, "k": list(range(512))})
    free = frame.select(cellkey.scale(pl.col("amount"), pl.col("n"), pl.col("k"))).to_series()
    floored = frame.select(cellkey.scale(pl.col("amount"), pl.col("n"), pl.col("k"), 20)).to_series()
    assert free.min() < 20 and floored.min() == 20.0 and floored.max() > 20.4
    below = pl.DataFrame({"amount": [19.0] * 64, "n": [80.0] * 64, "k": list(range(64))})
    assert below.select(cellkey.scale(pl.col("amount"), pl.col("n"), pl.col("k"), 20)).to_series().min() < 19


def test_combined_keys_differ_from_their_parts_and_stay_in_range():
    frame = pl.DataFrame({"a": [5, 5, None], "b": [9, 10, None]}, schema={"a": pl.Int64, "b": pl.Int64})
    out = frame.select(cellkey.combine(pl.col("a"), pl.col("b")).alias("k"))["k"].to_list()
    assert out[0] != out[1] and out[2] is None and all(0 <= k < cellkey.MODULUS for k in out[:2])


@pytest.mark.parametrize(
    ("sql", "base", "kind", "key_fragment"),
    [
        ("count(*)", "awards", "count", "sum(record_key)"),
        (
            "count(*) filter (where eligible_12m and verified_12m)",
            "awards",
            "count",
            "filter (where eligible",
        ),
        ("count(distinct learner_key)", "awards", "count", "sum(distinct learner_record_key)"),
        (
            "coalesce(sum(ects_recognised) filter (where event_type = 'x'), 0)",
            "events",
            "sum",
            "sum(record_key)",
        ),
        (
            "count(distinct credential_id) filter (where has_level)",
            "specs",
            "count",
            "sum(distinct record_key)",
        ),
    ],
)
def test_measures_know_what_they_count(sql, base, kind, key_fragment):
    m = derive(sql, base)
    assert m is not None and m.kind == kind and key_fragment in m.key_sql


def test_counts_of_no_people_are_not_measures():
    assert derive("count(distinct provider_id)", "awards") is None
    assert derive("quantile_cont(months_between, 0.5)", "pairs") is None


def test_cell_keys_add_up_in_sql():
    """A cell's key is the sum of its records' keys: computed in DuckDB exactly as the engine does."""
    con = duckdb.connect()
    con.execute(cellkey.RECORD_KEY_MACRO)
    keys = con.sql("select record_key('a'), record_key('b'), record_key(null)").fetchall()[0]
    assert all(0 <= k < cellkey.RECORD_KEY_BITS for k in keys)
    total = con.sql(
        f"select {cellkey.cell_key_sql('sum(record_key(x))')} from (values ('a'), ('b')) as t(x)"
    ).fetchall()[0][0]
    assert total == (keys[0] + keys[1]) % cellkey.MODULUS
