"""The breadth-first search of :class:`~supplychain_kg.paths.compact_search.CompactSearch`
on the rows' arrays as they lie (a graph without patched rows, a question without ``as_of``),
and the two helpers both its searches share."""

from __future__ import annotations

from array import array

from supplychain_kg.paths.compact import CompactGraph
from supplychain_kg.paths.options import Direction, PathOptions
from supplychain_kg.paths.search import _check

__all__ = ["Rules", "join_path", "plain_search", "step_sides"]

Rules = tuple[dict[int, bool], "array[int]", bytearray]
"""What a walk may enter (``CompactSearch._id_rules``): exceptions, set numbers, flags."""


def plain_search(
    graph: CompactGraph,
    usable: bytearray,
    s: int,
    t: int,
    *,
    limit: int,
    options: PathOptions,
    rules: Rules,
    hops: set[tuple[int, int]],
) -> list[int] | None:
    """``CompactSearch.shortest`` on a graph without patched rows and without ``as_of``:
    the same walk, reading the rows' arrays in place (no generator per node; a neighbour
    met again on a later edge is already seen), which halves the time per edge.
    ``usable``: a flag per edge code."""
    special, kinds, flags = rules
    kept, untyped = len(kinds), flags[-1]
    rows = {True: graph.out, False: graph.into}
    sides = {f: [rows[out] for out in step_sides(options.direction, not f)] for f in (True, False)}
    pred: dict[int, int] = {s: -1}
    succ: dict[int, int] = {t: -1}
    front, back = [s], [t]
    depth = 0
    while front and back and depth < limit:
        _check(options.deadline)
        depth += 1
        forward = len(front) <= len(back)
        layer = front if forward else back
        seen, other = (pred, succ) if forward else (succ, pred)
        nxt: list[int] = []
        read = sides[forward]
        for node in layer:
            for start, others, codes in read:
                if node + 1 >= len(start):
                    continue
                a, b = start[node], start[node + 1]
                for neighbour, code in zip(others[a:b], codes[a:b], strict=True):
                    if neighbour in seen or not usable[code]:
                        continue
                    if neighbour in special:
                        if not special[neighbour]:
                            continue
                    elif not (flags[kinds[neighbour]] if neighbour < kept else untyped):
                        continue
                    if hops and ((node, neighbour) if forward else (neighbour, node)) in hops:
                        continue
                    seen[neighbour] = node
                    if neighbour in other:
                        return join_path(pred, succ, neighbour)
                    nxt.append(neighbour)
        if forward:
            front = nxt
        else:
            back = nxt
    return None


def step_sides(direction: Direction, backward: bool) -> tuple[bool, ...]:
    """The rows a step reads: True the node's successors, False its predecessors."""
    if direction == "any":
        return (True, False)
    return ((direction == "out") != backward,)


def join_path(pred: dict[int, int], succ: dict[int, int], meet: int) -> list[int]:
    """The path through ``meet`` from the two searches' predecessors and successors."""
    path: list[int] = []
    node = meet
    while node != -1:
        path.append(node)
        node = pred[node]
    path.reverse()
    node = succ[meet]
    while node != -1:
        path.append(node)
        node = succ[node]
    return path
