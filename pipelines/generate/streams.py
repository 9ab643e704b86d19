"""Independent random streams per generation step, so changing one step never reshuffles the others."""

from __future__ import annotations

import zlib

import numpy as np


def stream(seed: int, name: str) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, zlib.crc32(name.encode())])))


def pick(rng: np.random.Generator, probs, size: int) -> np.ndarray:
    """Category codes drawn with the given probabilities (normalised)."""
    p = np.asarray(probs, dtype=float)
    return rng.choice(len(p), size=size, p=p / p.sum()).astype(np.int16)


def pick_rows(rng: np.random.Generator, table: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Per-record category codes where each record's probabilities are row ``rows[i]`` of ``table``."""
    cum = np.cumsum(np.asarray(table, dtype=float), axis=1)
    cum = cum / cum[:, -1:]
    u = rng.random(len(rows))
    return (u[:, None] > cum[rows]).sum(axis=1).astype(np.int16)
