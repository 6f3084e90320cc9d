"""The path projection and the name index kept beside an on-disk store, so that a restart
loads them instead of rebuilding them (seconds instead of minutes at a million entities).

Each is one file in the store's ``cache/`` folder: a first line of JSON (what the file is,
the format and package version that wrote it, the store token it was made for, and the
SHA-256 of the rest) and then the body. The name index's body is one JSON document; the
projection's (``projection.bin``) is its compact graph as it is in memory (``compact.py``),
in sections the first line lists by name, kind and size: raw little-endian int arrays (the
CSR rows of each direction) and UTF-8 lines (the IRI table), with a little JSON, so loading
it is a few copies, not millions of objects made one by one. JSON and raw arrays, not
pickle: loading a file never runs code, whatever it holds; the sections are checked (rows
inside the arrays, neighbours and relations that exist) before they are used. A file is written to a temporary name and renamed into place, so a
process killed while writing leaves the previous file (or none), never half of one. A file
that is damaged, from another version of the package, for another ontology or for another
token is ignored with a log line, and the caller builds afresh.

The rows keep their order (each node's successors and predecessors, each pair's relations):
a loaded projection walks its edges in the same order as the one that was saved, so searches
break ties the same way.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import json
import logging
import os
import tempfile
from array import array
from pathlib import Path
from typing import Any

from supplychain_kg import __version__
from supplychain_kg.paths.binary import csr_rows, encode, sections
from supplychain_kg.paths.compact import CompactGraph
from supplychain_kg.paths.denials import Denials
from supplychain_kg.paths.names import NameIndex, _Entry
from supplychain_kg.paths.node_types import NodeTypes
from supplychain_kg.paths.projection import Projection
from supplychain_kg.store import Store

__all__ = ["load_index", "load_projection", "projection_kept", "save_index", "save_projection"]

log = logging.getLogger(__name__)

FORMAT = 3
"""Bumped whenever the body's layout changes (files of another format are ignored)."""
PROJECTION = "projection.bin"
_OLD = ("projection.json",)
"""Files of earlier formats under another name: removed when found."""
INDEX = "names.json"
_STANCES = ("asserted", "disputed", "denied")


class _UnusableError(Exception):
    """The file cannot be used (the message says why)."""


def _write(
    folder: Path,
    name: str,
    stamp: str,
    body: dict[str, Any] | list[bytes],
    sections: list[list[Any]] | None = None,
) -> None:
    """Write ``body`` (a JSON document, or binary parts listed by ``sections`` in the first
    line) to ``folder/name`` atomically, stamped with ``stamp``."""
    if isinstance(body, dict):
        parts = [json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()]
    else:
        parts = body
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part)
    head: dict[str, Any] = {
        "kind": name,
        "format": FORMAT,
        "version": __version__,
        "stamp": stamp,
        "sha256": digest.hexdigest(),
    }
    if sections is not None:
        head["sections"] = sections
    folder.mkdir(exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=name + ".", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(json.dumps(head).encode() + b"\n")
            for part in parts:
                out.write(part)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, folder / name)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _read(folder: Path, name: str, stamp: str) -> Any:
    """The body of ``folder/name`` (JSON) if it was written for ``stamp`` by this version;
    None if there is no such file; _UnusableError if there is one that cannot be used."""
    found = _read_bytes(folder, name, stamp)
    if found is None:
        return None
    try:
        return json.loads(found[1])
    except ValueError as exc:
        raise _UnusableError(f"its body is not JSON: {exc}") from exc


def _read_bytes(folder: Path, name: str, stamp: str) -> tuple[dict[str, Any], bytes] | None:
    """The first line and the checked body of ``folder/name``, as :func:`_read`."""
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
    return head, data


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


def projection_kept(folder: Path, stamp: str) -> bool:
    """Whether ``folder`` holds a projection written for ``stamp`` by this version: its first
    line only (the body is checked when it is loaded, and a damaged one is then rebuilt)."""
    try:
        with open(folder / PROJECTION, "rb") as src:
            _head(src.readline(), PROJECTION, stamp)
    except (OSError, _UnusableError):
        return False
    return True


