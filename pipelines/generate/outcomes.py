"""Labour-market observations: a baseline before the first enrolment, then 6 and 12 months after awards.

Employment after an award follows a logistic model: the learner's status before enrolment sets the base,
external quality assurance, workload (ECTS) and level raise it. The same latent draw is used at 6 and 12
months, so a learner employed at 6 months is still employed at 12 for that award.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from . import codes as C
from .awards import Awards
from .columns import KEY, dates, labels, masked
from .dates import add_months
from .ecosystem import Ecosystem
from .learners import People
from .reference import Reference
from .streams import pick_rows, stream

BASE_LOGIT_12M = np.array([2.4, 2.2, -0.3, -1.0, -0.2])  # by labour status before (codes.LABOUR_STATUS)
EXTERNAL_QA_EFFECT = 0.45
ECTS_EFFECT = 0.25  # per doubling of ECTS above 4
EQF_EFFECT = 0.10  # per level above 4
SIX_MONTHS_PENALTY = 0.6
EARNINGS = {"NL": 3300, "DE": 3500, "FR": 2700, "FI": 3200, "ES": 2000, "PL": 1500}
# not working: unemployed, inactive, in education -- by status before
NOT_WORKING = np.array(
    [
        [0.70, 0.20, 0.10],
        [0.70, 0.20, 0.10],
        [0.75, 0.15, 0.10],
        [0.30, 0.60, 0.10],
        [0.30, 0.10, 0.60],
    ]
)
BASELINE_COVERAGE = 0.65
AFTER_COVERAGE = (0.35, 0.60)  # per award, without / with a baseline observation


@dataclass
class Outcomes:
    learner: np.ndarray
    award: np.ndarray  # -1 for a baseline
    day: np.ndarray
    months: np.ndarray  # -1 for a baseline
    status: np.ndarray
    earnings: np.ndarray  # nan when missing
    isco: np.ndarray  # index into the flat ISCO list or -1
    nace: np.ndarray
    related: np.ndarray  # 1 / 0 / -1 (missing)
    isco_labels: list[str]
    nace_labels: list[str]

    def __len__(self) -> int:
        return len(self.learner)

    def frame(self) -> pl.DataFrame:
        n = len(self)
        return pl.DataFrame(
            {
                "observation_id": np.arange(n, dtype=KEY),
                "learner_id": self.learner.astype(KEY),
                "award_id": masked(self.award.astype(KEY), self.award >= 0),
                "observation_date": dates(self.day),
                "months_after_award": masked(self.months.astype(np.int64), self.months >= 0),
                "is_baseline": self.award < 0,
                "status": labels(self.status, C.LABOUR_STATUS),
                "monthly_earnings_eur": masked(self.earnings, ~np.isnan(self.earnings)),
                "isco08": labels(self.isco, self.isco_labels),
                "nace": labels(self.nace, self.nace_labels),
                "job_related": masked(self.related == 1, self.related >= 0),
            }
        )


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def build_outcomes(
    eco: Ecosystem, aw: Awards, people: People, ref: Reference, seed: int, cutoff_days: int
) -> Outcomes:
    rng = stream(seed, "outcomes")
    n_learners = len(people)
    isco_labels = [c for codes in ref.isco for c in codes]
    nace_labels = sorted({c for codes in ref.nace for c in codes})
    isco_off = np.cumsum([0] + [len(c) for c in ref.isco])[:-1]
    isco_len = np.array([len(c) for c in ref.isco])
    nace_idx = [[nace_labels.index(c) for c in codes] for codes in ref.nace]
    nace_len = np.array([len(c) for c in nace_idx])
    nace_flat = np.array([c for codes in nace_idx for c in codes])
    nace_off = np.cumsum([0] + list(nace_len))[:-1]
    base_pay = np.array([EARNINGS.get(c, 2500) for c in ref.countries])

    def jobs(field: np.ndarray):
        k = len(field)
        isco = isco_off[field] + np.floor(rng.random(k) * isco_len[field]).astype(np.int64)
        nace = nace_flat[nace_off[field] + np.floor(rng.random(k) * nace_len[field]).astype(np.int64)]
        return isco, nace

    # baseline: before the learner's first enrolment, status as reported before enrolment (mostly)
    first_enrol = np.full(n_learners, np.iinfo(np.int64).max)
    np.minimum.at(first_enrol, aw.learner, aw.enrolled)
    np.minimum.at(first_enrol, aw.pending_learner, aw.pending_enrolled)
    has_base = rng.random(n_learners) < BASELINE_COVERAGE
    b_who = np.flatnonzero(has_base)
    b_day = first_enrol[b_who] - rng.integers(14, 181, len(b_who))
    b_status = np.where(
        rng.random(len(b_who)) < 0.92, people.labour[b_who], rng.integers(0, len(C.LABOUR_STATUS), len(b_who))
    )
    b_working = b_status <= 1
    b_field = rng.integers(0, len(ref.isco), len(b_who))
    b_isco, b_nace = jobs(b_field)
    b_pay = base_pay[people.country[b_who]] * rng.lognormal(-0.05, 0.3, len(b_who))
    b_pay = np.where(b_working & (rng.random(len(b_who)) < 0.9), np.round(b_pay, 2), np.nan)

    # after awards, at 6 and 12 months, when that date is on or before the cut-off
    n = len(aw)
    observed = rng.random(n) < np.where(has_base[aw.learner], AFTER_COVERAGE[1], AFTER_COVERAGE[0])
    cred = aw.cred
    logit12 = (
        BASE_LOGIT_12M[people.labour[aw.learner]]
        + EXTERNAL_QA_EFFECT * (eco.cred_qa[cred] == 0)
        + ECTS_EFFECT * (np.log2(eco.cred_ects[cred]) - 2)
        + EQF_EFFECT * (eco.cred_eqf[cred] - 4)
    )
    latent = rng.random(n)
    self_emp = rng.random(n) < np.where(people.labour[aw.learner] == 1, 0.8, 0.06)
    idle = pick_rows(rng, NOT_WORKING, people.labour[aw.learner]) + 2
    related_p = 0.55 + 0.15 * (eco.cred_qa[cred] == 0)
    parts = []
    for months, shift in ((6, SIX_MONTHS_PENALTY), (12, 0.0)):
        day = add_months(aw.day, months)
        take = np.flatnonzero(observed & (day <= cutoff_days) & (rng.random(n) < 0.92))
        working = latent[take] < _sigmoid(logit12[take] - shift)
        status = np.where(working, np.where(self_emp[take], 1, 0), idle[take])
        related = rng.random(len(take)) < related_p[take]
        field = np.where(related, eco.cred_field[cred[take]], rng.integers(0, len(ref.isco), len(take)))
        isco, nace = jobs(field)
        pay = (
            base_pay[people.country[aw.learner[take]]]
            * (1 + 0.07 * (eco.cred_eqf[cred[take]] - 4))
            * (1 + 0.04 * (eco.cred_qa[cred[take]] == 0))
            * rng.lognormal(0.0, 0.3, len(take))
        )
        pay_known = working & (rng.random(len(take)) < np.where(status == 1, 0.5, 0.9))
        parts.append(
            dict(
                learner=aw.learner[take], award=take, day=day[take], months=np.full(len(take), months),
                status=status, earnings=np.where(pay_known, np.round(pay, 2), np.nan),
                isco=np.where(working, isco, -1), nace=np.where(working, nace, -1),
                related=np.where(working, related.astype(np.int64), -1),
            )
        )  # fmt: skip
    base = dict(
        learner=b_who, award=np.full(len(b_who), -1), day=b_day, months=np.full(len(b_who), -1),
        status=b_status, earnings=b_pay, isco=np.where(b_working, b_isco, -1),
        nace=np.where(b_working, b_nace, -1), related=np.full(len(b_who), -1),
    )  # fmt: skip
    cols = {k: np.concatenate([base[k], *(p[k] for p in parts)]) for k in base}
    order = np.lexsort((cols["months"], cols["award"], cols["learner"], cols["day"]))
    cols = {k: v[order] for k, v in cols.items()}
    return Outcomes(**cols, isco_labels=isco_labels, nace_labels=nace_labels)
