"""Settings: paths and secrets from the environment, with local defaults."""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_RAW = Path("data/raw")
DEFAULT_WAREHOUSE = Path("data/curated/warehouse.duckdb")
DEFAULT_KEY_FILE = Path.home() / ".config" / "mco" / "pseudonym.key"

# Record types a build cannot do without: a build with none of these rows fails (the last warehouse stays).
REQUIRED_TABLES = ("providers", "credentials", "learners", "awards")


def warehouse_path() -> Path:
    """The warehouse the dashboard serves: MCO_WAREHOUSE or the default."""
    return Path(os.environ.get("MCO_WAREHOUSE", DEFAULT_WAREHOUSE))


def key_file() -> Path:
    """The pseudonymisation key file: MCO_KEY_FILE or ~/.config/mco/pseudonym.key (outside the repo)."""
    return Path(os.environ.get("MCO_KEY_FILE", DEFAULT_KEY_FILE)).expanduser()
