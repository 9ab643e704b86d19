"""The warehouse tables built from SQL, each described by the YAML file beside its SQL (dbt's model YAML).

Every curated table and mart is two files: `pipelines/sql/<layer>/<table>.sql` (the select that builds
it) and `<table>.yml` beside it (why it exists, its grain, its key, what each column means and the tests
that must hold). The indicator cubes, built in Python, have a YAML without SQL (`built_by`). From these
files come the Great Expectations suites (pipelines/quality/suites.py), the release data dictionary
(pipelines/publish/dictionary.py), docs/WAREHOUSE.md (pipelines/sql/docs.py) and the build order: each
SQL file is parsed (sqlglot) for the tables it reads, and the models are built parents first.

A model YAML (unknown keys are an error, so a misspelt test never silently does nothing):

    name: <table>                  the file name, without .yml
    description: why the table exists and what it holds
    grain: what one row is
    key: [columns]                 each not null, unique together (implies not_null and unique)
    built_by: text                 only for a table built in Python, which has no .sql beside it
    tests:                         table-level tests
      - row_count: {min: 1}        bounds on the rows ({min, max} or {equal}); default 0 to 100 million
    columns:                       every column of the table, in table order
      - name: <column>
        description: what it means     (or inherited with `like`)
        note: text appended to the inherited description
        like: <table>.<column>         same meaning, type and value domain (codes, range, pattern) as a
                                       column of a staging contract (awards.format) or of another model
                                       (fct_award.format); the tests below add to or override it. A
                                       column like a column of a table its SQL reads is a copy of it:
                                       its type and domain are checked where they were made (that
                                       table's suite), unless this column declares its own
        type: varchar | integer | double | date | boolean | list
        tests:
          - not_null
          - unique
          - accepted_values: {values: [a, b]}   the codes allowed (replaces the `like` list), or
          - accepted_values: {also: [unknown]}  codes allowed on top of the `like` list
          - accepted_range: {min: 0, max: 9}    either bound may be left out
          - pattern: '^[A-Z]{2}$'
          - not_after_cutoff                    no date later than the build's data cut-off
          - relationships: {to: <model>, field: <column>}   every non-null value is a `field` of `to`
                                                            (`field` defaults to the column's name)

Sources (pipelines/sql/sources.yml) are the tables the models read that no model builds: staging tables
and reference data. Curated tables read staging and reference sources only; marts read curated tables,
other marts and reference sources, never staging. A reference to any other table, a cycle, or a file
read from SQL fails `build_order`.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from pipelines.contracts import contracts
from pipelines.errors import ObservatoryError

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
SQL_LAYERS = ("curated", "marts")  # built from SQL, in this order
LAYERS = (*SQL_LAYERS, "public")  # folders holding model YAML
SOURCES_FILE = HERE / "sources.yml"
TYPES = ("varchar", "integer", "double", "date", "boolean", "list")
DEFAULT_ROWS = {"min": 0, "max": 100_000_000}

MODEL_KEYS = frozenset({"name", "description", "grain", "key", "built_by", "tests", "columns"})
COLUMN_KEYS = frozenset({"name", "description", "note", "like", "type", "tests"})
COLUMN_TESTS = frozenset(
    {
        "not_null",
        "unique",
        "accepted_values",
        "accepted_range",
        "pattern",
        "not_after_cutoff",
        "relationships",
    }
)
TEST_ARGUMENTS = {
    "accepted_values": frozenset({"values", "also"}),
    "accepted_range": frozenset({"min", "max"}),
    "relationships": frozenset({"to", "field"}),
    "row_count": frozenset({"min", "max", "equal"}),
}
# Which sources each layer may read: sources.yml gives every source a kind.
MAY_READ = {
    "curated": {"staging", "reference"},
    "marts": {"curated", "marts", "reference"},
}


class ModelError(ObservatoryError):
    """A model YAML or SQL file that breaks the rules above."""


@dataclass(frozen=True)
class Relationship:
    to: str
    field: str


@dataclass(frozen=True)
class ModelColumn:
    name: str
    type: str
    description: str
    origin: str  # where the description is written: "table contract awards.format" or a model YAML
    not_null: bool = False
    unique: bool = False
    accepted: tuple[str | int | float, ...] | None = None  # of the column's type
    min: float | None = None
    max: float | None = None
    pattern: str | None = None
    not_after_cutoff: bool = False
    relationship: Relationship | None = None
    like: str | None = None
    own_type: bool = True  # the type is declared here, or inherited from a contract
    own_domain: bool = True  # the codes, range and pattern likewise (not only from another model)


@dataclass(frozen=True)
class Model:
    name: str
    layer: str  # curated | marts | public (or the folder a YAML was loaded from)
    path: Path  # the YAML
    description: str
    grain: str
    key: tuple[str, ...]
    columns: tuple[ModelColumn, ...]
    row_count: Mapping[str, int]  # {min, max} or {equal}
    built_by: str | None = None  # a table built in Python: by what (it has no SQL)

    @property
    def sql_path(self) -> Path | None:
        return None if self.built_by else self.path.with_suffix(".sql")

    @property
    def sql(self) -> str:
        if self.sql_path is None:
            raise ModelError(f"{self.name} is built in Python ({self.built_by}), not from SQL", self.path)
        return self.sql_path.read_text(encoding="utf-8")

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> ModelColumn:
        for c in self.columns:
            if c.name == name:
                return c
        raise ModelError(f"{self.name} has no column {name!r}", self.path)

    def has(self, name: str) -> bool:
        return any(c.name == name for c in self.columns)

    @property
    def where(self) -> str:
        """The YAML's path relative to the repository (for messages, suites and the dictionary)."""
        return _where(self.path)


