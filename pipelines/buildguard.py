"""Build hygiene: one build per warehouse at a time, a clean stop on SIGTERM/SIGINT, no leftovers.

- `build_lock` takes an exclusive `flock` on `.<warehouse>.lock` beside the warehouse and records the
  holder's pid and start time in it, so a second build fails at once naming the first (or waits).
  The kernel releases the lock when the process dies, whatever the way; the file is removed on exit.
- `SignalGuard` turns SIGTERM and SIGINT into `BuildInterrupted` (raised in the main thread, so the
  build's cleanup runs) and interrupts the DuckDB statement in flight, so the stop is prompt.
- `remove_stale` deletes the `.<warehouse>.building-<pid>` files (and Data Docs folders) that builds
  killed without a chance to clean up (SIGKILL, power loss) left behind.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from pipelines.errors import BuildFailed

HANDLED = (signal.SIGTERM, signal.SIGINT)


class BuildInterrupted(BaseException):
    """A build stopped by SIGTERM or SIGINT. A BaseException, like KeyboardInterrupt, so that no
    `except Exception` on the way swallows it; the CLI prints it as one line and exits 128 + signal."""

    def __init__(self, signum: int, swapped: bool = False):
        self.signum = signum
        self.exit_code = 128 + signum
        name = signal.Signals(signum).name
        what = (
            "after the new warehouse was put in place"
            if swapped
            else "before it finished; its temporary files were removed "
            "and the previous warehouse is unchanged"
        )
        super().__init__(f"the build was stopped by {name} {what}")


# --- one build per warehouse -------------------------------------------------------------------------


def lock_path(warehouse: Path) -> Path:
    return warehouse.with_name(f".{warehouse.name}.lock")


def building_prefix(warehouse: Path) -> str:
    """Temporary files of a build of `warehouse` are named `<prefix><pid>` (and `<prefix><pid>.wal`)."""
    return f".{warehouse.name}.building-"


def _holder(fd: int) -> str:
    try:
        info = json.loads(os.pread(fd, 4096, 0) or b"{}")
        return f"pid {int(info['pid'])}, started {info['started']}"
    except (ValueError, KeyError, TypeError, OSError):
        return "pid unknown: it has not recorded itself yet"


@contextmanager
def build_lock(
    warehouse: Path, wait: float | None = None, on_wait: Callable[[str], None] | None = None
) -> Iterator[None]:
    """Hold the build lock of `warehouse` for the block; fail at once when another build holds it,
    or wait up to `wait` seconds for it (calling `on_wait(holder)` once when waiting starts)."""
    path = lock_path(warehouse)
    deadline = time.monotonic() + wait if wait else None
    announced = False
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            import fcntl

            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(fd)
            os.close(fd)
            if deadline is None or time.monotonic() >= deadline:
                waited = f" (waited {wait:g} s)" if wait else ""
                raise BuildFailed(
                    f"another build of this warehouse is running ({holder}){waited}; let it finish, "
                    "or pass --wait SECONDS to wait for it",
                    warehouse,
                ) from None
            if not announced and on_wait is not None:
                on_wait(holder)
                announced = True
            time.sleep(0.2)
            continue
        # The build that held the lock removes the file on its way out: a lock on that old file is no lock.
        try:
            current = os.stat(path).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            current = False
        if current:
            break
        os.close(fd)
    try:
        os.ftruncate(fd, 0)
        stamp = {"pid": os.getpid(), "started": datetime.now(UTC).isoformat(timespec="seconds")}
        os.pwrite(fd, json.dumps(stamp).encode(), 0)
        yield
    finally:
        path.unlink(missing_ok=True)  # while still locked, so nobody locks a file that is going away
        os.close(fd)


# --- leftovers of dead builds ------------------------------------------------------------------------


def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


def _pid_of(name: str, prefix: str) -> int | None:
    if not name.startswith(prefix):
        return None
    text = name[len(prefix) :].split(".", 1)[0]
    return int(text) if text.isdigit() else None


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def remove_stale(warehouse: Path, docs_root: Path | None = None) -> list[Path]:
    """Remove temporary files of earlier builds of `warehouse` whose process is gone (call under the lock).

    `.<name>.building-<pid>` and its `.wal` beside the warehouse, and unfinished Data Docs folders
    `data_docs/.<build id>.building-<pid>`. Files of a live process are kept: it may be an older
    release of the builder that does not take the lock.
    """
    removed = []
    candidates: list[tuple[Path, str]] = []
    if warehouse.parent.is_dir():
        prefix = building_prefix(warehouse)
        candidates += [(p, prefix) for p in warehouse.parent.iterdir() if p.name.startswith(prefix)]
    if docs_root is not None and docs_root.is_dir():
        for p in docs_root.iterdir():
            if p.name.startswith(".") and ".building-" in p.name:
                candidates.append((p, p.name[: p.name.index(".building-")] + ".building-"))
    for path, prefix in candidates:
        pid = _pid_of(path.name, prefix)
        if pid is not None and (pid == os.getpid() or not _alive(pid)):
            _remove(path)
            removed.append(path)
    return removed


# --- SIGTERM / SIGINT ---------------------------------------------------------------------------------


class SignalGuard:
    """While active (main thread only), SIGTERM and SIGINT raise `BuildInterrupted`.

    The running DuckDB statement of `connection` is interrupted from a helper thread woken through
    `signal.set_wakeup_fd`, since Python handlers run only once the statement returns. Inside
    `deferred()` (the swap, the cleanup) a signal is only noted and raised when the block ends.
    """

    def __init__(self) -> None:
        self.connection = None  # the build's DuckDB connection, set once opened
        self.swapped = False
        self._pending: int | None = None
        self._raised = False
        self._deferring = 0
        self._previous: dict[int, object] = {}
        self._wakeup: tuple[int, int] | None = None
        self._old_wakeup = -1
        self._thread: threading.Thread | None = None

    def _handler(self, signum: int, _frame) -> None:
        if self._pending is None:
            self._pending = signum
        if self._deferring or self._raised:
            return
        self._raised = True
        raise BuildInterrupted(signum, self.swapped)

    def _watch(self, fd: int) -> None:
        while True:
            try:
                data = os.read(fd, 64)
            except OSError:
                return
            if not data:
                return
            if any(b in HANDLED for b in data):
                con = self.connection
                if con is not None:
                    with contextlib.suppress(Exception):  # closed meanwhile: nothing to interrupt
                        con.interrupt()

    def __enter__(self) -> SignalGuard:
        if threading.current_thread() is not threading.main_thread():
            return self
        self._previous = {s: signal.signal(s, self._handler) for s in HANDLED}
        r, w = os.pipe()
        os.set_blocking(w, False)
        old = signal.set_wakeup_fd(w, warn_on_full_buffer=False)
        if old != -1:  # somebody else (an event loop) listens: leave it to them
            signal.set_wakeup_fd(old)
            os.close(r)
            os.close(w)
            return self
        self._wakeup = (r, w)
        self._thread = threading.Thread(target=self._watch, args=(r,), daemon=True, name="mco-signals")
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        if self._wakeup is not None:
            signal.set_wakeup_fd(-1)
            r, w = self._wakeup
            os.close(w)  # ends the watcher's read
            if self._thread is not None:
                self._thread.join(timeout=5)
            os.close(r)
            self._wakeup = None
        for s, handler in self._previous.items():
            signal.signal(s, handler)
        self._previous = {}
        error = exc[1] if len(exc) > 1 else None
        if error is not None and self._pending is not None and not isinstance(error, BuildInterrupted):
            # the interrupted DuckDB statement raised first ("Query interrupted"): the signal is the cause
            raise BuildInterrupted(self._pending, self.swapped) from error

    @contextmanager
    def deferred(self) -> Iterator[None]:
        """Run a block that must not be cut short; a signal received meanwhile is raised after it."""
        self._deferring += 1
        try:
            yield
        finally:
            self._deferring -= 1
        if not self._deferring and self._pending is not None and not self._raised:
            self._raised = True
            raise BuildInterrupted(self._pending, self.swapped)
