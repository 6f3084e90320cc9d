"""The wire between the server and its query worker processes: frames on a pipe.

A frame is a 4-byte big-endian length and a payload, the framing of
``multiprocessing.Connection.send_bytes`` (so a worker simply uses ``recv_bytes`` and
``send_bytes``). The server side keeps its end non-blocking and reads it with plain
``os.read`` calls: from the event loop's reader callback (no thread, no second wake-up) or,
for a blocking caller, after ``poll`` with the time left. Payloads are small ``marshal``
tuples plus the answer's bytes: no pickled objects cross the pipe.
"""

from __future__ import annotations

import os
import select
import struct
import time

__all__ = ["FrameReader", "frame", "read_frame", "write_all"]

_LENGTH = struct.Struct("!i")
_LONG = struct.Struct("!Q")
_CHUNK = 1 << 20


def frame(payload: bytes) -> bytes:
    """``payload`` with its length in front, as ``Connection.recv_bytes`` expects it."""
    if len(payload) > 0x7FFFFFFF:
        return _LENGTH.pack(-1) + _LONG.pack(len(payload)) + payload
    return _LENGTH.pack(len(payload)) + payload


class FrameReader:
    """Collects the bytes of one frame as they arrive; :meth:`feed` returns its payload."""

    __slots__ = ("_buffer", "_need", "_start")

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._need = -1
        self._start = 4

    def feed(self, data: bytes) -> bytes | None:
        """Add ``data``; the payload once the whole frame is in, else None."""
        if self._need < 0 and not self._buffer and len(data) >= 4:
            (size,) = _LENGTH.unpack_from(data)
            if size >= 0 and len(data) == size + 4:  # the common case: one read, one frame
                return data[4:]
        self._buffer += data
        if self._need < 0:
            if len(self._buffer) < 4:
                return None
            (size,) = _LENGTH.unpack_from(self._buffer)
            if size == -1:
                if len(self._buffer) < 12:
                    return None
                (size,) = _LONG.unpack_from(self._buffer, 4)
                self._start = 12
            self._need = size
        if len(self._buffer) < self._start + self._need:
            return None
        return bytes(self._buffer[self._start : self._start + self._need])


def write_all(fd: int, data: bytes, deadline: float) -> None:
    """Write ``data`` to the non-blocking ``fd``, waiting for room until ``deadline``
    (TimeoutError past it)."""
    view = memoryview(data)
    while view:
        try:
            written = os.write(fd, view)
        except BlockingIOError:
            _wait(fd, select.POLLOUT, deadline)
            continue
        view = view[written:]


def read_frame(fd: int, deadline: float) -> bytes:
    """Read one frame's payload from the non-blocking ``fd`` (TimeoutError past ``deadline``,
    EOFError if the other end is gone)."""
    reader = FrameReader()
    while True:
        _wait(fd, select.POLLIN, deadline)
        try:
            data = os.read(fd, _CHUNK)
        except BlockingIOError:
            continue
        if not data:
            raise EOFError("the other end of the pipe is closed")
        payload = reader.feed(data)
        if payload is not None:
            return payload


def _wait(fd: int, event: int, deadline: float) -> None:
    poller = select.poll()
    poller.register(fd, event)
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError
        if poller.poll(max(1, int(remaining * 1000) + 1)):
            return
