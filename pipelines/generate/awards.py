"""Who earns which credential when: per-learner award sequences, drawn one rank at a time for all learners.

A learner's first award date follows a growing curve; later awards follow after a gamma-distributed gap.
Learners holding a stackable credential continue more often and tend to pick another credential stacking
into the same qualification. Anything dated after the cut-off is simply not observed (censoring).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from . import codes as C
from .columns import KEY, dates, labels
from .dates import FIRST_DAY, add_months, to_days, year_of
from .ecosystem import Ecosystem
from .learners import People
from .streams import pick_rows, stream

GROWTH = np.log(1.22) / 365.0  # first awards grow ~22 % a year
PENDING_DAYS = 120  # first awards this far past the cut-off are still in progress at the cut-off
LAUNCH_LEAD = 30  # an award comes at least this many days after its credential's launch
MAX_RANK = 12
CONTINUE_SECOND = (0.58, 0.80)  # P(2nd award) after a standalone / stackable credential
CONTINUE_LATER = (0.55, 0.68)
SAME_DAY_SHARE = 0.05
PRIOR_LEARNING = np.array([0.08, 0.20, 0.10, 0.15, 0.05, 0.25, 0.15])  # by provider type
VPL_OUTCOME = np.array([0.25, 0.15, 0.12, 0.18, 0.05, 0.25])  # codes.VPL_OUTCOMES order
GRADE_LABELS = ("pass", *[f"{6 + 0.5 * i:.1f}" for i in range(9)], "A", "B", "C", "D", "E")


class Chooser:
    """Weighted choice of a credential within a group, among those launched by a given day (vectorised)."""

    BIG = 1_000_000  # > any day number

    def __init__(self, eco: Ecosystem, group: np.ndarray, n_groups: int):
        order = np.lexsort((eco.cred_launch, group))
        g = group[order]
        self.order = order
        self.key = g.astype(np.int64) * self.BIG + eco.cred_launch[order]
        self.cw = np.cumsum(eco.cred_weight[order])
        self.start = np.searchsorted(g, np.arange(n_groups), "left")
        self.base = np.concatenate([[0.0], self.cw])[self.start]

    def choose(self, groups: np.ndarray, day_limit: np.ndarray, u: np.ndarray, avoid=None) -> np.ndarray:
        """Credential index per request, or -1 when nothing in the group had launched by ``day_limit``."""
        groups = groups.astype(np.int64)
        start = self.start[groups]
        end = np.searchsorted(self.key, groups * self.BIG + day_limit, "right")
        ok = end > start
        last = np.maximum(end - 1, 0)
        total = np.where(ok, self.cw[last] - self.base[groups], 0.0)
        pos = np.clip(np.searchsorted(self.cw, self.base[groups] + u * total, "right"), start, last)
        chosen = self.order[np.where(ok, pos, 0)]
        if avoid is not None:  # do not repeat the previous credential: take a neighbour in the group
            clash = ok & (chosen == avoid) & (last > start)
            alt = np.where(pos > start, pos - 1, pos + 1)
            chosen = np.where(clash, self.order[np.where(clash, alt, 0)], chosen)
        return np.where(ok, chosen, -1)


@dataclass
class Awards:
    """Clean awards (index = award number, chronological) plus the enrolments still open at the cut-off."""

    learner: np.ndarray
    cred: np.ndarray
    day: np.ndarray
    enrolled: np.ndarray
    completed: np.ndarray
    prior: np.ndarray  # bool: purpose = prior_learning
    vpl: np.ndarray  # vpl outcome code or -1
    fmt: np.ndarray
    standard: np.ndarray
    signed: np.ndarray
    status: np.ndarray
    grade: np.ndarray  # index into GRADE_LABELS or -1
    expiry: np.ndarray  # day or -1
    pending_learner: np.ndarray
    pending_cred: np.ndarray
    pending_enrolled: np.ndarray
    pending_completed: np.ndarray  # day or -1 (not yet completed at the cut-off)

    def __len__(self) -> int:
        return len(self.learner)

    def frame(self) -> pl.DataFrame:
        n = len(self)
        return pl.DataFrame(
            {
                "award_id": np.arange(n, dtype=KEY),
                "credential_id": self.cred.astype(KEY),
                "learner_id": self.learner.astype(KEY),
                "issue_date": dates(self.day),
                "format": labels(self.fmt, C.FORMATS),
                "standard": labels(self.standard, C.STANDARDS),
                "signed": self.signed,
                "purpose": labels(self.prior.astype(np.int64), C.PURPOSES),
                "status": labels(self.status, C.AWARD_STATUS),
                "grade": labels(self.grade, GRADE_LABELS),
                "expiry_date": dates(np.maximum(self.expiry, 0), missing=self.expiry < 0),
            }
        )


def _first_days(rng: np.random.Generator, n: int, cutoff_days: int) -> np.ndarray:
    start = to_days(FIRST_DAY)
    span = cutoff_days + PENDING_DAYS - start
    u = rng.random(n)
    return start + np.floor(np.log1p(u * np.expm1(GROWTH * span)) / GROWTH).astype(np.int64)


def _study_days(rng, eco: Ecosystem, cred, day, prior) -> tuple[np.ndarray, np.ndarray]:
    """Enrolment and completion dates: completion 1-21 days before the award, study length grows with ECTS."""
    n = len(cred)
    completed = day - rng.integers(1, 22, n)
    length = np.where(
        prior, rng.integers(14, 61, n), np.round(eco.cred_ects[cred] * 9 * rng.uniform(0.7, 1.4, n)) + 7
    ).astype(np.int64)
    enrolled = np.maximum(completed - length, eco.cred_launch[cred])
    return enrolled, completed


def draw_awards(eco: Ecosystem, people: People, seed: int, cutoff_days: int) -> tuple[Awards, np.ndarray]:
    """Award sequences for everyone drawn; returns the awards and the mask of people kept as learners."""
    rng = stream(seed, "awards")
    n = len(people)
    n_countries = int(people.country.max()) + 1 if n else 1
    n_fields = 11
    by_country = Chooser(eco, eco.cred_country, n_countries)
    by_field = Chooser(eco, eco.cred_country * n_fields + eco.cred_field, n_countries * n_fields)
    n_quals = len(eco.qualification_ids)
    by_target = Chooser(eco, np.where(eco.cred_target >= 0, eco.cred_target, n_quals), n_quals + 1)
    everywhere = Chooser(eco, np.zeros(eco.n_credentials, dtype=np.int64), 1)

    first_day = _first_days(rng, n, cutoff_days)
    abroad = rng.random(n) < 0.10
    limit = first_day - LAUNCH_LEAD
    cred = by_country.choose(people.country, limit, rng.random(n))
    cred = np.where(abroad | (cred < 0), everywhere.choose(np.zeros(n), limit, rng.random(n)), cred)
    if (cred < 0).any():
        raise RuntimeError("no credential launched early enough; reference launch dates are broken")

    pending = first_day > cutoff_days
    chains = [(np.flatnonzero(~pending), cred[~pending], first_day[~pending], 1)]
    who, cur, day = chains[0][:3]
    for rank in range(2, MAX_RANK + 1):
        stackable = eco.cred_target[cur] >= 0
        p_standalone, p_stackable = CONTINUE_SECOND if rank == 2 else CONTINUE_LATER
        p = np.where(stackable, p_stackable, p_standalone)
        gap = np.where(rng.random(len(who)) < SAME_DAY_SHARE, 0, 7 + np.ceil(rng.gamma(1.4, 100.0, len(who))))
        nxt = day + gap.astype(np.int64)
        go = (rng.random(len(who)) < p) & (nxt <= cutoff_days)
        who, cur, nxt, stackable = who[go], cur[go], nxt[go], stackable[go]
        if not len(who):
            break
        k = len(who)
        policy, u, lim = rng.random(k), rng.random(k), nxt - LAUNCH_LEAD
        country = people.country[who]
        choice = np.full(k, -1, dtype=np.int64)
        use_target = stackable & (policy < 0.55)
        choice = np.where(
            use_target, by_target.choose(np.maximum(eco.cred_target[cur], 0), lim, u, cur), choice
        )
        use_field = (choice < 0) & (policy < 0.80)
        field_group = eco.cred_country[cur] * n_fields + eco.cred_field[cur]
        choice = np.where(use_field, by_field.choose(field_group, lim, u, cur), choice)
        choice = np.where(choice < 0, by_country.choose(country, lim, u, cur), choice)
        choice = np.where(choice < 0, everywhere.choose(np.zeros(k), lim, u, cur), choice)
        chains.append((who, choice, nxt, rank))
        cur, day = choice, nxt

    learner = np.concatenate([c[0] for c in chains])
    acred = np.concatenate([c[1] for c in chains])
    aday = np.concatenate([c[2] for c in chains])
    arank = np.concatenate([np.full(len(c[0]), c[3]) for c in chains])
    # one learner never gets the same credential twice on one day; then chronological award numbers
    order = np.lexsort((arank, acred, aday, learner))
    learner, acred, aday, arank = learner[order], acred[order], aday[order], arank[order]
    dup = np.zeros(len(learner), dtype=bool)
    dup[1:] = (learner[1:] == learner[:-1]) & (acred[1:] == acred[:-1]) & (aday[1:] == aday[:-1])
    learner, acred, aday, arank = learner[~dup], acred[~dup], aday[~dup], arank[~dup]
    order = np.lexsort((arank, learner, aday))
    learner, acred, aday = learner[order], acred[order], aday[order]

    # pending first enrolments: visible only if the learner enrolled by the cut-off
    p_who = np.flatnonzero(pending)
    p_cred = cred[pending]
    p_enr, p_comp = _study_days(rng, eco, p_cred, first_day[pending], np.zeros(len(p_who), dtype=bool))
    visible = p_enr <= cutoff_days
    p_who, p_cred, p_enr, p_comp = p_who[visible], p_cred[visible], p_enr[visible], p_comp[visible]
    p_comp = np.where(p_comp <= cutoff_days, p_comp, -1)

    keep = np.zeros(n, dtype=bool)
    keep[learner] = True
    keep[p_who] = True
    new_index = np.cumsum(keep) - 1
    learner, p_who = new_index[learner], new_index[p_who]
    kept = people.subset(keep)

    awards = _award_attributes(rng, eco, kept, learner, acred, aday)
    awards.pending_learner, awards.pending_cred = p_who, p_cred
    awards.pending_enrolled, awards.pending_completed = p_enr, p_comp
    return awards, keep


def _award_attributes(rng, eco: Ecosystem, people: People, learner, cred, day) -> Awards:
    n = len(learner)
    year = year_of(day)
    since = np.clip(year - 2019, 0, None)
    ctype = eco.cred_type[cred]
    older = people.age[learner] >= 35
    prior = rng.random(n) < PRIOR_LEARNING[ctype] * np.where(older, 1.4, 0.8)
    vpl = pick_rows(rng, VPL_OUTCOME[None, :], np.zeros(n, dtype=np.int64)).astype(np.int64)
    vpl = np.where((vpl == 4) & (eco.cred_target[cred] < 0), 3, vpl)  # full qualification needs a target
    vpl = np.where(prior, vpl, -1)
    fmt = eco.cred_format[cred].astype(np.int64)
    fmt = np.where((fmt == 0) & (rng.random(n) < 0.07 * since), 1, fmt)  # paper gives way to digital
    u = rng.random(n)
    standard = np.select(
        [fmt == 2, fmt == 1],
        [
            np.where(u < np.clip(0.05 + 0.11 * since, 0, 0.75), 1, 0),  # OB3 overtakes OB2
            np.where(u < np.clip(0.03 + 0.09 * since, 0, 0.60), 2, 3),  # ELM overtakes PDF
        ],
        4,
    )
    signed = rng.random(n) < np.array([0.20, 0.92, 0.90, 0.0, 0.0])[standard]
    status = np.where(
        rng.random(n) < 0.006, 2, np.where(rng.random(n) < np.array([0.0, 0.15, 0.45])[fmt], 1, 0)
    )
    scheme = eco.cred_grading[cred]
    numeric = 1 + rng.binomial(8, 0.55, n)
    letter = 10 + pick_rows(rng, np.array([[0.2, 0.35, 0.3, 0.1, 0.05]]), np.zeros(n, dtype=np.int64))
    grade = np.select([scheme == 1, scheme == 2, scheme == 3], [0, numeric, letter], -1)
    grade = np.where(rng.random(n) < 0.9, grade, -1)
    months = eco.cred_expiry_months[cred]
    expiry = np.full(n, -1, dtype=np.int64)
    for m in np.unique(months[months > 0]):
        expiry = np.where(months == m, add_months(day, int(m)), expiry)
    enrolled, completed = _study_days(rng, eco, cred, day, prior)
    small, day32 = np.int8, np.int32  # compact arrays: the large scale holds ~11 million awards
    return Awards(
        learner=learner.astype(np.int32),
        cred=cred.astype(np.int32),
        day=day.astype(day32),
        enrolled=enrolled.astype(day32),
        completed=completed.astype(day32),
        prior=prior,
        vpl=vpl.astype(small),
        fmt=fmt.astype(small),
        standard=standard.astype(small),
        signed=signed,
        status=status.astype(small),
        grade=grade.astype(small),
        expiry=expiry.astype(day32),
        pending_learner=np.empty(0, np.int64),
        pending_cred=np.empty(0, np.int64),
        pending_enrolled=np.empty(0, np.int64),
        pending_completed=np.empty(0, np.int64),
    )


def first_award_year(awards: Awards, n_learners: int, cutoff_days: int) -> np.ndarray:
    """Year of each learner's first award (or of the enrolment for those still in progress)."""
    first = np.full(n_learners, cutoff_days, dtype=np.int64)
    np.minimum.at(first, awards.learner, awards.day)
    np.minimum.at(first, awards.pending_learner, awards.pending_enrolled)
    return year_of(first)
