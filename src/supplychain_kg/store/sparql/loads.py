"""Loads and imports into a remote store, without transactions across requests.

1. The load is recorded in the metadata graph (its owner and its staging graphs), then the
   staged quads are sent into fresh staging named graphs (``urn:x-skg:staging:<id>-<n>``, one
   per target graph), by the Graph Store protocol where ``SKG_GRAPH_STORE_URL`` is set, else
   by ``INSERT DATA`` requests; meanwhile the staged data is validated (on the in-memory
   staging store the parser filled, in the light of the remote store: the same check a local
   load makes).
2. The quads the target already holds are removed from the staging graphs, which then hold
   exactly what the load adds (their count is the answer).
3. One update request moves them into place (``ADD`` of each staging graph to its target),
   registers new named graphs and bumps the revision; the staging graphs are dropped by the
   next request (inside a group of writes they are kept until it ends, to undo the load).

A failure before step 3 drops the staging graphs; a process or engine killed before step 3
commits leaves the target as it was (the request is atomic on a kill) and the staging graphs
recorded with their owner: the next load or open on this host finds the owner dead and drops
them (``writes.recover``). Nothing resumes a load cut short: it is run again.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import logging
import uuid
from collections.abc import Callable, Sequence
from typing import Any

from supplychain_kg.errors import SkgError
from supplychain_kg.store.oxigraph import staged_graphs, staged_ntriples
from supplychain_kg.store.sparql.client import Client
from supplychain_kg.store.sparql.dialect import outgoing
from supplychain_kg.store.sparql.meta import DEFAULT, STAGING, Meta, Owner
from supplychain_kg.store.sparql.writes import Group

__all__ = ["Loader"]

log = logging.getLogger(__name__)

_POST_BATCH = 250_000
"""Triples per Graph Store POST."""
_UPDATE_BATCH = 500
"""Triples per ``INSERT DATA`` request when no Graph Store endpoint is configured (Virtuoso
compiles an update into SQL and refuses one of more than 10,000 lines: about 1,000 triples)."""


class Loader:
    """Absorbs staging stores into a remote store (see the module's docstring)."""

    def __init__(self, client: Client, meta: Meta, group: Group) -> None:
        self.client, self.meta, self.group = client, meta, group

    def absorb(self, staging: Any, check: Callable[[], None] | None) -> int:
        graphs = staged_graphs(staging)
        load = f"{STAGING}{uuid.uuid4().hex}"
        pairs = [(f"{load}-{n}", DEFAULT if g is None else g) for n, g in enumerate(graphs)]
        record = [Meta.begin(load, "load", Owner.mine())]
        if pairs:
            record.append(Meta.holds(load, [s for s, _ in pairs]))
        self.client.update(" ;\n".join(record))
        moved = False
        try:
            self._stage(staging, graphs, pairs, check)
            added = self._subtract(pairs)
            self.group.groups.before_write()
            self._move(load, pairs)
            moved = True
            self.group.groups.after_write()
            return added
        finally:
            if not moved:
                with contextlib.suppress(SkgError):
                    drops = [f"DROP SILENT GRAPH <{s}>" for s, _ in pairs]
                    self.client.update(" ;\n".join([*drops, Meta.end(load)]))

    def _stage(
        self,
        staging: Any,
        graphs: Sequence[str | None],
        pairs: Sequence[tuple[str, str]],
        check: Callable[[], None] | None,
    ) -> None:
        """Send the staged quads while ``check`` runs (in this thread)."""
        with concurrent.futures.ThreadPoolExecutor(1, "skg-remote-upload") as pool:
            sending = pool.submit(self._send, staging, graphs, pairs)
            try:
                if check is not None:
                    check()
            except BaseException:
                sending.cancel()
                raise
            finally:
                error = sending.exception()
        if error is not None:
            raise error

    def _send(
        self, staging: Any, graphs: Sequence[str | None], pairs: Sequence[tuple[str, str]]
    ) -> None:
        post = self.client.endpoints.graph_store is not None
        size = _POST_BATCH if post else _UPDATE_BATCH
        for graph, (target, _) in zip(graphs, pairs, strict=True):
            for _count, chunk in staged_ntriples(staging, graph, size):
                text = outgoing(chunk.decode("utf-8"))
                if post:
                    self.client.post_graph(target, text.encode("utf-8"), "application/n-triples")
                else:
                    self.client.update(f"INSERT DATA {{ GRAPH <{target}> {{\n{text}}} }}")

    def _subtract(self, pairs: Sequence[tuple[str, str]]) -> int:
        """Remove from each staging graph what its target holds; return what is left."""
        if not pairs:
            return 0
        self.client.update(
            " ;\n".join(
                f"DELETE {{ GRAPH <{s}> {{ ?s ?p ?o }} }} "
                f"WHERE {{ GRAPH <{s}> {{ ?s ?p ?o }} GRAPH <{t}> {{ ?s ?p ?o }} }}"
                for s, t in pairs
            )
        )
        total = 0
        for staged, _ in pairs:
            rows = self.meta.select_in(
                f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{staged}> {{ ?s ?p ?o }} }}", staged
            )
            total += int(str(rows[0]["n"])) if rows else 0
        return total

    def _move(self, load: str, pairs: Sequence[tuple[str, str]]) -> None:
        """The one request that puts the staged quads in place."""
        parts = [f"ADD SILENT <{s}> TO <{t}>" for s, t in pairs]
        named = [t for _, t in pairs if t != DEFAULT]
        if named:
            known = set(self.meta.graphs())
            registering = Meta.register([g for g in named if g not in known])
            parts += [registering] if registering else []
        if self.group.open:
            inverse = [
                f"DELETE {{ GRAPH <{t}> {{ ?s ?p ?o }} }} WHERE {{ GRAPH <{s}> {{ ?s ?p ?o }} }}"
                for s, t in pairs
            ]
            self.group.graphs += [s for s, _ in pairs]
            parts = [*self.group.record(inverse, [s for s, _ in pairs]), *parts]
            self.client.update(" ;\n".join([*parts, Meta.end(load), Meta.bump()]))
            return
        self.client.update(" ;\n".join([*parts, Meta.bump()]))
        # dropping a large graph costs the engine as much as adding it: done after the move,
        # outside it; the record stays until then, so a kill here is cleaned up later
        with contextlib.suppress(SkgError):
            drops = [f"DROP SILENT GRAPH <{s}>" for s, _ in pairs]
            self.client.update(" ;\n".join([*drops, Meta.end(load)]))