def _where(path: Path) -> str:
    try:
        return path.resolve().relative_to(ROOT).as_posix()
    except ValueError:
        return path.as_posix()


# --- reading the YAML --------------------------------------------------------------------------------


def _unknown(given, allowed, what: str, path: Path) -> None:
    extra = sorted(set(given) - set(allowed))
    if extra:
        raise ModelError(
            f"{what}: unknown key(s) {', '.join(extra)} (allowed: {', '.join(sorted(allowed))})", path
        )


def _tests(raw, allowed: frozenset[str], what: str, path: Path) -> dict[str, dict]:
    """A dbt-style test list (`- not_null`, `- accepted_values: {values: [...]}`) as {test: arguments}."""
    if raw is None:
        return {}
    if not isinstance(raw, list):
        raise ModelError(f"{what}: tests must be a list", path)
    out: dict[str, dict] = {}
    for item in raw:
        if isinstance(item, str):
            name, args = item, {}
        elif isinstance(item, dict) and len(item) == 1:
            ((name, args),) = item.items()
        else:
            raise ModelError(f"{what}: a test is a name or a one-key mapping, not {item!r}", path)
        if name not in allowed:
            raise ModelError(f"{what}: unknown test {name!r} (allowed: {', '.join(sorted(allowed))})", path)
        if name in out:
            raise ModelError(f"{what}: test {name!r} given twice", path)
        if name == "pattern":
            if not isinstance(args, str):
                raise ModelError(f"{what}: pattern takes a regular expression", path)
            args = {"regex": args}
        elif name in TEST_ARGUMENTS:
            if not isinstance(args, dict) or not args:
                raise ModelError(f"{what}: {name} takes arguments {sorted(TEST_ARGUMENTS[name])}", path)
            _unknown(args, TEST_ARGUMENTS[name], f"{what}: {name}", path)
        elif args not in ({}, None):
            raise ModelError(f"{what}: {name} takes no arguments", path)
        out[name] = args or {}
    return out


def _read(path: Path, layer: str) -> dict:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(raw, dict):
        raise ModelError("a model YAML is a mapping", path)
    _unknown(raw, MODEL_KEYS, path.stem, path)
    for required in ("name", "description", "grain", "columns"):
        if not raw.get(required):
            raise ModelError(f"{path.stem}: {required} is missing", path)
    if raw["name"] != path.stem:
        raise ModelError(f"{path.stem}: name {raw['name']!r} is not the file's name", path)
    if not isinstance(raw["columns"], list):
        raise ModelError(f"{path.stem}: columns must be a list", path)
    names = []
    for c in raw["columns"]:
        if not isinstance(c, dict) or "name" not in c:
            raise ModelError(f"{path.stem}: every column needs a name ({c!r})", path)
        _unknown(c, COLUMN_KEYS, f"{path.stem}.{c['name']}", path)
        names.append(c["name"])
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ModelError(f"{path.stem}: column(s) listed twice: {', '.join(dupes)}", path)
    key = list(raw.get("key") or [])
    missing = [k for k in key if k not in names]
    if missing:
        raise ModelError(f"{path.stem}: key column(s) {', '.join(missing)} are not among the columns", path)
    sql = path.with_suffix(".sql")
    if raw.get("built_by") and sql.exists():
        raise ModelError(f"{path.stem}: built_by is for a table without SQL, but {sql.name} exists", path)
    if not raw.get("built_by") and not sql.exists():
        raise ModelError(
            f"{path.stem}: no {sql.name} beside it (a table built in Python says built_by)", path
        )
    return {**raw, "layer": layer, "path": path, "key": key}


