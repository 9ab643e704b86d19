"""Hostile credential files, written into a temporary folder by the test that uses them.

Every case is invented for the tests. `CASES[name]` is a `Case`: a writer that puts one or more files
under a folder, the environment (limits) it runs under, and the expected outcome of each file it
writes: `Loaded(loaded, quarantined, ...)` or `Rejected(fragment)`. Big inputs (a million integers,
a zip bomb) are generated at run time, never committed.
"""

from __future__ import annotations

import base64
import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

OB3_CONTEXT = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
]
# looks like a 32-byte hex key (the pseudonymisation key's format): must never reach a message
KEY = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
EMAIL = "jane.doe.secret@example.org"
FORMULA = '=HYPERLINK("http://x")'


@dataclass(frozen=True)
class Loaded:
    loaded: int
    quarantined: int = 0
    reason_codes: tuple[str, ...] = ()  # of the quarantined records, in line order
    signed: tuple[str, ...] | None = None  # `signed` of the loaded awards, in line order


@dataclass(frozen=True)
class Rejected:
    fragment: str  # part of the reason


@dataclass(frozen=True)
class Case:
    write: Callable[[Path], None]
    expect: dict[str, Loaded | Rejected]  # outcome name -> expected outcome
    env: dict[str, str] = field(default_factory=dict)
    secrets: tuple[str, ...] = (KEY, EMAIL)  # never in a reason, note, detail or path


def b64(data: dict | str | bytes) -> str:
    raw = data if isinstance(data, bytes) else (data if isinstance(data, str) else json.dumps(data)).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def credential(i: int = 1, **changes) -> dict:
    """A minimal valid OB 3.0 credential; `changes` replace top-level fields."""
    doc = {
        "@context": OB3_CONTEXT,
        "id": f"urn:uuid:hostile-{i}",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": "Data skills",
        "issuer": {"id": "https://issuer.example.eu", "type": ["Profile"], "name": "Issuer"},
        "validFrom": "2024-03-01T10:00:00Z",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "id": f"did:example:learner-{i}",
            "achievement": {
                "id": "https://issuer.example.eu/achievements/data",
                "type": ["Achievement"],
                "name": "Data skills",
            },
        },
    }
    doc.update(changes)
    return doc


def jwt(header: dict, payload: dict | bytes, signature: str = b64("a-real-looking-signature")) -> str:
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return f"{b64(header)}.{b64(body)}.{signature}"


def jws_json(header: dict, doc: dict, signature: str = "c2lnbmF0dXJl") -> dict:
    return {"payload": b64(doc), "signatures": [{"protected": b64(header), "signature": signature}]}


def text(name: str, content: str | bytes) -> Callable[[Path], None]:
    def write(folder: Path) -> None:
        data = content.encode() if isinstance(content, str) else content
        (folder / name).write_bytes(data)

    return write


def as_json(name: str, doc) -> Callable[[Path], None]:
    return text(name, json.dumps(doc))


def lines(name: str, *items) -> Callable[[Path], None]:
    return text(name, "".join((x if isinstance(x, str) else json.dumps(x)) + "\n" for x in items))


def zipped(name: str, members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED):
    def write(folder: Path) -> None:
        with zipfile.ZipFile(folder / name, "w", compression=method) as zf:
            for member, data in members.items():
                zf.writestr(member, data)

    return write


def zip_bytes(members: dict[str, bytes]) -> bytes:
    import io

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for member, data in members.items():
            zf.writestr(member, data)
    return buf.getvalue()


