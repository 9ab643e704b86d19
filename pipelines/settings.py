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
    MCO_SPARK_MASTER           the Spark master `mco build --engine spark` uses (overrides [spark] master)
The key itself (MCO_PSEUDONYM_KEY) is a secret and is read only where it is used
(pipelines/pseudonymise.py), never kept here.

The settings file has the sections `[disclosure]`, `[[targets]]`, `[release]` and `[spark]`; a section or
key it does not know is an error (a misspelt setting must not silently do nothing). `settings()` caches the
object per value of the variables above, so a process builds it once (a test that changes a variable gets a
new one).
"""

from __future__ import annotations

import os
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
    unknown = set(raw) - {"disclosure", "targets", "release", "spark"}
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
