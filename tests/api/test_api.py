"""The read-only API over the small warehouse: same figures as `mco indicators --json`, JSON and CSV,
cache headers, bounded results, clean one-line errors, and only public releases and listed files."""

from __future__ import annotations

import hashlib
import io
import json
import re
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from pipelines.cli import app as cli
from pipelines.indicators.registry import BY_ID, INDICATORS

pytestmark = [pytest.mark.build, pytest.mark.filterwarnings("ignore::DeprecationWarning")]

runner = CliRunner()
CLI_KEYS = ("indicator_id", "name", "breakdown", "breakdown_value", "value", "unit", "numerator",
            "denominator", "flag")  # fmt: skip


def _cli(warehouse: Path, *args: str) -> list[dict]:
    result = runner.invoke(cli, ["indicators", "--warehouse", str(warehouse), "--json", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _key(rows: list[dict]) -> list[tuple]:
    return sorted(tuple(r[k] for k in CLI_KEYS) for r in rows)


def _assert_error(response, status: int) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert list(body) == ["error"] and body["error"] and "\n" not in body["error"]


def test_health_names_the_build(client, small_warehouse: Path):
    import duckdb

    with duckdb.connect(str(small_warehouse), read_only=True) as con:
        build_id = con.sql("select build_id from build_info").fetchall()[0][0]
    r = client.get("/health")
    assert r.status_code == 200
    assert r.json()["status"] == "ok" and r.json()["build_id"] == build_id


def test_catalogue_lists_every_indicator_in_json_and_csv(client):
    r = client.get("/indicators")
    assert r.status_code == 200
    ids = [i["id"] for i in r.json()["indicators"]]
    assert ids == [i.id for i in INDICATORS]
    assert r.json()["flags"]["c"].startswith("confidential")
    csv = client.get("/indicators", headers={"Accept": "text/csv"})
    assert csv.headers["content-type"].startswith("text/csv")
    frame = pl.read_csv(io.BytesIO(csv.content), comment_prefix="#")
    assert frame["id"].to_list() == ids


def test_every_indicator_overall_equals_the_cli(client, small_warehouse: Path):
    """Unfiltered figures come from the public cube: they equal what the engine gives the CLI."""
    expected = _cli(small_warehouse)
    got = []
    for ind in INDICATORS:
        r = client.get(f"/indicators/{ind.id}")
        assert r.status_code == 200, r.text
        got += r.json()["data"]
    assert _key(got) == _key(expected)


CASES = [
    ("TRU-1", ["--by", "country"], "by=country"),
    ("ADO-1", ["--by", "year", "--country", "nl"], "by=year&country=nl"),
    ("ADO-3", ["--by", "provider_type", "--year-from", "2022", "--year-to", "2024"],
     "by=provider_type&year_from=2022&year_to=2024"),
    ("FLX-1", ["--by", "region", "--field", "6", "--eqf-level", "5", "--eqf-level", "6"],
     "by=region&field=6&eqf_level=5&eqf_level=6"),
    ("ADO-2", ["--by", "country_year", "--provider-type", "vet"], "by=country_year&provider_type=vet"),
    ("TRA-5m", ["--by", "eqf_level", "--country", "NL", "--country", "DE"],
     "by=eqf_level&country=NL&country=DE"),
    ("ADO-4", ["--by", "region", "--region", "nl32", "--year-from", "2021"],
     "by=region&region=nl32&year_from=2021"),
]  # fmt: skip


@pytest.mark.parametrize(("ind", "cli_args", "query"), CASES, ids=[c[0] for c in CASES])
def test_filtered_figures_equal_the_cli(client, small_warehouse: Path, ind, cli_args, query):
    expected = _cli(small_warehouse, "-i", ind, *cli_args)
    r = client.get(f"/indicators/{ind}?{query}")
    assert r.status_code == 200, r.text
    body = r.json()
    assert _key(body["data"]) == _key(expected)
    assert body["total"] == len(expected)
    assert all(row["value"] is None for row in body["data"] if row["flag"] in ("c", "z"))


def test_csv_carries_metadata_flags_and_the_same_rows(client):
    js = client.get("/indicators/TRU-1?by=country").json()
    r = client.get("/indicators/TRU-1?by=country&format=csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    text = r.text
    for key in (
        "indicator",
        "definition",
        "unit",
        "filters",
        "build_id",
        "data_cutoff",
        "licence",
        "citation",
    ):
        assert re.search(rf"^# {key}: .+$", text, re.M), key
    frame = pl.read_csv(
        io.StringIO(text), comment_prefix="#", schema_overrides={"breakdown_value": pl.String}
    )
    assert frame["breakdown_value"].to_list() == [row["breakdown_value"] for row in js["data"]]
    assert frame["flag"].to_list() == [row["flag"] for row in js["data"]]
    via_accept = client.get("/indicators/TRU-1?by=country", headers={"Accept": "text/csv"})
    assert via_accept.text == text


def test_csv_cells_are_neutralised():
    from pipelines.api.app import _csv

    body = _csv(
        pl.DataFrame({"breakdown_value": ["=HYPERLINK(1)", "+1", "NL"], "value": [1.0, 2.0, 3.0]}), []
    )
    assert body.decode().splitlines()[1:] == ["'=HYPERLINK(1),1.0", "'+1,2.0", "NL,3.0"]


def test_limit_and_offset_bound_the_rows(client):
    full = client.get("/indicators/ADO-1?by=provider").json()
    assert full["total"] > 5 and full["limit"] == 1000
    page = client.get("/indicators/ADO-1?by=provider&limit=3&offset=2").json()
    assert page["total"] == full["total"] and page["data"] == full["data"][2:5]
    _assert_error(client.get("/indicators/ADO-1?limit=10001"), 400)
    _assert_error(client.get("/indicators/ADO-1?limit=0"), 400)


def test_cache_headers_follow_the_build(client):
    build_id = client.get("/health").json()["build_id"]
    first = client.get("/indicators/TRU-1?by=year")
    again = client.get("/indicators/TRU-1?by=year")
    etag = first.headers["etag"]
    assert etag == again.headers["etag"] and first.headers["x-mco-build"] == build_id
    assert "max-age" in first.headers["cache-control"]
    assert client.get("/indicators/TRU-1?by=country").headers["etag"] != etag
    assert client.get("/indicators/TRU-1?by=year&format=csv").headers["etag"] != etag
    unchanged = client.get("/indicators/TRU-1?by=year", headers={"If-None-Match": etag})
    assert unchanged.status_code == 304 and unchanged.content == b""


def test_etag_is_keyed_on_the_build_id():
    from starlette.requests import Request

    from pipelines.api.app import _etag

    request = Request(
        {"type": "http", "path": "/indicators/TRU-1", "query_string": b"by=year", "headers": []}
    )
    assert _etag("b1", request, False) != _etag("b2", request, False)


HOSTILE = [
    "/indicators/TRU-1?bogus=1",
    "/indicators/" + "%27%3B" * 3,
    "/indicators/TRU-1?by=country&by=year",
    "/indicators/TRU-1?by=planet",
    "/indicators/TRU-1?country=NL'%20or%201=1--",
    "/indicators/TRU-1?country=N%00",
    "/indicators/TRU-1?region=%E2%80%AE%E2%80%AE",
    "/indicators/TRU-1?eqf_level=9",
    "/indicators/TRU-1?eqf_level=abc",
    "/indicators/TRU-1?year_from=99999999999999999999999",
    "/indicators/TRU-1?year_to=-1",
    "/indicators/TRU-1?offset=-5",
    "/indicators/TRU-1?format=xml",
    "/indicators/TRU-1?" + "&".join(["country=NL"] * 51),
    "/indicators/TRU-1?country=" + "A" * 5000,
    "/indicators?limit=3",
    "/health?x=1",
]


@pytest.mark.parametrize("url", HOSTILE)
def test_bad_requests_get_a_one_line_400(client, url):
    _assert_error(client.get(url), 400)


@pytest.mark.parametrize(
    "url",
    ["/indicators/NOPE-1", "/indicators/TRU-1%2F..", "/nowhere",
     "/indicators/TRU-1?by=vpl_outcome"],
)  # fmt: skip
def test_unknown_things_get_a_one_line_404(client, url):
    _assert_error(client.get(url), 404)


def test_other_methods_are_refused_cleanly(client):
    r = client.post("/indicators/TRU-1")
    _assert_error(r, 405)


def test_an_unexpected_failure_is_a_clean_logged_500(small_warehouse: Path, api_releases: Path, caplog):
    from fastapi.testclient import TestClient

    from pipelines.api.app import create_app

    app = create_app(small_warehouse, api_releases)

    def boom(*_a, **_k):
        raise RuntimeError("secret internals")

    app.state.store.figures = boom
    with TestClient(app, raise_server_exceptions=False) as c:
        r = c.get("/indicators/TRU-1?by=year")
    app.state.store.close()
    _assert_error(r, 500)
    assert "secret" not in r.text and "unexpected error" in caplog.text


def test_no_warehouse_is_a_503(tmp_path: Path):
    from fastapi.testclient import TestClient

    from pipelines.api.app import create_app

    with TestClient(create_app(tmp_path / "absent.duckdb", tmp_path)) as c:
        r = c.get("/health")
        _assert_error(r, 503)
        _assert_error(c.get("/indicators/TRU-1"), 503)


def test_the_api_queries_only_public_tables():
    """The API's own SQL names only the public cube and build_info; everything else goes through the
    engine and `published` (disclosure control)."""
    import pipelines.api as api_pkg
    from pipelines.api.store import PUBLIC_TABLES

    for source in Path(api_pkg.__file__).parent.glob("*.py"):
        text = source.read_text(encoding="utf-8")
        for sql in re.findall(r'"select [^"]*"(?:\s*"[^"]*")*', text):
            for table in re.findall(r"\b(?:from|join)\s+([a-z_]+)", sql):
                assert table in PUBLIC_TABLES, f"{source.name} queries {table}"
            assert "from" in sql


def test_releases_lists_only_the_public_release(client, api_releases: Path):
    folders = sorted(p.name for p in api_releases.iterdir() if p.is_dir())
    assert any(f.endswith("-restricted") for f in folders)  # the restricted one is there on disk…
    listed = client.get("/releases").json()["releases"]
    assert len(listed) == 1 and not listed[0]["version"].endswith("restricted")  # …and never served
    rel = listed[0]
    sums = (api_releases / rel["version"] / "SHA256SUMS").read_text().splitlines()
    assert sorted(f["name"] for f in rel["files"]) == sorted(line[66:] for line in sums)
    assert rel["citation"] and rel["build_id"]


def test_release_files_are_served_with_their_checksum(client):
    rel = client.get("/releases").json()["releases"][0]
    for f in rel["files"]:
        if f["name"] in ("data/indicator_cube.csv", "datapackage.json", "CITATION.cff"):
            r = client.get(f"/releases/{rel['version']}/files/{f['name']}")
            assert r.status_code == 200
            assert hashlib.sha256(r.content).hexdigest() == f["sha256"]
            assert r.headers["etag"] == f'"{f["sha256"]}"'
    assert client.get(f"/releases/{rel['version']}/files/SHA256SUMS").status_code == 200


def test_release_paths_cannot_leave_the_release_or_reach_a_restricted_one(client, api_releases: Path):
    version = client.get("/releases").json()["releases"][0]["version"]
    restricted = next(p.name for p in api_releases.iterdir() if p.name.endswith("-restricted"))
    for url in [
        f"/releases/{restricted}",
        f"/releases/{restricted}/files/SHA256SUMS",
        f"/releases/{restricted}/files/datapackage.json",
        f"/releases/{version}/files/../{restricted}/SHA256SUMS",
        f"/releases/{version}/files/..%2F{restricted}%2FSHA256SUMS",
        f"/releases/{version}/files/%2Fetc%2Fpasswd",
        f"/releases/{version}/files/data",
        f"/releases/{version}/files/.{version}.building-1",
        "/releases/..%2F..%2Fetc/files/passwd",
    ]:
        r = client.get(url)
        assert r.status_code == 404, url
        assert list(r.json()) == ["error"]


def test_every_registry_indicator_has_a_path_the_schema_accepts(client):
    for ind_id in BY_ID:
        assert client.get(f"/indicators/{ind_id}?limit=1").status_code == 200, ind_id


def test_mco_api_binds_to_this_machine_by_default(small_warehouse: Path, monkeypatch):
    import uvicorn

    seen = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: seen.update(kw, app=app))
    result = runner.invoke(cli, ["api", "--warehouse", str(small_warehouse), "--port", "8123"])
    assert result.exit_code == 0, result.output
    assert (seen["host"], seen["port"]) == ("127.0.0.1", 8123)
    assert seen["app"].title == "Microcredential Observatory API"
    assert runner.invoke(cli, ["api", "--help"]).exit_code == 0
