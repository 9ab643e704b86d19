"""Shared fixtures: one small generated ecosystem and one warehouse built from it per test session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SMALL_SEED = 7


@pytest.fixture(scope="session", autouse=True)
def _pseudonym_key(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Tests never touch the user's real key: they use a throwaway key file."""
    key_file = tmp_path_factory.mktemp("secrets") / "pseudonym.key"
    os.environ["MCO_KEY_FILE"] = str(key_file)
    os.environ.pop("MCO_PSEUDONYM_KEY", None)


@pytest.fixture(scope="session")
def small_raw(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from pipelines.generate import generate

    out = tmp_path_factory.mktemp("raw")
    generate("small", SMALL_SEED, out)
    return out


@pytest.fixture(scope="session")
def small_warehouse(small_raw: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from pipelines.build import build

    warehouse = tmp_path_factory.mktemp("curated") / "warehouse.duckdb"
    build(small_raw, warehouse)
    return warehouse