# --- resolving columns (`like`) ----------------------------------------------------------------------


def _contract_column(table: str, column: str) -> ModelColumn | None:
    contract = contracts().get(table)
    if contract is None or column not in contract.column_names:
        return None
    c = contract.column(column)
    return ModelColumn(
        name=column,
        type=c.type,
        description=c.description,
        origin=f"table contract {table}.{column}",
        accepted=c.allowed,
        min=c.min,
        max=c.max,
        pattern=c.pattern,
    )


def _typed(values, type_: str, what: str, path: Path) -> tuple:
    """Accepted values as the column's type holds them (YAML reads `06` as text, `6` as a number)."""
    cast = {"integer": int, "double": float, "varchar": str}.get(type_)
    if cast is None:
        raise ModelError(f"{what}: accepted_values is a test of a varchar, integer or double column", path)
    try:
        return tuple(cast(v) for v in values)
    except (TypeError, ValueError):
        raise ModelError(f"{what}: accepted_values {list(values)} are not all {type_}", path) from None


class _Resolver:
    """Resolves every column of every model, following `like` chains (a cycle is an error)."""

    def __init__(self, raws: dict[str, dict]):
        self.raws = raws
        self.done: dict[tuple[str, str], ModelColumn] = {}
        self.active: list[tuple[str, str]] = []

    def column(self, table: str, name: str) -> ModelColumn:
        at = (table, name)
        if at in self.done:
            return self.done[at]
        raw = self.raws[table]
        path = raw["path"]
        if at in self.active:
            chain = " -> ".join(f"{t}.{c}" for t, c in [*self.active, at])
            raise ModelError(f"`like` goes round in a circle: {chain}", path)
        spec = next(c for c in raw["columns"] if c["name"] == name)
        what = f"{table}.{name}"
        self.active.append(at)
        try:
            base = self._like(spec["like"], what, path) if spec.get("like") else None
        finally:
            self.active.pop()
        from_model = base is not None and str(spec["like"]).partition(".")[0] in self.raws
        tests = _tests(spec.get("tests"), COLUMN_TESTS, what, path)
        type_ = spec.get("type", base.type if base else None)
        if type_ not in TYPES:
            raise ModelError(f"{what}: type {type_!r} is not one of {', '.join(TYPES)}", path)
        description = str(spec.get("description") or (base.description if base else "")).strip()
        origin = base.origin if base and not spec.get("description") else _where(path)
        if spec.get("note"):
            ends = description.endswith((".", ";", ":", "!", "?")) or not description
            description = f"{description}{'' if ends else '.'} {str(spec['note']).strip()}".strip()
            origin = _where(path)
        if not description:
            raise ModelError(f"{what}: no description (write one, or inherit it with `like`)", path)
        accepted = base.accepted if base else None
        if "accepted_values" in tests:
            args = tests["accepted_values"]
            if "values" in args:
                accepted = tuple(args["values"])
            if "also" in args:
                if accepted is None:
                    raise ModelError(f"{what}: accepted_values also needs a list to add to", path)
                accepted = (*accepted, *args["also"])
        if accepted is not None:
            accepted = _typed(accepted, type_, what, path)
        lo, hi = (base.min, base.max) if base else (None, None)
        if "accepted_range" in tests:
            lo = tests["accepted_range"].get("min", lo)
            hi = tests["accepted_range"].get("max", hi)
        pattern = tests["pattern"]["regex"] if "pattern" in tests else (base.pattern if base else None)
        in_key = name in raw["key"]
        for implied in ("not_null", "unique"):
            if in_key and implied in tests:
                raise ModelError(f"{what}: {implied} is implied by the key; leave it out", path)
        if "not_after_cutoff" in tests and type_ != "date":
            raise ModelError(f"{what}: not_after_cutoff is a test of a date column", path)
        relationship = None
        if "relationships" in tests:
            args = tests["relationships"]
            if "to" not in args:
                raise ModelError(f"{what}: relationships needs `to`", path)
            relationship = Relationship(str(args["to"]), str(args.get("field", name)))
        result = ModelColumn(
            name=name,
            type=type_,
            description=description,
            origin=origin,
            not_null=in_key or "not_null" in tests,
            unique="unique" in tests or (in_key and len(raw["key"]) == 1),
            accepted=accepted,
            min=lo,
            max=hi,
            pattern=pattern,
            not_after_cutoff="not_after_cutoff" in tests,
            relationship=relationship,
            like=spec.get("like"),
            own_type=not from_model or "type" in spec,
            own_domain=not from_model or bool({"accepted_values", "accepted_range", "pattern"} & set(tests)),
        )
        self.done[at] = result
        return result

    def _like(self, ref: str, what: str, path: Path) -> ModelColumn:
        table, _, column = str(ref).partition(".")
        if table in self.raws:
            if not any(c["name"] == column for c in self.raws[table]["columns"]):
                raise ModelError(f"{what}: like {ref}: {table} has no column {column!r}", path)
            return self.column(table, column)
        found = _contract_column(table, column)
        if found is None:
            raise ModelError(f"{what}: like {ref}: no such contract or model column", path)
        return found


