"""API fixtures: one app over the session's small warehouse and a folder holding its public release (and,
to prove it is never served, a restricted release written into the same folder)."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def api_releases(small_warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from pipelines.publish.release import export

    out = tmp_path_factory.mktemp("api_releases")
    export(small_warehouse, out, restricted=True, restricted_out=out)
    return out


@pytest.fixture(scope="session")
def api_app(small_warehouse: Path, api_releases: Path):
    from pipelines.api.app import create_app

    app = create_app(small_warehouse, api_releases)
    yield app
    app.state.store.close()


@pytest.fixture(scope="session")
def client(api_app):
    from fastapi.testclient import TestClient

    with TestClient(api_app, raise_server_exceptions=False) as c:
        yield c
