"""The path projection and the name index kept beside an on-disk store, so that a restart
loads them instead of rebuilding them (seconds instead of minutes at a million entities).

Each is one file in the store's ``cache/`` folder: a first line of JSON (what the file is,
the package version that wrote it, the store token it was made for, and the SHA-256 of the
rest) and then the body, one JSON document. JSON and not pickle: loading a file never runs
code, whatever it holds. A file is written to a temporary name and renamed into place, so a
process killed while writing leaves the previous file (or none), never half of one. A file
that is damaged, from another version of the package, for another ontology or for another
token is ignored with a log line, and the caller builds afresh.

The body keeps the order of networkx's adjacency dicts (nodes, each node's successors and
predecessors, each pair's relations): a loaded projection walks its edges in the same order as
the one that was saved, so searches break ties the same way.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import json
import logging
import os
import tempfile
from pathlib import Path
from typing import Any

import networkx as nx

from supplychain_kg import __version__
from supplychain_kg.paths.edges import EDGE
from supplychain_kg.paths.names import NameIndex, _Entry
from supplychain_kg.paths.projection import Projection
from supplychain_kg.store import Store

__all__ = ["load_index", "load_projection", "save_index", "save_projection"]

log = logging.getLogger(__name__)

FORMAT = 1
"""Bumped whenever the body's layout changes (files of another format are ignored)."""
PROJECTION = "projection.json"
INDEX = "names.json"
_STANCES = ("asserted", "disputed", "denied")


class _UnusableError(Exception):
    """The file cannot be used (the message says why)."""


def _write(folder: Path, name: str, stamp: str, body: dict[str, Any]) -> None:
    """Write ``body`` to ``folder/name`` atomically, stamped with ``stamp``."""
    data = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
    head = {
        "kind": name,
        "format": FORMAT,
        "version": __version__,
        "stamp": stamp,
        "sha256": hashlib.sha256(data).hexdigest(),
    }
    folder.mkdir(exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=name + ".", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(json.dumps(head).encode() + b"\n")
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, folder / name)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _read(folder: Path, name: str, stamp: str) -> Any:
    """The body of ``folder/name`` if it was written for ``stamp`` by this version; None if
    there is no such file; _UnusableError if there is one that cannot be used."""
    path = folder / name
    try:
        with open(path, "rb") as src:
            head = _head(src.readline(), name, stamp)
            data = src.read()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise _UnusableError(f"cannot read it: {exc}") from exc
    if hashlib.sha256(data).hexdigest() != head.get("sha256"):
        raise _UnusableError("it is damaged (its checksum does not match)")
    try:
        return json.loads(data)
    except ValueError as exc:
        raise _UnusableError(f"its body is not JSON: {exc}") from exc


def _head(first: bytes, name: str, stamp: str) -> dict[str, Any]:
    """The file's first line, checked (read before the body: a stale file costs one line)."""
    try:
        head = json.loads(first)
    except ValueError as exc:
        raise _UnusableError("its first line is not JSON") from exc
    if not isinstance(head, dict) or head.get("kind") != name:
        raise _UnusableError("it is not a file of this kind")
    if head.get("format") != FORMAT or head.get("version") != __version__:
        raise _UnusableError(
            f"it was written by another version (skg {head.get('version')}, "
            f"format {head.get('format')})"
        )
    if head.get("stamp") != stamp:
        raise _UnusableError("the store was written since it was made")
    return head


def _clean(folder: Path) -> None:
    """Remove temporary files left by a process killed while writing."""
    for left in folder.glob("*.tmp"):
        with contextlib.suppress(OSError):
            left.unlink()


def _load(folder: Path, name: str, stamp: str, make: Any) -> Any:
    """``make(body)`` for the file's body, or None (logged when a file was there)."""
    if not folder.is_dir():
        return None
    _clean(folder)
    try:
        body = _read(folder, name, stamp)
        if body is None:
            return None
        return make(body)
    except _UnusableError as exc:
        log.info("not using %s: %s; building it again", folder / name, exc)
    except (KeyError, IndexError, TypeError, ValueError, AttributeError) as exc:
        log.warning(
            "not using %s: it holds unexpected data (%r); building it again", folder / name, exc
        )
    return None


# -- the path projection ---------------------------------------------------------------------


def save_projection(folder: Path, stamp: str, projection: Projection) -> None:
    """Keep ``projection`` in ``folder``, stamped with ``stamp`` (the caller holds off
    writes, so the projection is the store's data as the stamp names it)."""
    with projection.lock:
        graph = projection.graph
        nodes = list(graph._node)
        number = {node: i for i, node in enumerate(nodes)}
        relations: list[str] = []
        rel_number: dict[str, int] = {}
        edges: list[int] = []
        for s, targets in graph._succ.items():
            si = number[s]
            for o, keyed in targets.items():
                oi = number[o]
                for rel, data in keyed.items():
                    ri = rel_number.get(rel)
                    if ri is None:
                        ri = rel_number[rel] = len(relations)
                        relations.append(rel)
                    edges += (si, oi, ri, _STANCES.index(data["stance"]))
        pred: list[int] = []
        for node in nodes:
            sources = graph._pred[node]
            pred.append(len(sources))
            pred += (number[s] for s in sources)
        kinds: list[int] | None = None
        type_names: list[str] = []
        if projection._types is not None:  # read on the first path question: kept too
            type_number: dict[str, int] = {}
            kinds = []
            for node in nodes:
                found = projection._types.get(node)
                if found is None:
                    kinds.append(-1)
                    continue
                kinds.append(len(found))
                for kind in sorted(found):
                    ki = type_number.get(kind)
                    if ki is None:
                        ki = type_number[kind] = len(type_names)
                        type_names.append(kind)
                    kinds.append(ki)
        body = {
            "types": kinds,
            "type_names": type_names,
            "relations": sorted(projection.relations),
            "classes": sorted(projection.classes),
            "nodes": nodes,
            "edge_relations": relations,
            "edges": edges,
            "pred": pred,
            "denied_parties": sorted(projection.denied_parties),
            "impure": sorted(projection.impure),
        }
    _write(folder, PROJECTION, stamp, body)


