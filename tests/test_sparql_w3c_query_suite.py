"""The W3C SPARQL 1.1 query evaluation tests, each query sent over HTTP to a live server.

Results are compared by value: rows as multisets, literals by datatype and value (so "1.0"
and "1.00" as xsd:decimal are equal), blank nodes by position only, graphs by isomorphism.
The pass count and each failing test go to artifacts/w3c-query-suite.txt; the test asserts a
floor so that a regression shows.
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote, urlparse

import httpx
from rdflib import RDF, BNode, Graph, Literal, Namespace
from rdflib.collection import Collection
from rdflib.compare import isomorphic
from rdflib.query import Result
from rdflib.term import Node

from supplychain_kg.config import Settings
from supplychain_kg.model import term_to_sparql
from supplychain_kg.service import KnowledgeGraph
from tests.conftest import ROOT, SHARED
from tests.live import serve

MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
QT = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-query#")
SUITE = SHARED / "w3c-sparql11" / "manifest-sparql11-query.ttl"
PASS_FLOOR = 210
RDF_TYPES = {".ttl": "text/turtle", ".nt": "application/n-triples", ".rdf": "application/rdf+xml"}


def _path(node: Node) -> Path:
    return Path(unquote(urlparse(str(node)).path))


def _tests(manifest: Path) -> Iterator[tuple[str, Path, list[Path], list[Path], Path]]:
    graph = Graph().parse(manifest, format="turtle")
    for head in graph.objects(None, MF.include):
        for sub in Collection(graph, head):
            yield from _tests(_path(sub))
    for head in graph.objects(None, MF.entries):
        for entry in Collection(graph, head):
            if (entry, RDF.type, MF.QueryEvaluationTest) not in graph:
                continue
            action = graph.value(entry, MF.action)
            result = graph.value(entry, MF.result)
            query = graph.value(action, QT.query)
            if result is None or query is None:
                continue
            yield (
                f"{manifest.parent.name}/{str(entry).rsplit('#', 1)[-1]}",
                _path(query),
                [_path(d) for d in graph.objects(action, QT.data)],
                [_path(d) for d in graph.objects(action, QT.graphData)],
                _path(result),
            )


def _value(term: Node | None) -> object:
    if term is None:
        return None
    if isinstance(term, BNode):
        return "_:b"
    if isinstance(term, Literal):
        if term.language:
            return ("lang", str(term), term.language.lower())
        try:
            value = term.toPython()
        except Exception:
            value = str(term)
        if isinstance(value, Literal):
            value = str(value)
        numeric = isinstance(value, int | float) or type(value).__name__ == "Decimal"
        return (
            ("num", float(value))
            if numeric and not isinstance(value, bool)
            else ("lit", str(term.datatype), str(value))
        )
    return ("iri", str(term))


def _rows(result: Result) -> Counter[frozenset[tuple[str, object]]]:
    rows: Counter[frozenset[tuple[str, object]]] = Counter()
    for row in result.bindings:
        rows[frozenset((str(k), _value(v)) for k, v in row.items() if v is not None)] += 1
    return rows


def _expected(path: Path) -> Result | Graph:
    if path.suffix in RDF_TYPES:
        graph = Graph().parse(path, format=RDF_TYPES[path.suffix], publicID=path.as_uri())
        return graph
    fmt = {".srx": "xml", ".srj": "json", ".csv": "csv", ".tsv": "tsv"}[path.suffix]
    return Result.parse(io.BytesIO(path.read_bytes()), format=fmt)


def _load(kg: KnowledgeGraph, data: list[Path], graphs: list[Path]) -> None:
    kg.store.update("DROP ALL")
    for path in data:
        kg.store.parse_into(path, RDF_TYPES.get(path.suffix, "text/turtle"), base_iri=path.as_uri())
    for path in graphs:
        staging = kg.store.staging()
        staging.parse_into(path, RDF_TYPES.get(path.suffix, "text/turtle"), base_iri=path.as_uri())
        lines = " .\n".join(
            " ".join(term_to_sparql(t) for t in q.triple()) for q in staging.quads()
        )
        kg.store.update(f"INSERT DATA {{ GRAPH <{path.as_uri()}> {{ {lines} }} }}")


def _run_one(client: httpx.Client, url: str, query: Path, expected_path: Path) -> bool:
    expected = _expected(expected_path)
    graph_answer = isinstance(expected, Graph)
    accept = "application/n-triples" if graph_answer else "application/sparql-results+json"
    # The suite resolves relative IRIs against the query file (an endpoint's base is its own
    # URL), so the file's location is declared as BASE, as a client would.
    text = f"BASE <{query.as_uri()}>\n" + query.read_text("utf-8")
    answer = client.post(
        f"{url}/sparql",
        content=text.encode("utf-8"),
        headers={"content-type": "application/sparql-query", "accept": accept},
    )
    if answer.status_code != 200:
        return False
    if graph_answer:
        return isomorphic(Graph().parse(data=answer.content, format="nt"), expected)  # type: ignore[arg-type]
    got = Result.parse(io.BytesIO(answer.content), format="json")
    assert isinstance(expected, Result)
    if expected.type == "ASK":
        return got.askAnswer == expected.askAnswer
    return _rows(got) == _rows(expected)


def test_w3c_query_evaluation_suite_over_http() -> None:
    assert SUITE.is_file(), f"missing {SUITE} (set SKG_SHARED_DIR to the shared folder)"
    tests = list(_tests(SUITE))
    kg = KnowledgeGraph.open(Settings(memory=True, seed=False))
    passed, failed = [], []
    with (
        serve(Settings(memory=True, seed=False, query_timeout=10), kg) as url,
        httpx.Client(timeout=30) as client,
    ):
        for name, query, data, graphs, result in tests:
            label = name
            try:
                _load(kg, data, graphs)
                ok = _run_one(client, url, query, result)
            except Exception as exc:  # a broken case counts as a failure, named with its error
                ok = False
                label += f" ({type(exc).__name__})"
            (passed if ok else failed).append(label)
    kg.close()
    report = ROOT / "artifacts" / "w3c-query-suite.txt"
    report.parent.mkdir(exist_ok=True)
    report.write_text(
        f"{len(passed)} passed, {len(failed)} failed of {len(tests)}\n" + "\n".join(failed) + "\n"
    )
    print(f"W3C SPARQL 1.1 query suite over HTTP: {len(passed)}/{len(tests)} passed")
    assert len(passed) >= PASS_FLOOR, f"{len(passed)} passed; see {report}"
