"""Read many credential files at once in a process pool, with the output of reading them one by one.

A delivery of one file per credential (EDCI XML, CTDL, OB JSON) spends its time parsing and mapping
each file, which depends on that file alone; what depends on the files before it (a duplicate award
id, a specification id another issuer already used, a first-wins specification, the tables) is cheap.
So worker processes parse and map chunks of files and record, per file, what the reader would have
done in order (`_Recorder`: notes counted, rows quarantined, awards and specifications to add), and
this process replays those records in the delivery's order into the one reader (`read_jobs`). The
output is the serial reader's, row for row: a file whose reading needs what earlier files left (OB 2.0
assertions and BadgeClasses, status lists), a file a worker could not read through (an error of any
kind, a limit reached) and zip archives are read here, in their place. A worker pool that breaks
leaves the rest to this process. Chunks are bounded (`CHUNK_FILES`) and at most a few are in flight,
so memory stays flat whatever the delivery's size.

An NDJSON file (or zip member) is one file of many records: this process streams its lines, sends
chunks of them (`CHUNK_LINES`, at most `CHUNK_BYTES`) to the workers, which record per chunk what
reading its lines would have done (`_Recorder.read_lines`), and replays the chunks in line order
into the file's one outcome (`read_lines`). A chunk whose lines need what earlier lines or files left
(OB 2.0, status lists, CTDL), that a worker could not read through, or whose replay could reach a
per-file limit, is read here from the lines this process kept, so the quarantine (file, line), the
duplicates and conflicts, the file's counts and notes are the serial reader's. A file is read here
whole when it has fewer than `MIN_LINES` lines.

Workers: MCO_READ_WORKERS (default `os.cpu_count()`; 1 reads in this process only). Fewer than
`MIN_FILES` files are read here: starting workers costs more than it saves.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
from collections import Counter, deque
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from pipelines.sources.standards import delivery, mapping
from pipelines.sources.standards.guards import TOO_LONG

MIN_FILES = 200  # fewer files are read in this process
CHUNK_FILES = 64  # files per task sent to a worker
MIN_LINES = 4000  # an NDJSON file with fewer lines is read in this process
# ... and so is every NDJSON file on fewer reader processes than this: replaying a worker's chunk costs
# about two thirds of reading it here (unpickling, bookkeeping), so on two CPUs the pool only spends
# CPU (measured: docs/BENCHMARKS.md, "NDJSON through the pool"); from three it reads faster
MIN_LINE_WORKERS = 3
CHUNK_LINES = 256  # NDJSON lines per task sent to a worker
CHUNK_BYTES = 4 << 20  # ... and at most about this many bytes of them
_IN_FLIGHT = 3  # chunks per worker submitted ahead of the one being replayed
_TRIAL_FILES = 256  # after this many files, a pool whose workers hand most back is stopped
_TRIAL_CHUNKS = 8  # after this many chunks of a file, the same
_HEAD_BYTES = 32 << 20  # NDJSON lines held while counting them up to MIN_LINES
_AHEAD_BYTES = 64 << 20  # ... and at most about this many in chunks submitted ahead
_MAX_GUESSES = 100_000  # specifications a worker remembers having mapped (`_Lookups`)
_SERIAL_EXT = frozenset({".zip", ".ndjson", ".jsonl"})  # many records each: read here (NDJSON by
# chunks of lines, `read_lines`)
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


class _Pool:
    """The reader's worker processes, shared by the files of a delivery and the lines of its NDJSON;
    `broken` once a worker died (killed, out of memory): the rest is read in this process."""

    def __init__(self, reader, processes: int | None = None):
        context = multiprocessing.get_context(
            "fork" if "fork" in multiprocessing.get_all_start_methods() else None
        )
        self.executor = ProcessPoolExecutor(
            processes or reader.workers,
            mp_context=context,
            initializer=_start,
            initargs=(type(reader), reader.root, reader.limits),
        )
        self.broken = False

    def close(self) -> None:
        self.executor.shutdown(wait=True, cancel_futures=True)


def read_jobs(reader, jobs: list) -> None:
    """Read `jobs` (see `_Reader.jobs`) into `reader` in order, the files parsed by worker processes."""
    chunks = [jobs[i : i + CHUNK_FILES] for i in range(0, len(jobs), CHUNK_FILES)]
    pool = reader.pool = _Pool(reader)
    pending: deque = deque()
    submitted, ahead, pooling = 0, reader.workers * _IN_FLIGHT, True
    pooled = returned = 0  # files given to workers so far, and of those how many came back mapped
    try:
        for i, chunk in enumerate(chunks):
            results = None
            try:
                while pooling and submitted < len(chunks) and submitted - i < ahead:
                    pending.append(_submit(pool.executor, chunks[submitted]))
                    submitted += 1
                if pending:
                    results = pending.popleft().result()
            except BrokenProcessPool:
                pool.broken = True
            if pool.broken:
                pooling = False  # the rest is read here
                pending.clear()
                results = None
            if results is not None:
                pooled += len(results)
                returned += sum(1 for r in results if r is not None)
                if pooled >= _TRIAL_FILES and returned < pooled // 2:
                    pooling = False  # mostly files read here anyway (OB 2.0): stop parsing them twice
            _replay_chunk(reader, chunk, results)
    finally:
        reader.pool = None
        pool.close()


def read_lines(reader, out, lines, state) -> None:
    """Read the lines of one NDJSON file (or zip member) into `out`, as `reader._take_lines` would,
    chunks of them mapped by worker processes; `state` (`delivery.LineState`) is left where they end."""
    lines = iter(lines)
    head: list = []
    held = 0
    for raw in lines:
        head.append(raw)
        held += 0 if raw is TOO_LONG else len(raw)
        if len(head) >= MIN_LINES or held >= _HEAD_BYTES:
            break
    else:
        reader._take_lines(out, head, state)  # a small file: workers would cost more than they save
        return
    pool, own = reader.pool, reader.pool is None
    if own:
        pool = _Pool(reader, reader.workers - 1)  # and this process reads a share (`_pool_lines`)
    chunks = _line_chunks(itertools.chain(head, lines))
    del head  # its lines go with their chunks
    try:
        _pool_lines(reader, pool, out, chunks, state)
    finally:
        if own:
            pool.close()


def _line_chunks(lines):
    """(first line number, the lines joined, the indexes of those over the limit, whether a line
    before them had content) per chunk; an error reading the file comes after the chunk of the lines
    read before it. Each line but a file's last ends in a newline (`_lines_of` splits them again)."""
    chunk: list = []
    too_long: list = []
    size, first, seen, before, error = 0, 1, False, False, None
    try:
        for raw in lines:
            if not chunk:
                before = seen
            if raw is TOO_LONG:
                too_long.append(len(chunk))
                chunk.append(b"\n")
                seen = True
            else:
                chunk.append(raw)
                size += len(raw)
                if not seen and raw.strip():
                    seen = True
            if len(chunk) >= CHUNK_LINES or size >= CHUNK_BYTES:
                yield first, b"".join(chunk), too_long, before
                first += len(chunk)
                chunk, too_long, size = [], [], 0
    except Exception as exc:  # noqa: BLE001 - raised again once the lines before it are read
        error = exc
    if chunk:
        yield first, b"".join(chunk), too_long, before
    if error is not None:
        raise error


