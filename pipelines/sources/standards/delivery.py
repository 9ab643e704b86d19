"""Read a delivery of standards-based credentials (OB3, OB2, ELM) into contract-shaped tables.

Files, folders and zip archives are walked in a stable order; each file ends as `parsed` (its records
loaded or quarantined, or supporting documents such as OB2 BadgeClasses) or `rejected` with a one-line
reason. A rejected file counts `records_in = 0`: nothing in it could be read as a record (a file
rejected part-way, over a limit, has what it had loaded taken back out). OB2 assertions are mapped
last, once every BadgeClass/Issuer in the delivery is known.

Hostile input is bounded (`limits.Limits`, set by MCO_* variables): NDJSON is streamed line by line,
a plain JSON document is capped in size, zip members are checked for size, ratio, path and links
before a byte is inflated (`guards`), and records and problems per file are counted. `signed` means
"carries a signature" (see `jsonio`): nothing is verified.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import tempfile
import zipfile
import zlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from pipelines.sources.standards import ctdl, edci_xml, elm, openbadges2, openbadges3, parallel, status
from pipelines.sources.standards.annex import annex_columns, build_annex
from pipelines.sources.standards.guards import (
    TOO_LONG,
    bounded_lines,
    check_archive,
    check_document_size,
    check_local,
    check_member,
    check_size,
    printable,
    walk,
)
from pipelines.sources.standards.jsonio import (
    SCRUB_FROM,
    UTF8_BOM,
    ParseError,
    _DecodeError,
    baked_png,
    baked_svg,
    check_depth,
    decode_jws_json,
    decode_jwt,
    drop_images,
    is_jwt_text,
    loads,
    looks_like_jwt,
    orjson,
    parse_json,
    safe_key,
    skip_prelude,
    strip_bom,
)
from pipelines.sources.standards.limits import Limits, mib
from pipelines.sources.standards.mapping import (
    SCOPED_NOTE,
    SPLIT_NOTE,
    MapError,
    Sink,
    as_list,
    stable_id,
    take_unmapped,
)

LINE_EXTENSIONS = {".ndjson", ".jsonl"}
MAX_ZIP_NESTING = 2
_ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, RuntimeError, ValueError)
_ZIP_ERRORS += (NotImplementedError, zlib.error)
_KINDS = {int: "number", float: "number", bool: "boolean", type(None): "null", list: "array"}
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
ZIP_MAGIC = b"PK\x03\x04"
_TOKENISH = re.compile(rb"[A-Za-z0-9_\-.=]+")
_SCALAR = re.compile(rb"-?[0-9][0-9.eE+-]*|true|false|null")
_CRITERIA_KEYS = frozenset({"@context", "id", "narrative", "name", "url", "@language", "description"})


@dataclass
class FileOutcome:
    name: str
    format: str = "unknown"  # OB3 | OB2 | ELM | EDCI | unknown
    status: str = "parsed"  # parsed | rejected
    reason: str | None = None
    records_in: int = 0
    records_loaded: int = 0
    records_quarantined: int = 0
    supporting_documents: int = 0  # OB2 BadgeClass/Issuer/... and other non-credential documents
    record_type: str = "awards"  # what records_in counts: awards, or credentials for CTDL (offers)
    notes: list[str] = field(default_factory=list)  # what was tolerated or left unknown, one phrase each
    _formats: Counter = field(default_factory=Counter, repr=False, compare=False)
    _counts: Counter = field(default_factory=Counter, repr=False, compare=False)
    _quarantine: list[dict] = field(default_factory=list, repr=False, compare=False)


@dataclass
class StandardsDelivery:
    tables: dict[str, pl.DataFrame] = field(repr=False)  # holds raw learner identifiers: never print
    files: list[FileOutcome]
    quarantine: list[dict] = field(repr=False)
    annex: pl.DataFrame = field(repr=False)
    published_outcomes: pl.DataFrame | None = field(default=None, repr=False)  # CTDL (ctdl.py)


def _types(doc: dict) -> set[str]:
    """Type names without prefixes (`obi:Assertion`, `https://w3id.org/openbadges#Assertion` -> Assertion)."""
    out = set()
    for t in as_list(doc.get("type", doc.get("@type"))):
        if isinstance(t, str):
            if "#" in t or "/" in t or ":" in t:
                t = t.rsplit("#", 1)[-1].rsplit("/", 1)[-1].rsplit(":", 1)[-1]
            out.add(t)
    return out


def _format_from_context(doc: dict) -> str:
    ctx = str(doc.get("@context", ""))[:2000].lower()
    if "ob/v3p0" in ctx or "openbadges-specification" in ctx:
        return "OB3"
    if "w3id.org/openbadges" in ctx or "openbadges/v2" in ctx:
        return "OB2"
    if "europa.eu/snb" in ctx or "europass" in ctx:
        return "ELM"
    return "unknown"


def _canonical(doc: dict) -> str:
    if orjson is not None:
        return orjson.dumps(doc, option=orjson.OPT_SORT_KEYS).decode("utf-8")
    return json.dumps(doc, sort_keys=True, ensure_ascii=False)


def _from_jwt_claims(payload: dict) -> dict:
    """A VC-JWT payload -> the credential, completed from registered claims (jti, iss, nbf, exp, sub)."""
    vc = payload.get("vc")
    vc = dict(vc) if isinstance(vc, dict) else dict(payload)
    if not vc.get("id") and isinstance(payload.get("jti"), str):
        vc["id"] = payload["jti"]
    if not vc.get("issuer") and isinstance(payload.get("iss"), str):
        vc["issuer"] = payload["iss"]
    dated = any(vc.get(k) for k in ("awardedDate", "validFrom", "issuanceDate", "issuedOn", "issued"))
    if not dated and isinstance(payload.get("nbf"), (int, float)):
        vc["issuanceDate"] = payload["nbf"]
    expiring = any(vc.get(k) for k in ("validUntil", "expirationDate", "expires"))
    if not expiring and isinstance(payload.get("exp"), (int, float)):
        vc["expirationDate"] = payload["exp"]
    subject = vc.get("credentialSubject")
    if isinstance(subject, dict) and not subject.get("id") and isinstance(payload.get("sub"), str):
        vc["credentialSubject"] = {**subject, "id": payload["sub"]}
    return vc


@dataclass(slots=True)
class LineState:
    """Where a file read line by line stands: its non-blank lines so far (`seen`), those that parsed
    (`good`), the last line's number and the first line that could not be read (number, message)."""

    seen: int = 0
    good: int = 0
    lineno: int = 0
    first_error: tuple[int, str] | None = None


