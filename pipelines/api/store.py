"""What the API reads: the warehouse (reopened when a rebuild swaps it in) and a bounded result cache.

The API's own SQL reads only public tables (`PUBLIC_TABLES`: the public cube and the build's
identity). Filtered figures come from the indicator engine (`compute` + `published`, exactly as
`mco indicators` and the dashboard get them): the engine reads the marts, and what leaves it has been
through disclosure control (perturbation, primary and secondary suppression, blanks). No mart row,
learner key or unprotected figure is ever returned.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl

from pipelines.errors import ObservatoryError
from pipelines.indicators.engine import Filters, compute, published
from pipelines.publish.release import BuildIdentity, build_identity
from pipelines.warehouse import connect_readonly

# The only tables the API queries itself.
PUBLIC_TABLES = ("pub_indicator_cube", "build_info")
COLUMNS = ("indicator_id", "breakdown", "breakdown_value", "numerator", "denominator", "value", "flag")
CUBE_SQL = (
    "select indicator_id, breakdown, breakdown_value, numerator, denominator, value, flag, suppression "
    "from pub_indicator_cube where indicator_id = ? and breakdown = ? order by breakdown_value"
)


@dataclass(frozen=True)
class Build:
    build_id: str
    data_cutoff: str
    built_at: str
    identity: BuildIdentity


class LRU:
    """A small thread-safe least-recently-used cache."""

    def __init__(self, size: int = 512) -> None:
        self.size = size
        self._data: OrderedDict[Hashable, object] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> object | None:
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                return self._data[key]
        return None

    def get_or_make(self, key: Hashable, make: Callable[[], object]) -> object:
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                return self._data[key]
        value = make()
        with self._lock:
            self._data[key] = value
            while len(self._data) > self.size:
                self._data.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._data.clear()


class Warehouse:
    """A read-only connection to the warehouse file, reopened when the file changes (a rebuild renames a
    new file into place); every request works on its own cursor."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._stamp: tuple | None = None
        self._con: duckdb.DuckDBPyConnection | None = None
        self._build: Build | None = None
        self.results = LRU()
        self.bodies = LRU(1024)

    def _identity(self) -> tuple:
        try:
            st = self.path.stat()
        except OSError:
            raise ObservatoryError("no warehouse found; build one with `mco build`") from None
        return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)

    def current(self) -> tuple[duckdb.DuckDBPyConnection, Build]:
        stamp = self._identity()
        with self._lock:
            if stamp != self._stamp or self._con is None or self._build is None:
                old = self._con
                con = connect_readonly(self.path)
                try:
                    identity = build_identity(con)  # with `synthetic`, so citations say so
                except (duckdb.Error, ObservatoryError):
                    con.close()
                    raise ObservatoryError(
                        "the warehouse has no build_info; rebuild it with `mco build`"
                    ) from None
                b, cutoff, built = identity.build_id, identity.data_cutoff, identity.built_at
                self._con, self._stamp = con, stamp
                self._build = Build(str(b), cutoff.isoformat(), built.isoformat(), identity)
                self.results.clear()
                self.bodies.clear()
                if old is not None:
                    old.close()
            return self._con, self._build

    def build(self) -> Build:
        return self.current()[1]

    def figures(self, indicator_id: str, by: str, filters: Filters) -> pl.DataFrame:
        """The published figures of one indicator by one breakdown under the filters (cached per build)."""
        con, build = self.current()
        key = (build.build_id, indicator_id, by, filters)

        def make() -> pl.DataFrame:
            cursor = con.cursor()
            try:
                if filters == Filters():
                    frame = cursor.sql(CUBE_SQL, params=[indicator_id, by]).pl()
                else:
                    frame = published(compute(cursor, [indicator_id], by, filters))
            finally:
                cursor.close()
            frame = frame.select([*COLUMNS, "suppression"]).sort("breakdown_value")
            floats = [c for c in ("numerator", "denominator", "value") if frame.schema[c].is_float()]
            return frame.with_columns(pl.col(c).fill_nan(None) for c in floats)

        return self.results.get_or_make(key, make)  # type: ignore[return-value]

    def close(self) -> None:
        with self._lock:
            if self._con is not None:
                self._con.close()
            self._con = None
            self._stamp = None
