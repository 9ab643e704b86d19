"""Read many credential files at once in a process pool, with the output of reading them one by one.

A delivery of one file per credential (EDCI XML, CTDL, OB JSON) spends its time parsing and mapping
each file, which depends on that file alone; what depends on the files before it (a duplicate award
id, a specification id another issuer already used, a first-wins specification, the tables) is cheap.
So worker processes parse and map chunks of files and record, per file, what the reader would have
done in order (`_Recorder`: notes counted, rows quarantined, awards and specifications to add), and
this process replays those records in the delivery's order into the one reader (`read_jobs`). The
output is the serial reader's, row for row: a file whose reading needs what earlier files left (OB 2.0
assertions and BadgeClasses, status lists), a file a worker could not read through (an error of any
kind, a limit reached), NDJSON and zip archives are read here, in their place. A worker pool that
breaks leaves the rest to this process. Chunks are bounded (`CHUNK_FILES`) and at most a few are in
flight, so memory stays flat whatever the delivery's size.

Workers: MCO_READ_WORKERS (default `os.cpu_count()`; 1 reads in this process only). Fewer than
`MIN_FILES` files are read here: starting workers costs more than it saves.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import Counter, deque
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from pipelines.sources.standards import mapping

MIN_FILES = 200  # fewer files are read in this process
CHUNK_FILES = 64  # files per task sent to a worker
_IN_FLIGHT = 3  # chunks per worker submitted ahead of the one being replayed
_TRIAL_FILES = 256  # after this many files, a pool whose workers hand most back is stopped
_SERIAL_EXT = frozenset({".zip", ".ndjson", ".jsonl"})  # streamed or many records: read here
WORKERS_ENV = "MCO_READ_WORKERS"


def worker_count(environ=None) -> int:
    """Reader processes: MCO_READ_WORKERS if set (a positive whole number), else the machine's CPUs."""
    env = os.environ if environ is None else environ
    raw = (env.get(WORKERS_ENV) or "").strip()
    if not raw:
        return os.cpu_count() or 1
    if not raw.isdigit() or int(raw) < 1:
        raise ValueError(f"{WORKERS_ENV} must be a positive whole number (1 reads without workers)")
    return int(raw)


# --------------------------------------------------------------------------------------- this side


def read_jobs(reader, jobs: list) -> None:
    """Read `jobs` (see `_Reader.jobs`) into `reader` in order, the files parsed by worker processes."""
    chunks = [jobs[i : i + CHUNK_FILES] for i in range(0, len(jobs), CHUNK_FILES)]
    context = multiprocessing.get_context(
        "fork" if "fork" in multiprocessing.get_all_start_methods() else None
    )
    pool = ProcessPoolExecutor(
        reader.workers,
        mp_context=context,
        initializer=_start,
        initargs=(type(reader), reader.root, reader.limits),
    )
    pending: deque = deque()
    submitted, ahead, pooling = 0, reader.workers * _IN_FLIGHT, True
    pooled = returned = 0  # files given to workers so far, and of those how many came back mapped
    try:
        for i, chunk in enumerate(chunks):
            results = None
            try:
                while pooling and submitted < len(chunks) and submitted - i < ahead:
                    pending.append(_submit(pool, chunks[submitted]))
                    submitted += 1
                if pending:
                    results = pending.popleft().result()
            except BrokenProcessPool:
                pooling = False  # a worker died (killed, out of memory): the rest is read here
                pending.clear()
            if results is not None:
                pooled += len(results)
                returned += sum(1 for r in results if r is not None)
                if pooled >= _TRIAL_FILES and returned < pooled // 2:
                    pooling = False  # mostly files read here anyway (OB 2.0): stop parsing them twice
            _replay_chunk(reader, chunk, results)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _submit(pool, chunk: list):
    return pool.submit(
        _read_chunk, [(file, name, walked) for file, name, walked, _ in chunk if _pooled(file)]
    )


def _pooled(file: str | None) -> bool:
    return file is not None and os.path.splitext(file)[1].lower() not in _SERIAL_EXT


def _replay_chunk(reader, chunk: list, results: list | None) -> None:
    results = iter(results or ())
    for file, name, walked, refusal in chunk:
        if file is None:
            reader._refuse(name, refusal)
            continue
        outcome = next(results, None) if _pooled(file) else None
        if outcome is None:  # read here: not for a worker, or the worker could not
            reader.read_file(Path(file), name, walked)
            continue
        for out, events in outcome:
            _replay(reader, out, events)
            reader.files.append(out)


def _replay(reader, out, events: list) -> None:
    """Do to `reader` what reading the file would have done, in the order it would have."""
    out._counts, out._quarantine = Counter(), []
    for event in events:
        kind = event[0]
        if kind == "count":
            out._counts[event[1]] = event[2]
        elif kind == "quarantine":
            out._quarantine.append(event[1])
        elif kind == "award":
            _add_award(reader, out, *event[1:])
        else:  # a CTDL specification, its published rows computed with the id it had before `spec`
            _, rec, line, rows = event
            reader._specification(out, line, rec, _rows_for(rows, rec["credential_id"]))


def _rows_for(rows: list[dict], computed_for: str):
    """`published(credential_id)` for the rows a worker computed for the id `computed_for`."""
    return lambda cid: rows if cid == computed_for else [{**r, "credential_id": cid} for r in rows]


