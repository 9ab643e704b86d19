"""Settings: paths and secrets from the environment, with local defaults."""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_RAW = Path("data/raw")
DEFAULT_WAREHOUSE = Path("data/curated/warehouse.duckdb")
DEFAULT_KEY_FILE = Path.home() / ".config" / "mco" / "pseudonym.key"

# Record types a build cannot do without: a build with none of these rows fails (the last warehouse stays).
REQUIRED_TABLES = ("providers", "credentials", "learners", "awards")


def max_quarantine_share_setting() -> float:
    """Largest share of a delivery file that may be quarantined before the build fails (default 20 %)."""
    raw = os.environ.get("MCO_MAX_QUARANTINE_SHARE", "0.2")
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 1:
        from pipelines.errors import ObservatoryError

        raise ObservatoryError(f"MCO_MAX_QUARANTINE_SHARE must be a number between 0 and 1, not {raw!r}")
    return value


def warehouse_path() -> Path:
    """The warehouse the dashboard serves: MCO_WAREHOUSE or the default."""
    return Path(os.environ.get("MCO_WAREHOUSE", DEFAULT_WAREHOUSE))


def key_file() -> Path:
    """The pseudonymisation key file: MCO_KEY_FILE or ~/.config/mco/pseudonym.key (outside the repo)."""
    return Path(os.environ.get("MCO_KEY_FILE", DEFAULT_KEY_FILE)).expanduser()
