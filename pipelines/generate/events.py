"""What follows an award: the learner's pathway events and third-party verifications.

Events are built as blocks of numpy arrays (one block per rule), concatenated, cut at the data cut-off and
numbered chronologically. Rates and their causes are listed in docs/GENERATOR.md.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from . import codes as C
from .awards import Awards
from .columns import KEY, dates, labels, masked
from .ecosystem import Ecosystem
from .streams import pick, stream

ENROLLED, COMPLETED, AWARDED, STACKED, CREDIT, EXEMPTION, ADMITTED, QUALIFIED = range(8)
VERIFIER_SHARE = np.array([0.52, 0.25, 0.13, 0.10])  # employer, education, public authority, other
VERIFY_BASE = 0.24  # expected verifications of a short, internally assured paper-free award
VERIFY_EXTERNAL = 2.3  # multiplier when the credential is under external quality assurance
VERIFY_STANDARD = np.array([1.3, 1.6, 1.6, 1.0, 0.5])  # OB2, OB3, ELM, PDF, paper


@dataclass
class Block:
    """Events produced by one rule; a missing column is empty for the whole block."""

    learner: np.ndarray
    etype: int | np.ndarray
    day: np.ndarray
    cred: np.ndarray | None = None
    award: np.ndarray | None = None
    qual: np.ndarray | None = None
    org: np.ndarray | None = None
    ects: np.ndarray | None = None
    vpl: np.ndarray | None = None


@dataclass
class Events:
    """Pathway events (index = event number, chronological)."""

    learner: np.ndarray
    etype: np.ndarray
    day: np.ndarray
    cred: np.ndarray
    award: np.ndarray
    qual: np.ndarray
    org: np.ndarray
    ects: np.ndarray
    vpl: np.ndarray

    def __len__(self) -> int:
        return len(self.learner)

    def frame(self) -> pl.DataFrame:
        n = len(self)
        return pl.DataFrame(
            {
                "event_id": np.arange(n, dtype=KEY),
                "learner_id": self.learner.astype(KEY),
                "event_type": labels(self.etype, C.EVENT_TYPES),
                "event_date": dates(self.day),
                "credential_id": masked(self.cred.astype(KEY), self.cred >= 0),
                "award_id": masked(self.award.astype(KEY), self.award >= 0),
                "qualification_id": masked(self.qual.astype(KEY), self.qual >= 0),
                "recognising_org_type": labels(self.org, C.ORG_TYPES),
                "ects_recognised": masked(self.ects.astype(np.float32), ~np.isnan(self.ects)),
                "vpl_outcome": labels(self.vpl, C.VPL_OUTCOMES),
            }
        )


def _concat(blocks: list[Block], cutoff_days: int) -> Events:
    def col(name, fill, dtype):
        parts = []
        for b in blocks:
            v = getattr(b, name)
            n = len(b.learner)
            parts.append(np.full(n, fill, dtype=dtype) if v is None else np.broadcast_to(v, n).astype(dtype))
        return np.concatenate(parts)

    learner, etype, day = col("learner", -1, np.int32), col("etype", -1, np.int8), col("day", 0, np.int32)
    cred, award, qual = col("cred", -1, np.int32), col("award", -1, np.int32), col("qual", -1, np.int16)
    org, ects, vpl = col("org", -1, np.int8), col("ects", np.nan, np.float32), col("vpl", -1, np.int8)
    keep = day <= cutoff_days
    order = np.lexsort((qual[keep], cred[keep], award[keep], etype[keep], learner[keep], day[keep]))
    pick_ = np.flatnonzero(keep)[order]
    return Events(
        learner=learner[pick_], etype=etype[pick_], day=day[pick_], cred=cred[pick_], award=award[pick_],
        qual=qual[pick_], org=org[pick_], ects=ects[pick_], vpl=vpl[pick_],
    )  # fmt: skip


def _credit(rng, ects: np.ndarray) -> np.ndarray:
    """ECTS recognised: a share of the credential's workload in half credits, never more than the workload."""
    share = np.floor(ects * rng.uniform(0.4, 1.0, len(ects)) * 2) / 2
    return np.minimum(np.maximum(share, np.minimum(0.5, ects)), ects)


