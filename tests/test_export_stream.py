"""The whole-graph export streamed from the store writes what the in-memory export graph did.

The reference is the graph :func:`supplychain_kg.export.run.build_graph` assembles in memory
(the way every export was made before streaming); the streamed one is read batch by batch,
here in tiny batches so that every batch boundary (an entity's edges, a claim's rows, a source
cited in two batches) is crossed many times.
"""

from __future__ import annotations

import io
import random
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from supplychain_kg.config import Settings
from supplychain_kg.errors import BadRequestError
from supplychain_kg.export import WRITERS, GraphSource
from supplychain_kg.export.build import read_parties
from supplychain_kg.export.files import atomic_output
from supplychain_kg.export.run import ExportRequest, build_graph, run_export
from supplychain_kg.export.stream import StreamedGraph
from supplychain_kg.service import KnowledgeGraph

from .export_support import ONTOLOGY, tricky_graph

FORMATS = sorted(WRITERS)
SKG = "https://w3id.org/supplychain-kg/ontology#"
ID = "https://w3id.org/supplychain-kg/id/"


def _generated_turtle(seed: int = 11, entities: int = 70, claims: int = 260) -> str:
    """A random graph with what an export must carry: entities with and without slugs (so
    some sort by their IRI's local name), several types, labels and aliases; claims asserted,
    denied and disputed, several per relation, dated (validFrom, validTo or both), with amounts
    and currencies, technologies and quote kinds; sources with and without URL, date and
    publisher; direct triples no claim backs; claims whose object is no entity; lonely
    entities; restriction listings."""
    rng = random.Random(seed)
    lines = [
        f"@prefix skg: <{SKG}> .",
        f"@prefix ent: <{ID}> .",
        f"@prefix src: <{ID}source/> .",
        f"@prefix claim: <{ID}claim/> .",
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .",
        "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .",
        "@prefix dcterms: <http://purl.org/dc/terms/> .",
        "@prefix schema: <https://schema.org/> .",
        "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .",
        "ent:g-land a skg:Country ; skg:slug 'g-land' ; rdfs:label 'Gland' .",
        "ent:g-tech a skg:Technology ; skg:slug 'g-tech' ; rdfs:label 'Face matching' .",
        "ent:g-list a skg:RestrictionList ; skg:slug 'g-list' ; rdfs:label 'G List' .",
        "ent:g-paper a skg:MediaOrganization ; skg:slug 'g-paper' ; rdfs:label 'G Paper' .",
    ]
    names = _entities(rng, entities, lines)
    _sources(lines)
    _claims(rng, names, claims, lines)
    for _ in range(6):  # direct triples that no claim backs
        lines.append(f"ent:{rng.choice(names)} skg:suppliesTo ent:{rng.choice(names)} .")
    # a claim without stance or source: its direct triple is claimed, though not an edge's
    lines.append(
        f"claim:g-bare a skg:Claim ; skg:subject ent:{names[1]} ; skg:relation skg:suppliesTo ;"
        f" skg:object ent:{names[2]} . ent:{names[1]} skg:suppliesTo ent:{names[2]} ."
    )
    # a denied claim whose object is a literal spelling an entity's IRI: no party to it
    lines.append(
        f"claim:g-text a skg:Claim ; skg:subject ent:{names[3]} ; skg:relation skg:suppliesTo ;"
        f" skg:stance skg:Denied ; skg:source src:g-s1 ; skg:object '{ID}{names[4]}' ."
    )
    return "\n".join(lines) + "\n"


def _entities(rng: random.Random, entities: int, lines: list[str]) -> list[str]:
    kinds = ["Manufacturer", "Contractor", "Company", "MunicipalGovernment", "Project"]
    names = []
    for i in range(entities):
        name = f"g{rng.randrange(1000):03d}-{i}"
        names.append(name)
        kind = rng.choice(kinds)
        parts = [f"ent:{name} a skg:{kind}"]
        if rng.random() < 0.2:
            parts.append(f"a skg:{rng.choice(kinds)}")
        if rng.random() < 0.7:  # else the entity id is the IRI's local name
            slug = f"s{rng.randrange(40):02d}" if rng.random() < 0.3 else name
            parts.append(f"skg:slug '{slug}'")
        parts.append(f"rdfs:label 'Entity {i} & <co>'")
        if rng.random() < 0.3:
            parts.append(f"skos:altLabel 'alias {i} | pipe' , 'alias {i}b'")
        if rng.random() < 0.2:
            parts.append(f"dcterms:identifier 'lei:{i}'")
        if rng.random() < 0.5:
            parts.append("skg:country ent:g-land")
        lines.append(" ; ".join(parts) + " .")
    return names