@dataclass
class _Budget:
    """Uncompressed bytes still allowed to one top-level archive and everything nested in it."""

    left: int


class _Reader:
    _outcome = FileOutcome  # a file's outcome (the pool's workers record what happens to it)

    def __init__(self, root: Path, limits: Limits | None = None, workers: int | None = None):
        self.root = root
        self.limits = limits or Limits.from_env()
        self.workers = parallel.worker_count() if workers is None else workers
        self.sink = Sink()
        self.index = openbadges2.Ob2Index()
        self.status_lists = status.StatusLists()  # OB 3.0 / VC status lists and the entries naming them
        self.pending: list[tuple[dict, bool, FileOutcome, int]] = []
        self.files: list[FileOutcome] = []
        self.published: list[dict] = []  # CTDL aggregate outcome rows (ctdl.py)
        # award id -> (content hash, file, line, row in the sink) of its first delivery
        self.awards_seen: dict[str, tuple[bytes, FileOutcome, int, int]] = {}
        self.conflicts: dict[str, list[tuple[FileOutcome, int]]] = {}  # award id -> later deliveries
        self._finishing = False  # past reading: OB2 assertions mapped in `finish` are not capped
        self.pool = None  # the worker processes while `parallel.read_jobs` reads with them

    # ------------------------------------------------------------------------------------ walking

    def _name(self, path: Path) -> str:
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            try:
                return path.resolve().relative_to(self.root.resolve()).as_posix()
            except ValueError:
                return path.as_posix()

    def add_path(self, path: Path) -> None:
        self.read_jobs(list(self.jobs(Path(path))))

    def jobs(self, path: Path):
        """What reading `path` means, in order: (file, name, walked, None) for a file to read and
        (None, name, False, message) for one refused while walking (a link, an unreadable folder)."""
        if path.is_dir():
            try:
                check_local(path, self.root)
            except ParseError as exc:
                yield None, self._name(path), False, str(exc)
                return
            base = self._name(path)
            base = "" if base == "." else base
            for dirpath, filenames, links, error in walk(path):
                rel = os.path.relpath(dirpath, path)
                parts = [p for p in (base, "" if rel == "." else Path(rel).as_posix()) if p]
                prefix = "/".join(parts) + "/" if parts else ""
                if error:
                    yield None, prefix.rstrip("/") or ".", False, f"the folder cannot be read ({error})"
                for link, kind in links:
                    yield (
                        None,
                        prefix + link,
                        False,
                        f"the {kind} is a symbolic link, which is never followed",
                    )
                for fname in filenames:
                    yield os.path.join(dirpath, fname), prefix + fname, True, None
        else:
            yield str(path), self._name(path), False, None

    def read_jobs(self, jobs: list) -> None:
        """Read the files of `jobs` in order: in a process pool when there are many (`parallel`)."""
        if self.workers > 1 and sum(1 for j in jobs if j[0] is not None) >= parallel.MIN_FILES:
            parallel.read_jobs(self, jobs)
            return
        for file, name, walked, refusal in jobs:
            if file is None:
                self._refuse(name, refusal)
            else:
                self.read_file(Path(file), name, walked)

    def _refuse(self, name: str, message: str) -> None:
        out = self._outcome(printable(name))
        self._reject(out, message)
        self.files.append(out)

    def read_file(self, path: Path, name: str, walked: bool = False) -> None:
        """One file: a zip, NDJSON (streamed) or a single document (size-capped); never a symlink."""
        out = self._outcome(printable(name))
        mark = self.sink.mark()
        try:
            if not walked:  # a walked file is known not to be a link (guards.walk)
                check_local(path, self.root)
            if self._read_plain(out, path):
                return  # a zip: its members have outcomes of their own
        except ParseError as exc:
            self._reject(out, str(exc), exc.fmt, mark)
        except OSError as exc:
            reason = exc.strerror or "operating-system error"
            self._reject(out, f"the file cannot be read ({reason})", None, mark)
        self.files.append(out)

    def _read_plain(self, out: FileOutcome, path: Path) -> bool:
        """Read a file that is not inside an archive; True when it was a zip (read member by member)."""
        ext = path.suffix.lower()
        size = path.stat().st_size
        if ext == ".zip" or (size > self.limits.max_json_bytes and _starts_with(path, ZIP_MAGIC)):
            check_size(size, self.limits.max_credential_bytes, "MCO_MAX_CREDENTIAL_BYTES")
            self._read_zip(path, out.name, 1, _Budget(self.limits.max_zip_bytes))
            return True
        if ext in LINE_EXTENSIONS:
            check_size(size, self.limits.max_credential_bytes, "MCO_MAX_CREDENTIAL_BYTES")
            with open(path, "rb") as fh:
                self._read_lines(out, bounded_lines(fh, self.limits.max_json_bytes, size), True)
            return False
        check_document_size(size, self.limits)
        data = path.read_bytes()
        if data[:4] == ZIP_MAGIC:
            self._read_zip(io.BytesIO(data), out.name, 1, _Budget(self.limits.max_zip_bytes))
            return True
        self._read_bytes(out, data, ext)
        return False

    def _read_zip(self, source, name: str, level: int, budget: _Budget) -> None:
        """Every member of an archive, each checked (guards.check_member) before it is inflated."""
        try:
            archive = zipfile.ZipFile(source)
        except _ZIP_ERRORS:
            self._refuse(name, "the file is not a readable zip archive")
            return
        with archive:
            members = [m for m in archive.infolist() if not m.is_dir()]
            try:
                check_archive(members, self.limits, budget.left)
            except ParseError as exc:
                self._refuse(name, str(exc))
                return
            for info in members:
                self._read_member(archive, info, name, level, budget)

    def _read_member(self, archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str, level, budget) -> None:
        inner = f"{name}!{printable(info.filename)}"
        out = self._outcome(inner)
        mark = self.sink.mark()
        try:
            check_member(info, self.limits)
            if info.file_size > budget.left:
                raise ParseError(
                    "the archive's members together would unpack to more than MCO_MAX_ZIP_BYTES allows "
                    f"({mib(self.limits.max_zip_bytes)}); this member is not read"
                )
            budget.left -= info.file_size
            if self._member_content(archive, info, out, inner, level, budget):
                return
        except ParseError as exc:
            self._reject(out, str(exc), exc.fmt, mark)
        except _ZIP_ERRORS:
            reason = "the zip member cannot be extracted (corrupt data or a bad checksum)"
            self._reject(out, reason, None, mark)
        self.files.append(out)

    def _member_content(self, archive, info, out: FileOutcome, inner: str, level: int, budget) -> bool:
        """Stream NDJSON, open a nested zip from a spool, read a document whole; True for a nested zip."""
        ext = Path(info.filename).suffix.lower()
        with archive.open(info) as fh:
            if ext in LINE_EXTENSIONS:
                reader = io.BufferedReader(fh, 1 << 20)
                lines = bounded_lines(reader, self.limits.max_json_bytes, info.file_size)
                self._read_lines(out, lines, True)
                return False
            head = fh.read(4)
            if ext == ".zip" or head == ZIP_MAGIC:
                if level >= MAX_ZIP_NESTING:
                    raise ParseError(f"zip archives nested more than {MAX_ZIP_NESTING} deep are not opened")
                with tempfile.SpooledTemporaryFile(max_size=self.limits.max_json_bytes) as spool:
                    spool.write(head)
                    while chunk := fh.read(1 << 20):
                        spool.write(chunk)
                    spool.seek(0)
                    self._read_zip(spool, inner, level + 1, budget)
                return True
            check_document_size(info.file_size, self.limits, "the zip member")
            data = head + fh.read()
        self._read_bytes(out, data, ext)
        return False

    # ------------------------------------------------------------------------------------ parsing

    def _read_bytes(self, out: FileOutcome, data: bytes, ext: str) -> None:
        """One whole file: a JSON document or array, a JWT (or one per line), a baked badge, XML."""
        notes = out.notes
        if not data.strip():
            raise ParseError("the file is empty (0 bytes)" if not data else "the file holds only whitespace")
        if ext == ".png" or data[:8] == PNG_MAGIC:
            data = baked_png(data)
            notes.append("credential read from a baked PNG badge")
        else:
            head = data[:512].lstrip(UTF8_BOM).lstrip()
            if (
                ext == ".svg"
                or head.startswith(b"<svg")
                or (head.startswith(b"<") and b"<svg" in data[:4096])
            ):
                data = baked_svg(data)
                notes.append("credential read from a baked SVG badge")
            elif ext == ".xml" or head.startswith(b"<"):
                edci_xml.read_xml(self, out, data)  # EDCI XML (edci_xml.py)
                return
        data = drop_images(strip_bom(data, notes), notes)
        stripped = data.lstrip()
        lead = stripped[:1]
        if lead not in (b"{", b"[", b'"'):
            first_line = stripped.split(b"\n", 1)[0]
            if looks_like_jwt(first_line) or ext == ".jwt":
                self._read_lines(out, data.splitlines())
                return
            skipped = skip_prelude(data, notes)
            if skipped is data:
                known = ext in {".json", ".jsonld", ".jwt", ".txt", ""}
                raise ParseError(
                    "the file is neither JSON, a JWT nor a baked badge"
                    if known
                    else f"no reader for {printable(ext, 20)} files (expected JSON/JSON-LD, JWT, NDJSON, "
                    "a baked SVG/PNG badge or a zip of these), and the content is not JSON either"
                )
            data = skipped
        try:
            obj = parse_json(data, notes)
        except ParseError:
            lines = [ln for ln in data.splitlines() if ln.strip()]
            if len(lines) > 1 and lines[0].lstrip()[:1] == b"{" and _parses(lines[0]):
                notes.append("one JSON document per line: read as NDJSON")
                self._read_lines(out, data.splitlines())
                return
            raise
        check_depth(obj, data)
        if isinstance(obj, list):
            self._take_array(out, obj)
        elif isinstance(obj, (dict, str)):
            self._take(obj, False, out, 1, "$")
        else:
            raise ParseError(f"the JSON holds a {_kind(obj)} where a credential object was expected")

    def _take_array(self, out: FileOutcome, items: list) -> None:
        """A top-level array; non-objects are counted in one pass first, so a million numbers cost a
        fraction of a second and one message, not a million quarantine rows."""
        if not items:
            out.notes.append("the JSON array is empty")
            return
        self._check_count(len(items))
        stray = Counter(_kind(x) for x in items if not (isinstance(x, dict) or _is_token(x)))
        n_stray = stray.total()
        if n_stray == len(items) or n_stray > self.limits.max_problems_per_file:
            kinds = ", ".join(f"{n:,} {kind}(s)" for kind, n in stray.most_common())
            if n_stray == len(items):
                raise ParseError(
                    f"none of the JSON array's {len(items):,} elements is a credential ({kinds})"
                )
            raise ParseError(
                f"{n_stray:,} of the JSON array's {len(items):,} elements are not credential objects "
                f"({kinds}), more than MCO_MAX_PROBLEMS_PER_FILE allows"
            )
        for i, item in enumerate(items, 1):
            if isinstance(item, dict) or _is_token(item):
                self._take(item, False, out, i, f"$[{i - 1}]")
            else:
                detail = f"the record is a JSON {_kind(item)}, not an object"
                self._quarantine(out, i, "malformed_record", "record.shape", detail, f"$[{i - 1}]", True)
        self._check_caps(out)

    def _check_count(self, records: int) -> None:
        if records > self.limits.max_credentials_per_file:
            raise ParseError(
                f"the file holds more than {self.limits.max_credentials_per_file:,} records "
                "(MCO_MAX_CREDENTIALS_PER_FILE); split it into smaller files"
            )

    def _check_caps(self, out: FileOutcome) -> None:
        """Reject a file part-way once it holds too many records or too many unreadable ones."""
        self._check_count(out.records_in + out.supporting_documents)
        if out.records_quarantined > self.limits.max_problems_per_file:
            first = out._quarantine[0]
            raise ParseError(
                f"more than {self.limits.max_problems_per_file:,} of its records cannot be read "
                f"(MCO_MAX_PROBLEMS_PER_FILE), so the file is rejected whole; the first, at line "
                f"{first['source_line']}: {first['detail']}"
            )

    def _read_lines(self, out: FileOutcome, lines, streamed: bool = False) -> None:
        """NDJSON or one JWT per line: a bad line is quarantined, the rest loads; all bad -> reject.
        A `streamed` file (NDJSON, not a document split into lines) of many lines is mapped in a
        process pool from `parallel.MIN_LINE_WORKERS` reader processes (`parallel.read_lines`)."""
        state = LineState()
        if streamed and self.workers >= parallel.MIN_LINE_WORKERS:
            parallel.read_lines(self, out, lines, state)
        else:
            self._take_lines(out, lines, state)
        self._end_lines(out, state)

    def _take_lines(self, out: FileOutcome, lines, state: LineState) -> None:
        """Read `lines`, numbered on from `state.lineno`, into `out`; `state` is left where they end."""
        seen, good, first_error = state.seen, state.good, state.first_error
        lineno = start = state.lineno
        max_records, max_problems = self.limits.max_credentials_per_file, self.limits.max_problems_per_file
        for lineno, raw in enumerate(lines, start + 1):  # noqa: B007 - lineno is read after the loop
            if out.records_in > max_records or out.records_quarantined > max_problems:
                self._check_caps(out)
            if raw is TOO_LONG:
                seen += 1
                message = f"the line is longer than {mib(self.limits.max_json_bytes)} (MCO_MAX_JSON_BYTES)"
                first_error = first_error or (lineno, message)
                self._quarantine(out, lineno, "malformed_record", "json.size", message, None, count=True)
                continue
            line = raw.strip()
            if not line:
                continue
            if seen == 0 and line.startswith(UTF8_BOM):
                line = line[3:].strip()
                out.notes.append("UTF-8 byte-order mark ignored")
            seen += 1
            signed = False
            if len(line) >= SCRUB_FROM:
                line = drop_images(line, out.notes)
            try:
                lead = line[:1]
                if lead == b"{" or lead == b"[":
                    try:
                        obj = loads(line)
                    except _DecodeError:
                        obj = parse_json(line, out.notes)
                    check_depth(obj, line)
                elif _SCALAR.fullmatch(line):
                    raise ParseError("the line holds a single JSON value, not a credential object")
                elif _TOKENISH.fullmatch(line):
                    obj, signed = decode_jwt(line)
                else:
                    raise ParseError("the line is neither JSON nor a JWT")
            except ParseError as exc:
                message = str(exc).replace("at line 1, column", "at column")  # the line is source_line
                if first_error is None:
                    first_error = (lineno, message)
                self._quarantine(out, lineno, "malformed_record", "json.parse", message, None, count=True)
                continue
            good += 1
            if isinstance(obj, list):
                for i, item in enumerate(obj):
                    self._take(item, signed, out, lineno, f"$[{i}]")
            else:
                self._take(obj, signed, out, lineno, "$")
        state.seen, state.good, state.first_error, state.lineno = seen, good, first_error, lineno

    def _end_lines(self, out: FileOutcome, state: LineState) -> None:
        """The checks once every line of a file is read."""
        self._check_caps(out)
        if state.seen == 0:
            raise ParseError(
                "the file is empty (0 bytes)" if state.lineno == 0 else "the file holds only blank lines"
            )
        if state.good == 0 and state.first_error is not None:
            out._quarantine.clear()
            line, message = state.first_error
            if state.seen == 1:
                raise ParseError(message)
            raise ParseError(f"none of its {state.seen} lines could be read (line {line}: {message})")

    # ------------------------------------------------------------------------------------ records

    def _take(self, obj, signed: bool, out: FileOutcome, line: int, path: str) -> None:
        """One record: unwrap, classify, map (or defer OB2 / register supporting docs / quarantine)."""
        try:
            if isinstance(obj, str):
                if not is_jwt_text(obj):
                    raise MapError(
                        "malformed_record", "record.shape", "the record is a string, not a credential", path
                    )
                obj, signed = decode_jwt(obj)
                obj = _from_jwt_claims(obj)
            if not isinstance(obj, dict):
                raise MapError(
                    "malformed_record",
                    "record.shape",
                    f"the record is a JSON {type(obj).__name__}, not an object",
                    path,
                )
            for _ in range(4):  # wrappers: JWS JSON, Europass "uploadable" {credential}, VC-JWT claims
                if "payload" in obj and ("signatures" in obj or "signature" in obj or "protected" in obj):
                    obj, was_signed = decode_jws_json(obj)
                    signed = signed or was_signed
                    obj = _from_jwt_claims(obj) if "vc" in obj else obj
                    continue
                if "type" not in obj and "credentialSubject" not in obj:
                    inner = obj.get("credential")
                    if isinstance(inner, str) and is_jwt_text(inner):
                        inner, was_signed = decode_jwt(inner)
                        signed = signed or was_signed
                        obj = _from_jwt_claims(inner)
                        continue
                    if isinstance(inner, dict):
                        obj = inner
                        continue
                    if isinstance(obj.get("vc"), dict):
                        obj = _from_jwt_claims(obj)
                        continue
                break
            if "jti" in obj and not obj.get("id"):
                obj = _from_jwt_claims(obj)
        except ParseError as exc:
            self._quarantine(out, line, "malformed_record", "jwt.decode", str(exc), path, count=True)
            return
        except MapError as exc:
            self._quarantine(
                out, line, exc.reason_code, exc.check_name, exc.detail, exc.json_path, count=True
            )
            return

        if ctdl.is_ctdl(obj):  # Credential Engine CTDL: specifications and published outcomes (ctdl.py)
            self._ctdl(obj, out, line)
            return
        types = _types(obj)
        if "VerifiablePresentation" in types:
            for i, vc in enumerate(as_list(obj.get("verifiableCredential"))):
                self._take(vc, False, out, line, f"{path}.verifiableCredential[{i}]")
            return
        if _is_json_schema(obj):
            self._supporting(out, "unknown")
            out.notes.append(_SCHEMA_NOTE)
            return
        if not types and "credentialSubject" not in obj:
            # containers: JSON-LD `@graph`, a Fluree transaction `{"insert": [...]}`, export envelopes
            for key in _CONTAINER_KEYS:
                items = obj.get(key)
                if isinstance(items, (list, dict)) and items:
                    if key != "@graph":
                        out._counts[f"credential(s) unwrapped from a {{{key!r}: [...]}} container"] += 1
                    for i, node in enumerate(as_list(items)):
                        self._take(node, signed, out, line, f"{path}.{key}[{i}]")
                    return

        if types & openbadges3.TYPES:
            fmt, mapper = "OB3", openbadges3.map_ob3
        elif elm.is_elm(obj, types):
            fmt, mapper = "ELM", elm.map_elm
        elif "Assertion" in types or openbadges2.is_legacy_assertion(obj):
            out._formats["OB2"] += 1
            out.records_in += 1
            self.index.register(obj)
            self.pending.append((self._slim_assertion(obj), signed, out, line))
            return
        elif types & openbadges2.SUPPORTING:
            self.index.register(obj)
            note = _REVOCATION_LIST_NOTE if "RevocationList" in types else None
            self._supporting(out, "OB2" if _format_from_context(obj) != "OB3" else "OB3", note)
            return
        elif types & status.TYPES:
            self.status_lists.register(obj)
            fmt = _format_from_context(obj)
            self._supporting(out, "OB3" if fmt == "unknown" else fmt, status.LIST_NOTE)
            return
        elif "EndorsementCredential" in types:
            self._supporting(
                out, "OB3", "endorsement credential(s): statements about an issuer or achievement, not awards"
            )
            return
        elif (
            not types
            and obj
            and obj.keys() <= _CRITERIA_KEYS
            and ("narrative" in obj or obj.keys() == {"@context"})
        ):
            what = "JSON-LD context document(s)" if "narrative" not in obj else "criteria document(s)"
            self._supporting(out, _format_from_context(obj), f"{what}, not credentials")
            return
        else:
            out._formats[_format_from_context(obj)] += 1
            if types:
                shown = _shown_types(types)
                detail = (
                    f"type [{shown}] is not a credential type this reader maps (expected "
                    "OpenBadgeCredential/AchievementCredential, Assertion or EuropeanDigitalCredential)"
                )
                self._quarantine(
                    out, line, "wrong_type", "credential.type", detail, f"{path}.type", count=True
                )
            else:
                self._quarantine(
                    out,
                    line,
                    "missing_required",
                    "credential.type",
                    "the document has no type",
                    f"{path}.type",
                    count=True,
                )
            return
        out._formats[fmt] += 1
        out.records_in += 1
        sink = self.sink
        sink.file, sink.scoped, sink.split = out.name, 0, 0
        take_unmapped()  # what earlier code left behind is not this record's
        try:
            rec = mapper(obj, signed, sink)
        except MapError as exc:
            self._quarantine(
                out, line, exc.reason_code, exc.check_name, exc.detail, _join(path, exc.json_path)
            )
            return
        if sink.scoped:
            out._counts[SCOPED_NOTE] += 1
        if sink.split:
            out._counts[SPLIT_NOTE] += 1
        self._load(rec, obj, out, line)

    def _ctdl(self, obj: dict, out: FileOutcome, line: int) -> None:
        ctdl.take(self, obj, out, line)

    def _load(self, rec: dict, doc: dict, out: FileOutcome, line: int) -> None:
        """Add one mapped award (`_add_award`) with the labels its mapping left unknown."""
        self._add_award(rec, out, line, *self._award_context(rec, doc))

    @staticmethod
    def _award_context(rec: dict, doc: dict) -> tuple[list, str | None, object]:
        """What `_add_award` needs besides the record: the labels its mapping left unknown, the award
        id derived from the document's content (for a record without one), its credentialStatus."""
        derived = stable_id("award", _canonical(doc)) if rec["award_id"] is None else None
        return take_unmapped(), derived, doc.get("credentialStatus")

    def _add_award(
        self, rec: dict, out: FileOutcome, line: int, unmapped, derived, credential_status, digest=None
    ):
        """Add one mapped award, unless its id was already delivered: an identical re-delivery (same
        content hash) is loaded once, two documents giving one id different content are both kept aside.
        `derived` is the award id derived from the document's content, for a record without one;
        `digest` its content hash (`award_digest`) when it is known already."""
        for element, text in unmapped:
            if rec.get(_UNMAPPED_FIELDS[element]) is None:  # nothing else in the record gave it
                out._counts[f"{_UNMAPPED_NOTE} {element} value {_shown_label(text)}"] += 1
        award_id = rec["award_id"]
        if award_id is None:
            award_id = rec["award_id"] = derived
            out._counts["derived award id"] += 1
        if digest is None:
            digest = _content_hash(rec, out.name + "#")
        first = self.awards_seen.get(award_id)
        if first is not None:
            first_digest, first_out, first_line, _row = first
            where = f"{first_out.name} line {first_line}"
            if first_digest == digest and award_id not in self.conflicts:
                detail = (
                    f"an identical re-delivery of the credential in {where} (same content hash): loaded once"
                )
                self._quarantine(out, line, "duplicate_key", "credential.content_hash", detail, None)
            else:
                self.conflicts.setdefault(award_id, []).append((out, line))
                detail = (
                    f"{where} gives the same credential id different content; both are kept aside "
                    f"(this file: {out.name} line {line})"
                )
                self._quarantine(out, line, "conflicting_values", "credential.id.agree", detail, None)
            return
        row = len(self.sink.learner_kind)
        self.awards_seen[award_id] = (digest, out, line, row)
        self.sink.add(rec, out.name, line)
        if credential_status is not None:
            self.status_lists.note_entries(credential_status, row, out)
        out.records_loaded += 1
        if out.records_in > self.limits.max_credentials_per_file and not self._finishing:
            self._check_caps(out)

    @staticmethod
    def _slim_assertion(doc: dict) -> dict:
        slim = openbadges2.slim(doc)
        badge = slim.get("badge")
        if isinstance(badge, dict):
            badge = openbadges2.slim(badge)
            if isinstance(badge.get("issuer"), dict):
                badge["issuer"] = openbadges2.slim(badge["issuer"])
            slim["badge"] = badge
        return slim

    def _specification(self, out: FileOutcome, line: int, rec: dict, published) -> None:
        """A CTDL credential specification (`ctdl.load_specification`); `published(credential_id)`
        gives its published outcome rows."""
        ctdl.load_specification(self, out, line, rec, published)

    def _supporting(self, out: FileOutcome, fmt: str, note: str | None = None) -> None:
        out.supporting_documents += 1
        out._formats[fmt] += 1
        if note:
            out._counts[note] += 1

    def _quarantine(
        self,
        out: FileOutcome,
        line: int,
        code: str,
        check: str,
        detail: str,
        json_path: str | None,
        count: bool = False,
    ) -> None:
        if count:
            out.records_in += 1
        out.records_quarantined += 1
        out._quarantine.append(
            {
                "source_file": out.name,
                "source_line": line,
                "reason_code": code,
                "check_name": check,
                "detail": detail,
                "json_path": json_path,
            }
        )
        if out.records_quarantined > self.limits.max_problems_per_file and not self._finishing:
            self._check_caps(out)

    def _reject(
        self, out: FileOutcome, message: str, fmt: str | None = None, mark: dict | None = None
    ) -> None:
        """The whole file is refused: anything it had loaded is taken back out of the tables."""
        if mark is not None and out.records_loaded:
            self.sink.rollback(mark)
            self.awards_seen = {k: v for k, v in self.awards_seen.items() if v[1] is not out}
            self.status_lists.forget(out)
        out.status, out.reason = "rejected", f"{out.name}: {message}"
        out.records_in = out.records_loaded = out.records_quarantined = out.supporting_documents = 0
        out._quarantine.clear()
        if fmt:
            out.format = fmt

    # ------------------------------------------------------------------------------------ finishing

    def finish(self) -> StandardsDelivery:
        self._finishing = True
        unresolved: Counter = Counter()
        for doc, signed, out, line in self.pending:
            if out.status == "rejected":
                continue  # its file was refused after the assertion was read
            badge = doc.get("badge")
            if self.index.resolve(badge) is None:
                unresolved[out.name] += 1
            take_unmapped()
            self.sink.file, self.sink.scoped, self.sink.split = out.name, 0, 0
            try:
                rec = openbadges2.map_ob2(doc, self.index, signed, self.sink)
            except MapError as exc:
                self._quarantine(out, line, exc.reason_code, exc.check_name, exc.detail, exc.json_path)
                continue
            revoked = rec.pop("revocation", None)
            if revoked:
                out._counts[_OB2_REVOCATION_NOTES[revoked]] += 1
            self._load(rec, doc, out, line)
        self.pending.clear()
        dropped = self._set_aside_conflicts()
        self.status_lists.apply(self.sink.cols["awards"]["status"], dropped)

        quarantine: list[dict] = []
        for out in self.files:
            if out.status == "parsed" and out._formats:
                out.format = out._formats.most_common(1)[0][0]
                if len(out._formats) > 1:
                    out.notes.append(
                        "mixed formats: " + ", ".join(f"{n} {f}" for f, n in out._formats.items())
                    )
            if unresolved[out.name]:
                out.notes.append(
                    f"{unresolved[out.name]} assertion(s) name a BadgeClass that is not in the "
                    "delivery: its Annex I elements are unknown"
                )
            for note, n in out._counts.items():
                out.notes.append(
                    f"{n} {note}"
                    if not note.startswith("derived")
                    else f"{n} credential(s) without an id: a stable id was derived from the content"
                )
            out.notes = list(dict.fromkeys(out.notes))
            quarantine.extend(sorted(out._quarantine, key=lambda q: q["source_line"]))
            out._quarantine = []
        tables = self.sink.frames()
        if dropped:
            keep = pl.Series([True] * tables["awards"].height)
            keep = keep.scatter(sorted(dropped), False)
            tables["awards"] = tables["awards"].filter(keep)
            self.sink.learner_kind = [k for i, k in enumerate(self.sink.learner_kind) if i not in dropped]
        if tables["awards"].height:
            annex = build_annex(
                tables["awards"], self.sink.learner_kind, tables["credentials"], tables["providers"]
            )
        else:
            annex = pl.DataFrame(
                schema={
                    c: (
                        pl.Boolean
                        if c.startswith("present_")
                        else pl.List(pl.String)
                        if c.startswith("missing_")
                        else pl.String
                    )
                    for c in annex_columns()
                }
            )
        return StandardsDelivery(tables, self.files, quarantine, annex, ctdl.outcomes_frame(self))

    def _set_aside_conflicts(self) -> set[int]:
        """The first delivery of each conflicting credential id goes to the quarantine too (the later
        ones are there already); returns the sink rows to drop."""
        rows: set[int] = set()
        for award_id, later in self.conflicts.items():
            first = self.awards_seen.get(award_id)
            if first is None or first[1].status == "rejected":
                continue  # the first delivery's file was refused after the conflict was seen
            _digest, out, line, row = first
            rows.add(row)
            out.records_loaded -= 1
            others = ", ".join(dict.fromkeys(f"{o.name} line {n}" for o, n in later))
            detail = (
                f"{others} give(s) the same credential id different content; both are kept aside "
                f"(this file: {out.name} line {line})"
            )
            self._quarantine(out, line, "conflicting_values", "credential.id.agree", detail, None)
        return rows


