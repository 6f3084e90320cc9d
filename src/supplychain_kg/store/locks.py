"""Operating-system locks on a store directory: who owns the store, and when it is written.

Two lock files live in the store directory, each locked with ``fcntl.flock`` (on Windows,
``msvcrt.locking``), so the kernel releases them when the process that holds them dies, even
by ``kill -9``; a lock file left behind by a dead process is never in the way.

- ``skg.lock`` (:class:`StoreLock`): held by the one process that has the store open for
  writing, from before it looks at an interrupted write until it closes the store. A second
  opener (another process, or a second open in the same process) fails at once with
  StoreLockedError and changes nothing on disk.
- ``writes.lock`` (:class:`WriteGate`): held by the owner while it writes (and while an
  interrupted write's checkpoint exists), and by a process that backs the store up while the
  owner runs (``skg backup`` beside ``skg serve``): each waits for the other.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from supplychain_kg.errors import StoreError, StoreLockedError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]
try:
    import msvcrt
except ImportError:
    msvcrt = None  # type: ignore[assignment]

__all__ = ["LOCK_FILE", "WRITES_FILE", "StoreLock", "WriteGate"]

LOCK_FILE = "skg.lock"
WRITES_FILE = "writes.lock"
_POLL = 0.02


def _try_lock(fd: int) -> bool:
    """Take an exclusive lock on ``fd`` without waiting; False if another holder has it."""
    if fcntl is not None:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True
    if msvcrt is not None:  # pragma: no cover - Windows
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    raise StoreError(  # pragma: no cover - no such Python platform today
        "cannot lock the store on this system (neither fcntl nor msvcrt is available); "
        "use --memory, or a remote store"
    )


def _unlock(fd: int) -> None:
    if fcntl is not None:
        fcntl.flock(fd, fcntl.LOCK_UN)
    elif msvcrt is not None:  # pragma: no cover - Windows
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)


def _open_lock_file(path: Path) -> int:
    try:
        return os.open(path, os.O_RDWR | os.O_CREAT, 0o644)  # not inherited by children
    except OSError as exc:
        raise StoreError(f"cannot open the lock file {path}: {exc.strerror}") from exc


def _in_use(directory: Path, lock_file: Path) -> StoreLockedError:
    """The error for a store someone else holds, naming the holder where its lock file
    says (best effort)."""
    pid: int | None = None
    with contextlib.suppress(OSError, ValueError):
        pid = int(lock_file.read_text("ascii").strip())
    if pid == os.getpid():
        return StoreLockedError(
            f"the store at {directory} is in use: this process (pid {pid}) already has it "
            "open; close that handle first"
        )
    holder = f" (pid {pid})" if pid else ""
    return StoreLockedError(
        f"the store at {directory} is in use by another process{holder} (is `skg serve` or a "
        "load running?); wait for it to end or stop it, or use --store DIR / --memory for "
        "another store"
    )


class StoreLock:
    """The owner's lock on a store directory, held until :meth:`release`."""

    def __init__(self, directory: Path) -> None:
        """Take the lock at once, or raise StoreLockedError (the store is in use)."""
        self.path = directory / LOCK_FILE
        fd = _open_lock_file(self.path)
        if not _try_lock(fd):
            os.close(fd)
            raise _in_use(directory, self.path)
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode("ascii"))
        self._fd: int | None = fd

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            _unlock(fd)
            os.close(fd)


class WriteGate:
    """The ``writes.lock`` of a store directory: held while the store is written or backed up.

    Re-entrant in one process (a count, not tied to a thread: a write may start in one thread
    and end in another); held across processes by whoever took it first, others wait.
    """

    def __init__(self, directory: Path, *, wait: float) -> None:
        self.path = directory / WRITES_FILE
        self.wait = wait
        self._fd = _open_lock_file(self.path)
        self._depth = 0
        self._count_lock = threading.Lock()

    @property
    def depth(self) -> int:
        """How many times this process holds the gate (0: not held)."""
        return self._depth

    def acquire(self, *, wait: float | None = None, what: str = "write to") -> None:
        """Take the gate, waiting up to ``wait`` seconds (default: the gate's) for another
        process to release it; StoreLockedError past that."""
        with self._count_lock:
            if self._depth:
                self._depth += 1
                return
            deadline = time.monotonic() + (self.wait if wait is None else wait)
            while not _try_lock(self._fd):
                if time.monotonic() >= deadline:
                    raise StoreLockedError(
                        f"cannot {what} the store at {self.path.parent}: another process is "
                        "writing it or backing it up; try again when it has finished"
                    )
                time.sleep(_POLL)
            self._depth = 1

    def release(self) -> None:
        with self._count_lock:
            if self._depth == 0:
                return
            self._depth -= 1
            if self._depth == 0:
                _unlock(self._fd)

    @contextlib.contextmanager
    def holding(self, *, wait: float | None = None, what: str = "write to") -> Iterator[None]:
        self.acquire(wait=wait, what=what)
        try:
            yield
        finally:
            self.release()

    def close(self) -> None:
        with self._count_lock:
            if self._fd >= 0:
                if self._depth:
                    _unlock(self._fd)
                os.close(self._fd)
                self._fd = -1
                self._depth = 0
