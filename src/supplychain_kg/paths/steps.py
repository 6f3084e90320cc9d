"""What the two breadth-first searches of
:class:`~supplychain_kg.paths.compact_search.CompactSearch` share: the rows a step reads, what
a walk may enter (``Rules``) and how a path is put together where the two sides meet. One
search walks the rows' arrays a layer at a time (``vector_search``), the other edge by edge
(patched rows, ``as_of`` questions)."""

from __future__ import annotations

from array import array

from supplychain_kg.paths.options import Direction

__all__ = ["Rules", "join_path", "step_sides"]

Rules = tuple[dict[int, bool], "array[int]", bytearray]
"""What a walk may enter (``CompactSearch._id_rules``): exceptions, set numbers, flags."""


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