_CONTAINER_KEYS = ("@graph", "insert", "credentials", "verifiableCredential", "verifiableCredentials")
_SCHEMA_NOTE = "a JSON Schema, not a credential"
_REVOCATION_LIST_NOTE = "revocation list(s): which assertions an issuer revoked, not awards"
_OB2_REVOCATION_NOTES = {
    "revoked": "assertion(s) revoked (marked revoked, or listed in their issuer's revocation list)",
    "unresolved": (
        "assertion(s) whose issuer names a revocation list that is not in the delivery (nothing is "
        "fetched): status left issued"
    ),
}
_UNMAPPED_FIELDS = {
    "assessment": "assessment_type",
    "participation": "participation_form",
    "supervision": "supervision",
}
_UNMAPPED_NOTE = "credential(s) left unknown (add it to pipelines/sources/standards/vocab/ if it is one):"
_LABELISH = re.compile(r"[A-Za-z][A-Za-z ,/()'-]{0,59}")


def _shown_label(text: str) -> str:
    """A vocabulary label as a note may show it: quoted when it reads like a label, else described."""
    return repr(text) if _LABELISH.fullmatch(text) else f"(a text of {len(text)} characters)"


def _is_json_schema(obj: dict) -> bool:
    """A JSON Schema document (`$schema` naming json-schema.org, or an object schema with properties)."""
    dialect = obj.get("$schema")
    if isinstance(dialect, str) and "json-schema.org" in dialect:
        return True
    return obj.get("type") == "object" and isinstance(obj.get("properties"), dict)


