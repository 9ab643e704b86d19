"""Tolerant byte-level loading: JSON (strict first, then forgiving), JWT/JWS payloads, baked badges.

Real deliveries carry byte-order marks, a URL pasted above the JSON, `//` comments and trailing commas.
These are tolerated and *noted* (the file outcome says what was repaired); anything that still does not
parse is rejected with the file name and position. Nothing here touches the network.

`signed` means "carries a signature", never "verified" (keys are out of scope): a JWS/JWT whose
protected header's `alg` is exactly one of the registered JWS signing algorithms (`JWS_ALGS`, never
"none") with a non-empty base64url signature, or a `proof` entry with a `type` and a non-empty
`proofValue`, `jws` or `signatureValue`. Messages never quote file content (keys are shown only
when they look like property names), so a key or an e-mail in a file cannot reach a report.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import struct
import zlib

try:  # orjson is 3-5x faster; the stdlib keeps the reader working where it is not installed
    import orjson

    _loads = orjson.loads
    _DecodeError: tuple[type[Exception], ...] = (orjson.JSONDecodeError, ValueError)
except ImportError:  # pragma: no cover - exercised only without orjson
    orjson = None
    _loads = json.loads
    _DecodeError = (ValueError,)

MAX_DEPTH = 64
# the registered JWS signing algorithms (RFC 7518, RFC 8037, RFC 8812); "none" is not one of them
JWS_ALGS = frozenset(
    ["HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "ES256", "ES384", "ES512"]
    + ["PS256", "PS384", "PS512", "EdDSA", "ES256K"]
)
SIGNATURE_KEYS = ("proofValue", "jws", "signatureValue")
_MAX_SIGNATURES = 16  # entries examined per document: enough for real multi-signature JWS
_SIGNATURE = re.compile(r"[A-Za-z0-9_-]+={0,2}")
_SAFE_KEY = re.compile(r"@?[A-Za-z_][A-Za-z0-9_-]{0,39}")
UTF8_BOM = b"\xef\xbb\xbf"
_JWT = re.compile(rb"[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*")
_JWT_STR = re.compile(r"[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*")


class ParseError(Exception):
    """Bytes that are not a document we can read; the message is one sentence for the file outcome."""

    def __init__(self, message: str, fmt: str | None = None):
        super().__init__(message)
        self.fmt = fmt  # the format recognised before reading failed, if any


def loads(data: bytes | str):
    """Strict JSON (orjson when available)."""
    return _loads(data)


def safe_key(key) -> str:
    """A JSON key as it may appear in a message: property-like names as they are, anything else `<key>`."""
    if isinstance(key, str) and _SAFE_KEY.fullmatch(key) and sum(c.isdigit() for c in key) < 6:
        return key
    return "<key>"


def too_deep(obj, limit: int = MAX_DEPTH) -> str | None:
    """JSON path of the first container nested deeper than `limit`, or None (iterative: no recursion)."""
    stack = [(obj, 1, "$")]
    while stack:
        node, depth, path = stack.pop()
        if depth > limit:
            return path
        if isinstance(node, dict):
            for key, value in node.items():
                if isinstance(value, (dict, list)):
                    stack.append((value, depth + 1, f"{path}.{safe_key(key)}"))
        else:
            for i, value in enumerate(node):
                if isinstance(value, (dict, list)):
                    stack.append((value, depth + 1, f"{path}[{i}]"))
    return None


def check_depth(obj, data: bytes | None = None) -> None:
    """Reject documents nested beyond MAX_DEPTH; counting brackets first skips the walk for most records."""
    if not isinstance(obj, (dict, list)):
        return
    if data is not None and data.count(b"{") + data.count(b"[") <= MAX_DEPTH:
        return
    path = too_deep(obj)
    if path is not None:
        shown = path if len(path) <= 120 else path[:117] + "..."
        raise ParseError(f"the JSON is nested deeper than {MAX_DEPTH} levels (at {shown})")


_DATA_URI = re.compile(rb'"data:[^"]{64,}"')
_MEDIA_CONTENT = re.compile(rb'("content"\s*:\s*)"[A-Za-z0-9+/=\r\n\\]{1024,}"')
SCRUB_FROM = 64 << 10  # only documents this large are scanned for embedded images


def drop_images(data: bytes, notes: list[str]) -> bytes:
    """Blank embedded images (data: URIs, ELM base64 media `content`) *before* parsing.

    Image payloads are never kept, and parsing a megabyte string only to throw it away costs memory
    (a JSON parser's working set is many times its input), so they go while still bytes.
    """
    if len(data) < SCRUB_FROM:
        return data
    data, uris = _DATA_URI.subn(b'"data:"', data)
    data, media = _MEDIA_CONTENT.subn(rb'\1""', data)
    if uris or media:
        notes.append(f"dropped {uris + media} embedded image payload(s) before reading")
    return data


def strip_bom(data: bytes, notes: list[str]) -> bytes:
    """UTF-8 BOM dropped, UTF-16 re-encoded as UTF-8; both noted."""
    if data.startswith(UTF8_BOM):
        notes.append("UTF-8 byte-order mark ignored")
        return data[3:]
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            raise ParseError(
                "the file starts with a UTF-16 byte-order mark but is not valid UTF-16"
            ) from None
        notes.append("UTF-16 text converted to UTF-8")
        return text.encode("utf-8")
    return data


def skip_prelude(data: bytes, notes: list[str]) -> bytes:
    """Drop up to 5 non-JSON lines (typically a URL) before the first line opening a JSON object/array."""
    lines = data.split(b"\n", 6)
    for i, line in enumerate(lines[:6]):
        if line.lstrip()[:1] in (b"{", b"["):
            if i == 0:
                return data
            looks = "a URL" if lines[0].strip().lower().startswith((b"http://", b"https://")) else "not JSON"
            notes.append(f"ignored {i} line(s) before the JSON ({looks})")
            return b"\n".join(lines[i:])
    return data


_TOLERANT = re.compile(r'("(?:[^"\\]|\\.)*")|//[^\n]*|/\*.*?\*/|,(\s*[}\]])', re.S)


def _tolerant_clean(text: str) -> str:
    """Remove `//` and `/* */` comments and trailing commas outside strings."""
    return _TOLERANT.sub(lambda m: m.group(1) or m.group(2) or "", text)


BIG_DOCUMENT = 64 << 20  # beyond this the stdlib parser is used: its working set stays near the result's size


def parse_json(data: bytes, notes: list[str]):
    """Strict JSON, else stdlib (big numbers, NaN), else comment/trailing-comma tolerant; else ParseError."""
    if len(data) < BIG_DOCUMENT:
        try:
            return loads(data)
        except _DecodeError as exc:
            if "recursion" in str(exc).lower():
                raise ParseError(f"the JSON is nested deeper than {MAX_DEPTH} levels") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ParseError(f"the file is not valid UTF-8 (byte {exc.start})") from None
    try:
        return json.loads(text)
    except RecursionError:
        raise ParseError(f"the JSON is nested deeper than {MAX_DEPTH} levels") from None
    except json.JSONDecodeError as exc:
        error = exc
    cleaned = _tolerant_clean(text)
    if cleaned != text:
        try:
            obj = json.loads(cleaned)
        except (json.JSONDecodeError, RecursionError):
            pass
        else:
            notes.append("removed comments and/or trailing commas, which JSON does not allow")
            return obj
    where = f"line {error.lineno}, column {error.colno} (character {error.pos})"
    if _looks_truncated(text, error):
        raise ParseError(
            f"the JSON ends unexpectedly, the file looks truncated (parsing stopped at {where}: {error.msg})"
        ) from None
    raise ParseError(f"the JSON is malformed at {where}: {error.msg}") from None


def _looks_truncated(text: str, error: json.JSONDecodeError) -> bool:
    """Cut-off files end mid-value, inside a never-closed string, or open more brackets than they close."""
    if error.pos >= len(text.rstrip()) or error.msg.startswith("Unterminated string"):
        return True
    return text.count("{") + text.count("[") > text.count("}") + text.count("]")


def looks_like_jwt(data: bytes) -> bool:
    return _JWT.fullmatch(data.strip()) is not None


def is_jwt_text(value: str) -> bool:
    return len(value) > 20 and _JWT_STR.fullmatch(value.strip()) is not None


def b64url(segment: str | bytes) -> bytes:
    if isinstance(segment, str):
        segment = segment.encode("ascii", "ignore")
    segment = segment.strip().replace(b"+", b"-").replace(b"/", b"_").rstrip(b"=")
    return base64.urlsafe_b64decode(segment + b"=" * (-len(segment) % 4))


def jose_signed(header, signature) -> bool:
    """A protected header naming a registered signing algorithm (exact, case-sensitive) and a signature."""
    if not isinstance(header, dict) or not isinstance(signature, str):
        return False
    alg = header.get("alg")
    return isinstance(alg, str) and alg in JWS_ALGS and _SIGNATURE.fullmatch(signature) is not None


def proof_signed(proof) -> bool:
    """A `proof` (object or list) with an entry that has a type and a non-empty signature value."""
    for entry in (proof if isinstance(proof, list) else (proof,))[:_MAX_SIGNATURES]:
        if not isinstance(entry, dict):
            continue
        kind = entry.get("type")
        if not (kind.strip() if isinstance(kind, str) else _any_text(kind)):
            continue
        for key in SIGNATURE_KEYS:
            value = entry.get(key)
            if isinstance(value, str) and value.strip():
                return True
    return False


def _any_text(value) -> bool:
    return isinstance(value, list) and any(isinstance(v, str) and v.strip() for v in value)


def decode_jwt(token: str | bytes) -> tuple[dict, bool]:
    """(payload object, signed) of a compact JWS/JWT; the signature is *not* verified."""
    if isinstance(token, bytes):
        token = token.decode("ascii", "replace")
    parts = token.strip().split(".")
    if len(parts) == 5:
        raise ParseError("the token is an encrypted JWE, which cannot be read without the key")
    if len(parts) != 3:
        hint = ""
        if len(parts) == 1:
            try:
                head = loads(b64url(parts[0]))
                if isinstance(head, dict) and "alg" in head:
                    hint = " (it decodes to a JOSE header only)"
            except (ValueError, binascii.Error, *_DecodeError):
                pass
        raise ParseError(
            f"not a compact JWT: expected header.payload.signature, found {len(parts)} part(s)" + hint
        )
    try:
        header = loads(b64url(parts[0]))
        raw = b64url(parts[1])
    except (ValueError, binascii.Error, *_DecodeError):
        raise ParseError("the JWT header or payload is not base64url-encoded JSON") from None
    payload = _payload_json(raw)
    return payload, jose_signed(header, parts[2])


def _payload_json(raw: bytes):
    raw = drop_images(raw, [])
    try:
        payload = loads(raw)
    except _DecodeError:
        raise ParseError("the JWT/JWS payload is not JSON") from None
    check_depth(payload, raw)
    if not isinstance(payload, dict):
        raise ParseError("the JWT/JWS payload is not a JSON object")
    return payload


def decode_jws_json(doc: dict) -> tuple[dict, bool]:
    """Payload of a JWS JSON serialisation `{payload, signatures|signature}` (base64url or JSON text)."""
    payload = doc.get("payload")
    if isinstance(payload, dict):
        inner = payload
    elif isinstance(payload, str):
        text = payload.strip()
        if text.startswith("{"):
            inner = _payload_json(text.encode("utf-8"))
        else:
            try:
                raw = b64url(text)
            except (ValueError, binascii.Error):
                raise ParseError("the JWS payload is neither JSON nor base64url") from None
            inner = _payload_json(raw)
    else:
        raise ParseError("the JWS has no payload")
    return inner, jws_json_signed(doc)


def jws_json_signed(doc: dict) -> bool:
    """General (`signatures: [{protected, signature}]`) or flattened (`protected`, `signature`) JWS JSON."""
    entries = doc.get("signatures")
    entries = entries[:_MAX_SIGNATURES] if isinstance(entries, list) else []
    if "signature" in doc:
        entries = [doc, *entries]
    return any(
        isinstance(e, dict) and jose_signed(_protected_header(e.get("protected")), e.get("signature"))
        for e in entries
    )


def _protected_header(value) -> dict | None:
    """The decoded protected header, or None when it is missing or not base64url JSON."""
    if not isinstance(value, str) or len(value) > 8192:
        return None
    try:
        header = loads(b64url(value))
    except (ValueError, binascii.Error, *_DecodeError):
        return None
    return header if isinstance(header, dict) else None


# ------------------------------------------------------------------------------------- baked badges

_SVG_TAG = re.compile(
    rb"<openbadges:(credential|assertion)\b([^>]*?)(/>|>(.*?)</openbadges:\1\s*>)", re.S | re.I
)
_VERIFY = re.compile(rb"""\bverify\s*=\s*["']([^"']+)["']""", re.I)
_CDATA = re.compile(rb"<!\[CDATA\[(.*?)\]\]>", re.S)


def baked_svg(data: bytes) -> bytes:
    """The credential baked into an SVG (`<openbadges:credential>`/`<openbadges:assertion>`)."""
    m = _SVG_TAG.search(data)
    if not m:
        raise ParseError("the SVG image holds no baked Open Badge (no openbadges:credential element)")
    body = m.group(4) or b""
    cdata = _CDATA.search(body)
    content = (cdata.group(1) if cdata else body).strip()
    if content:
        return content
    verify = _VERIFY.search(m.group(2))
    if verify:
        value = verify.group(1).strip()
        if value.lower().startswith((b"http://", b"https://")):
            raise ParseError("the baked badge only points to its assertion by URL, which is never fetched")
        return value
    raise ParseError("the baked Open Badge element in the SVG is empty")


def baked_png(data: bytes) -> bytes:
    """The credential in a baked PNG's iTXt chunk (`openbadges` OB2, `openbadgecredential` OB3)."""
    pos = 8
    while pos + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        chunk = data[pos + 8 : pos + 8 + length]
        pos += 12 + length
        if kind != b"iTXt":
            if kind == b"IEND":
                break
            continue
        keyword, _, rest = chunk.partition(b"\0")
        if keyword.lower() not in (b"openbadges", b"openbadgecredential"):
            continue
        compressed, rest = rest[:1] == b"\x01", rest[2:]
        _lang, _, rest = rest.partition(b"\0")
        _translated, _, text = rest.partition(b"\0")
        if compressed:
            try:
                text = zlib.decompressobj().decompress(text, 64 << 20)
            except zlib.error:
                raise ParseError("the baked Open Badge in the PNG is not valid zlib data") from None
        text = text.strip()
        if text.lower().startswith((b"http://", b"https://")):
            raise ParseError("the baked badge only points to its assertion by URL, which is never fetched")
        return text
    raise ParseError("the PNG image holds no baked Open Badge (no openbadges iTXt chunk)")