def _add_award(reader, out, rec, line, unmapped, derived, credential_status, spec, looked) -> None:
    sink = reader.sink
    if spec:  # the mapper asked `Known.spec`: ask the reader's sink, which knows the earlier files
        sink.split = 0
        rec["credential_id"] = sink.spec(rec["credential_id"], rec["provider_id"])
        if sink.split:
            out._counts[mapping.SPLIT_NOTE] += 1
    if looked is not None:  # the mapper would have stopped where it found the specification known
        how, at = looked
        cid = rec["credential_id"]
        if (cid in sink.credentials) if how == "in" else (sink.credentials.get(cid) is not None):
            rec["purpose"] = sink.credentials[cid]
            unmapped = unmapped[:at]
            for key in ("assessment_type", "participation_form", "supervision"):
                rec.pop(key, None)
    reader._add_award(rec, out, line, unmapped, derived, credential_status)


# ------------------------------------------------------------------------------------- worker side

_WORKER = None


class _Serial(Exception):
    """The file needs what earlier files left in the reader: it is read in the main process."""


class _Events(Counter):
    """A file's `_counts` in a worker: each count set is also an event, in order (`events`)."""

    def __init__(self):
        super().__init__()
        self.events: list = []

    def __setitem__(self, key, value):
        self.events.append(("count", key, value))
        super().__setitem__(key, value)


class _Lookups(dict):
    """`Known.credentials` in a worker: nothing is known yet; where the mapper looked is remembered."""

    def __init__(self, known):
        super().__init__()
        self.known = known

    def get(self, key, default=None):
        self.known.note_lookup("get")
        return default

    def __contains__(self, key):
        self.known.note_lookup("in")
        return False


class _Unshared:
    """What only the main process may do (OB 2.0 index, deferred assertions, status lists)."""

    def register(self, *_):
        raise _Serial

    def append(self, *_):
        raise _Serial

    def forget(self, *_):
        pass


def _sink_class():
    class _Known(mapping.Sink):
        """The worker's sink: `spec` and the first-wins lookups are left to the main process."""

        def __init__(self):
            self.spec_call = self.looked = None
            super().__init__()
            self.credentials = _Lookups(self)

        @property
        def split(self):
            return 0

        @split.setter
        def split(self, _value):  # set before each record is mapped
            self.spec_call = self.looked = None

        def spec(self, credential_id, provider_id):
            self.spec_call = (credential_id, provider_id)
            return credential_id

        def note_lookup(self, how: str) -> None:
            if self.looked is None:
                self.looked = (how, len(mapping._UNMAPPED))

    return _Known


def _recorder_class(reader_class):
    class _Recorder(reader_class):
        """A reader that records what it would do to the delivery's state instead of doing it."""

        def __init__(self, root, limits):
            super().__init__(root, limits, workers=1)
            self.sink = _sink_class()()
            self.index = self.status_lists = _Unshared()
            self.pending = _Unshared()

        def _outcome(self, name):
            out = reader_class._outcome(name)
            out._counts = _Events()
            return out

        def _quarantine(self, out, *args, **kwargs):
            super()._quarantine(out, *args, **kwargs)
            out._counts.events.append(("quarantine", out._quarantine[-1]))

        def _load(self, rec, doc, out, line):
            sink = self.sink
            spec = sink.spec_call is not None
            if spec and sink.spec_call != (rec.get("credential_id"), rec.get("provider_id")):
                raise _Serial
            unmapped, derived, status = self._award_context(rec, doc)
            out._counts.events.append(("award", rec, line, unmapped, derived, status, spec, sink.looked))
            if out.records_in > self.limits.max_credentials_per_file:
                self._check_caps(out)

        def _specification(self, out, line, rec, published):
            out._counts.events.append(("specification", rec, line, published(rec["credential_id"])))

        def _reject(self, out, message, fmt=None, mark=None):
            events = out._counts.events
            if any(e[0] in ("award", "specification") for e in events):
                raise _Serial  # taking loaded records back out is the main process's business
            events[:] = [e for e in events if e[0] == "count"]  # its counts stay, its rows go
            super()._reject(out, message, fmt, mark)

        def read_one(self, file: str, name: str, walked: bool):
            """[(outcome, events)] for the file (a zip read in place has several), or None."""
            self.files = []
            mapping.take_unmapped()
            try:
                self.read_file(Path(file), name, walked)
            except Exception:  # noqa: BLE001 - anything unexpected: the main process reads it itself
                return None
            limits = self.limits
            result = []
            for out in self.files:
                events = out._counts.events
                added = sum(1 for e in events if e[0] in ("award", "specification"))
                if (
                    out.records_in + out.supporting_documents > limits.max_credentials_per_file
                    or out.records_quarantined + added > limits.max_problems_per_file
                ):
                    return None  # a limit may be reached with the earlier files' duplicates: read there
                out._counts = Counter()
                result.append((out, events))
            return result

    return _Recorder


def _start(reader_class, root, limits) -> None:
    global _WORKER
    _WORKER = _recorder_class(reader_class)(root, limits)


def _read_chunk(files: list) -> list:
    return [_WORKER.read_one(file, name, walked) for file, name, walked in files]