# What an award says, as read: a credential delivered again as a JWT, baked in an image, signed or in
# another VC version reads to the same values and is the same credential (specification fields are
# keyed by credential_id, which is part of it; `signed` is how it came, not what it says).
_AWARD_CONTENT = (
    "award_id",
    "issue_date",
    "issued_at",
    "expiry_date",
    "format",
    "standard",
    "purpose",
    "status",
    "grade",
    "learner_id",
    "provider_id",
    "credential_id",
)


def _content_hash(rec: dict, scope: str) -> bytes:
    """Content hash of one mapped credential (`_AWARD_CONTENT`) with its ids as the document wrote them
    (the file scope of local ids taken off); never shown, never stored, only compared."""
    get = rec.get
    values = [str(get(k) or "") for k in _AWARD_CONTENT]
    text = "\x1f".join(values)
    if scope in text:  # a local id scoped to the file (rare): take the scope off where a value starts
        text = "\x1f".join([v.removeprefix(scope) for v in values])
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).digest()


def award_digest(rec: dict, derived: str | None, file: str) -> bytes:
    """The content hash `_add_award` computes for a mapped record of `file` (with `derived`, the award
    id derived from its content, for a record without one)."""
    if rec["award_id"] is None:
        rec = {**rec, "award_id": derived}
    return _content_hash(rec, file + "#")