def _clean(folder: Path) -> None:
    """Remove temporary files left by a process killed while writing, and files of an
    earlier format."""
    for left in [*folder.glob("*.tmp"), *(folder / old for old in _OLD)]:
        with contextlib.suppress(OSError):
            left.unlink()


def _load(folder: Path, name: str, stamp: str, make: Any, read: Any = None) -> Any:
    """``make(body)`` for the file's body (as ``read`` gives it: default :func:`_read`), or
    None (logged when a file was there)."""
    if not folder.is_dir():
        return None
    _clean(folder)
    try:
        body = (read or _read)(folder, name, stamp)
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
        graph = projection.compact.compacted()
        projection.compact = graph  # the patched rows folded in: the same graph, smaller
        iris = graph.iris
        kinds = array("i")
        type_sets: list[list[str]] = []
        if projection._types is not None:  # read on the first path question: kept too
            types = projection._types
            if not isinstance(types, NodeTypes):
                types = NodeTypes.of(graph, types)
            kinds, sets = types.saved()
            type_sets = [sorted(kind) for kind in sets]
        meta = {
            "relations": sorted(projection.relations),
            "classes": sorted(projection.classes),
            "edge_relations": graph.relations,
            "type_sets": type_sets,
            "typed": projection._types is not None,
            "impure": sorted(projection.impure),
            "denials": projection.denials is not None,
        }
        parties = sorted(projection.denied_parties)
        denials = projection.denials
        parts: list[tuple[str, str, Any]] = [
            ("meta", "json", meta),
            ("iris", "text", iris),
            ("out_start", "i32", graph.out[0]),
            ("out_other", "i32", graph.out[1]),
            ("out_code", "u16", graph.out[2]),
            ("in_start", "i32", graph.into[0]),
            ("in_other", "i32", graph.into[1]),
            ("in_code", "u16", graph.into[2]),
            ("types", "i32", kinds),
            ("parties", "text", parties),
            ("denials", "text", denials.saved(parties) if denials is not None else []),
        ]
        body = [encode(kind, value) for _, kind, value in parts]
    sections = [[name, kind, len(data)] for (name, kind, _), data in zip(parts, body, strict=True)]
    _write(folder, PROJECTION, stamp, body, sections)


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
        meta = body["meta"]
        if frozenset(meta["relations"]) != relations or frozenset(meta["classes"]) != classes:
            log.info("not using %s: it was made for another ontology", folder / PROJECTION)
            return None
        iris: list[str] = body["iris"]
        edge_relations = [str(r) for r in meta["edge_relations"]]
        out = csr_rows(body, "out", len(iris), len(edge_relations))
        into = csr_rows(body, "in", len(iris), len(edge_relations))
        if len(out[1]) != len(into[1]):
            raise ValueError("the predecessors do not match the edges")
        graph = CompactGraph(iris, edge_relations, out, into)
        projection = Projection(
            store, graph, revision=revision, relations=relations, classes=classes
        )
        if meta["typed"]:
            sets = [frozenset(str(t) for t in kind) for kind in meta["type_sets"]]
            if len(body["types"]) != len(iris):
                raise ValueError("the types do not match the nodes")
            projection._types = NodeTypes(graph, body["types"], sets)
        parties: list[str] = body["parties"]
        projection.denied_parties = set(parties)
        if meta["denials"]:
            projection.denials = Denials.restored(parties, body["denials"])
        projection.impure = frozenset(str(r) for r in meta["impure"])
        return projection

    collecting = gc.isenabled()
    gc.disable()  # a million strings at once: the collector would walk them again and again
    try:
        found: Projection | None = _load(
            folder,
            PROJECTION,
            stamp,
            make,
            lambda *args: sections(_read_bytes(*args)),
        )
    finally:
        if collecting:
            gc.enable()
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