def load(paths: dict[Path, str]) -> dict[str, Model]:
    """Models from YAML files ({path: layer}), their columns resolved; raises ModelError on a bad file.

    Relationships must point to a column of one of these models."""
    raws: dict[str, dict] = {}
    for path, layer in paths.items():
        raw = _read(path, layer)
        if raw["name"] in raws:
            raise ModelError(f"two YAML files for {raw['name']}", path)
        raws[raw["name"]] = raw
    resolver = _Resolver(raws)
    out: dict[str, Model] = {}
    for name, raw in raws.items():
        tests = _tests(raw.get("tests"), frozenset({"row_count"}), name, raw["path"])
        rows = tests.get("row_count") or {}
        if "equal" in rows and len(rows) > 1:
            raise ModelError(f"{name}: row_count is either {{equal}} or {{min, max}}", raw["path"])
        row_count = rows if "equal" in rows else {**DEFAULT_ROWS, **rows}
        out[name] = Model(
            name=name,
            layer=raw["layer"],
            path=raw["path"],
            description=" ".join(str(raw["description"]).split()),
            grain=" ".join(str(raw["grain"]).split()),
            key=tuple(raw["key"]),
            columns=tuple(resolver.column(name, c["name"]) for c in raw["columns"]),
            row_count=row_count,
            built_by=raw.get("built_by"),
        )
    for model in out.values():
        for c in model.columns:
            r = c.relationship
            if r is None:
                continue
            if r.to not in out or not out[r.to].has(r.field):
                raise ModelError(
                    f"{model.name}.{c.name}: relationships to {r.to}.{r.field}: no such column", model.path
                )
    return out


def model_files(root: Path = HERE) -> dict[Path, str]:
    """Every model YAML under `root`, with its layer (the folder it is in)."""
    return {p: layer for layer in LAYERS for p in sorted((root / layer).glob("*.yml"))}


@cache
def models() -> dict[str, Model]:
    """Every model of pipelines/sql by layer (curated, marts, public), then name; `sql_build_order`
    gives the order they are built in."""
    return load(model_files())


def _source_entries() -> list[dict]:
    raw = yaml.safe_load(SOURCES_FILE.read_text(encoding="utf-8"))
    _unknown(raw, {"sources"}, "sources.yml", SOURCES_FILE)
    for s in raw["sources"]:
        _unknown(s, {"name", "kind", "description"}, f"sources.yml {s.get('name')}", SOURCES_FILE)
        if s.get("kind") not in ("staging", "reference") or not s.get("description"):
            raise ModelError(
                f"source {s.get('name')}: needs kind staging|reference and a description", SOURCES_FILE
            )
    return raw["sources"]


@cache
def sources() -> dict[str, str]:
    """Tables the models read that no model builds, {table: kind}: the staging table of every table
    contract, and what sources.yml lists (kind staging or reference)."""
    out = {f"stg_{table}": "staging" for table in contracts()}
    out.update({s["name"]: s["kind"] for s in _source_entries()})
    return out


@cache
def source_descriptions() -> dict[str, str]:
    """What each source holds."""
    out = {
        f"stg_{t}": f"Staging table of {t} ({c.grain}); contract pipelines/contracts/{t}.yml."
        for t, c in contracts().items()
    }
    out.update({s["name"]: " ".join(str(s["description"]).split()) for s in _source_entries()})
    return out


# --- build order from the SQL ------------------------------------------------------------------------


@cache
def _reads_of(path: Path) -> frozenset[str]:
    return frozenset(reads(path.read_text(encoding="utf-8")))