def _kind(value) -> str:
    """JSON name of a value's type, for messages."""
    return _KINDS.get(type(value), "object" if isinstance(value, dict) else "string")


def _shown_types(types: set[str]) -> str:
    """Type names as a message may show them: property-like names listed, others only counted."""
    safe = sorted(t for t in types if safe_key(t) == t)
    others = len(types) - len(safe)
    shown = ", ".join(safe[:6]) + (f", {len(safe) - 6} more" if len(safe) > 6 else "")
    if others:
        shown += (", " if shown else "") + f"{others} unrecognised name(s)"
    return shown


def _is_token(value) -> bool:
    """A string element that may be a credential (a JWT); any other string is counted as stray."""
    return isinstance(value, str) and is_jwt_text(value)


def _starts_with(path: Path, magic: bytes) -> bool:
    with open(path, "rb") as fh:
        return fh.read(len(magic)) == magic


def _parses(line: bytes) -> bool:
    try:
        loads(line)
    except _DecodeError:
        return False
    return True


def _join(path: str, json_path: str | None) -> str | None:
    """Prefix a mapper's `$.x` path with where the record sits in its file (`$[3]` in an array)."""
    if json_path is None or path == "$":
        return json_path
    return path + json_path[1:]


def read_standards(
    paths: list[Path], root: Path, limits: Limits | None = None, workers: int | None = None
) -> StandardsDelivery:
    """Read every delivery file/folder/zip in `paths` (names reported relative to `root`); `limits`
    default to the MCO_* environment variables (`limits.Limits.from_env`), `workers` (processes
    reading many files at once; 1 reads in this process only) to MCO_READ_WORKERS (`parallel`)."""
    reader = _Reader(Path(root), limits, workers)
    reader.read_jobs([job for path in paths for job in reader.jobs(Path(path))])
    return reader.finish()
