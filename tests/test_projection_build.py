"""The full projection build (parallel, grouped reads) gives the same edges as reading the
direct triples and denied claims one row at a time."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from supplychain_kg.namespaces import SKG
from supplychain_kg.paths import Projection, build_projection
from supplychain_kg.paths.source import FullRead
from supplychain_kg.store import Store, open_store
from supplychain_kg.validate import load_ontology

ID = "https://example.org/id/"
ONTOLOGY = load_ontology()

DATA = f"""
@prefix skg: <{SKG}> .
@prefix : <{ID}> .
:a skg:sourcesFrom :b , :c , :d .
:b skg:sourcesFrom :c .
:a skg:suppliesTo :b .
:loop skg:suppliesTo :loop .
:a skg:amount "12" .
:a skg:wonTender "not an entity" .
_:anon skg:sourcesFrom :a .
:e skg:sellsDirectlyTo :f .
:claim1 skg:stance skg:Denied ; skg:subject :e ; skg:relation skg:sellsDirectlyTo ;
    skg:object :f .
:claim2 skg:stance skg:Denied ; skg:subject :g ; skg:relation skg:sellsDirectlyTo ;
    skg:object :h .
:claim3 skg:stance skg:Denied ; skg:subject :g ; skg:relation skg:amount ; skg:object "5" .
"""


def _store() -> Store:
    store = open_store(None)
    store.parse_into(DATA.encode(), "text/turtle")
    store.parse_into(
        f"<{ID}x> <{SKG}sourcesFrom> <{ID}y> <{ID}graph> .\n".encode(), "application/n-quads"
    )
    return store


def _edges(projection: Projection) -> set[tuple[str, str, str, str]]:
    return {
        (s.removeprefix(ID), o.removeprefix(ID), rel.removeprefix(SKG), data["stance"])
        for s, o, rel, data in projection.graph.edges(keys=True, data=True)
    }


@pytest.mark.parametrize("workers", [1, 2, 4])
def test_the_full_build_has_every_claimed_iri_edge_with_its_stance(workers: int) -> None:
    store = _store()
    projection = build_projection(
        store, ONTOLOGY.claimed_relations, ONTOLOGY.closure(f"{SKG}Entity"), workers=workers
    )
    assert _edges(projection) == {
        ("a", "b", "sourcesFrom", "asserted"),
        ("a", "c", "sourcesFrom", "asserted"),
        ("a", "d", "sourcesFrom", "asserted"),
        ("b", "c", "sourcesFrom", "asserted"),
        ("a", "b", "suppliesTo", "asserted"),
        ("loop", "loop", "suppliesTo", "asserted"),
        ("e", "f", "sellsDirectlyTo", "disputed"),
        ("g", "h", "sellsDirectlyTo", "denied"),
    }
    assert projection.denied_parties == {f"{ID}{n}" for n in "efgh"}
    # a literal object and a blank subject: those relations are not all edges here
    assert projection.impure == {f"{SKG}wonTender", f"{SKG}sourcesFrom"}


def test_the_full_build_matches_a_patch_of_every_entity() -> None:
    store = _store()
    relations = ONTOLOGY.claimed_relations
    built = build_projection(store, relations, ONTOLOGY.closure(f"{SKG}Entity"))
    patched = build_projection(open_store(None), relations, ONTOLOGY.closure(f"{SKG}Entity"))
    everyone = {str(n) for n in built.graph.nodes} | {f"{ID}{n}" for n in ("x", "y")}
    patched.patch(store, everyone, store.revision)
    assert _edges(patched) == _edges(built)
    assert built.impure and not patched.impure  # a patch adds only what its write names


def test_a_failing_relation_read_fails_the_build_and_stops_the_workers() -> None:
    class Broken:
        def __init__(self, inner: Store) -> None:
            self.inner = inner

        def query(self, sparql: str) -> object:
            if "suppliesTo" in sparql:
                raise OSError("disk gone")
            return self.inner.query(sparql)

        def select_pages(self, sparql: str) -> Iterator[object]:
            yield self.query(sparql)

    with (
        pytest.raises(OSError, match="disk gone"),
        FullRead(Broken(_store()), ONTOLOGY.claimed_relations, workers=2) as read,  # type: ignore[arg-type]
    ):
        for _relation, rows in read.direct():
            list(rows)