def load_projection(
    folder: Path,
    stamp: str,
    store: Store,
    *,
    revision: int,
    relations: frozenset[str],
    classes: frozenset[str],
) -> Projection | None:
    """The projection kept in ``folder`` for ``stamp`` and for these ``relations`` and
    ``classes``, as of ``revision``; None if there is none that can be used."""

    def make(body: dict[str, Any]) -> Projection | None:
        if frozenset(body["relations"]) != relations or frozenset(body["classes"]) != classes:
            log.info("not using %s: it was made for another ontology", folder / PROJECTION)
            return None
        graph = nx.MultiDiGraph()
        succ, pred, attrs = graph._succ, graph._pred, graph._node
        nodes: list[str] = [str(n) for n in body["nodes"]]
        for node in nodes:
            succ[node], pred[node], attrs[node] = {}, {}, {}
        names = [str(r) for r in body["edge_relations"]]
        data = [EDGE[stance] for stance in _STANCES]
        edges = body["edges"]
        if len(edges) % 4:
            raise ValueError("edges is not a list of 4-tuples")
        # the loops run once per edge (millions of times): locals, zip, no index arithmetic
        at_edge = iter(edges)
        last_s, out = -1, succ[nodes[0]] if nodes else {}
        for si, oi, ri, di in zip(at_edge, at_edge, at_edge, at_edge, strict=True):
            if si != last_s:
                last_s, out = si, succ[nodes[si]]
            o = nodes[oi]
            keyed = out.get(o)
            if keyed is None:
                keyed = out[o] = {}
            keyed[names[ri]] = data[di]
        listed = body["pred"]
        at = 0
        for node in nodes:
            count = listed[at]
            into = pred[node]
            for s in map(nodes.__getitem__, listed[at + 1 : at + 1 + count]):
                into[s] = succ[s][node]  # KeyError: a predecessor with no such edge
            at += 1 + count
        if at != len(listed) or sum(len(p) for p in pred.values()) != sum(
            len(t) for t in succ.values()
        ):
            raise ValueError("the predecessors do not match the edges")
        projection = Projection(
            store, graph, revision=revision, relations=relations, classes=classes
        )
        if body["types"] is not None:
            projection._types = _types(nodes, body["types"], [str(t) for t in body["type_names"]])
        projection.denied_parties = {str(p) for p in body["denied_parties"]}
        projection.impure = frozenset(str(r) for r in body["impure"])
        return projection

    collecting = gc.isenabled()
    gc.disable()  # millions of new dicts: the collector would walk them again and again
    try:
        found: Projection | None = _load(folder, PROJECTION, stamp, make)
    finally:
        if collecting:
            gc.enable()
    return found


def _types(nodes: list[str], listed: list[int], names: list[str]) -> dict[str, frozenset[str]]:
    """The nodes' classes as :func:`save_projection` lists them (one frozenset per set)."""
    shared: dict[tuple[int, ...], frozenset[str]] = {}
    found: dict[str, frozenset[str]] = {}
    at = 0
    for node in nodes:
        count = listed[at]
        if count < 0:
            at += 1
            continue
        key = tuple(listed[at + 1 : at + 1 + count])
        kinds = shared.get(key)
        if kinds is None:
            kinds = shared[key] = frozenset(names[k] for k in key)
        found[node] = kinds
        at += 1 + count
    if at != len(listed):
        raise ValueError("the types do not match the nodes")
    return found


# -- the name index --------------------------------------------------------------------------


def save_index(folder: Path, stamp: str, index: NameIndex) -> None:
    """Keep the name ``index`` in ``folder``, stamped with ``stamp`` (writes held off)."""
    entries = list(index._entries.values())
    number = {entry.iri: i for i, entry in enumerate(entries)}
    body = {
        "classes": sorted(index._classes),
        "entries": [[e.iri, e.id, e.label, e.names, sorted(e.types)] for e in entries],
        "by_id": [[slug, number[iri]] for slug, iri in index._by_id.items()],
    }
    _write(folder, INDEX, stamp, body)


def load_index(
    folder: Path, stamp: str, *, revision: int, classes: frozenset[str]
) -> NameIndex | None:
    """The name index kept in ``folder`` for ``stamp`` and these entity ``classes``, as of
    ``revision``; None if there is none that can be used."""

    def make(body: dict[str, Any]) -> NameIndex | None:
        if frozenset(body["classes"]) != classes:
            log.info("not using %s: it was made for another ontology", folder / INDEX)
            return None
        entries: dict[str, _Entry] = {}
        listed: list[_Entry] = []
        for iri, slug, label, names, types in body["entries"]:
            entry = _Entry(str(iri), str(slug), str(label), [str(n) for n in names])
            entry.types = {str(t) for t in types}
            entries[entry.iri] = entry
            listed.append(entry)
        by_id = {str(slug): listed[i].iri for slug, i in body["by_id"]}
        return NameIndex.restored(classes, entries, by_id, revision)

    found: NameIndex | None = _load(folder, INDEX, stamp, make)
    return found
