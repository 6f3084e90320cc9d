"""What a remote store keeps on the engine besides the data, in its own named graphs.

- ``urn:x-skg:default`` holds the store's default graph. An engine's own default graph cannot
  be relied on (Virtuoso's is the union of every graph, its system graphs included, and
  ``INSERT DATA`` there needs a ``GRAPH``), so every query is sent with this graph as its
  ``default-graph-uri`` and every write names it.
- ``urn:x-skg:meta`` holds the store's **revision** (a base plus one unique token per write,
  added in the write's own request, so several processes on one engine see each other's writes
  and two writes at once are never counted as one), its notes (JSON),
  the named graphs it holds (queries that say ``GRAPH`` see these and no other: not the engine's
  system graphs, nor the store's own), the staging graphs of loads in progress and the undo
  steps of groups of writes in progress, each with its owner (host, process, start).
- ``urn:x-skg:staging:<id>...`` are the staging graphs of loads (``loads.py``) and
  ``urn:x-skg:undo:<id>...`` the copies a group keeps to undo a dropped graph (``writes.py``).
"""

from __future__ import annotations

import json
import os
import socket
import time
import uuid
from collections.abc import Iterable
from typing import Any

from supplychain_kg.model import IRI, Literal, Row
from supplychain_kg.store.oxigraph import select_answer
from supplychain_kg.store.sparql.client import Client

__all__ = [
    "DEFAULT",
    "META",
    "NO_GRAPH",
    "STAGING",
    "UNDO",
    "Meta",
    "Owner",
    "string",
]

DEFAULT = "urn:x-skg:default"
META = "urn:x-skg:meta"
STAGING = "urn:x-skg:staging:"
UNDO = "urn:x-skg:undo:"
NO_GRAPH = "urn:x-skg:no-graph"
"""Named in ``named-graph-uri`` when the store has no named graph (an empty list would mean
"every graph" to the protocol)."""
_NODE = "<urn:x-skg:store>"
_WRITE = "<urn:x-skg:write>"
_BASE = "<urn:x-skg:base>"
_COMPACT_AFTER = 1000
"""Write tokens kept before they are folded into the base."""
_NOTES = "<urn:x-skg:notes>"
_GRAPH = "<urn:x-skg:graph>"
_OWNER = "<urn:x-skg:owner>"
_KIND = "<urn:x-skg:kind>"
_STEP = "<urn:x-skg:step>"
_JSON = "application/sparql-results+json"
STALE_AFTER = 24 * 3600.0
"""A load or group of writes owned by a process on another host is taken for dead after this
many seconds (one on this host as soon as its process is gone)."""


def string(text: str) -> str:
    """``text`` as a SPARQL string literal."""
    escaped = (
        text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    )
    return f'"{escaped}"'


class Owner:
    """Who started a load or a group of writes: host, process id and start time."""

    @staticmethod
    def mine() -> str:
        return f"{socket.gethostname()} {os.getpid()} {time.time():.0f}"

    @staticmethod
    def is_dead(owner: str) -> bool:
        """Whether the owner can no longer finish (its process is gone, or it is stale)."""
        host, _, rest = owner.partition(" ")
        pid, _, started = rest.partition(" ")
        try:
            if time.time() - float(started) > STALE_AFTER:
                return True
            if host != socket.gethostname():
                return False
            os.kill(int(pid), 0)
        except ProcessLookupError:
            return True
        except (ValueError, PermissionError):
            return False
        return False


