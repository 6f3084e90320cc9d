"""Path search over the projection (:class:`PathSearch`): a shortest path by bidirectional
breadth-first search, and the k shortest simple paths by Yen's algorithm over it. Both walk
only the edges and nodes the :class:`~supplychain_kg.paths.options.PathOptions` allow, and
stop with QueryTimeoutError past the options' deadline.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import NamedTuple

from supplychain_kg.errors import QueryTimeoutError
from supplychain_kg.paths.graph import ProjectedGraph
from supplychain_kg.paths.options import PathOptions

__all__ = ["PathSearch"]


class PathSearch(ProjectedGraph):
    """The path searches of :class:`~supplychain_kg.paths.Projection`."""

    def shortest(
        self,
        source: str,
        target: str,
        options: PathOptions,
        *,
        max_hops: int | None = None,
        banned_nodes: frozenset[str] | set[str] = frozenset(),
        banned_hops: set[tuple[str, str]] | None = None,
    ) -> list[str] | None:
        """A shortest usable path (node IRIs) by bidirectional breadth-first search.

        Intermediate nodes must pass the type filter and avoid ``banned_nodes``; a hop
        ``(a, b)`` in ``banned_hops`` is never taken. Returns None when no path of at most
        ``max_hops`` (default ``options.max_hops``) exists. Raises QueryTimeoutError past
        ``options.deadline``.
        """
        if source not in self.graph or target not in self.graph:
            return None
        if source == target:
            return [source]
        limit = options.max_hops if max_hops is None else max_hops
        banned = banned_hops or set()
        allowed = self._node_filter(source, target, options, banned_nodes)
        pred: dict[str, str | None] = {source: None}
        succ: dict[str, str | None] = {target: None}
        front, back = [source], [target]
        depth = 0
        while front and back and depth < limit:
            _check(options.deadline)
            depth += 1
            forward = len(front) <= len(back)
            layer = front if forward else back
            self._layer(layer)
            seen, other = (pred, succ) if forward else (succ, pred)
            nxt: list[str] = []
            for node in layer:
                for neighbour in self._step(node, options, backward=not forward):
                    if neighbour in seen or not allowed(neighbour):
                        continue
                    hop = (node, neighbour) if forward else (neighbour, node)
                    if hop in banned:
                        continue
                    seen[neighbour] = node
                    if neighbour in other:
                        return _join(pred, succ, neighbour)
                    nxt.append(neighbour)
            if forward:
                front = nxt
            else:
                back = nxt
        return None

    def _layer(self, layer: list[str]) -> None:
        """A walk is about to step from each node of ``layer``, in order (the projection
        holds every edge already; the frontier mode reads them as the walk gets there)."""

    def _node_filter(
        self,
        source: str,
        target: str,
        options: PathOptions,
        banned: frozenset[str] | set[str],
    ) -> Callable[[str], bool]:
        wanted, avoid, via = options.entity_types, options.avoid_types, options.via
        types = self.types() if wanted is not None or avoid else {}

        def allowed(node: str) -> bool:
            if node in (source, target):
                return node == target
            if node in banned:
                return False
            kinds = types.get(node, ())
            if avoid and node not in via and not avoid.isdisjoint(kinds):
                return False
            return wanted is None or not wanted.isdisjoint(kinds)

        return allowed

    def k_shortest(
        self,
        source: str,
        target: str,
        options: PathOptions,
        k: int,
        *,
        first: list[str] | None = None,
    ) -> tuple[list[list[str]], bool]:
        """Up to ``k`` shortest simple paths, shortest first (Yen's algorithm over BFS).

        Also says whether more paths exist within the limits: after the k-th path it looks
        only until the first further candidate. ``first``: the shortest path, when the caller
        has searched it already with these options (a ``max_hops`` no shorter than it).
        """
        first = first or self.shortest(source, target, options)
        if first is None:
            return [], False
        found = [first]
        candidates: list[list[str]] = []
        cut: list[_Spur] = []

        def cap() -> int:
            """The longest a new candidate may be and still be among the ``k`` returned:
            once ``k - len(found)`` candidates are no longer than X hops, a new one of X
            hops or more sorts after them and is never taken, so spur searches stop short
            of X. What they might have found is kept in ``cut``, for "more exist"."""
            need = k - len(found)
            if need <= 0 or len(candidates) < need:
                return options.max_hops
            return sorted(len(c) - 1 for c in candidates)[need - 1] - 1

        while True:
            probing = len(found) >= k
            if probing and candidates:
                return found, True
            if probing and any(self._spur(spur, target, options, None) for spur in cut):
                return found, True
            for spur_path in self._spurs(found, target, options, cap, cut):
                if spur_path not in candidates and spur_path not in found:
                    candidates.append(spur_path)
                    if probing:
                        return found, True
            if not candidates or probing:
                return found, False
            candidates.sort(key=len)
            found.append(candidates.pop(0))

    def _spurs(
        self,
        found: list[list[str]],
        target: str,
        options: PathOptions,
        cap: Callable[[], int],
        cut: list[_Spur],
    ) -> Iterator[list[str]]:
        """Yen's deviations from the last path found (each a full path from the source), none
        longer than ``cap()`` hops when it is searched; a search that ``cap()`` cut short and
        that found nothing is added to ``cut``."""
        last = found[-1]
        for i in range(len(last) - 1):
            _check(options.deadline)
            root = last[: i + 1]
            spur = _Spur(
                root,
                frozenset(root[:-1]),
                frozenset((p[i], p[i + 1]) for p in found if p[: i + 1] == root),
            )
            limit = cap()
            path = self._spur(spur, target, options, limit)
            if path is not None:
                yield path
            elif limit < options.max_hops:
                cut.append(spur)

    def _spur(
        self, spur: _Spur, target: str, options: PathOptions, cap: int | None
    ) -> list[str] | None:
        """The shortest path from the source through ``spur.root`` to ``target`` that leaves
        the root by none of ``spur.hops`` and of at most ``cap`` hops (default: the options')."""
        i = len(spur.root) - 1
        limit = (options.max_hops if cap is None else min(cap, options.max_hops)) - i
        if limit < 1:
            return None
        found = self.shortest(
            spur.root[-1],
            target,
            options,
            max_hops=limit,
            banned_nodes=set(spur.nodes),
            banned_hops=set(spur.hops),
        )
        return None if found is None else spur.root[:-1] + found


class _Spur(NamedTuple):
    """One of Yen's spur searches: the root path it leaves from, the nodes it may not
    enter (the root's) and the hops it may not take (those the paths found took)."""

    root: list[str]
    nodes: frozenset[str]
    hops: frozenset[tuple[str, str]]


def _check(deadline: float | None) -> None:
    if deadline is not None and time.monotonic() > deadline:
        raise QueryTimeoutError("the path search ran past its time limit; narrow it down")


def _join(pred: dict[str, str | None], succ: dict[str, str | None], meet: str) -> list[str]:
    path: list[str] = []
    node: str | None = meet
    while node is not None:
        path.append(node)
        node = pred[node]
    path.reverse()
    node = succ[meet]
    while node is not None:
        path.append(node)
        node = succ[node]
    return path
