"""More of the Store contract, on every backend (``tests/test_store.py``'s ``store`` fixture):
groups of writes undone, named graphs kept apart, whole-store reads in pages, notes."""

from __future__ import annotations

import io

import pytest

from supplychain_kg.errors import BadRequestError, QueryError
from supplychain_kg.model import IRI, Literal, Quad
from supplychain_kg.namespaces import RDF
from supplychain_kg.store import Store
from tests.test_store import EX, store

__all__ = ["store"]


def _q(s: str, o: str, graph: str | None = None) -> Quad:
    return Quad(IRI(EX + s), IRI(EX + "name"), Literal(o), IRI(graph) if graph else None)


def _names(store: Store) -> set[str]:
    rows = store.query(f"SELECT ?n WHERE {{ ?s <{EX}name> ?n }}").rows()
    return {str(r["n"]) for r in rows}


class BoomError(Exception):
    pass


def test_undoable_undoes_updates_and_added_quads_when_an_exception_leaves(store: Store) -> None:
    store.add_quads([_q("a", "Alpha"), _q("b", "Beta")])
    with pytest.raises(BoomError), store.undoable():
        store.update(f'DELETE DATA {{ <{EX}a> <{EX}name> "Alpha" }}')
        store.update(f'INSERT DATA {{ <{EX}c> <{EX}name> "Gamma" . <{EX}b> <{EX}name> "Beta" }}')
        store.add_quads([_q("d", "Delta")])
        assert _names(store) == {"Beta", "Gamma", "Delta"}
        raise BoomError
    assert _names(store) == {"Alpha", "Beta"}  # Beta was there before: it stays


def test_undoable_undoes_a_dropped_graph_and_an_absorbed_load(store: Store) -> None:
    g = "http://example.org/g"
    store.add_quads([_q("a", "Alpha"), _q("x", "in g", g)])
    staging = store.staging()
    staging.add_quads([_q("a", "Alpha"), _q("e", "Epsilon")])
    with pytest.raises(BoomError), store.undoable():
        store.update(f"DROP GRAPH <{g}>")
        assert store.absorb(staging) == 1
        raise BoomError
    assert _names(store) == {"Alpha"}
    ask = f'ASK {{ GRAPH <{g}> {{ <{EX}x> <{EX}name> "in g" }} }}'
    assert store.query(ask).boolean


def test_undoable_keeps_writes_when_the_block_ends_normally(store: Store) -> None:
    with store.undoable():
        store.add_quads([_q("a", "Alpha")])
        store.update(f"DROP SILENT GRAPH <{EX}nothing>")
    assert _names(store) == {"Alpha"}
    assert len(store) == 1


def test_named_graphs_are_seen_through_graph_only(store: Store) -> None:
    g = "http://example.org/g"
    store.add_quads([_q("a", "default"), _q("b", "named", g)])
    assert _names(store) == {"default"}
    rows = store.query(f"SELECT ?g ?n WHERE {{ GRAPH ?g {{ ?s <{EX}name> ?n }} }}").rows()
    assert [(str(r["g"]), str(r["n"])) for r in rows] == [(g, "named")]
    assert len(store) == 2 and not store.is_empty()


def test_dump_and_quads_give_every_quad(store: Store) -> None:
    g = "http://example.org/g"
    given = {_q(f"s{i}", f"name {i}") for i in range(12)} | {_q("n", "named", g)}
    store.add_quads(sorted(given, key=str))
    assert set(store.quads()) == given
    out = io.BytesIO()
    store.dump(out, "application/n-quads")
    back = store.staging()
    back.parse_into(out.getvalue(), "application/n-quads")
    assert set(back.quads()) == given


def test_select_pages_give_every_row_once(store: Store) -> None:
    store.add_quads([_q(f"s{i:02d}", f"n{i}") for i in range(23)])
    rows = [
        str(row["s"])
        for page in store.select_pages(f"SELECT ?s WHERE {{ ?s <{EX}name> ?o }}")
        for row in page.rows()
    ]
    assert sorted(rows) == sorted(f"{EX}s{i:02d}" for i in range(23))


def test_notes_are_kept(store: Store) -> None:
    store.write_metadata({"seeded": False, "created": "2026-01-01"})
    assert store.read_metadata() == {"seeded": False, "created": "2026-01-01"}


def test_a_bad_update_writes_nothing_and_says_why(store: Store) -> None:
    before = store.revision
    with pytest.raises(QueryError):
        store.update(f"INSERT DATA {{ <{EX}a> <{EX}name> }}")
    assert store.is_empty() and store.revision == before


def test_literals_come_back_as_written(store: Store) -> None:
    xsd = "http://www.w3.org/2001/XMLSchema#"
    values = [
        Literal("plain"),
        Literal("tagged", RDF + "langString", "en"),
        Literal("2022-07-12", xsd + "date"),
        Literal("12.50", xsd + "decimal"),
        Literal('quote " and \\ and\nnewline'),
    ]
    store.add_quads([Quad(IRI(EX + "a"), IRI(EX + f"p{i}"), v) for i, v in enumerate(values)])
    rows = store.query(f"SELECT ?p ?o WHERE {{ <{EX}a> ?p ?o }}").rows()
    found = {str(r["p"]): r["o"] for r in rows}
    assert [found[f"{EX}p{i}"] for i in range(len(values))][:2] == values[:2]
    assert found[f"{EX}p4"] == values[4]
    assert str(found[f"{EX}p2"]) == "2022-07-12"


def test_describe_gives_each_resource_its_triples_as_a_query_does(store: Store) -> None:
    store.add_quads(
        [
            _q("a", "Alpha"),
            _q("a", 'Alpha "the first"'),
            Quad(IRI(EX + "a"), IRI(RDF + "type"), IRI(EX + "Thing")),
            Quad(IRI(EX + "a"), IRI(EX + "next"), IRI(EX + "b")),
            _q("b", "Beta"),
            _q("c", "Gamma"),
        ]
    )
    wanted = [EX + "a", EX + "b", EX + "nothing"]
    described = store.describe(wanted)
    assert set(described) == {EX + "a", EX + "b"}  # a subject of nothing is left out
    for iri, triples in described.items():
        rows = store.query(f"SELECT ?p ?v WHERE {{ <{iri}> ?p ?v }}").rows()
        assert sorted(map(str, triples)) == sorted(str((str(r["p"]), r["v"])) for r in rows)
    assert (RDF + "type", IRI(EX + "Thing")) in described[EX + "a"]
    assert (EX + "name", Literal('Alpha "the first"')) in described[EX + "a"]
    assert store.describe([]) == {}


def test_describe_refuses_what_is_not_an_iri(store: Store) -> None:
    with pytest.raises(BadRequestError, match="a resource to describe is not a valid IRI"):
        store.describe([EX + "a> ?p ?o } #"])
