"""Helpers for the store's lock, backup and crash tests: other processes and checksums."""

from __future__ import annotations

import hashlib
import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from supplychain_kg.store import open_store

SRC = Path(__file__).resolve().parents[1] / "src"


def checksum(store_dir: Path) -> str:
    """The SHA-256 of the store's sorted N-Quads (opened for writing: recovery runs first)."""
    store = open_store(store_dir)
    try:
        out = io.BytesIO()
        store.dump(out, "application/n-quads")
    finally:
        store.close()
    lines = sorted(out.getvalue().splitlines())
    return hashlib.sha256(b"\n".join(lines)).hexdigest()


def python(code: str, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    """Start ``python -c code args...`` with stdout and stderr piped."""
    return subprocess.Popen(
        [sys.executable, "-c", code, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )


def skg(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    """Start the ``skg`` command in another process."""
    code = "import sys; from supplychain_kg.cli import main; sys.exit(main(sys.argv[1:]))"
    return python(code, *args, env=env)


def wait_for_line(process: subprocess.Popen[str], expected: str, timeout: float = 30) -> None:
    """Read the process's stdout until a line equal to ``expected``."""
    assert process.stdout is not None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if line.strip() == expected:
            return
        if not line and process.poll() is not None:
            _, err = process.communicate()
            raise AssertionError(
                f"the process ended ({process.returncode}) before {expected!r}: {err}"
            )
    raise AssertionError(f"no {expected!r} from the process within {timeout} s")


def kill9(process: subprocess.Popen[str]) -> None:
    """SIGKILL the process (if still running) and reap it."""
    if process.poll() is None:
        os.kill(process.pid, signal.SIGKILL)
    process.communicate(timeout=30)