def _lines_of(block: bytes, too_long: list) -> list:
    """The lines of a chunk (`_line_chunks`), without their newlines (which `_take_lines` strips)."""
    lines = block.split(b"\n")
    if block.endswith(b"\n"):
        lines.pop()
    for i in too_long:
        lines[i] = TOO_LONG
    return lines


def _pool_lines(reader, pool: _Pool, out, chunks, state) -> None:
    """Read `chunks` (`_line_chunks`) in order: sent to the workers ahead, replayed (or read here) as
    their turn comes; one in `reader.workers` (the first, ...) is never sent but read here in its turn,
    since this process would mostly wait for the workers otherwise (its own pool has one process less)."""
    pending: deque = deque()  # (future or None, chunk) in line order
    share, made = reader.workers, 0
    ahead, pooling, failure = reader.workers * _IN_FLIGHT, not pool.broken, None
    tried = returned = 0  # chunks given to workers, and of those how many came back mapped
    held = 0  # bytes of the lines in `pending`
    try:
        while True:
            while failure is None and len(pending) < (ahead if pooling else 1) and held < _AHEAD_BYTES:
                try:
                    chunk = next(chunks)
                except StopIteration:
                    failure = StopIteration
                    break
                except Exception as exc:  # noqa: BLE001 - a read error: the lines before it first
                    failure = exc
                    break
                future = None
                made += 1
                if pooling and made % share != 1:
                    try:
                        future = pool.executor.submit(_read_lines_chunk, out.name, *chunk)
                    except BrokenProcessPool:
                        pool.broken, pooling = True, False
                pending.append((future, chunk))
                held += len(chunk[1])
            if not pending:
                break
            future, (first, block, too_long, _before) = pending.popleft()
            held -= len(block)
            result = None
            if future is not None:
                try:
                    result = future.result()
                except BrokenProcessPool:
                    pool.broken = True
                tried += 1
                returned += result is not None
                if tried >= _TRIAL_CHUNKS and returned < tried // 2:
                    pooling = False  # mostly read here anyway (OB 2.0 lines): stop reading them twice
            if pool.broken and pooling:
                pooling = False
                pending = deque((None, chunk) for _, chunk in pending)
            if result is None or not _fits(reader, out, result) or not _guesses_hold(reader, result[-1]):
                state.lineno = first - 1
                reader._take_lines(out, _lines_of(block, too_long), state)
            else:
                _replay_lines(reader, out, result, state)
                state.lineno = result[-2]
    finally:
        for future, _ in pending:
            if future is not None:
                future.cancel()
    if failure is not StopIteration and failure is not None:
        raise failure


