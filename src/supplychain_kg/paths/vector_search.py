"""The breadth-first search of :class:`~supplychain_kg.paths.compact_search.CompactSearch`
on the rows' arrays, a layer at a time in numpy (a graph without patched rows, a question
without ``as_of``).

It walks exactly as the search edge by edge (``CompactSearch.shortest``, which patched rows
and ``as_of`` questions still take, and networkx's ``PathSearch``) and returns the same path:
a layer's candidate edges are gathered in the order that search met them (node by node,
each node's successors before its predecessors, each row in its order), filtered by the same
rules, and a neighbour reached by several of them keeps the first. The walk stops at the
first candidate, in that order, that the other side has reached.

What a search has visited is marked in arrays the size of the graph, taken from a small pool
and never cleared: a mark is the search's own number, so a new search starts clean without
touching a million entries. A question that follows links both ways reads one row per node
made of its successors then its predecessors (built on the first such question).
"""

from __future__ import annotations

import threading
import weakref
from array import array
from typing import TYPE_CHECKING, Any

import numpy as np

from supplychain_kg.paths.options import PathOptions
from supplychain_kg.paths.search import _check

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from supplychain_kg.paths.compact import CompactGraph
    from supplychain_kg.paths.steps import Rules

__all__ = ["row_to", "vector_search"]

_EMPTY32 = np.zeros(0, dtype=np.int32)
_EMPTY16 = np.zeros(0, dtype=np.uint16)


class _Rows:
    """CSR arrays as numpy arrays (views of the graph's arrays, no copy), padded to every
    node: ``start`` (int64), ``others`` (int32), ``codes`` (uint16)."""

    def __init__(self, start: Any, others: Any, codes: Any, nodes: int) -> None:
        begin = np.frombuffer(start, dtype=np.int32).astype(np.int64)
        if len(begin) < nodes + 1:  # nodes interned after the rows were laid out: no edges
            pad = np.full(nodes + 1 - len(begin), begin[-1] if len(begin) else 0)
            begin = np.concatenate([begin, pad])
        self.start = begin
        self.others = np.frombuffer(others, dtype=np.int32) if len(others) else _EMPTY32
        self.codes = np.frombuffer(codes, dtype=np.uint16) if len(codes) else _EMPTY16

    @staticmethod
    def both(out: _Rows, into: _Rows) -> _Rows:
        """One row per node: its successors' row, then its predecessors' row. A node's
        successors start after every edge of the nodes before it (their out and in rows)
        and its predecessors after its successors."""
        rows = _Rows.__new__(_Rows)
        rows.start = out.start + into.start
        total = int(rows.start[-1])
        rows.others = np.empty(total, dtype=np.int32)
        rows.codes = np.empty(total, dtype=np.uint16)
        for side, before in ((out, into.start[:-1]), (into, out.start[1:])):
            count = int(side.start[-1])
            at = np.arange(count, dtype=np.int64)
            at += np.repeat(before, np.diff(side.start))
            rows.others[at] = side.others[:count]
            rows.codes[at] = side.codes[:count]
        return rows


class _Marks:
    """Per-node state for one search at a time (see the module's note): a stamp saying
    which side reached the node, or that the search may not enter it, or may enter it
    whatever its classes (``mark``); where the search came from (``parent``); and a scratch
    slot per node for keeping the first edge to each neighbour of a layer."""

    def __init__(self, nodes: int) -> None:
        self.mark = np.zeros(nodes, dtype=np.int32)
        self.parent = np.zeros(nodes, dtype=np.int32)
        self.slot = np.zeros(nodes, dtype=np.int32)
        self.stamp = 0

    def next_stamp(self) -> int:
        """Four fresh mark values (forward, backward, refused, lifted) for a new search."""
        if self.stamp > (1 << 31) - 16:
            self.mark[:] = 0
            self.stamp = 0
        self.stamp += 4
        return self.stamp


class _Arrays:
    """What every search over one graph shares: its rows and a pool of marks."""

    def __init__(self, graph: CompactGraph) -> None:
        self.nodes = len(graph.iris)
        self.out = _Rows(*graph.out, self.nodes)
        self.into = _Rows(*graph.into, self.nodes)
        self._both: _Rows | None = None
        self._admits: dict[tuple[int, bytes], tuple[array[int], NDArray[np.bool_]]] = {}
        self._pool: list[_Marks] = []
        self._lock = threading.Lock()

    def rows(self, sides: tuple[bool, ...]) -> _Rows:
        if len(sides) == 1:
            return self.out if sides[0] else self.into
        with self._lock:
            if self._both is None:
                self._both = _Rows.both(self.out, self.into)
            return self._both

    def admits(self, kinds: array[int], flags: bytearray) -> NDArray[np.bool_]:
        """Per node: do its classes (set number ``kinds``) let a walk enter (``flags``)."""
        key = (id(kinds), bytes(flags))
        with self._lock:
            kept = self._admits.get(key)
        known = kept[1] if kept is not None and kept[0] is kinds else None
        if known is None:
            table = np.frombuffer(bytes(flags), dtype=np.uint8).astype(bool)
            known = np.full(self.nodes, table[-1])
            sets = np.frombuffer(kinds, dtype=np.int32)[: self.nodes] if len(kinds) else _EMPTY32
            known[: len(sets)] = table[sets]
            with self._lock:
                if len(self._admits) >= 8:
                    self._admits.clear()
                self._admits[key] = (kinds, known)  # the array held: its id stays its own
        return known

    def take(self) -> _Marks:
        with self._lock:
            return self._pool.pop() if self._pool else _Marks(self.nodes)

    def give(self, marks: _Marks) -> None:
        with self._lock:
            self._pool.append(marks)