def _zip_bomb(folder: Path) -> None:
    """50 MB of zeros as one NDJSON 'line': about 50 KB compressed."""
    with zipfile.ZipFile(folder / "bomb.zip", "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("bomb.ndjson", bytes(50 << 20))


def _million_integers(folder: Path) -> None:
    (folder / "ints.json").write_text(json.dumps(list(range(1_000_000))))


def _deep(folder: Path) -> None:
    inner = "[" * 100_000 + "]" * 100_000
    (folder / "deep.json").write_text(
        json.dumps(credential(), separators=(",", ":"))[:-1] + f',"{EMAIL}":{inner}}}'
    )


def _symlink(folder: Path) -> None:
    secret = folder.parent / f"{folder.name}-pseudonym.key"
    secret.write_text(KEY + "\n")
    (folder / "awards_key.json").symlink_to(secret)


def _symlinked_folder(folder: Path) -> None:
    outside = folder.parent / f"{folder.name}-elsewhere"
    outside.mkdir()
    (outside / "c.json").write_text(json.dumps(credential()))
    (folder / "linked").symlink_to(outside, target_is_directory=True)


ONE = json.dumps(credential()).encode()
TWO = json.dumps(credential(2)).encode()  # another credential (ONE again would be a re-delivery)
ES256 = {"alg": "ES256", "typ": "JWT"}
GOOD_PROOF = {"type": "DataIntegrityProof", "cryptosuite": "eddsa-rdfc-2022", "proofValue": "z" + "3" * 86}

CASES: dict[str, Case] = {
    # ---- signatures: `signed` means "carries a signature"
    "alg_none_space": Case(
        text("a.jwt", jwt({"alg": "none "}, {"vc": credential()})), {"a.jwt": Loaded(1, signed=("false",))}
    ),
    "alg_list_none": Case(
        text("a.jwt", jwt({"alg": ["none"]}, {"vc": credential()})), {"a.jwt": Loaded(1, signed=("false",))}
    ),
    "jws_json_alg_none": Case(
        as_json("a.json", jws_json({"alg": "none"}, credential())), {"a.json": Loaded(1, signed=("false",))}
    ),
    "jws_json_no_protected_header": Case(
        as_json("a.json", {"payload": b64(credential()), "signatures": [{"signature": "c2ln"}]}),
        {"a.json": Loaded(1, signed=("false",))},
    ),
    "alg_lowercase": Case(
        text("a.jwt", jwt({"alg": "es256"}, {"vc": credential()})), {"a.jwt": Loaded(1, signed=("false",))}
    ),
    "jwt_empty_signature": Case(
        text("a.jwt", jwt(ES256, {"vc": credential()}, signature="")), {"a.jwt": Loaded(1, signed=("false",))}
    ),
    "proof_without_value": Case(
        as_json("a.json", credential(proof={"type": "DataIntegrityProof", "proofValue": " "})),
        {"a.json": Loaded(1, signed=("false",))},
    ),
    "proof_without_type": Case(
        as_json("a.json", credential(proof=[{"proofValue": "z3333"}])),
        {"a.json": Loaded(1, signed=("false",))},
    ),
    "genuine_jwt": Case(
        text("a.jwt", jwt(ES256, {"vc": credential()})), {"a.jwt": Loaded(1, signed=("true",))}
    ),
    "genuine_jws_json": Case(
        as_json("a.json", jws_json({"alg": "EdDSA"}, credential())), {"a.json": Loaded(1, signed=("true",))}
    ),
    "genuine_proof": Case(
        as_json("a.json", credential(proof=[GOOD_PROOF])), {"a.json": Loaded(1, signed=("true",))}
    ),
    # ---- denial of service
    "million_integers": Case(_million_integers, {"ints.json": Rejected("elements is a credential")}),
    "array_mostly_integers": Case(
        as_json("m.json", [credential(1), *range(50)]),
        {"m.json": Rejected("50 of the JSON array's 51 elements are not credential objects")},
        env={"MCO_MAX_PROBLEMS_PER_FILE": "10"},
    ),
    "integers_ndjson": Case(
        text("ints.ndjson", "\n".join(str(i) for i in range(150_000)) + "\n"),
        {"ints.ndjson": Rejected("MCO_MAX_PROBLEMS_PER_FILE")},
    ),
    "zip_bomb_ratio": Case(_zip_bomb, {"bomb.zip!bomb.ndjson": Rejected("zip bomb")}),
    "zip_bomb_member_cap": Case(
        _zip_bomb,
        {"bomb.zip!bomb.ndjson": Rejected("more than MCO_MAX_CREDENTIAL_BYTES")},
        env={"MCO_MAX_ZIP_RATIO": "100000", "MCO_MAX_CREDENTIAL_BYTES": "10M"},
    ),
    "zip_bomb_streamed": Case(  # inflated line by line: the one 50 MB line is drained, never held
        _zip_bomb,
        {"bomb.zip!bomb.ndjson": Rejected("the line is longer than 1 MiB")},
        env={"MCO_MAX_ZIP_RATIO": "100000", "MCO_MAX_JSON_BYTES": "1M"},
    ),
    "zip_bomb_archive_cap": Case(
        _zip_bomb,
        {"bomb.zip": Rejected("more than MCO_MAX_ZIP_BYTES")},
        env={"MCO_MAX_ZIP_BYTES": "1M"},
    ),
    "ndjson_line_too_long": Case(
        lines("big.ndjson", credential(1), " " * (3 << 20), credential(2)),
        {"big.ndjson": Loaded(2, 1, ("malformed_record",))},
        env={"MCO_MAX_JSON_BYTES": "1M"},
    ),
    "document_too_big": Case(
        as_json("big.json", [credential(i) for i in range(20)]),
        {"big.json": Rejected("deliver large batches as NDJSON")},
        env={"MCO_MAX_JSON_BYTES": "4K"},
    ),
    "too_many_records": Case(
        lines("many.ndjson", credential(1), credential(2), credential(3)),
        {"many.ndjson": Rejected("MCO_MAX_CREDENTIALS_PER_FILE")},
        env={"MCO_MAX_CREDENTIALS_PER_FILE": "2"},
    ),
    "too_many_problems": Case(
        lines("junk.ndjson", credential(1), "{bad", "{bad", "{bad"),
        {"junk.ndjson": Rejected("rejected whole")},
        env={"MCO_MAX_PROBLEMS_PER_FILE": "2"},
    ),
    "array_of_empty_objects": Case(
        as_json("e.json", [{}] * 5000),
        {"e.json": Rejected("more than 1,000 of its records cannot be read")},
        env={"MCO_MAX_PROBLEMS_PER_FILE": "1000"},
    ),
    "array_of_strings": Case(
        as_json("s.json", [EMAIL] * 5000),
        {"s.json": Rejected("none of the JSON array's 5,000 elements is a credential (5,000 string(s))")},
    ),
    "deeply_nested": Case(_deep, {"deep.json": Rejected("nested deeper than 64")}),
    # ---- archives
    "nested_zips": Case(
        zipped(
            "outer.zip",
            {
                "one.json": ONE,
                "inner.zip": zip_bytes({"two.json": TWO, "innermost.zip": zip_bytes({"three.json": ONE})}),
            },
        ),
        {
            "outer.zip!one.json": Loaded(1),
            "outer.zip!inner.zip!two.json": Loaded(1),
            "outer.zip!inner.zip!innermost.zip": Rejected("nested more than 2 deep"),
        },
    ),
    "zip_slip": Case(
        zipped("slip.zip", {"../../etc/passwd": b"root:x:0:0\n", "ok.json": ONE, "/abs.json": ONE}),
        {
            "slip.zip!../../etc/passwd": Rejected("climbs out of the archive"),
            "slip.zip!/abs.json": Rejected("absolute"),
            "slip.zip!ok.json": Loaded(1),
        },
    ),
    "zip_bzip2_member": Case(
        zipped("b.zip", {"a.json": ONE}, zipfile.ZIP_BZIP2),
        {"b.zip!a.json": Rejected("method other than deflate or store")},
    ),
    "zip_empty": Case(zipped("e.zip", {}), {"e.zip": Rejected("holds no files")}),
    "zip_not_a_zip": Case(text("n.zip", f"PK{KEY}"), {"n.zip": Rejected("not a readable zip archive")}),
    # ---- malformed records
    "jwt_non_json_payload": Case(
        text("a.jwt", jwt(ES256, f"not json {EMAIL}".encode())), {"a.jwt": Rejected("payload is not JSON")}
    ),
    "jwe_token": Case(text("a.jwt", "aaaa.bbbb.cccc.dddd.eeee\n"), {"a.jwt": Rejected("encrypted JWE")}),
    "ndjson_one_bad_line": Case(
        lines("b.ndjson", credential(1), '{"id": "' + KEY + '", ', credential(3)),
        {"b.ndjson": Loaded(2, 1, ("malformed_record",))},
    ),
    "array_with_scalars": Case(
        as_json("m.json", [credential(1), 5, None, KEY]),
        {"m.json": Loaded(1, 3, ("malformed_record",) * 3)},
    ),
    "formula_in_name": Case(
        as_json("f.json", credential(name=FORMULA)), {"f.json": Loaded(1)}, secrets=(KEY, EMAIL, FORMULA)
    ),
    "key_as_type": Case(
        as_json("t.json", credential(type=["VerifiableCredential", KEY, EMAIL])),
        {"t.json": Loaded(0, 1, ("wrong_type",))},
    ),
    "key_as_date": Case(
        as_json("d.json", credential(validFrom=KEY)), {"d.json": Loaded(0, 1, ("invalid_value",))}
    ),
    "email_as_date": Case(
        as_json("d.json", credential(validFrom=EMAIL)), {"d.json": Loaded(0, 1, ("invalid_value",))}
    ),
    "symlink_to_key_file": Case(_symlink, {"awards_key.json": Rejected("symbolic link")}),
    "symlinked_folder": Case(_symlinked_folder, {"linked": Rejected("folder is a symbolic link")}),
    "headerless_key_file": Case(text("k.json", KEY + "\n"), {"k.json": Rejected("neither JSON")}),
}
