"""Running SPARQL queries with a time limit that really stops them, and a row cap.

Oxigraph cannot cancel a running query, so a time limit needs somewhere to run a query that can
be stopped from outside:

- **On-disk store: worker processes.** :class:`ProcessRunner` keeps a few worker processes,
  each with the store opened read-only (``open_store(path, read_only=True)``). A query is sent
  to an idle worker; if no answer comes before the limit, the worker is killed (that stops the
  query, whatever it was doing) and a fresh one is started, and the caller gets
  QueryTimeoutError. A read-only handle sees the data as it was when opened and must not stay
  open while the owner writes, so writes go through :meth:`ProcessRunner.exclusive`: it waits
  for every worker to be idle, has each close its handle, and the next query reopens it.
- **In-memory store: threads.** Another process cannot see an in-memory store, so
  :class:`ThreadRunner` runs the query in the calling thread and checks the deadline between
  rows. Oxigraph releases the GIL while it evaluates, so the server keeps answering; but a query
  that computes for long before its first row (a big aggregate) can only be abandoned, not
  stopped: the caller gets its 503 on time while the thread finishes in the background. The
  in-memory store is for tests and throwaway sessions; ``skg serve`` uses the on-disk store.
- **Remote engine: threads.** A store on a remote SPARQL engine has no database another
  process could open (``store.worker_path`` is None): :class:`ThreadRunner` runs each query in
  a thread, as a request with an HTTP time limit (the job's), and the answer is a 503 at the
  limit. What the engine does with a query abandoned mid-way is the engine's business (its own
  limits: Virtuoso's ``MaxQueryExecutionTime``).

  A *streaming lookup* (``lexer.streaming_lookup``: one triple pattern or a UNION of
  them, no join, no aggregate, no ordering) is the exception: its cost per row is bounded and
  the engine writes its answer steadily, so :class:`ProcessRunner` runs it in a thread on the
  server's own store handle, where the buffer the engine writes into raises at the deadline:
  first on the event loop itself with a budget of 2 ms (most lookups take a fraction of a
  millisecond), then, if it needs longer, again in a thread. That saves the process hop on the
  most common request (one entity's relations). Writes wait for such lookups to end
  (``exclusive()``), as they wait for the workers.

All run :func:`execute` (``execute.py``), which writes the answer to bytes in the negotiated
format, so a worker sends back one bytes object rather than rows.

Worker processes cut themselves off from the network as they start (``isolation.py``), unless
an allow-list of SERVICE endpoints is configured: whatever a query says, the engine in a worker
cannot open a connection. ``runner.isolated`` says whether the processes that run queries are
cut off, so the query guard may leave a text it cannot read to them.

Where each part lives: the :class:`Runner` protocol and :class:`ThreadRunner` here;
:class:`ProcessRunner` in ``process_runner.py``, its worker processes in ``pool.py`` (started,
lent out, replaced) and ``worker.py`` (a worker's main loop and its messages), and the gate
between the server's own lookups and writes in ``gate.py``.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Iterator
from typing import Protocol

from supplychain_kg.errors import QueryTimeoutError
from supplychain_kg.sparql.execute import TIMEOUT_MESSAGE, Answer, QueryJob, execute
from supplychain_kg.sparql.isolation import network_isolation
from supplychain_kg.sparql.process_runner import ProcessRunner
from supplychain_kg.store import Store

__all__ = ["Answer", "ProcessRunner", "QueryJob", "Runner", "ThreadRunner", "execute"]


class Runner(Protocol):
    """Runs queries with their limits; writes to the store happen inside ``exclusive()``."""

    @property
    def isolation(self) -> str:
        """How the processes that run queries are cut off from the network ("" if not)."""
        ...

    @property
    def isolated(self) -> bool:
        """Whether the processes that run queries are cut off from the network."""
        ...

    def run(self, job: QueryJob) -> Answer: ...

    async def arun(self, job: QueryJob) -> Answer: ...

    def exclusive(self) -> contextlib.AbstractContextManager[None]: ...

    def close(self) -> None: ...


class ThreadRunner:
    """Runs queries in the calling thread with cooperative deadline checks (in-memory store)."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._lock = threading.RLock()

    @property
    def isolation(self) -> str:
        """Queries run in this process: isolated if it is."""
        return network_isolation()

    @property
    def isolated(self) -> bool:
        return bool(self.isolation)

    def run(self, job: QueryJob) -> Answer:
        deadline = time.monotonic() + job.timeout
        answer = execute(self._store, job, deadline)
        if time.monotonic() > deadline:
            raise QueryTimeoutError(TIMEOUT_MESSAGE.format(job.timeout))
        return answer

    async def arun(self, job: QueryJob) -> Answer:
        """Run in a thread; past the limit answer at once (the thread stops at its next row)."""
        try:
            return await asyncio.wait_for(asyncio.to_thread(self.run, job), job.timeout)
        except TimeoutError:
            raise QueryTimeoutError(TIMEOUT_MESSAGE.format(job.timeout)) from None

    @contextlib.contextmanager
    def exclusive(self) -> Iterator[None]:
        with self._lock:
            yield

    def close(self) -> None:
        return None
