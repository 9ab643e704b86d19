"""Revocation from status lists delivered in the same folder (OB 3.0 / VC `credentialStatus`).

A `StatusList2021Credential` or `BitstringStatusListCredential` is a supporting document: its
`credentialSubject.encodedList` is a GZIP-compressed bitstring, base64url-encoded (a multibase `u`
prefix is accepted), bit 0 the left-most bit of the first byte. A credential's `credentialStatus`
entry names the list by id (`statusListCredential`) and its position (`statusListIndex`); with
`statusPurpose` revocation and the bit set, the award's status is `revoked`. Lists are matched by id
inside the delivery only, never fetched: an entry whose list is absent or unreadable leaves the status
`issued` and is counted in the credential file's notes. Lists are decoded once each, after the whole
delivery is read (a list may come after the credentials it covers), and the decoded bits are bounded.
"""

from __future__ import annotations

import base64
import binascii
import zlib
from collections import defaultdict

from pipelines.sources.standards.mapping import as_list, first, ident

TYPES = frozenset({"StatusList2021Credential", "BitstringStatusListCredential"})
ENTRY_TYPES = frozenset({"StatusList2021Entry", "BitstringStatusListEntry"})
MAX_BITSTRING_BYTES = 16 << 20  # 134 million entries; a list decoding to more is unreadable
LIST_NOTE = "status list credential(s): revocation status of other credentials, not awards"
REVOKED_NOTE = "credential(s) revoked by a status list in the delivery (credentialStatus)"
UNRESOLVED_NOTE = (
    "credential(s) name a status list that is not in the delivery (nothing is fetched): status left issued"
)
UNREADABLE_NOTE = (
    "credential(s) name a status list whose encodedList cannot be decoded (a base64url GZIP bitstring "
    "is expected): status left issued"
)
RANGE_NOTE = "credential(s) whose statusListIndex is outside their status list: status left issued"
ENTRY_NOTE = (
    "credential(s) with a credentialStatus this reader does not check (StatusList2021 and "
    "BitstringStatusList entries with a statusListCredential and a statusListIndex are): status left issued"
)
PURPOSE_NOTE = (
    "credential(s) set in a status list for a purpose other than revocation (such as suspension): "
    "status left issued"
)


def _type_names(value) -> set[str]:
    return {t.rsplit("#", 1)[-1].rsplit("/", 1)[-1] for t in as_list(value) if isinstance(t, str)}


def decode_bits(encoded) -> bytes | None:
    """The bitstring of an `encodedList`, or None when it is not base64url GZIP (or decodes too big)."""
    if not isinstance(encoded, str) or not encoded.strip():
        return None
    text = encoded.strip()
    for candidate in (text, text[1:]) if text[:1] == "u" else (text,):
        try:
            raw = base64.urlsafe_b64decode(
                candidate.replace("+", "-").replace("/", "_") + "=" * (-len(candidate) % 4)
            )
        except (ValueError, binascii.Error):
            continue
        inflater = zlib.decompressobj(wbits=47)  # a gzip (or zlib) header, detected
        try:
            bits = inflater.decompress(raw, MAX_BITSTRING_BYTES)
        except zlib.error:
            continue
        if inflater.unconsumed_tail:
            return None
        return bits
    return None


def bit(bits: bytes, index: int) -> int | None:
    """Bit `index` (0 = the left-most bit of the first byte), None when outside the list."""
    if index < 0 or index >= len(bits) * 8:
        return None
    return (bits[index >> 3] >> (7 - (index & 7))) & 1


def _index(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) <= 18:
        return int(value.strip())
    return None


class StatusLists:
    """The status list credentials of a delivery (by id) and the credential entries that name them."""

    def __init__(self) -> None:
        self.lists: dict[str, tuple[object, str | None]] = {}  # id -> (encodedList, statusPurpose)
        self.refs: list[
            tuple[int, object, str | None, int | None, str]
        ] = []  # row, file, list, index, purpose

    def register(self, doc: dict) -> None:
        """Keep a status list credential by its id (and its subject's id): first delivery wins."""
        subject = first(doc.get("credentialSubject"))
        if not isinstance(subject, dict):
            subject = {}
        purpose = subject.get("statusPurpose")
        entry = (subject.get("encodedList"), purpose.strip().lower() if isinstance(purpose, str) else None)
        for key in (ident(doc), ident(subject)):
            if key and key not in self.lists:
                self.lists[key] = entry

    def note_entries(self, status, row: int, out) -> None:
        """The `credentialStatus` of the award at sink row `row`, checked once the delivery is read."""
        for entry in as_list(status):
            if not isinstance(entry, dict):
                self.refs.append((row, out, None, None, "revocation"))
                continue
            list_id = entry.get("statusListCredential")
            list_id = list_id.strip() if isinstance(list_id, str) and list_id.strip() else None
            known_type = bool(_type_names(entry.get("type")) & ENTRY_TYPES)
            purpose = entry.get("statusPurpose")
            purpose = purpose.strip().lower() if isinstance(purpose, str) else "revocation"
            index = _index(entry.get("statusListIndex"))
            if list_id is None or index is None or not (known_type or "statusListIndex" in entry):
                list_id = None  # not an entry this reader can check
            self.refs.append((row, out, list_id, index, purpose))

    def forget(self, out) -> None:
        """A file rejected after it was read: its entries go with its rows."""
        self.refs = [r for r in self.refs if r[1] is not out]

    def apply(self, status: list, dropped: set[int]) -> None:
        """Set `status[row]` to `revoked` for every entry whose list bit is set; count the rest."""
        by_list: dict[str | None, list] = defaultdict(list)
        for ref in self.refs:
            if ref[0] not in dropped:
                by_list[ref[2]].append(ref)
        for list_id, refs in by_list.items():
            if list_id is None:
                for _row, out, *_ in refs:
                    out._counts[ENTRY_NOTE] += 1
                continue
            if list_id not in self.lists:
                for _row, out, *_ in refs:
                    out._counts[UNRESOLVED_NOTE] += 1
                continue
            encoded, list_purpose = self.lists[list_id]
            bits = decode_bits(encoded)
            for row, out, _list, index, purpose in refs:
                value = None if bits is None else bit(bits, index)
                if bits is None:
                    out._counts[UNREADABLE_NOTE] += 1
                elif value is None:
                    out._counts[RANGE_NOTE] += 1
                elif value and (purpose != "revocation" or list_purpose not in (None, "revocation")):
                    out._counts[PURPOSE_NOTE] += 1
                elif value:
                    status[row] = "revoked"
                    out._counts[REVOKED_NOTE] += 1
            del bits
        self.refs = []
