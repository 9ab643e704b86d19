"""Coarsened exact matching + difference-in-differences on a person x quarter panel (no I/O).

Design (docs/METHODOLOGY.md, "Impact"):

- every person of the administrative source is a row of a quarter panel (employment 0/1 and monthly
  earnings, 0 when not in paid work); a learner's *anchor* is the first quarter start on or after the
  first award; relative quarter k = quarter - anchor; the reference is k = -1 (3 months before);
- strata: 5-year birth cohort x sex x prior education (low/medium/high) x country of residence; a
  comparison person only counts in strata that hold learners of the group, and is given the anchor of a
  learner drawn (by a fixed hash of the pseudonym) from the learners of the same stratum, so matched
  comparisons are observed over the same calendar quarters as the learners they stand for;
- CEM weights: a learner 1, a comparison person (T_s / C_s) x (C / T) over the matched strata;
- the effect at k is the coefficient of ``treated`` in a weighted least-squares regression of the change
  Y(k) - Y(-1) on a constant and ``treated`` (statsmodels WLS); with one change per person, the
  heteroscedasticity-robust HC1 covariance is the person-clustered one; 95 % intervals are analytic;
- the naive before/after gain is the learners' mean change (same regression on learners only);
- the pre-trend test stacks the changes at k = -4, -3, -2, regresses them on k dummies and
  treated x k dummies with person-clustered errors and tests the treated x k terms jointly (Wald).

Everything is numpy indexing over arrays: no Python loop over rows (loops run over groups and horizons).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import statsmodels.api as sm

BASE = -1
WINDOW = 4
HORIZONS = {6: 2, 12: 4}  # months after the award -> relative quarter
EVENT_QUARTERS = tuple(k for k in range(-WINDOW, WINDOW + 1) if k != BASE)
PRE_QUARTERS = (-4, -3, -2)
OUTCOMES = ("employment", "earnings")
Z95 = 1.959963984540054


@dataclass
class Panel:
    """Persons x quarters; treated are rows ``treated_rows`` with anchor column ``anchor``."""

    outcomes: dict[str, np.ndarray]  # outcome -> float array (persons, quarters), NaN = not observed
    stratum: np.ndarray  # int64 per person, -1 = a covariate unknown (never matched)
    u: np.ndarray  # per person, uniform in [0, 1): fixed hash of the pseudonym
    key: np.ndarray  # per person, cell-key record key (int64)
    treated_rows: np.ndarray
    anchor: np.ndarray  # per treated person: column of the anchor quarter
    comp_rows: np.ndarray


@dataclass
class Match:
    t_rows: np.ndarray
    t_anchor: np.ndarray
    c_rows: np.ndarray
    c_anchor: np.ndarray
    c_weight: np.ndarray
    treated_all: int  # learners of the group (matched or not)


def match(panel: Panel, select: np.ndarray) -> Match:
    """CEM of the selected learners (boolean mask over treated) against the comparison population."""
    rows, anchor = panel.treated_rows[select], panel.anchor[select]
    strata = panel.stratum[rows]
    known = strata >= 0
    rows, anchor, strata = rows[known], anchor[known], strata[known]
    order = np.lexsort((rows, strata))
    rows, anchor, strata = rows[order], anchor[order], strata[order]
    uniq, start, t_count = np.unique(strata, return_index=True, return_counts=True)
    c_all = panel.comp_rows
    if len(uniq) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return Match(empty, empty, empty, empty, np.zeros(0), int(select.sum()))
    c_str = panel.stratum[c_all]
    pos = np.clip(np.searchsorted(uniq, c_str), 0, len(uniq) - 1)
    hit = (c_str >= 0) & (uniq[pos] == c_str)
    c_rows, pos = c_all[hit], pos[hit]
    c_count = np.bincount(pos, minlength=len(uniq))
    donor = start[pos] + np.minimum((panel.u[c_rows] * t_count[pos]).astype(np.int64), t_count[pos] - 1)
    c_anchor = anchor[donor]
    keep_t = c_count[np.searchsorted(uniq, strata)] > 0
    t_matched = t_count * (c_count > 0)
    c_weight = t_count[pos] / c_count[pos] * (c_count.sum() / max(t_matched.sum(), 1))
    return Match(rows[keep_t], anchor[keep_t], c_rows, c_anchor, c_weight, int(select.sum()))


def changes(y: np.ndarray, rows: np.ndarray, anchor: np.ndarray, k: int, base: int = BASE) -> np.ndarray:
    """Y(anchor + k) - Y(anchor + base) per person (NaN when either quarter is not observed)."""
    q = y.shape[1]
    b, h = anchor + base, anchor + k
    ok = (b >= 0) & (b < q) & (h >= 0) & (h < q)
    out = np.full(len(rows), np.nan)
    out[ok] = y[rows[ok], h[ok]] - y[rows[ok], b[ok]]
    return out


PAD = 8  # anchors up to 8 quarters outside the panel still have changes inside it (|k| <= 4)


def delta_matrix(y: np.ndarray, k: int, base: int = BASE) -> np.ndarray:
    """D[i, a + PAD] = Y[i, a + k] - Y[i, a + base]: every person's change for every possible anchor a,
    from two slices of the panel (so groups gather one value per person instead of two)."""
    q = y.shape[1]
    d = np.full((y.shape[0], q + 2 * PAD), np.nan)
    lo, hi = max(-PAD, -k, -base), min(q + PAD, q - k, q - base)  # anchors with both columns inside
    if hi > lo:
        d[:, lo + PAD : hi + PAD] = y[:, lo + k : hi + k] - y[:, lo + base : hi + base]
    return d


def gather(d: np.ndarray, rows: np.ndarray, anchor: np.ndarray) -> np.ndarray:
    """The change of each person at their anchor (NaN when it is not observed)."""
    col = anchor + PAD
    ok = (col >= 0) & (col < d.shape[1])
    out = np.full(len(rows), np.nan)
    out[ok] = d[rows[ok], col[ok]]
    return out


def _fit(dy: np.ndarray, treated: np.ndarray, weight: np.ndarray):
    x = np.column_stack([np.ones(len(dy)), treated.astype(float)])
    return sm.WLS(dy, x, weights=weight, hasconst=True).fit(cov_type="HC1")


def did(panel: Panel, m: Match, outcome: str, k: int, delta: np.ndarray | None = None) -> dict:
    """Effect at relative quarter k with its 95 % interval, the naive gain and the people behind them.

    ``delta`` is ``delta_matrix(panel.outcomes[outcome], k)`` when the caller reuses it across groups."""
    if delta is None:
        y = panel.outcomes[outcome]
        dt_ = changes(y, m.t_rows, m.t_anchor, k)
        dc = changes(y, m.c_rows, m.c_anchor, k)
    else:
        dt_ = gather(delta, m.t_rows, m.t_anchor)
        dc = gather(delta, m.c_rows, m.c_anchor)
    ot, oc = ~np.isnan(dt_), ~np.isnan(dc)
    n_t, n_c = int(ot.sum()), int(oc.sum())
    out = {
        "treated": n_t,
        "comparison": n_c,
        "treated_key": int(panel.key[m.t_rows[ot]].sum()),
        "comparison_key": int(panel.key[m.c_rows[oc]].sum()),
        "estimate": None,
        "std_error": None,
        "ci_low": None,
        "ci_high": None,
        "p_value": None,
        "naive": None,
        "naive_ci_low": None,
        "naive_ci_high": None,
    }
    if n_t >= 2:
        mean, sd = float(dt_[ot].mean()), float(dt_[ot].std(ddof=1))
        half = Z95 * sd / np.sqrt(n_t)
        out.update(naive=mean, naive_ci_low=mean - half, naive_ci_high=mean + half)
    if n_t < 2 or n_c < 2:
        return out
    w = m.c_weight[oc]
    w = w * (n_c / w.sum())
    dy = np.concatenate([dt_[ot], dc[oc]])
    treated = np.concatenate([np.ones(n_t), np.zeros(n_c)])
    res = _fit(dy, treated, np.concatenate([np.ones(n_t), w]))
    lo, hi = res.conf_int(alpha=0.05)[1]
    out.update(
        estimate=float(res.params[1]),
        std_error=float(res.bse[1]),
        ci_low=float(lo),
        ci_high=float(hi),
        p_value=float(res.pvalues[1]),
    )
    return out


def pretrend(panel: Panel, m: Match, outcome: str) -> dict:
    """Joint Wald test that the learners' and matched comparisons' changes agree before the award."""
    y = panel.outcomes[outcome]
    parts = []
    for j, k in enumerate(PRE_QUARTERS):
        dt_ = changes(y, m.t_rows, m.t_anchor, k)
        dc = changes(y, m.c_rows, m.c_anchor, k)
        parts.append(
            (
                np.concatenate([dt_, dc]),
                np.concatenate([np.ones(len(dt_)), np.zeros(len(dc))]),
                np.concatenate([np.ones(len(dt_)), m.c_weight]),
                np.concatenate([m.t_rows, m.c_rows]),
                np.full(len(dt_) + len(dc), j),
            )
        )
    dy, treated, w, person, kk = (np.concatenate(c) for c in zip(*parts, strict=True))
    ok = ~np.isnan(dy)
    dy, treated, w, person, kk = dy[ok], treated[ok], w[ok], person[ok], kk[ok]
    if treated.sum() < 2 or (1 - treated).sum() < 2:
        return {"chi2": None, "df": None, "p_value": None}
    dummies = (kk[:, None] == np.arange(len(PRE_QUARTERS))[None, :]).astype(float)
    x = np.column_stack([dummies, dummies * treated[:, None]])
    present = x.any(axis=0)
    x = x[:, present]
    n_inter = int(present[len(PRE_QUARTERS) :].sum())
    res = sm.WLS(dy, x, weights=w, hasconst=True).fit(cov_type="cluster", cov_kwds={"groups": person})
    r = np.zeros((n_inter, x.shape[1]))
    r[:, x.shape[1] - n_inter :] = np.eye(n_inter)
    with warnings.catch_warnings():  # a degenerate (all-equal) pre-period only makes the test undefined
        warnings.simplefilter("ignore")
        test = res.wald_test(r, scalar=True)
    return {"chi2": float(test.statistic), "df": n_inter, "p_value": float(test.pvalue)}