def _fits(reader, out, result) -> bool:
    """Whether replaying a chunk keeps `out` within the per-file limits, so no check fires part-way
    (each of its records loaded, each award possibly a duplicate of an earlier one)."""
    n_in, n_quarantined, n_supporting, _formats, awards = result[:5]
    limits = reader.limits
    return (
        out.records_in + n_in + out.supporting_documents + n_supporting <= limits.max_credentials_per_file
        and out.records_quarantined + n_quarantined + awards <= limits.max_problems_per_file
    )


def _replay_lines(reader, out, result, state) -> None:
    n_in, n_quarantined, n_supporting, formats, _awards, seen, good, first_error, _last, events = result
    out.records_in += n_in
    out.records_quarantined += n_quarantined
    out.supporting_documents += n_supporting
    if formats:
        out._formats.update(formats)
    state.seen += seen
    state.good += good
    if state.first_error is None:
        state.first_error = first_error
    counts, rows, notes = out._counts, out._quarantine, out.notes
    for event in events:
        kind = event[0]
        if kind == "award":
            _add_award(reader, out, *event[1:])
        elif kind == "count":
            counts[event[1]] += event[2]
        elif kind == "quarantine":
            rows.append(event[1])
        else:
            notes.append(event[1])


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
        if outcome is not None and not all(_guesses_hold(reader, events) for _, events in outcome):
            outcome = None
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
            out._counts[event[1]] += event[2]
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


def _guesses_hold(reader, events: list) -> bool:
    """Whether every award in `events` that a worker mapped short, its specification guessed known
    (`_Lookups`), will find that specification known with a purpose when it is replayed (`_add_award`),
    known now or added by an award before it; if not, its file or chunk is read here."""
    sink = reader.sink
    credentials, owners, awards_seen = sink.credentials, sink.owners, reader.awards_seen
    added: dict = {}  # specification id -> purpose, of those the awards before will add
    owned: dict = {}  # specification id -> issuer, of the same
    ids: set = set()
    specifications = False  # a CTDL specification added before: what it adds is not worked out here
    for event in events:
        if event[0] != "award":
            specifications = specifications or event[0] == "specification"
            continue
        rec, spec, guessed = event[1], event[6], event[9]
        if guessed and specifications:
            return False
        cid, provider = rec["credential_id"], rec["provider_id"]
        if spec:  # as `Known.spec` will qualify it then
            owner = owned[cid] if cid in owned else owners.get(cid, provider)
            if owner != provider:
                cid = f"{cid}#issuer={provider}"
        award_id = rec["award_id"] if rec["award_id"] is not None else event[4]
        new = award_id not in awards_seen and award_id not in ids
        ids.add(award_id)
        if guessed:
            if (added[cid] if cid in added else credentials.get(cid)) is None:
                return False
        elif new and cid not in credentials and cid not in added:
            added[cid] = rec.get("purpose")
            owned[cid] = provider
    return True


