"""Turn numpy code/day arrays into typed polars columns (null where the code says 'missing')."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import polars as pl

KEY = np.int32  # integer keys in the in-memory frames (2**31 is far above the largest scale)


def labels(codes: np.ndarray, names: Sequence[str], name: str = "") -> pl.Series:
    """Code array -> categorical Series; negative codes become null (an empty cell in the CSV).

    Enum (4 bytes a row) rather than String keeps the large scales in memory; it compares like text.
    """
    codes = np.asarray(codes)
    idx = pl.Series(np.where(codes < 0, np.nan, codes), nan_to_null=True).cast(pl.Int64)
    unique = len(set(names)) == len(names)
    return (
        pl.Series(name, list(names), dtype=pl.Enum(list(names)) if unique else pl.String)
        .gather(idx)
        .alias(name)
    )


def dates(days: np.ndarray, name: str = "", missing: np.ndarray | None = None) -> pl.Series:
    s = pl.Series(name, np.asarray(days, dtype=np.int64)).cast(pl.Int32).cast(pl.Date)
    if missing is not None:
        s = pl.select(pl.when(pl.lit(pl.Series(missing))).then(None).otherwise(s)).to_series().alias(name)
    return s


def masked(values: np.ndarray, keep: np.ndarray, name: str = "") -> pl.Series:
    """Numeric Series with nulls where ``keep`` is false."""
    s = pl.Series(name, values)
    return pl.select(pl.when(pl.lit(pl.Series(keep))).then(s).otherwise(None)).to_series().alias(name)


def hex_strings(rng: np.random.Generator, n: int, width: int) -> pl.Series:
    """n random lowercase hex strings of ``width`` characters, vectorised (no per-record Python)."""
    raw = rng.bytes(n * width // 2).hex().encode()
    return pl.Series(np.frombuffer(raw, dtype=f"S{width}")).cast(pl.String)


def zero_padded(prefix: str, numbers: pl.Expr, width: int) -> pl.Expr:
    """``PREFIX-000124`` style identifiers from a 0-based integer index (numbering starts at 1)."""
    return pl.concat_str(pl.lit(prefix), (numbers + 1).cast(pl.String).str.zfill(width))
