"""The read-only HTTP API (FastAPI): indicators from the public cube or the engine, and the public releases.

    GET /health                              the warehouse's build
    GET /indicators                          the indicator catalogue (registry metadata)
    GET /indicators/{id}                     one indicator by a breakdown, with `mco indicators`' filters
    GET /releases                            the public releases, newest first
    GET /releases/{version}/files/{name}     one file of a release, only if its SHA256SUMS lists it
    GET /docs, /openapi.json                 the OpenAPI description

JSON by default, CSV with `?format=csv` or `Accept: text/csv` (cells neutralised for spreadsheets, a
`# key: value` metadata header as on dashboard downloads). Every answer carries an ETag and
Cache-Control keyed on the build id (a rebuild changes every ETag; `If-None-Match` gives 304). Errors
are one line of JSON, `{"error": "..."}`: an unknown query parameter, a repeated single-valued one, a
malformed or out-of-range value is a 400; an unknown indicator, breakdown of it, release or file is a 404.
"""

from __future__ import annotations

import hashlib
import io
import logging
import re
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, Literal

import orjson
import polars as pl
from fastapi import Depends, FastAPI, Query, Request
from fastapi import Path as PathParam
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response
from pydantic import BaseModel, StringConstraints
from starlette.exceptions import HTTPException as StarletteHTTPException

from pipelines.errors import ObservatoryError
from pipelines.indicators.engine import BREAKDOWNS, Filters
from pipelines.indicators.registry import BY_ID, DIMENSION_NAMES, INDICATORS, Indicator
from pipelines.publish.catalogue import PublicRelease, public_releases, releases_dir
from pipelines.publish.csv_safe import neutralise
from pipelines.publish.dictionary import FLAGS
from pipelines.publish.release import PUBLIC, release_settings, suggested_citation

from .store import Warehouse

log = logging.getLogger("mco.api")
_BY_LOWER = {k.lower(): v for k, v in BY_ID.items()}

MAX_LIMIT = 10_000
DEFAULT_LIMIT = 1_000
MAX_VALUES = 50  # values of one repeatable filter
MAX_QUERY = 4_096  # bytes of a query string
CACHE_CONTROL = "public, max-age=300"
FILE_CACHE_CONTROL = "public, max-age=86400, immutable"
LIST_PARAMS = {"country", "region", "provider_type", "field", "eqf_level"}
MEDIA = {
    "csv": "text/csv; charset=utf-8",
    "parquet": "application/vnd.apache.parquet",
    "json": "application/json",
    "md": "text/markdown; charset=utf-8",
    "cff": "application/x-yaml",
    "xml": "application/xml",
}
FILE_MEDIA = ["text/csv", "application/json", "text/markdown", "application/xml", "application/x-yaml",
              "application/vnd.apache.parquet", "text/plain", "application/octet-stream"]  # fmt: skip

Breakdown = Enum("Breakdown", {b: b for b in BREAKDOWNS}, type=str)  # type: ignore[misc]
OVERALL = Breakdown("overall")
Country = Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{2}$")]
Region = Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{2}[A-Za-z0-9]{2}$")]
ProviderType = Annotated[str, StringConstraints(pattern=r"^[a-z_]{1,32}$")]
Field = Annotated[str, StringConstraints(pattern=r"^[0-9]{1,2}$")]
Format = Literal["json", "csv"]


class ApiError(BaseModel):
    error: str


class Health(BaseModel):
    status: str
    build_id: str
    data_cutoff: str
    built_at: str


class IndicatorMeta(BaseModel):
    id: str
    dimension: str
    dimension_name: str
    name: str
    definition: str
    numerator: str
    denominator: str | None
    unit: str
    kind: str
    direction: str
    period_basis: str
    caveats: str
    headline: bool
    breakdowns: list[str]


class Catalogue(BaseModel):
    build_id: str
    data_cutoff: str
    flags: dict[str, str]
    indicators: list[IndicatorMeta]


class Row(BaseModel):
    indicator_id: str
    name: str
    breakdown: str
    breakdown_value: str
    value: float | None
    unit: str
    numerator: float | None
    denominator: float | None
    flag: str | None
    suppression: str | None


class Figures(BaseModel):
    indicator: IndicatorMeta
    breakdown: str
    filters: dict[str, Any]
    build_id: str
    data_cutoff: str
    licence: str
    citation: str
    release: str | None
    url: str | None
    doi: str | None
    flags: dict[str, str]
    total: int
    offset: int
    limit: int
    data: list[Row]