class Meta:
    """Reads of the metadata graph, and the update fragments that change it."""

    def __init__(self, client: Client) -> None:
        self.client = client

    def select(self, sparql: str) -> list[Row]:
        """Rows of a SELECT over the metadata graph."""
        return self.select_in(sparql, META)

    def select_in(self, sparql: str, graph: str) -> list[Row]:
        """Rows of a SELECT that reads ``GRAPH <graph>`` only."""
        body, media = self.client.query(sparql, _JSON, named_graphs=[graph])
        return list(select_answer(body, media or _JSON).rows())

    # -- revision and notes ----------------------------------------------------------------

    def revision(self) -> int:
        """The base plus the writes recorded since the last compaction."""
        rows = self.select(
            f"SELECT (COUNT(?w) AS ?n) (MAX(?b) AS ?base) WHERE {{ GRAPH <{META}> {{ "
            f"{{ {_NODE} {_WRITE} ?w }} UNION {{ {_NODE} {_BASE} ?b }} }} }}"
        )
        row = rows[0] if rows else {}
        base = int(str(row["base"])) if "base" in row else 0
        return base + (int(str(row["n"])) if "n" in row else 0)

    @staticmethod
    def bump() -> str:
        """The operation that adds one to the revision: a new write token (sent with every
        write). Tokens are unique, so two processes writing at once never count as one (a
        read-add-write of a counter could lose one; Virtuoso 7.2 also fails to compile the
        update that would do it in one operation)."""
        return f"INSERT DATA {{ GRAPH <{META}> {{ {_NODE} {_WRITE} <urn:uuid:{uuid.uuid4()}> }} }}"

    def compact(self) -> None:
        """Fold the write tokens into the base once there are many (the revision stays)."""
        rows = self.select(
            f"SELECT ?w ?b WHERE {{ GRAPH <{META}> {{ "
            f"{{ {_NODE} {_WRITE} ?w }} UNION {{ {_NODE} {_BASE} ?b }} }} }}"
        )
        tokens = [str(r["w"]) for r in rows if "w" in r]
        if len(tokens) < _COMPACT_AFTER:
            return
        bases = [int(str(r["b"])) for r in rows if "b" in r]
        base = max(bases, default=0)
        old = " ".join(f"{_NODE} {_WRITE} <{t}> ." for t in tokens)
        old += " ".join(f" {_NODE} {_BASE} {b} ." for b in bases)
        self.client.update(
            f"DELETE DATA {{ GRAPH <{META}> {{ {old} }} }} ;\n"
            f"INSERT DATA {{ GRAPH <{META}> {{ {_NODE} {_BASE} {base + len(tokens)} }} }}"
        )

    def notes(self) -> dict[str, Any]:
        rows = self.select(f"SELECT ?n WHERE {{ GRAPH <{META}> {{ {_NODE} {_NOTES} ?n }} }}")
        for row in rows:
            loaded = json.loads(str(row["n"]))
            if isinstance(loaded, dict):
                return loaded
        return {}

    def write_notes(self, data: dict[str, Any]) -> None:
        text = string(json.dumps(data, sort_keys=True))
        self.client.update(
            f"DELETE WHERE {{ GRAPH <{META}> {{ {_NODE} {_NOTES} ?n }} }} ;\n"
            f"INSERT DATA {{ GRAPH <{META}> {{ {_NODE} {_NOTES} {text} }} }}"
        )

    # -- the store's named graphs ----------------------------------------------------------

    def graphs(self) -> list[str]:
        rows = self.select(f"SELECT ?g WHERE {{ GRAPH <{META}> {{ {_NODE} {_GRAPH} ?g }} }}")
        return sorted({str(r["g"]) for r in rows if isinstance(r.get("g"), IRI)})

    @staticmethod
    def register(graphs: Iterable[str], *, add: bool = True) -> str:
        """``INSERT DATA`` (or ``DELETE DATA``) of the store's named graphs' entries ("" if
        none)."""
        triples = " ".join(f"{_NODE} {_GRAPH} <{g}> ." for g in sorted(set(graphs)))
        if not triples:
            return ""
        return f"{'INSERT' if add else 'DELETE'} DATA {{ GRAPH <{META}> {{ {triples} }} }}"

    # -- work in progress: loads' staging graphs and groups' undo steps ----------------------

    @staticmethod
    def begin(work: str, kind: str, owner: str) -> str:
        """Record a load (``kind`` "load") or a group of writes ("group") named ``work``."""
        return (
            f"INSERT DATA {{ GRAPH <{META}> {{ <{work}> {_KIND} {string(kind)} ; "
            f"{_OWNER} {string(owner)} . }} }}"
        )

    @staticmethod
    def holds(work: str, graphs: Iterable[str]) -> str:
        """Record graphs that load or group ``work`` made (dropped when it ends)."""
        triples = " ".join(f"<{work}> {_GRAPH} <{g}> ." for g in graphs)
        return f"INSERT DATA {{ GRAPH <{META}> {{ {triples} }} }}"

    def held(self, work: str) -> list[str]:
        """The graphs that load or group ``work`` made."""
        rows = self.select(f"SELECT ?g WHERE {{ GRAPH <{META}> {{ <{work}> {_GRAPH} ?g }} }}")
        return sorted(str(r["g"]) for r in rows if isinstance(r.get("g"), IRI))

    @staticmethod
    def step(work: str, number: int, inverse: str) -> str:
        """Record undo step ``number`` of group ``work``: the update that undoes one write."""
        value = string(f"{number:09d}\t{inverse}")
        return f"INSERT DATA {{ GRAPH <{META}> {{ <{work}> {_STEP} {value} }} }}"

    @staticmethod
    def end(work: str) -> str:
        """Forget a load or group (its record and steps)."""
        return f"DELETE WHERE {{ GRAPH <{META}> {{ <{work}> ?p ?o }} }}"

    def pending(self) -> list[tuple[str, str, str]]:
        """Loads and groups recorded as in progress: (name, kind, owner)."""
        rows = self.select(
            f"SELECT ?w ?k ?o WHERE {{ GRAPH <{META}> {{ ?w {_KIND} ?k ; {_OWNER} ?o }} }}"
        )
        return [(str(r["w"]), str(r["k"]), str(r["o"])) for r in rows]

    def steps(self, work: str) -> list[str]:
        """The undo steps of group ``work``, in the order they were recorded."""
        rows = self.select(f"SELECT ?s WHERE {{ GRAPH <{META}> {{ <{work}> {_STEP} ?s }} }}")
        values = sorted(str(r["s"]) for r in rows if isinstance(r.get("s"), Literal))
        return [v.split("\t", 1)[1] for v in values]