def _sources(lines: list[str]) -> None:
    for j in range(12):
        parts = [f"src:g-s{j} a skg:SourceDocument", f"skg:slug 'g-s{j}'"]
        if j % 3:
            parts.append(f"dcterms:title 'Report {j}'")
        if j % 2:
            parts.append(f"schema:url 'https://example.org/r{j}'")
        if j % 4:
            parts.append(f"dcterms:date '202{j % 10}-0{1 + j % 9}-1{j % 10}'^^xsd:date")
        if j % 5:
            parts.append("dcterms:publisher ent:g-paper")
        lines.append(" ; ".join(parts) + " .")


def _claims(rng: random.Random, names: list[str], claims: int, lines: list[str]) -> None:
    relations = ["sourcesFrom", "suppliesTo", "wonTender", "sellsDirectlyTo", "couldNotVerify"]
    pairs = [
        (rng.choice(names), rng.choice(relations), rng.choice(names)) for _ in range(claims // 3)
    ]
    for k in range(claims):
        s, rel, o = rng.choice(pairs)
        if k % 29 == 0:
            o = "g-land"  # a country: a node too
        if k % 31 == 0:
            rel, o = "listedOn", "g-list"
        denied = rng.random() < 0.15
        parts = [
            f"claim:g-c{k:04d} a skg:Claim",
            f"skg:slug 'g-c{k:04d}'",
            f"skg:subject ent:{s}",
            f"skg:relation skg:{rel}",
            f"skg:stance skg:{'Denied' if denied else 'Asserted'}",
            f"skg:source src:g-s{rng.randrange(12)}",
        ]
        if k % 37 == 0:
            parts.append("skg:object 'a literal object'")
        else:
            parts.append(f"skg:object ent:{o}")
        if rng.random() < 0.8:
            parts.append(f"skg:quote 'Claim {k} says \"{rel}\" | here'")
            parts.append(f"skg:quoteKind '{rng.choice(['verbatim', 'summary'])}'")
        if rng.random() < 0.6:
            parts.append(f"skg:attribution 'Person {k % 7}'")
        if rng.random() < 0.4:
            parts.append(f"skg:validFrom '20{10 + k % 12}-0{1 + k % 9}-01'^^xsd:date")
        if rng.random() < 0.3:
            parts.append(f"skg:validTo '20{22 + k % 3}-12-31'^^xsd:date")
        if rng.random() < 0.2:
            parts.append(f"skg:amount {k * 1000}.5 ; skg:currency 'MMK'")
        if rng.random() < 0.2:
            parts.append("skg:technology ent:g-tech")
        lines.append(" ; ".join(parts) + " .")
        if not denied and k % 37:
            lines.append(f"ent:{s} skg:{rel} ent:{o} .")


@pytest.fixture(scope="module")
def generated() -> Iterator[KnowledgeGraph]:
    kg = KnowledgeGraph.open(Settings(memory=True, seed=False))
    kg.load([ONTOLOGY])
    kg.store.parse_into(_generated_turtle().encode(), "text/turtle")
    yield kg
    kg.close()


@pytest.fixture(scope="module")
def tricky() -> Iterator[KnowledgeGraph]:
    kg = tricky_graph()
    yield kg
    kg.close()


def _write(fmt: str, graph: GraphSource) -> bytes:
    out = io.BytesIO()
    WRITERS[fmt](graph, out)
    return _comparable(fmt, out.getvalue())


def _comparable(fmt: str, data: bytes) -> bytes:
    """The file's bytes; for a zip, its members' names and contents (not their times)."""
    if fmt != "csv":
        return data
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return b"\0".join(name.encode() + b"\0" + archive.read(name) for name in archive.namelist())


def _both(kg: KnowledgeGraph, fmt: str, per_claim: bool) -> tuple[bytes, bytes]:
    request = ExportRequest(format=fmt, per_claim=per_claim)
    before = _write(fmt, build_graph(kg.store, kg.ontology, request))
    stream = StreamedGraph(
        kg.store, kg.ontology, per_claim=per_claim, node_batch=3, subject_batch=2
    )
    return before, _write(fmt, stream)


@pytest.mark.parametrize("per_claim", [False, True], ids=["edges", "per-claim"])
@pytest.mark.parametrize("fmt", FORMATS)
def test_streamed_export_of_the_seed_is_the_in_memory_one_byte_for_byte(
    seeded_template: KnowledgeGraph, fmt: str, per_claim: bool
) -> None:
    before, after = _both(seeded_template, fmt, per_claim)
    assert b"Hikvision" in after
    assert after == before


@pytest.mark.parametrize("per_claim", [False, True], ids=["edges", "per-claim"])
@pytest.mark.parametrize("fmt", FORMATS)
def test_streamed_export_of_a_generated_graph_is_the_in_memory_one(
    generated: KnowledgeGraph, fmt: str, per_claim: bool
) -> None:
    before, after = _both(generated, fmt, per_claim)
    needles = [b"denied", b"MMK", b"2024-12-31", b"summary", b"g-tech", b"G List"]
    for needle in needles if per_claim else [*needles, b"disputed"]:
        assert needle in after, needle
    assert after == before


def test_the_generated_graph_has_what_the_comparison_needs(generated: KnowledgeGraph) -> None:
    graph = build_graph(generated.store, generated.ontology, ExportRequest())
    stances = {e.stance for e in graph.edges}
    assert stances == {"asserted", "denied", "disputed", "unclaimed"}
    assert any(len(e.claim_ids) > 2 for e in graph.edges)
    assert any(e.spells for e in graph.edges) and any(e.amounts for e in graph.edges)
    assert any(n.restriction_lists for n in graph.nodes.values())
    assert any(n.denials for n in graph.nodes.values())
    ids = [n.entity_id for n in graph.nodes.values()]
    assert len(ids) != len(set(ids))  # shared slugs: the IRI decides the order


def test_run_export_streams_the_whole_graph_and_counts_what_it_wrote(
    generated: KnowledgeGraph, monkeypatch: pytest.MonkeyPatch
) -> None:
    reference = build_graph(generated.store, generated.ontology, ExportRequest())
    nodes, edges = len(reference.nodes), len(reference.edges)
    out = io.BytesIO()
    quiet: list[str] = []
    counts = run_export(
        generated.store,
        generated.ontology,
        ExportRequest(format="gexf"),
        out,
        progress=quiet.append,
    )
    assert counts == (nodes, edges)
    assert out.getvalue() == _write("gexf", reference)
    assert quiet == []  # a short export says nothing
    monkeypatch.setattr("supplychain_kg.export.stream._REPORT_EVERY", 0.0)
    monkeypatch.setattr("supplychain_kg.export.stream.SUBJECT_BATCH", 20)
    lines: list[str] = []
    run_export(
        generated.store, generated.ontology, ExportRequest(), io.BytesIO(), progress=lines.append
    )
    assert lines[0] == f"export: {nodes:,} of {nodes:,} nodes written"
    assert lines[1].startswith("export: ") and lines[1].endswith(f"(20 of {nodes:,} nodes' links)")
    assert lines[-1] == f"export: {nodes:,} nodes and {edges:,} edges written"


def test_what_entities_are_party_to_is_read_once_as_in_batches(
    generated: KnowledgeGraph,
) -> None:
    iris = list(StreamedGraph(generated.store, generated.ontology).index)
    denials, lists = read_parties(generated.store)
    batched = read_parties(generated.store, iris)
    assert batched[0] and batched[1]
    assert (denials, lists) == batched  # a literal object is no party, whatever it spells


def test_a_scoped_export_is_unchanged_by_streaming(tricky: KnowledgeGraph) -> None:
    request = tricky.resolve_export(ExportRequest(around="x-integrator", depth=1))
    out = io.BytesIO()
    counts = run_export(tricky.store, tricky.ontology, request, out)
    graph = build_graph(tricky.store, tricky.ontology, request)
    assert counts == (len(graph.nodes), len(graph.edges))
    assert out.getvalue() == _write("graphml", graph)


def test_a_failure_mid_stream_leaves_no_file(
    generated: KnowledgeGraph, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "graph.graphml"
    target.write_bytes(b"the previous export")
    calls = 0
    real = StreamedGraph._batch_edges

    def failing(self: StreamedGraph, subjects: list[str], sources: dict) -> list:  # type: ignore[type-arg]
        nonlocal calls
        calls += 1
        if calls == 3:
            raise BadRequestError("the store went away")
        return real(self, subjects, sources)

    monkeypatch.setattr(StreamedGraph, "_batch_edges", failing)
    monkeypatch.setattr("supplychain_kg.export.stream.SUBJECT_BATCH", 5)
    with pytest.raises(BadRequestError, match="went away"), atomic_output(target) as out:
        run_export(generated.store, generated.ontology, ExportRequest(), out)
    assert calls == 3
    assert target.read_bytes() == b"the previous export"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["graph.graphml"]