class ReleaseFile(BaseModel):
    name: str
    sha256: str
    bytes: int | None


class ReleaseSummary(BaseModel):
    version: str
    release: str | None
    build_id: str
    data_cutoff: str
    built_at: str
    title: str
    licence: str
    citation: str
    url: str | None
    doi: str | None
    files: list[ReleaseFile]


class Releases(BaseModel):
    releases: list[ReleaseSummary]


def _error(status: int, message: str, headers: dict | None = None) -> JSONResponse:
    one_line = " ".join(str(message).split())[:500]
    return JSONResponse({"error": one_line}, status_code=status, headers=headers)


class ApiProblem(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ApiError, "description": "Unknown parameter, or a malformed or out-of-range value"},
    404: {"model": ApiError, "description": "Not found"},
    422: {"model": ApiError, "description": "Unprocessable request"},
    503: {"model": ApiError, "description": "No warehouse to serve (none built yet)"},
}


def _query_names(dependant: Any) -> set[str]:
    names = {p.alias for p in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


async def strict_query(request: Request) -> None:
    """Refuse query parameters the route does not know, and single-valued ones given twice."""
    if len(request.url.query) > MAX_QUERY:
        raise ApiProblem(400, f"the query string is longer than {MAX_QUERY} bytes")
    route = request.scope.get("route")
    dependant = getattr(route, "dependant", None)
    if dependant is None:
        return
    allowed = _query_names(dependant)
    given = list(request.query_params.keys())
    unknown = sorted({k for k in given if k not in allowed})
    if unknown:
        known = ", ".join(sorted(allowed)) or "none"
        shown = ", ".join(repr(k[:40]) for k in unknown[:5])
        raise ApiProblem(400, f"unknown query parameter(s) {shown}; this endpoint takes: {known}")
    repeated = sorted({k for k in given if k not in LIST_PARAMS and len(request.query_params.getlist(k)) > 1})
    if repeated:
        raise ApiProblem(400, f"query parameter {repeated[0]!r} may be given only once")


def _meta(ind: Indicator) -> dict:
    return {
        "id": ind.id,
        "dimension": ind.dimension,
        "dimension_name": DIMENSION_NAMES.get(ind.dimension, ind.dimension),
        "name": ind.name,
        "definition": ind.definition,
        "numerator": ind.numerator_text,
        "denominator": ind.denominator_text,
        "unit": ind.unit,
        "kind": ind.kind,
        "direction": ind.direction,
        "period_basis": ind.period_basis,
        "caveats": ind.caveats,
        "headline": ind.headline,
        "breakdowns": list(ind.available()),
    }


def _wants_csv(request: Request, fmt: str | None) -> bool:
    if fmt is not None:
        return fmt == "csv"
    accept = request.headers.get("accept", "").lower()
    return "text/csv" in accept and "application/json" not in accept


def _etag(build_id: str, request: Request, csv: bool) -> str:
    items = sorted(request.query_params.multi_items())
    raw = "\n".join([build_id, request.url.path, "csv" if csv else "json", repr(items)])
    return '"' + hashlib.sha256(raw.encode()).hexdigest()[:32] + '"'


def _not_modified(request: Request, etag: str) -> bool:
    header = request.headers.get("if-none-match", "")
    return etag in [t.strip() for t in header.split(",")] or header.strip() == "*"


def _cached(request: Request, body: bytes, media: str, etag: str, build_id: str) -> Response:
    headers = {"ETag": etag, "Cache-Control": CACHE_CONTROL, "X-MCO-Build": build_id}
    if _not_modified(request, etag):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=media, headers=headers)


def _comment_header(pairs: list[tuple[str, object]]) -> str:
    lines = []
    for key, value in pairs:
        text = " ".join(str(value).split())
        lines.append(f"# {key}: {text}\n")
    return "".join(lines)


def _csv(frame: pl.DataFrame, header: list[tuple[str, object]]) -> bytes:
    buf = io.StringIO()
    buf.write(_comment_header(header))
    buf.write(neutralise(frame).write_csv())
    return buf.getvalue().encode("utf-8")


def _json(data: object) -> bytes:
    return orjson.dumps(data)