def copied_from(model: Model, column: ModelColumn) -> str | None:
    """The table a column is copied from: the model its `like` names, when the model's SQL reads it.

    A copy's type and value domain are checked in that table's suite, not again in this one (a column
    `like` a table the SQL does not read, or of a table built in Python, only shares its meaning)."""
    if not column.like or model.sql_path is None:
        return None
    table = column.like.partition(".")[0]
    return table if table in _reads_of(model.sql_path) else None


def checks(model: Model, column: ModelColumn) -> tuple[bool, bool]:
    """Whether the suite of `model` checks the column's (type, value domain)."""
    copied = copied_from(model, column) is not None
    return (column.own_type or not copied, column.own_domain or not copied)


def reads(sql: str) -> set[str]:
    """The tables a select reads (CTE names resolved away); raises ModelError on a table function
    (read_csv, read_parquet, …: a model reads tables, never files) or SQL that does not parse."""
    import sqlglot  # imported on use: 0.3 s, and only the build order, suites and docs parse SQL
    from sqlglot import exp
    from sqlglot.errors import SqlglotError
    from sqlglot.optimizer.scope import traverse_scope

    try:
        tree = sqlglot.parse_one(sql, read="duckdb")
    except SqlglotError as exc:
        raise ModelError(f"the SQL does not parse: {str(exc).splitlines()[0]}") from None
    found: set[str] = set()
    for scope in traverse_scope(tree):
        for source in scope.sources.values():
            if not isinstance(source, exp.Table):
                continue
            if not isinstance(source.this, exp.Identifier):
                raise ModelError(f"the SQL reads {source.sql(dialect='duckdb')}: models read tables only")
            found.add(".".join(p.name for p in source.parts))
    return found


def build_order(
    sqls: Mapping[str, str], known_sources: Mapping[str, str], layer_of: Mapping[str, str]
) -> list[str]:
    """The models in an order that builds every table after the tables it reads.

    `sqls`: model name -> its select; `known_sources`: table -> kind (staging | reference);
    `layer_of`: model name -> layer (curated | marts). Raises ModelError naming the table on a reference
    to a table that is neither a model nor a source, on a read the layer may not make, and on a cycle.
    Ties are broken by layer (curated first), then by name, so the order is the same on every run.
    """
    deps: dict[str, set[str]] = {}
    for name, sql in sqls.items():
        try:
            read = reads(sql)
        except ModelError as exc:
            raise ModelError(f"{name}: {exc.message}") from None
        layer = layer_of.get(name, "marts")
        allowed = MAY_READ.get(layer, MAY_READ["marts"])
        for table in sorted(read):
            if table in sqls:
                kind = layer_of.get(table, "marts")
            elif table in known_sources:
                kind = known_sources[table]
            else:
                raise ModelError(f"{name} reads {table}, which is neither a model nor a source (sources.yml)")
            if kind not in allowed:
                raise ModelError(
                    f"{name} ({layer}) reads {table} ({kind}): {layer} may read only {sorted(allowed)}"
                )
        deps[name] = {t for t in read if t in sqls and t != name}
        if name in read:
            raise ModelError(f"{name} reads itself")
    rank = {layer: i for i, layer in enumerate(SQL_LAYERS)}

    def tie(name: str) -> tuple[int, str]:
        return rank.get(layer_of.get(name, "marts"), len(rank)), name

    waiting = {n: set(d) for n, d in deps.items()}
    ready = [tie(n) for n, d in waiting.items() if not d]
    heapq.heapify(ready)
    order: list[str] = []
    while ready:
        _, name = heapq.heappop(ready)
        order.append(name)
        for other, d in waiting.items():
            if name in d:
                d.discard(name)
                if not d:
                    heapq.heappush(ready, tie(other))
    if len(order) < len(deps):
        raise ModelError(f"the models read each other in a cycle: {' -> '.join(_cycle(waiting))}")
    return order


def _cycle(waiting: Mapping[str, set[str]]) -> list[str]:
    """One cycle among the models left waiting (each still waits for another one left)."""
    name = min(n for n, d in waiting.items() if d)
    path: list[str] = []
    while name not in path:
        path.append(name)
        name = min(waiting[name])
    return [*path[path.index(name) :], name]


@cache
def sql_build_order() -> tuple[Model, ...]:
    """The SQL models in build order (curated, then marts), derived from the tables each SQL reads."""
    found = models()
    sql_models = {n: m for n, m in found.items() if m.sql_path is not None}
    layer_of = {n: m.layer for n, m in sql_models.items()}
    order = build_order({n: m.sql for n, m in sql_models.items()}, sources(), layer_of)
    return tuple(sql_models[n] for n in order)
