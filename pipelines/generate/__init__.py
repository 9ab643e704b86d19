"""Deterministic synthetic micro-credential ecosystem: raw CSV deliveries, seeded defects and ground truth.

``generate(scale, seed, out)`` writes one CSV per contract table (awards split per year), a delivery
``manifest.json`` and ``ground_truth.json`` (clean counts, defects, first-set indicators). The same scale,
seed and cut-off always give byte-identical files. See docs/GENERATOR.md.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from . import comparison, credential_files, truth
from .awards import draw_awards, first_award_year
from .dates import to_days
from .defects import Defects, seed_defects
from .ecosystem import Ecosystem, build_ecosystem, credential_frame
from .events import build_events, build_verifications
from .formatting import Identifiers
from .learners import draw_people, learner_frame, raw_identifiers
from .outcomes import build_outcomes
from .reference import load, region_frames
from .scales import SCALE_SPECS, SCALES, ScaleSpec
from .writer import FileEntry, write_awards, write_json, write_table

__all__ = ["SCALES", "SCALE_SPECS", "GenerateResult", "ScaleSpec", "generate", "build_frames"]

GENERATOR = "mco generate"
DEFAULT_CUTOFF = dt.date(2025, 12, 31)
EARLIEST_CUTOFF = dt.date(2020, 1, 1)


@dataclass(frozen=True)
class GenerateResult:
    out: Path
    files: dict[str, int]  # file name -> data rows
    learners: int
    awards: int
    seconds: float


@dataclass
class Frames:
    """Clean frames keyed by table name, plus the lookups that turn their integer keys into delivered ids.

    Column names are the contract's; key columns are 0-based integers (``AWD-000000001`` is award 0);
    code columns are polars Enums; credentials carry a helper boolean ``further_info`` for the URL.
    """

    tables: dict[str, pl.DataFrame]
    ids: Identifiers
    eco: Ecosystem
    impact_truth: dict | None = None  # true and naive effects of the comparison_population model


def build_frames(scale: str, seed: int, cutoff: dt.date = DEFAULT_CUTOFF, step=lambda _msg: None) -> Frames:
    """All clean tables in memory, before defects and formatting (also handy for tests and notebooks)."""
    if scale not in SCALE_SPECS:
        raise ValueError(f"unknown scale {scale!r}; choose one of {', '.join(SCALES)}")
    if cutoff < EARLIEST_CUTOFF:
        raise ValueError(f"data cut-off {cutoff} is before {EARLIEST_CUTOFF}; the series starts in 2019")
    spec, cutoff_days = SCALE_SPECS[scale], to_days(cutoff)
    step("reference data")
    ref = load()
    regions, region_population = region_frames()
    step("providers, qualifications and credential specifications")
    eco = build_ecosystem(spec, seed, ref, cutoff_days)
    step("learners and awards")
    people = draw_people(spec.learners, seed, ref)
    aw, keep = draw_awards(eco, people, seed, cutoff_days)
    people = people.subset(keep)
    learners = learner_frame(people, first_award_year(aw, len(people), cutoff_days), seed, ref)
    last = np.full(eco.n_credentials, -1, dtype=np.int64)
    np.maximum.at(last, aw.cred, aw.day)
    np.maximum.at(last, aw.pending_cred, aw.pending_enrolled)
    credentials = credential_frame(eco, last, seed, cutoff_days)
    # each step's arrays become a frame at once, so the arrays can be freed (matters at the large scale)
    step("pathway events")
    events = build_events(eco, aw, seed, cutoff_days).frame()
    step("verifications")
    verifications = build_verifications(eco, aw, seed, cutoff_days).frame()
    step("employment outcomes")
    outcomes = build_outcomes(eco, aw, people, ref, seed, cutoff_days).frame()
    ids = Identifiers(
        learner_ids=raw_identifiers(people, seed, ref), qualification_ids=pl.Series(eco.qualification_ids)
    )
    tables = {
        "regions": regions,
        "region_population": region_population,
        "providers": eco.providers,
        "qualifications": eco.qualifications,
        "credentials": credentials,
        "learners": learners,
        "awards": aw.frame(),
        "pathway_events": events,
        "verifications": verifications,
        "employment_outcomes": outcomes,
    }
    step("comparison population")
    comp = comparison.build(tables, people, ids.learner_ids, ref, seed, cutoff, scale)
    tables["comparison_population"] = comp.frame
    return Frames(tables=tables, ids=ids, eco=eco, impact_truth=comp.truth)


def _prepare(out: Path) -> None:
    """Create ``out``; clear the generator's own previous output, refuse to mix with foreign CSVs."""
    out.mkdir(parents=True, exist_ok=True)
    manifest = out / "manifest.json"
    ours: set[str] = set()
    if manifest.exists():
        try:
            previous = json.loads(manifest.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            previous = {}
        if previous.get("generator") == GENERATOR:
            ours = {f["path"] for f in previous.get("files", [])}
    folder = out / credential_files.FOLDER
    candidates = [*out.glob("*.csv"), *(p for p in folder.rglob("*") if p.is_file())]
    foreign = sorted(p.relative_to(out).as_posix() for p in candidates)
    foreign = [name for name in foreign if name not in ours]
    if foreign:
        raise ValueError(
            f"{out} already holds delivery files not written by the generator: {', '.join(foreign[:5])}"
        )
    for name in ours:
        (out / name).unlink(missing_ok=True)
    for sub in [*sorted((p for p in folder.rglob("*") if p.is_dir()), reverse=True), folder]:
        if sub.is_dir() and not any(sub.iterdir()):
            sub.rmdir()


def generate(
    scale: str,
    seed: int,
    out: Path,
    cutoff: dt.date = DEFAULT_CUTOFF,
    on_step: Callable[[str], None] | None = None,
) -> GenerateResult:
    """Write a complete synthetic delivery into ``out`` and return what was written."""
    started = time.perf_counter()
    step = on_step or (lambda _msg: None)
    out = Path(out)
    _prepare(out)
    frames = build_frames(scale, seed, cutoff, step)
    tables, ids = frames.tables, frames.ids
    step("seeded defects")
    defects = seed_defects(tables["awards"], tables["credentials"], frames.eco, ids, seed, cutoff)
    step("ground truth")
    indicators = truth.compute(tables, cutoff)
    moved = credential_files.choose(tables["awards"], ids, defects.duplicate_of, seed)
    entries: list[FileEntry] = []
    for table, frame in tables.items():
        step(f"writing {table}")
        if table == "awards":
            years = range(truth.FIRST_YEAR, cutoff.year + 1)
            entries += write_awards(out, frame, defects, ids, years, moved)
            step("writing digital credentials")
            entries += credential_files.write_credential_files(out, tables, ids, moved, seed)
        else:
            extra = defects.credential_rows if table == "credentials" else None
            entries.append(write_table(out, table, frame, ids, extra))
    step("manifest and ground truth")
    write_json(
        out / "manifest.json",
        {
            "generator": GENERATOR,
            "scale": scale,
            "seed": seed,
            "data_cutoff": cutoff.isoformat(),
            "files": [e.__dict__ for e in entries],
        },
    )
    truth_payload = _ground_truth(scale, seed, cutoff, tables, defects, indicators)
    truth_payload["impact"] = frames.impact_truth
    write_json(out / "ground_truth.json", truth_payload)
    return GenerateResult(
        out=out,
        files={e.path: e.rows for e in entries},
        learners=tables["learners"].height,
        awards=tables["awards"].height,
        seconds=time.perf_counter() - started,
    )


def _ground_truth(scale, seed, cutoff, tables, defects: Defects, indicators) -> dict:
    return {
        "scale": scale,
        "seed": seed,
        "data_cutoff": cutoff.isoformat(),
        "counts": {table: frame.height for table, frame in tables.items()},
        "defects": defects.summary,
        "indicators": indicators,
    }