def create_app(warehouse: Path, releases: Path | None = None) -> FastAPI:
    """The API over `warehouse` and the public releases under `releases` (default `releases_dir()`)."""
    app = FastAPI(
        title="Microcredential Observatory API",
        version="1",
        summary="Read-only open data: micro-credential indicators after disclosure control, and the "
        "public data releases.",
        description=(
            "Figures are those of `mco indicators` and the dashboard (the same engine and disclosure "
            "control): counts of people from 1 to 9 and rates on small denominators are suppressed and "
            "flagged `c`, `z` is not applicable, and every count carries the cell key method's small "
            "noise. JSON by default; CSV with `format=csv` or `Accept: text/csv`."
        ),
        dependencies=[Depends(strict_query)],
        responses=ERRORS,
    )
    # read on every request, so a test may point an app at another warehouse or releases folder
    app.state.store = Warehouse(warehouse)
    app.state.releases = Path(releases) if releases else releases_dir()

    @app.exception_handler(ApiProblem)
    async def _problem(_: Request, exc: ApiProblem) -> JSONResponse:
        return _error(exc.status, exc.message)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        where = [str(p) for p in first.get("loc", ()) if p not in ("query", "path", "header")]
        name = where[0] if where else "request"
        return _error(400, f"invalid value for {name}: {first.get('msg', 'not valid')}")

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        message = exc.detail if isinstance(exc.detail, str) else "request refused"
        return _error(exc.status_code, message, getattr(exc, "headers", None))

    @app.exception_handler(ObservatoryError)
    async def _no_warehouse(_: Request, exc: ObservatoryError) -> JSONResponse:
        log.warning("warehouse unavailable: %s", exc)
        return _error(503, str(exc).split(":")[0] if ":" in str(exc) else str(exc))

    @app.exception_handler(Exception)
    async def _last_resort(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error answering %s", request.url.path)
        return _error(500, "internal error; it has been logged")

    @app.get("/health", response_model=Health, tags=["service"])
    def health() -> dict:
        """The warehouse being served: build id, data cut-off and build time."""
        b = app.state.store.build()
        return {"status": "ok", "build_id": b.build_id, "data_cutoff": b.data_cutoff, "built_at": b.built_at}

    def _catalogue_body(csv: bool, build) -> tuple[bytes, str]:
        metas = [_meta(i) for i in INDICATORS]
        if csv:
            frame = pl.DataFrame(
                [m | {"breakdowns": ";".join(m["breakdowns"])} for m in metas],
                schema_overrides={"denominator": pl.String},
            )
            header = [("title", "Indicator catalogue"), ("build_id", build.build_id),
                      ("data_cutoff", build.data_cutoff)]  # fmt: skip
            return _csv(frame, header), MEDIA["csv"]
        body = {"build_id": build.build_id, "data_cutoff": build.data_cutoff, "flags": FLAGS,
                "indicators": metas}  # fmt: skip
        return _json(body), MEDIA["json"]

    @app.get(
        "/indicators",
        response_model=Catalogue,
        tags=["indicators"],
        responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}},
    )
    async def catalogue(request: Request, format: Annotated[Format | None, Query()] = None) -> Response:
        """Every indicator with its definition, unit, kind, direction, caveats and breakdowns."""
        build = app.state.store.build()
        csv = _wants_csv(request, format)
        etag = _etag(build.build_id, request, csv)
        body, media = app.state.store.bodies.get_or_make(("catalogue", build.build_id, csv),
                                               lambda: _catalogue_body(csv, build))  # fmt: skip
        return _cached(request, body, media, etag, build.build_id)

    @app.get(
        "/indicators/{indicator_id}",
        response_model=Figures,
        tags=["indicators"],
        responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}},
    )
    async def indicator(
        request: Request,
        indicator_id: Annotated[
            str, PathParam(description="Indicator id, e.g. TRU-1.", pattern=r"^[A-Za-z0-9_-]{1,20}$")
        ],
        by: Annotated[Breakdown, Query(description="Breakdown.")] = OVERALL,
        year_from: Annotated[int | None, Query(ge=1900, le=2100, description="First award year.")] = None,
        year_to: Annotated[int | None, Query(ge=1900, le=2100, description="Last award year.")] = None,
        country: Annotated[
            list[Country] | None,
            Query(max_length=MAX_VALUES, description="Country code (ISO 3166-1 alpha-2), repeatable."),
        ] = None,  # fmt: skip
        region: Annotated[
            list[Region] | None,
            Query(max_length=MAX_VALUES, description="NUTS 2 region of the provider, repeatable."),
        ] = None,  # fmt: skip
        provider_type: Annotated[
            list[ProviderType] | None, Query(max_length=MAX_VALUES, description="Provider type, repeatable.")
        ] = None,  # fmt: skip
        field: Annotated[
            list[Field] | None,
            Query(max_length=MAX_VALUES, description="ISCED-F broad field, e.g. 06, repeatable."),
        ] = None,  # fmt: skip
        eqf_level: Annotated[
            list[Annotated[int, Query(ge=1, le=8)]] | None,
            Query(max_length=MAX_VALUES, description="EQF level 1-8, repeatable."),
        ] = None,  # fmt: skip
        limit: Annotated[
            int, Query(ge=1, le=MAX_LIMIT, description="Rows to return at most.")
        ] = DEFAULT_LIMIT,
        offset: Annotated[int, Query(ge=0, le=1_000_000, description="Rows to skip.")] = 0,
        format: Annotated[Format | None, Query(description="json (default) or csv.")] = None,
    ) -> Response:
        """One indicator by one breakdown under the filters of `mco indicators`, after disclosure control.

        Without filters the figures are read from the public cube; with filters they are computed by
        the same engine as `mco indicators` and the dashboard, so all of them agree."""
        ind = BY_ID.get(indicator_id) or _BY_LOWER.get(indicator_id.lower())
        if ind is None:
            raise ApiProblem(404, f"unknown indicator {indicator_id[:20]!r}; see /indicators")
        by_name = by.value
        if by_name not in ind.available():
            raise ApiProblem(
                404, f"{ind.id} has no breakdown {by_name!r}; it has: {', '.join(ind.available())}"
            )
        filters = Filters(
            year_from,
            year_to,
            tuple(sorted({c.upper() for c in country or ()})),
            tuple(sorted(set(provider_type or ()))),
            tuple(sorted({r.upper() for r in region or ()})),
            tuple(sorted({f.zfill(2) for f in field or ()})),
            tuple(sorted(set(eqf_level or ()))),
        )
        build = app.state.store.build()
        csv = _wants_csv(request, format)
        stamp = _stamp(app.state.releases)  # a release exported since changes the citation
        etag = _etag(f"{build.build_id}|{stamp}", request, csv)
        if _not_modified(request, etag):
            return _cached(request, b"", MEDIA["json"], etag, build.build_id)
        key = ("figures", build.build_id, stamp, ind.id, by_name, filters, limit, offset, csv)

        def make() -> tuple[bytes, str]:
            frame = app.state.store.figures(ind.id, by_name, filters)
            total = frame.height
            page = frame.slice(offset, limit).with_columns(
                pl.lit(ind.name).alias("name"), pl.lit(ind.unit).alias("unit")
            )
            page = page.select(list(Row.model_fields))
            settings = release_settings()
            cite = _citation(app.state.releases, build, settings)
            applied = _filters_dict(filters)
            if csv:
                header = [
                    ("indicator", f"{ind.id} {ind.name}"),
                    ("definition", ind.definition),
                    ("unit", ind.unit),
                    ("breakdown", by_name),
                    ("filters", filters.describe()),
                    ("rows", f"{page.height} of {total} (offset {offset}, limit {limit})"),
                    ("build_id", build.build_id),
                    ("data_cutoff", build.data_cutoff),
                    ("built_at", build.built_at),
                    ("flags", "c = confidential (suppressed), z = not applicable"),
                    ("release", cite["release"] or "none yet (no public release of this build)"),
                    *([("url", cite["url"])] if cite["url"] else []),
                    *([("doi", cite["doi"])] if cite["doi"] else []),
                    ("licence", settings.licence),
                    ("citation", cite["citation"]),
                ]
                return _csv(page, header), MEDIA["csv"]
            body = {
                "indicator": _meta(ind),
                "breakdown": by_name,
                "filters": applied,
                "build_id": build.build_id,
                "data_cutoff": build.data_cutoff,
                "licence": settings.licence,
                **cite,
                "flags": FLAGS,
                "total": total,
                "offset": offset,
                "limit": limit,
                "data": page.to_dicts(),
            }
            return _json(body), MEDIA["json"]

        cached = app.state.store.bodies.get(key)
        if cached is None:  # computing may take a while: off the event loop
            cached = await run_in_threadpool(app.state.store.bodies.get_or_make, key, make)
        body, media = cached
        return _cached(request, body, media, etag, build.build_id)

    @app.get("/releases", response_model=Releases, tags=["releases"])
    def releases(request: Request) -> Response:
        """The public data releases, newest first, with their files and checksums."""
        found = public_releases(app.state.releases)
        body = _json({"releases": [r.summary() for r in found]})
        etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        headers = {"ETag": etag, "Cache-Control": "public, max-age=60"}
        if _not_modified(request, etag):
            return Response(status_code=304, headers=headers)
        return Response(body, media_type=MEDIA["json"], headers=headers)

    @app.get("/releases/{version}", response_model=ReleaseSummary, tags=["releases"])
    def release(
        version: Annotated[
            str, PathParam(max_length=200, description="Release version (YYYY.N or the folder name).")
        ],
    ) -> Response:
        """One public release: its version, build, citation, URL, DOI, files and checksums."""
        match = _find(app.state.releases, version)
        if match is None:
            raise ApiProblem(404, "no public release of that version; see /releases")
        body = _json(match.summary())
        etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        headers = {"ETag": etag, "Cache-Control": "public, max-age=60"}
        return Response(body, media_type=MEDIA["json"], headers=headers)

    @app.get(
        "/releases/{version}/files/{name:path}",
        tags=["releases"],
        response_class=FileResponse,
        responses={200: {"description": "The file", "content": {m: {} for m in FILE_MEDIA}}},
    )
    def release_file(
        request: Request,
        version: Annotated[str, PathParam(max_length=200, description="Release version (see /releases).")],
        name: Annotated[
            str,
            PathParam(
                max_length=300, description="File name as listed in SHA256SUMS, e.g. data/indicator_cube.csv."
            ),
        ],  # fmt: skip
    ) -> Response:
        """One file of a public release: only names that the release's SHA256SUMS lists (and SHA256SUMS)."""
        match = _find(app.state.releases, version)
        if match is None:
            raise ApiProblem(404, "no public release of that version; see /releases")
        path = match.path(name)
        if path is None:
            raise ApiProblem(404, "the release lists no file of that name; see its SHA256SUMS")
        digest = match.checksums.get(name) or hashlib.sha256(path.read_bytes()).hexdigest()
        etag = f'"{digest}"'
        headers = {"ETag": etag, "Cache-Control": FILE_CACHE_CONTROL}
        if _not_modified(request, etag):
            return Response(status_code=304, headers=headers)
        suffix = path.suffix.lstrip(".").lower()
        media = MEDIA.get(suffix, "text/plain; charset=utf-8" if path.name == "SHA256SUMS" else
                          "application/octet-stream")  # fmt: skip
        safe = re.sub(r"[^A-Za-z0-9._-]", "_", path.name)
        return FileResponse(path, media_type=media, headers=headers, filename=safe)

    return app


