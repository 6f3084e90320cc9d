"""The Store contract, run against every backend: the embedded Oxigraph store in memory and on
disk, and a remote SPARQL engine (``oxigraph serve`` and Virtuoso 7, started by the tests)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from supplychain_kg.errors import ParseError, QueryError, StoreLockedError
from supplychain_kg.model import IRI, Literal, Quad
from supplychain_kg.store import Store, open_configured, open_store
from tests.conftest import remote_settings

EX = "http://example.org/"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
BACKENDS = ["memory", "disk", "oxigraph-server", "virtuoso"]


def open_backend(request: pytest.FixtureRequest, backend: str, tmp_path: Path) -> Store:
    """A fresh, empty store of ``backend`` (a remote engine is wiped first; its answers come
    in pages of 5 rows, so reads of the whole store page)."""
    if backend in ("memory", "disk"):
        return open_store(None if backend == "memory" else tmp_path / "store")
    engine = request.getfixturevalue(
        "oxigraph_engine" if backend == "oxigraph-server" else "virtuoso_engine"
    )
    return open_configured(remote_settings(engine, SKG_STORE_PAGE_SIZE="5"))


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    s = open_backend(request, request.param, tmp_path)
    yield s
    s.close()


def _quad(s: str, p: str, o: str) -> Quad:
    return Quad(IRI(EX + s), IRI(EX + p), Literal(o))


def test_store_is_a_store(store: Store) -> None:
    assert isinstance(store, Store)
    assert len(store) == 0


def test_add_quads_then_select_returns_engine_neutral_terms(store: Store) -> None:
    store.add_quads([_quad("a", "name", "Alpha"), _quad("b", "name", "Beta")])
    result = store.query(f"SELECT ?s ?n WHERE {{ ?s <{EX}name> ?n }} ORDER BY ?n")
    assert result.kind == "select"
    assert result.variables == ["s", "n"]
    rows = list(result.rows())
    assert rows == [
        {"s": IRI(EX + "a"), "n": Literal("Alpha")},
        {"s": IRI(EX + "b"), "n": Literal("Beta")},
    ]


def test_literals_of_every_kind_read_back_as_written(store: Store) -> None:
    """Whatever results format the engine answers in, each literal comes back as the
    embedded store keeps it (Virtuoso writes stored booleans as 1/0: read as true/false)."""
    xsd = "http://www.w3.org/2001/XMLSchema#"
    written = [
        Literal("false", datatype=xsd + "boolean"),
        Literal("true", datatype=xsd + "boolean"),
        Literal("2020-01-31", datatype=xsd + "date"),
        Literal("12.5", datatype=xsd + "decimal"),
        Literal("Überwachung", RDF_LANG_STRING, "de"),
        Literal('a<b & "c" \\ d\tnew\nline'),
    ]
    store.add_quads(
        [Quad(IRI(f"{EX}x{i}"), IRI(EX + "v"), value) for i, value in enumerate(written)]
    )
    result = store.query(f"SELECT ?s ?v WHERE {{ ?s <{EX}v> ?v }} ORDER BY ?s")
    assert [row["v"] for row in result.rows()] == written
    assert store.query(f'ASK {{ ?s <{EX}v> "false"^^<{xsd}boolean> }}').boolean is True


def test_ask_and_construct(store: Store) -> None:
    store.add_quads([_quad("a", "name", "Alpha")])
    assert store.query("ASK { ?s ?p ?o }").boolean is True
    triples = list(store.query("CONSTRUCT WHERE { ?s ?p ?o }").triples())
    assert triples == [(IRI(EX + "a"), IRI(EX + "name"), Literal("Alpha"))]


def test_revision_grows_with_every_write(store: Store) -> None:
    before = store.revision
    store.add_quads([_quad("a", "name", "Alpha")])
    store.update(f'INSERT DATA {{ <{EX}b> <{EX}name> "Beta" }}')
    assert store.revision == before + 2


def test_query_syntax_error_is_a_query_error_with_position(store: Store) -> None:
    with pytest.raises(QueryError, match=r"1:\d+|line 1"):
        store.query("SELECT * WHERE { ?s ?p }")


def test_parse_error_names_file_line_and_column(store: Store, tmp_path: Path) -> None:
    bad = tmp_path / "bad.ttl"
    bad.write_text('<http://e/a> <http://e/b> "ok" .\n<http://e/a> <http://e/b> "open .\n')
    staging = store.staging()
    with pytest.raises(ParseError) as info:
        staging.parse_into(bad, "text/turtle")
    assert info.value.path == str(bad)
    assert info.value.line == 2
    assert info.value.column is not None
    assert str(bad) in str(info.value)


def test_absorb_adds_staged_quads_once(store: Store) -> None:
    staging = store.staging()
    staging.parse_into(b'<http://e/a> <http://e/b> "c" .', "text/turtle")
    assert store.absorb(staging) == 1
    again = store.staging()
    again.parse_into(b'<http://e/a> <http://e/b> "c" .', "text/turtle")
    assert store.absorb(again) == 0
    assert len(store) == 1


def test_named_blank_nodes_are_the_same_for_the_same_bytes_only(store: Store) -> None:
    data = b'[] <http://e/p> [ <http://e/q> "x" ] . _:a <http://e/p> _:a .'
    first, second, other = store.staging(), store.staging(), store.staging()
    first.parse_into(data, "text/turtle", blank_prefix="http://e/genid/")
    second.parse_into(data, "text/turtle", blank_prefix="http://e/genid/")
    other.parse_into(data + b" ", "text/turtle", blank_prefix="http://e/genid/")
    assert not first.has_blank_nodes() and len(first) == 3
    assert set(first.quads()) == set(second.quads())
    assert not set(first.quads()) & set(other.quads())  # another file's nodes never merge


def test_naming_blank_nodes_is_linear_even_for_a_long_chain(store: Store) -> None:
    """Canonical labelling (RDFC-1.0) took 103 s for a 1,000-node chain."""
    import time

    chain = b"".join(b"_:n%d <http://e/next> _:n%d .\n" % (i, i + 1) for i in range(20_000))
    staging = store.staging()
    started = time.perf_counter()
    staging.parse_into(chain, "application/n-triples", blank_prefix="http://e/genid/")
    assert time.perf_counter() - started < 10
    assert len(staging) == 20_000 and not staging.has_blank_nodes()


def test_disk_store_is_locked_against_a_second_process_open(tmp_path: Path) -> None:
    first = open_store(tmp_path / "s")
    try:
        with pytest.raises(StoreLockedError, match="in use"):
            open_store(tmp_path / "s")
    finally:
        first.close()


def test_disk_store_persists_across_reopen(tmp_path: Path) -> None:
    first = open_store(tmp_path / "s")
    first.add_quads([_quad("a", "name", "Alpha")])
    first.close()
    second = open_store(tmp_path / "s")
    assert len(second) == 1
    second.close()


def test_interrupted_bulk_write_is_rolled_back_on_next_open(tmp_path: Path) -> None:
    from supplychain_kg.store.oxigraph import OxigraphStore

    s = OxigraphStore(tmp_path / "s")
    s.add_quads([_quad("a", "name", "Alpha")])
    # Simulate a crash in the middle of a bulk write: checkpoint taken, marker left behind,
    # then more data written to the database.
    s._store.flush()
    s._store.backup(str(tmp_path / "s" / "checkpoint"))
    (tmp_path / "s" / "LOADING").write_text("in progress")
    s.add_quads([_quad("b", "name", "half-written")])
    s.close()
    reopened = OxigraphStore(tmp_path / "s")
    assert len(reopened) == 1
    assert not (tmp_path / "s" / "LOADING").exists()
    reopened.close()


def test_a_dataset_graph_that_is_no_iri_is_a_bad_request(store: Store) -> None:
    from supplychain_kg.errors import BadRequestError

    with pytest.raises(BadRequestError, match="not a valid IRI"):
        store.query("SELECT * { ?s ?p ?o }", default_graphs=["not an iri"])
    with pytest.raises(BadRequestError, match="not a valid IRI"):
        store.query("SELECT * { ?s ?p ?o }", named_graphs=["http://a b"])