_ARRAYS: weakref.WeakKeyDictionary[CompactGraph, _Arrays] = weakref.WeakKeyDictionary()
_ARRAYS_LOCK = threading.Lock()


def _arrays(graph: CompactGraph) -> _Arrays:
    """The numpy form of ``graph``, made on its first search (again if nodes were added)."""
    with _ARRAYS_LOCK:
        known = _ARRAYS.get(graph)
        if known is None or known.nodes != len(graph.iris):
            known = _ARRAYS[graph] = _Arrays(graph)
        return known


def row_to(graph: CompactGraph, i: int, j: int, *, out: bool) -> list[tuple[int, int]]:
    """(neighbour, code) of node ``i``'s edges to node ``j`` on one side, in the row's order
    (``CompactGraph.row`` filtered, without walking a hub's whole row in Python)."""
    if i in (graph.patched_out if out else graph.patched_in) or j < 0:
        return [(o, code) for o, code in graph.row(i, out=out) if o == j]
    arrays = _arrays(graph)
    rows = arrays.out if out else arrays.into
    if i + 1 >= len(rows.start):
        return []
    a, b = int(rows.start[i]), int(rows.start[i + 1])
    at = np.flatnonzero(rows.others[a:b] == j)
    return [(j, int(code)) for code in rows.codes[a + at]]


def _gather(
    layer: NDArray[np.int32], rows: _Rows
) -> tuple[NDArray[np.int32], NDArray[np.int32], NDArray[np.uint16]]:
    """Every edge of the layer's rows: (node it leaves from, neighbour, code), node by node,
    each row in its order."""
    begin = rows.start[layer]
    counts = rows.start[layer + 1] - begin
    total = int(counts.sum())
    if total == 0:
        return _EMPTY32, _EMPTY32, _EMPTY16
    edges = np.arange(total, dtype=np.int64) + np.repeat(
        begin - (np.cumsum(counts) - counts), counts
    )
    return np.repeat(layer, counts), rows.others[edges], rows.codes[edges]


def vector_search(
    graph: CompactGraph,
    usable: bytearray,
    s: int,
    t: int,
    *,
    limit: int,
    options: PathOptions,
    rules: Rules,
    hops: set[tuple[int, int]],
    sides: dict[bool, tuple[bool, ...]],
) -> list[int] | None:
    """``CompactSearch.shortest`` on a graph without patched rows and without ``as_of``.

    ``usable``: a flag per edge code; ``rules``: what a walk may enter
    (``CompactSearch._id_rules``); ``hops``: (from, to) steps never taken; ``sides``: per
    search side (True forward) the rows a step reads (True successors).
    """
    arrays = _arrays(graph)
    special, kinds, flags = rules
    usable_np = np.frombuffer(bytes(usable), dtype=np.uint8).astype(bool)
    admits = arrays.admits(kinds, flags) if len(kinds) or not flags[-1] else None
    reads = {f: arrays.rows(sides[f]) for f in (True, False)}
    marks = arrays.take()
    try:
        stamp = marks.next_stamp()
        forward_mark, backward_mark, refused, lifted = stamp, stamp + 1, stamp + 2, stamp + 3
        mark, parent, slot = marks.mark, marks.parent, marks.slot
        mark[[n for n, ok in special.items() if not ok]] = refused
        mark[[n for n, ok in special.items() if ok]] = lifted
        mark[s], parent[s] = forward_mark, -1
        mark[t], parent[t] = backward_mark, -1
        front = np.array([s], dtype=np.int32)
        back = np.array([t], dtype=np.int32)
        depth = 0
        while len(front) and len(back) and depth < limit:
            _check(options.deadline)
            depth += 1
            forward = len(front) <= len(back)
            mine, theirs = (
                (forward_mark, backward_mark) if forward else (backward_mark, forward_mark)
            )
            src, nbr, code = _gather(front if forward else back, reads[forward])
            seen = mark[nbr]
            keep = usable_np[code] & (seen != mine) & (seen != refused)
            if admits is not None:  # entered by classes, or named, or met
                keep &= admits[nbr] | (seen == lifted) | (seen == theirs)
            for a, b in hops:
                keep &= ~((src == a) & (nbr == b)) if forward else ~((src == b) & (nbr == a))
            picked = np.flatnonzero(keep)
            if not len(picked):
                return None
            reached = nbr[picked]
            slot[reached[::-1]] = picked[::-1]  # the first edge to each neighbour is kept
            picked = picked[slot[reached] == picked]
            reached = nbr[picked]
            met = np.flatnonzero(seen[picked] == theirs)
            if len(met):
                return _join(parent, int(reached[met[0]]), int(src[picked[met[0]]]), forward)
            mark[reached] = mine
            parent[reached] = src[picked]
            if forward:
                front = reached
            else:
                back = reached
        return None
    finally:
        arrays.give(marks)


def _join(parent: NDArray[np.int32], meet: int, via: int, forward: bool) -> list[int]:
    """The path through ``meet``, reached from ``via`` (on the searching side), the rest of
    each side followed through ``parent`` back to its end."""
    head, tail = (via, meet) if forward else (meet, via)
    path: list[int] = []
    node = head
    while node != -1:
        path.append(node)
        node = int(parent[node])
    path.reverse()
    node = tail
    while node != -1:
        path.append(node)
        node = int(parent[node])
    return path
