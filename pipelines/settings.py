"""Settings: one object from the environment and config/observatory.toml, built once per process.

    from pipelines.settings import settings
    rules = settings().disclosure          # thresholds in force (pipelines.disclosure.Disclosure)

Environment (every name as documented in the README):
    MCO_CONFIG                 the settings file (default config/observatory.toml in the repository)
    MCO_WAREHOUSE              the warehouse the dashboard serves (default data/curated/warehouse.duckdb
                               under the repository root); the CLI's --warehouse reads it too
    MCO_RELEASES               the folder of public releases the dashboard lists (default data/releases
                               under the repository root)
    MCO_KEY_FILE               the pseudonymisation key file (default ~/.config/mco/pseudonym.key)
    MCO_MAX_QUARANTINE_SHARE   the largest share of a delivery file that may be quarantined (default 0.2)
    MCO_DUCKDB_MEMORY_LIMIT    DuckDB's memory limit for a build ("6GB", "2.5GiB" or "30%" of the machine's
                               memory; default: a quarter of the machine's memory, at least 1 GB)
    MCO_DUCKDB_THREADS         DuckDB worker threads for a build (default: the machine's cores)
    MCO_DUCKDB_TEMP_DIRECTORY  where DuckDB spills what exceeds the limit (default: next to the warehouse)
    MCO_SPARK_MASTER           the Spark master `mco build --engine spark` uses (overrides [spark] master)
The key itself (MCO_PSEUDONYM_KEY) is a secret and is read only where it is used
(pipelines/pseudonymise.py), never kept here.

The settings file has the sections `[disclosure]`, `[[targets]]`, `[release]`, `[duckdb]` (keys
memory_limit, threads, temp_directory) and `[spark]`; the environment wins over the file; a section or
key it does not know is an error (a misspelt setting must not silently do nothing). `settings()` caches the
object per value of the variables above, so a process builds it once (a test that changes a variable gets a
new one).
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, fields
from functools import lru_cache
from pathlib import Path

from pipelines.disclosure import Disclosure
from pipelines.errors import ObservatoryError

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CONFIG = REPO_ROOT / "config" / "observatory.toml"
# Paths relative to the working directory: the CLI's defaults (the dashboard anchors them at REPO_ROOT).
DEFAULT_RAW = Path("data/raw")
DEFAULT_WAREHOUSE = Path("data/curated/warehouse.duckdb")
DEFAULT_RELEASES = Path("data/releases")
DEFAULT_RESTRICTED = Path("data/restricted_releases")
DEFAULT_KEY_FILE = Path.home() / ".config" / "mco" / "pseudonym.key"
DEFAULT_MAX_QUARANTINE_SHARE = 0.2

# Record types a build cannot do without: a build with none of these rows fails (the last warehouse stays).
REQUIRED_TABLES = ("providers", "credentials", "learners", "awards")

ENVIRONMENT = (
    "MCO_CONFIG",
    "MCO_WAREHOUSE",
    "MCO_RELEASES",
    "MCO_KEY_FILE",
    "MCO_MAX_QUARANTINE_SHARE",
    "MCO_DUCKDB_MEMORY_LIMIT",
    "MCO_DUCKDB_THREADS",
    "MCO_DUCKDB_TEMP_DIRECTORY",
    "MCO_SPARK_MASTER",
)


@dataclass(frozen=True)
class Target:
    """A policy target the cube records progress towards (value in the indicator's unit, by year)."""

    indicator: str
    value: float
    year: int
    source: str = ""
    baseline_year: int | None = None  # default: the first complete year with a published value
    baseline_value: float | None = None  # default: the published value in baseline_year
    trend_years: int = 3  # the projection is a least-squares line over this many last complete years


@dataclass(frozen=True)
class ReleaseSettings:
    """The `[release]` section: how data releases and chart downloads name their publisher and licence."""

    title: str = "Microcredential Observatory indicators"
    publisher: str = "Microcredential Observatory"
    licence: str = "CC-BY-4.0"
    licence_url: str = "https://creativecommons.org/licenses/by/4.0/"
    base_url: str = ""  # where releases are served (the API's address): a release is <base_url>/releases/<v>
    doi: str = ""  # the data set's DOI (e.g. 10.5281/zenodo.123), when one was minted


def machine_memory() -> int:
    """Physical memory of this machine in bytes (0 when the platform does not say)."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return 0


def default_memory_limit() -> int:
    """A quarter of the machine's memory, at least 1 GB: room for the Python side of the build (polars
    frames, the quality gate) and for other work on the machine; DuckDB spills what does not fit."""
    return max(machine_memory() // 4, 10**9)


_SIZE = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*(%|b|kb|mb|gb|tb|kib|mib|gib|tib)?\s*$", re.IGNORECASE)
_UNITS = {"b": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12}
_UNITS |= {"kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40}


def parse_memory(value: str | int | float, where: str = "memory_limit") -> int:
    """Bytes from "6GB", "2.5GiB", "512MB", "30%" (of the machine's memory) or a bare number of bytes."""
    match = _SIZE.match(str(value))
    if not match:
        raise ObservatoryError(f"{where} must be a size such as 6GB, 2.5GiB or 30%, not {value!r}")
    number, unit = float(match[1]), (match[2] or "b").lower()
    size = int(number * machine_memory() / 100) if unit == "%" else int(number * _UNITS[unit])
    if size < 2**27:  # DuckDB cannot build anything in less than 128 MiB
        raise ObservatoryError(f"{where} of {value!r} is too small: give at least 128MiB")
    return size


@dataclass(frozen=True)
class DuckDBSettings:
    """How much of the machine a build's DuckDB may use (the `[duckdb]` section and MCO_DUCKDB_*)."""

    memory_limit: int = 0  # bytes; 0 = default_memory_limit()
    threads: int = 0  # 0 = the machine's cores
    temp_directory: Path | None = None  # None = next to the warehouse being built

    @property
    def memory_bytes(self) -> int:
        return self.memory_limit or default_memory_limit()

    @property
    def thread_count(self) -> int:
        return self.threads or os.cpu_count() or 1


def _duckdb(raw: dict, env: Mapping[str, str], config: Path) -> DuckDBSettings:
    """The `[duckdb]` section, each key overridden by its MCO_DUCKDB_* variable."""
    known = {f.name for f in fields(DuckDBSettings)}
    unknown = set(raw) - known
    if unknown:
        raise ObservatoryError(f"unknown duckdb setting(s) {', '.join(sorted(unknown))}", config)
    memory = env.get("MCO_DUCKDB_MEMORY_LIMIT", raw.get("memory_limit"))
    threads = env.get("MCO_DUCKDB_THREADS", raw.get("threads"))
    temp = env.get("MCO_DUCKDB_TEMP_DIRECTORY", raw.get("temp_directory"))
    try:
        count = int(threads) if threads not in (None, "") else 0
    except (TypeError, ValueError):
        count = -1
    if count < 0:
        raise ObservatoryError(f"duckdb threads must be a whole number of at least 1, not {threads!r}")
    return DuckDBSettings(
        memory_limit=parse_memory(memory) if memory not in (None, "") else 0,
        threads=count,
        temp_directory=Path(str(temp)).expanduser() if temp not in (None, "") else None,
    )


@dataclass(frozen=True)
class SparkSettings:
    """The `[spark]` section: where `mco build --engine spark` runs (README "Running on Spark").

    `master` is any Spark master URL (local[N], spark://host:7077, yarn, k8s://…); blank means the one
    spark-submit was given, else local[*]. `conf` holds further Spark properties as strings
    ("spark.executor.memory" = "4g"), set on the session the build starts."""

    master: str = ""
    app_name: str = "mco-build"
    conf: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Settings:
    config_file: Path
    warehouse: Path
    releases: Path
    key_file: Path
    max_quarantine_share: float = DEFAULT_MAX_QUARANTINE_SHARE
    disclosure: Disclosure = Disclosure()
    targets: tuple[Target, ...] = ()
    release: ReleaseSettings = ReleaseSettings()
    duckdb: DuckDBSettings = DuckDBSettings()
    spark: SparkSettings = SparkSettings()


def settings() -> Settings:
    """The settings in force: built once per process (per value of the MCO_* variables it reads)."""
    return _cached(tuple(os.environ.get(name) for name in ENVIRONMENT))


@lru_cache(maxsize=8)
def _cached(values: tuple[str | None, ...]) -> Settings:
    return load({k: v for k, v in zip(ENVIRONMENT, values, strict=True) if v is not None})


def load(env: Mapping[str, str]) -> Settings:
    """Settings from the environment `env` and the settings file it names (not cached)."""
    config = Path(env.get("MCO_CONFIG", DEFAULT_CONFIG))
    raw = _read(config)
    unknown = set(raw) - {"disclosure", "targets", "release", "duckdb", "spark"}
    if unknown:
        raise ObservatoryError(f"unknown settings section(s) {', '.join(sorted(unknown))}", config)
    return Settings(
        config_file=config,
        warehouse=_anchored(env.get("MCO_WAREHOUSE", ""), DEFAULT_WAREHOUSE),
        releases=_anchored(env.get("MCO_RELEASES", ""), DEFAULT_RELEASES),
        key_file=Path(env.get("MCO_KEY_FILE", DEFAULT_KEY_FILE)).expanduser(),
        max_quarantine_share=_share(env.get("MCO_MAX_QUARANTINE_SHARE")),
        disclosure=_disclosure(_table(raw, "disclosure", config), config),
        targets=tuple(_target(t, config) for t in _list(raw, "targets", config)),
        release=_section(ReleaseSettings, _table(raw, "release", config), "release", config, str),
        duckdb=_duckdb(_table(raw, "duckdb", config), env, config),
        spark=_spark(_table(raw, "spark", config), env.get("MCO_SPARK_MASTER"), config),
    )


def _spark(raw: dict, master: str | None, config: Path) -> SparkSettings:
    """The `[spark]` section: `master` and `app_name` (text) and a `conf` table of Spark properties."""
    raw = dict(raw)
    conf = raw.pop("conf", {})
    if not isinstance(conf, dict) or not all(isinstance(v, str | int | float | bool) for v in conf.values()):
        raise ObservatoryError("[spark] conf must be a table of Spark properties and their values", config)
    found = _section(SparkSettings, raw, "spark", config, str)
    text = {k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in conf.items()}
    master = (master or "").strip() or found.master
    return SparkSettings(master=master, app_name=found.app_name, conf=tuple(sorted(text.items())))


def _read(path: Path) -> dict:
    if not path.exists():
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ObservatoryError(f"the settings file is not valid TOML: {exc}", path) from None


def _anchored(value: str, default: Path) -> Path:
    """A path from the environment (relative to the working directory), else `default` under the repo."""
    value = value.strip()
    return Path(value).expanduser().resolve() if value else REPO_ROOT / default


def _share(raw: str | None) -> float:
    if raw is None:
        return DEFAULT_MAX_QUARANTINE_SHARE
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 1:
        raise ObservatoryError(f"MCO_MAX_QUARANTINE_SHARE must be a number between 0 and 1, not {raw!r}")
    return value


def _table(raw: dict, name: str, config: Path) -> dict:
    value = raw.get(name, {})
    if not isinstance(value, dict):
        raise ObservatoryError(f"settings section [{name}] must be a table of keys", config)
    return value


def _list(raw: dict, name: str, config: Path) -> list:
    value = raw.get(name, [])
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise ObservatoryError(f"settings section [[{name}]] must be a list of tables", config)
    return value


def _section(cls, raw: dict, name: str, config: Path, convert):
    known = {f.name for f in fields(cls)}
    unknown = set(raw) - known
    if unknown:  # a misspelt setting must not silently do nothing
        raise ObservatoryError(f"unknown {name} setting(s) {', '.join(sorted(unknown))}", config)
    try:
        return cls(**{k: convert(v) for k, v in raw.items()})
    except (TypeError, ValueError):
        raise ObservatoryError(f"a {name} setting has a value of the wrong type", config) from None


def _disclosure(raw: dict, config: Path) -> Disclosure:
    return _section(Disclosure, raw, "disclosure", config, int)


def _target(raw: dict, config: Path) -> Target:
    missing = {"indicator", "value", "year"} - set(raw)
    if missing:
        raise ObservatoryError(f"a target lacks {', '.join(sorted(missing))}", config)
    target = _section(Target, raw, "target", config, lambda v: v)
    if not isinstance(target.trend_years, int) or target.trend_years < 2:
        raise ObservatoryError(f"the target for {target.indicator!r} needs trend_years of at least 2", config)
    try:
        return Target(
            str(target.indicator),
            float(target.value),
            int(target.year),
            str(target.source),
            None if target.baseline_year is None else int(target.baseline_year),
            None if target.baseline_value is None else float(target.baseline_value),
            int(target.trend_years),
        )
    except (TypeError, ValueError):
        raise ObservatoryError(
            f"the target for {target.indicator!r} has a value of the wrong type", config
        ) from None