def _add_award(reader, out, rec, line, unmapped, derived, credential_status, spec, looked, digest, guessed):
    """`digest` is the content hash of the record as the worker mapped it: good unless its
    specification id or purpose changes here. A `guessed` record was mapped short (`_Lookups`): its
    specification is known here (`_guesses_hold`)."""
    sink = reader.sink
    if spec:  # the mapper asked `Known.spec`: ask the reader's sink, which knows the earlier files
        sink.split = 0
        rec["credential_id"] = sink.spec(rec["credential_id"], rec["provider_id"])
        if sink.split:
            out._counts[mapping.SPLIT_NOTE] += 1
            digest = None
    if looked is not None:  # the mapper would have stopped where it found the specification known
        how, at = looked
        cid = rec["credential_id"]
        known = sink.credentials
        if (cid in known) if how == "in" else (known.get(cid) is not None):
            purpose = known[cid]
            if purpose != rec.get("purpose"):
                rec["purpose"] = purpose
                digest = None
            unmapped = unmapped[:at]
            for key in ("assessment_type", "participation_form", "supervision"):
                rec.pop(key, None)
        elif guessed:
            raise RuntimeError("a record mapped short was replayed without its specification")
    reader._add_award(rec, out, line, unmapped, derived, credential_status, digest)


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
        self.events.append(("count", key, value - self[key]))
        super().__setitem__(key, value)


class _Notes(list):
    """A chunk's notes in a worker: each note is also an event, in order."""

    def __init__(self, events: list):
        super().__init__()
        self.events = events

    def append(self, note) -> None:
        self.events.append(("note", note))
        super().append(note)


class _Lookups(dict):
    """`Known.credentials` in a worker: nothing is known yet; where the mapper looked is remembered.

    A specification this worker mapped in full before (same id, same issuer) is guessed known to
    `get`, with the purpose it had: the mapper stops there, as it would in the main process, which
    replays the record only if the guess holds there (`_guesses_hold`)."""

    def __init__(self, known):
        super().__init__()
        self.known = known

    def get(self, key, default=None):
        known = self.known
        known.note_lookup("get")
        call = known.spec_call
        if call is not None and call[0] == key:
            purpose = known.guesses.get(call)
            if purpose is not None:
                known.guessed = True
                return purpose
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
            self.guessed = False
            self.guesses: dict[tuple, str] = {}  # (specification id, issuer) -> purpose, mapped in full
            super().__init__()
            self.credentials = _Lookups(self)

        @property
        def split(self):
            return 0

        @split.setter
        def split(self, _value):  # set before each record is mapped
            self.spec_call = self.looked = None
            self.guessed = False

        def mapped(self, rec: dict) -> None:
            """A record mapped: its specification is guessed known from now on, if it was mapped in full."""
            call = self.spec_call
            if call is None or self.guessed or self.looked is None or self.looked[0] != "get":
                return
            purpose = rec.get("purpose")
            if purpose is not None and call == (rec.get("credential_id"), rec.get("provider_id")):
                if len(self.guesses) >= _MAX_GUESSES:
                    self.guesses.clear()
                self.guesses[call] = purpose

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
            self.chunked = False  # reading a chunk of an NDJSON file's lines (`read_lines`)

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
            digest = delivery.award_digest(rec, derived, out.name)
            looked, guessed = sink.looked, sink.guessed
            event = ("award", rec, line, unmapped, derived, status, spec, looked, digest, guessed)
            out._counts.events.append(event)
            sink.mapped(rec)
            if out.records_in > self.limits.max_credentials_per_file:
                self._check_caps(out)

        def _ctdl(self, obj, out, line):
            if self.chunked:
                raise _Serial  # CTDL reads what the file's earlier lines left in its outcome
            super()._ctdl(obj, out, line)

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

        def read_lines(self, name: str, first: int, block: bytes, too_long: list, seen: bool):
            """What reading the lines of `block` (`_line_chunks`; numbered from `first`) of the file
            `name` would do, `seen` if a line before them had content (see `_replay_lines`), or None."""
            out = self._outcome(name)
            events = out._counts.events
            out.notes = _Notes(events)
            state = delivery.LineState(seen=int(seen), lineno=first - 1)
            mapping.take_unmapped()
            self.chunked = True
            try:
                self._take_lines(out, _lines_of(block, too_long), state)
            except Exception:  # noqa: BLE001 - anything unexpected: the main process reads it itself
                return None
            finally:
                self.chunked = False
            awards = sum(1 for e in events if e[0] == "award")
            return (
                out.records_in,
                out.records_quarantined,
                out.supporting_documents,
                dict(out._formats),
                awards,
                state.seen - int(seen),
                state.good,
                state.first_error,
                state.lineno,
                events,
            )

    return _Recorder


def _start(reader_class, root, limits) -> None:
    global _WORKER
    _WORKER = _recorder_class(reader_class)(root, limits)


def _read_chunk(files: list) -> list:
    return [_WORKER.read_one(file, name, walked) for file, name, walked in files]


def _read_lines_chunk(name: str, first: int, block: bytes, too_long: list, seen: bool):
    return _WORKER.read_lines(name, first, block, too_long, seen)