def _find(root: Path, version: str) -> PublicRelease | None:
    """The public release named `version`: its folder name or its human version (YYYY.N)."""
    found = public_releases(root)
    return next((r for r in found if r.version == version), None) or next(
        (r for r in found if r.human_version and r.human_version == version), None
    )


def _stamp(root: Path) -> int:
    try:
        return root.stat().st_mtime_ns
    except OSError:
        return 0


def _citation(root: Path, build, settings) -> dict[str, str | None]:
    """How to cite figures of this build: its public release when there is one, else the build."""
    release = next((r for r in public_releases(root) if r.package.get("build_id") == build.build_id), None)
    if release is not None:
        return {
            "release": release.human_version or None,
            "url": release.package.get("homepage") or None,
            "doi": release.package.get("doi") or None,
            "citation": str(release.package.get("citation", "")),
        }
    return {
        "release": None,
        "url": None,
        "doi": settings.doi.strip() or None,
        "citation": suggested_citation(settings, build.identity, build.identity.version, PUBLIC),
    }


def _filters_dict(filters: Filters) -> dict[str, Any]:
    return {
        "year_from": filters.year_from,
        "year_to": filters.year_to,
        "country": list(filters.countries),
        "region": list(filters.regions),
        "provider_type": list(filters.provider_types),
        "field": list(filters.fields),
        "eqf_level": list(filters.eqf_levels),
    }
