"""Size presets: how many people, providers and offers each scale draws, and the award count it must reach."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ScaleSpec:
    """Inputs of one preset. ``min_awards`` is the promise the tests hold the generator to."""

    learners: int  # people drawn; the few still enrolling at the cut-off without any event are dropped
    providers: int
    credentials: int
    min_learners: int
    min_awards: int


SCALE_SPECS: dict[str, ScaleSpec] = {
    "small": ScaleSpec(learners=2_150, providers=60, credentials=320, min_learners=1_900, min_awards=4_000),
    "demo": ScaleSpec(
        learners=54_000, providers=400, credentials=3_000, min_learners=50_000, min_awards=100_000
    ),
    "medium": ScaleSpec(
        learners=520_000, providers=1_500, credentials=12_000, min_learners=450_000, min_awards=1_000_000
    ),
    "large": ScaleSpec(
        learners=5_200_000, providers=4_000, credentials=40_000, min_learners=4_500_000, min_awards=10_000_000
    ),
}
SCALES: tuple[str, ...] = tuple(SCALE_SPECS)
