"""Table contracts: one YAML file per raw record type, the single source for templates and checks."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

HERE = Path(__file__).parent
TYPES = {"varchar": "VARCHAR", "integer": "BIGINT", "double": "DOUBLE", "date": "DATE", "boolean": "BOOLEAN"}


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    required: bool = False
    description: str = ""
    allowed: tuple[str, ...] | None = None
    min: float | None = None
    max: float | None = None
    pattern: str | None = None
    pseudonymise: bool = False
    annex: str | None = None

    @property
    def sql_type(self) -> str:
        return TYPES[self.type]


@dataclass(frozen=True)
class Reference:
    column: str
    table: str
    key: str | None = None


@dataclass(frozen=True)
class Contract:
    table: str
    grain: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    references: tuple[Reference, ...] = field(default_factory=tuple)
    # cross-table rules: name, reason, fails (SQL), detail (SQL), text, optional join to a parent
    rules: tuple[dict, ...] = field(default_factory=tuple)
    conflict_columns: tuple[str, ...] = field(default_factory=tuple)  # must agree between rows of one key

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def required_columns(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


def _parse(path: Path) -> Contract:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    cols = []
    for c in raw["columns"]:
        if c["type"] not in TYPES:
            raise ValueError(f"{path.name}: column {c['name']} has unknown type {c['type']!r}")
        allowed = tuple(str(v) for v in c["allowed"]) if "allowed" in c else None
        cols.append(Column(**{**c, "allowed": allowed}))
    refs = tuple(Reference(**r) for r in raw.get("references", []))
    return Contract(
        table=raw["table"],
        grain=raw["grain"],
        key=tuple(raw["key"]),
        columns=tuple(cols),
        references=refs,
        rules=tuple(raw.get("rules", [])),
        conflict_columns=tuple(raw.get("conflict_columns", [])),
    )


# Load order: parents before children, so references can be checked against loaded parents.
LOAD_ORDER = (
    "regions",
    "region_population",
    "providers",
    "qualifications",
    "credentials",
    "learners",
    "awards",
    "pathway_events",
    "verifications",
    "employment_outcomes",
    "comparison_population",
)


@cache
def contracts() -> dict[str, Contract]:
    """All contracts keyed by table name, in load order."""
    found = {p.stem: _parse(p) for p in HERE.glob("*.yml")}
    missing = set(LOAD_ORDER) - set(found)
    if missing:
        raise RuntimeError(f"contracts missing for: {sorted(missing)}")
    return {name: found[name] for name in LOAD_ORDER}