def build_events(eco: Ecosystem, aw: Awards, seed: int, cutoff_days: int) -> Events:
    rng = stream(seed, "pathway")
    n = len(aw)
    award = np.arange(n)
    target = eco.cred_target[aw.cred]
    has_target = target >= 0
    ects = eco.cred_ects[aw.cred]
    external = eco.cred_qa[aw.cred] == 0
    blocks = [
        Block(aw.learner, ENROLLED, aw.enrolled, cred=aw.cred),
        Block(aw.learner, COMPLETED, aw.completed, cred=aw.cred),
        Block(aw.learner, AWARDED, aw.day, cred=aw.cred, award=award, vpl=aw.vpl),
        Block(aw.pending_learner, ENROLLED, aw.pending_enrolled, cred=aw.pending_cred),
    ]
    done = aw.pending_completed >= 0
    blocks.append(
        Block(aw.pending_learner[done], COMPLETED, aw.pending_completed[done], cred=aw.pending_cred[done])
    )

    def follow(mask, etype, lo, hi, org, with_ects=False, qual=True):
        idx = np.flatnonzero(mask)
        blocks.append(
            Block(
                aw.learner[idx], etype, aw.day[idx] + rng.integers(lo, hi, len(idx)),
                cred=aw.cred[idx], award=idx, org=org[idx] if org is not None else None,
                qual=np.where(has_target[idx], target[idx], -1) if qual else None,
                ects=_credit(rng, ects[idx]) if with_ects else None,
            )
        )  # fmt: skip

    # validation of prior learning: the outcome on the awarded event, and what it opened up
    org_vpl = pick(rng, [0.75, 0.15, 0.10], n)
    follow(aw.vpl == 0, EXEMPTION, 7, 121, org_vpl, with_ects=True)
    follow(aw.vpl == 1, ADMITTED, 14, 181, np.zeros(n, dtype=np.int64))
    follow(aw.vpl == 2, CREDIT, 7, 121, np.zeros(n, dtype=np.int64), with_ects=True)
    follow(aw.vpl == 4, QUALIFIED, 14, 91, None)
    # recognition of new learning: more likely for externally assured and stackable credentials
    new = ~aw.prior
    p_credit = 0.03 + 0.07 * external + 0.08 * has_target
    follow(
        new & (rng.random(n) < p_credit), CREDIT, 30, 401, pick(rng, [0.85, 0.05, 0.10], n), with_ects=True
    )
    follow(new & (rng.random(n) < 0.03 + 0.07 * has_target), ADMITTED, 30, 301, np.zeros(n, dtype=np.int64))
    p_exempt = 0.02 + 0.04 * external
    follow(
        new & (rng.random(n) < p_exempt), EXEMPTION, 30, 301, pick(rng, [0.4, 0.4, 0.2], n), with_ects=True
    )
    blocks.extend(_stacking(rng, aw, target))
    return _concat(blocks, cutoff_days)


def _stacking(rng, aw: Awards, target: np.ndarray) -> list[Block]:
    """Stacking into a qualification: likely once two credentials of the same qualification are held."""
    idx = np.flatnonzero(target >= 0)
    order = np.lexsort((idx, aw.day[idx], target[idx], aw.learner[idx]))
    idx = idx[order]
    learner, qual = aw.learner[idx], target[idx]
    new_group = np.ones(len(idx), dtype=bool)
    new_group[1:] = (learner[1:] != learner[:-1]) | (qual[1:] != qual[:-1])
    starts = np.flatnonzero(new_group)
    sizes = np.diff(np.append(starts, len(idx)))
    trigger = idx[np.where(sizes >= 2, starts + 1, starts)]
    k = len(trigger)
    stacked = rng.random(k) < np.where(sizes >= 2, 0.75, 0.18)
    delay = np.where(sizes >= 2, rng.integers(7, 91, k), rng.integers(30, 366, k))
    s_day = aw.day[trigger] + delay
    trig, s_day, s_qual = trigger[stacked], s_day[stacked], target[trigger][stacked]
    obtained = rng.random(len(trig)) < 0.5
    q_day = s_day[obtained] + rng.integers(60, 541, obtained.sum())
    return [
        Block(aw.learner[trig], STACKED, s_day, cred=aw.cred[trig], award=trig, qual=s_qual),
        Block(aw.learner[trig][obtained], QUALIFIED, q_day, qual=s_qual[obtained]),
    ]


@dataclass
class Verifications:
    award: np.ndarray
    day: np.ndarray
    verifier: np.ndarray

    def __len__(self) -> int:
        return len(self.award)

    def frame(self) -> pl.DataFrame:
        return pl.DataFrame(
            {
                "verification_id": np.arange(len(self), dtype=KEY),
                "award_id": self.award.astype(KEY),
                "verification_date": dates(self.day),
                "verifier_type": labels(self.verifier, C.VERIFIER_TYPES),
            }
        )


def build_verifications(eco: Ecosystem, aw: Awards, seed: int, cutoff_days: int) -> Verifications:
    """Third-party checks: more for externally assured, longer and machine-verifiable credentials."""
    rng = stream(seed, "verifications")
    external = eco.cred_qa[aw.cred] == 0
    rate = (
        VERIFY_BASE
        * np.where(external, VERIFY_EXTERNAL, 1.0)
        * (eco.cred_ects[aw.cred] / 5.0) ** 0.35
        * VERIFY_STANDARD[aw.standard]
    )
    count = rng.poisson(rate)
    award = np.repeat(np.arange(len(aw)), count)
    m = len(award)
    lag = np.where(rng.random(m) < 0.04, 0, np.ceil(rng.exponential(150.0, m))).astype(np.int64)
    day = aw.day[award] + lag
    verifier = pick(rng, VERIFIER_SHARE, m)
    keep = day <= cutoff_days
    award, day, verifier = award[keep], day[keep], verifier[keep]
    order = np.lexsort((verifier, award, day))
    return Verifications(award=award[order], day=day[order], verifier=verifier[order])
