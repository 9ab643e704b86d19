"""Checks that run before any byte of a credential file is parsed: names, links, sizes, zip members.

Each check raises ParseError with a sentence that says what the file is and what is wrong, never what
it holds: names are printed with control characters replaced, sizes in MiB, limits with the variable
that sets them. Zip members are never extracted to disk, so a member named `../../etc/passwd` cannot
be written anywhere; it is refused all the same, since no honest archive names one.
"""

from __future__ import annotations

import os
import re
import stat
import zipfile
from pathlib import Path

from pipelines.sources.standards.jsonio import ParseError
from pipelines.sources.standards.limits import Limits, mib

ZIP_METHODS = frozenset({zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED})  # bounded decompression steps
RATIO_FLOOR = 1 << 20  # members smaller than this may compress as well as they like
TOO_LONG = object()  # stands for an NDJSON line over the limit: drained, never held
_DRIVE = re.compile(r"[A-Za-z]:")


def printable(name: str, limit: int = 240) -> str:
    """A file or member name fit for a one-line message: control characters become `?`."""
    if len(name) <= limit and name.isprintable():
        return name
    shown = "".join(c if c.isprintable() else "?" for c in name[:limit])
    return shown + ("..." if len(name) > limit else "")


def check_local(path: Path, root: Path) -> None:
    """Refuse symbolic links, and anything reached through one below the delivery root (the root
    itself may be a link: the caller chose it)."""
    if path.absolute() == root.absolute():
        return
    kind = "folder" if path.is_dir() else "file"
    if path.is_symlink():
        raise ParseError(f"the {kind} is a symbolic link, which is never followed")
    try:
        rel = path.absolute().relative_to(root.absolute())
    except ValueError:
        return  # named outside the delivery root by the caller itself
    if path.resolve() != root.resolve() / rel:
        raise ParseError(f"the {kind} is reached through a symbolic link, which is never followed")


def walk(top: Path):
    """(folder, files, links, error) of a folder tree, top-down, sorted, hidden names skipped.

    `links` are (name, "file"|"folder"), never entered; `error` says why a folder could not be listed.
    Like os.walk, but the link status comes from the directory listing, not one lstat per file.
    """
    stack = [os.fspath(top)]
    while stack:
        folder = stack.pop()
        dirs, files, links = [], [], []
        try:
            with os.scandir(folder) as entries:
                for entry in entries:
                    if entry.name.startswith("."):
                        continue
                    if entry.is_symlink():
                        links.append((entry.name, "folder" if entry.is_dir() else "file"))
                    elif entry.is_dir():
                        dirs.append(entry.name)
                    else:
                        files.append(entry.name)
        except OSError as exc:
            yield folder, [], [], exc.strerror or "operating-system error"
            continue
        yield folder, sorted(files), sorted(links), None
        stack.extend(os.path.join(folder, d) for d in sorted(dirs, reverse=True))


def check_size(size: int, limit: int, variable: str, what: str = "the file") -> None:
    if size > limit:
        raise ParseError(f"{what} is {mib(size)}, more than {variable} allows ({mib(limit)})")


def check_document_size(size: int, limits: Limits, what: str = "the file") -> None:
    """A plain JSON document is parsed whole, so its size is capped; NDJSON is streamed instead."""
    if size > limits.max_json_bytes:
        raise ParseError(
            f"{what} is {mib(size)}, more than a single JSON document may be (MCO_MAX_JSON_BYTES, "
            f"{mib(limits.max_json_bytes)}); deliver large batches as NDJSON (one credential per line, "
            "extension .ndjson or .jsonl), which is read line by line"
        )


def check_archive(members: list[zipfile.ZipInfo], limits: Limits, budget_left: int) -> None:
    """Refuse a whole archive that is empty, has too many members or would unpack beyond the budget."""
    if not members:
        raise ParseError("the zip archive holds no files")
    if len(members) > limits.max_zip_members:
        raise ParseError(
            f"the zip archive holds {len(members):,} files, more than MCO_MAX_ZIP_MEMBERS allows "
            f"({limits.max_zip_members:,})"
        )
    total = sum(m.file_size for m in members)
    if total > budget_left:
        raise ParseError(
            f"the zip archive would unpack to {mib(total)}, more than MCO_MAX_ZIP_BYTES leaves for it "
            f"({mib(budget_left)} of {mib(limits.max_zip_bytes)}); nothing in it is read"
        )


def check_member(info: zipfile.ZipInfo, limits: Limits) -> None:
    """Refuse one member: metadata, unsafe path, link, encryption, unusual compression, size, ratio."""
    name = info.filename
    base = name.rsplit("/", 1)[-1]
    if name.startswith("__MACOSX/") or base.startswith("._"):
        raise ParseError("macOS resource-fork metadata, not a credential")
    parts = name.replace("\\", "/").split("/")
    if name.startswith(("/", "\\")) or _DRIVE.match(name) or ".." in parts:
        raise ParseError(
            "the member's path is absolute or climbs out of the archive ('..'); it is never extracted or read"
        )
    if stat.S_ISLNK(info.external_attr >> 16):
        raise ParseError("the zip member is a symbolic link, which is never followed")
    if info.flag_bits & 0x1:
        raise ParseError("the zip member is encrypted")
    if info.compress_type not in ZIP_METHODS:
        raise ParseError("the zip member is compressed with a method other than deflate or store")
    check_size(info.file_size, limits.max_credential_bytes, "MCO_MAX_CREDENTIAL_BYTES", "the zip member")
    if info.file_size > RATIO_FLOOR and info.file_size > limits.max_zip_ratio * max(info.compress_size, 1):
        raise ParseError(
            f"the zip member would unpack to {mib(info.file_size)} from {mib(info.compress_size)}, more "
            f"than {limits.max_zip_ratio}:1 (MCO_MAX_ZIP_RATIO): it looks like a zip bomb and is not read"
        )


def bounded_lines(fh, max_line: int, size: int | None = None):
    """The lines of a binary stream, each at most `max_line` bytes; a longer one is drained in 1 MiB
    steps and yielded as TOO_LONG, so a one-line gigabyte never sits in memory. A stream known to be
    no longer than `max_line` is iterated as it is (faster)."""
    if size is not None and size <= max_line:
        yield from fh
        return
    readline = fh.readline
    while True:
        line = readline(max_line + 1)
        if not line:
            return
        if len(line) > max_line and not line.endswith(b"\n"):
            while True:
                chunk = readline(1 << 20)
                if not chunk or chunk.endswith(b"\n"):
                    break
            yield TOO_LONG
            continue
        yield line
