"""Publishing settings (disclosure thresholds and policy targets) from config/observatory.toml."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from pipelines.errors import ObservatoryError

DEFAULT_CONFIG = Path(__file__).resolve().parents[2] / "config" / "observatory.toml"


@dataclass(frozen=True)
class Disclosure:
    min_people: int = 10
    min_denominator: int = 20
    min_contributors: int = 10
    round_people_to: int = 0


@dataclass(frozen=True)
class Target:
    indicator: str
    value: float
    year: int
    source: str = ""


@cache
def _load(path: str) -> dict:
    p = Path(path)
    if not p.exists():
        return {}
    try:
        return tomllib.loads(p.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ObservatoryError(f"the settings file is not valid TOML: {exc}", p) from None


def config_path() -> Path:
    return Path(os.environ.get("MCO_CONFIG", DEFAULT_CONFIG))


def disclosure() -> Disclosure:
    raw = _load(str(config_path())).get("disclosure", {})
    unknown = set(raw) - set(Disclosure.__dataclass_fields__)
    if unknown:  # a misspelt setting must not silently do nothing
        raise ObservatoryError(f"unknown disclosure setting(s) {', '.join(sorted(unknown))}", config_path())
    return Disclosure(**{k: int(v) for k, v in raw.items()})


def targets() -> list[Target]:
    from pipelines.indicators.registry import BY_ID

    out = []
    for t in _load(str(config_path())).get("targets", []):
        if t.get("indicator") not in BY_ID:
            raise ObservatoryError(f"target for unknown indicator {t.get('indicator')!r}", config_path())
        out.append(Target(t["indicator"], float(t["value"]), int(t["year"]), t.get("source", "")))
    return out
