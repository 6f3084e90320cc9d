"""Read the W3C SPARQL 1.1 HTTP test manifests (protocol, graph store) into plain records."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from rdflib import RDF, RDFS, Graph, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.term import Node

MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
CNT = Namespace("http://www.w3.org/2011/content#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
HTS = "http://www.w3.org/2011/http-statusCodes#"

STATUS_NAMES = {
    "OK": 200,
    "Created": 201,
    "NoContent": 204,
    "NotFound": 404,
    "BadRequest": 400,
    "UnsupportedMediaType": 415,
}


@dataclass
class Expect:
    statuses: list[str]
    format: str | None = None
    boolean: bool | None = None
    location: str | None = None
    content_type: str | None = None
    body: str | None = None

    def status_ok(self, status: int) -> bool:
        for name in self.statuses:
            if name.startswith("StatusCode") and str(status)[0] == name[len("StatusCode")]:
                return True
            if STATUS_NAMES.get(name) == status:
                return True
        return False


@dataclass
class HttpRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: str | None
    expect: Expect


@dataclass
class HttpTest:
    name: str
    title: str
    requests: list[HttpRequest]
    graph_data: list[tuple[Path, str]] = field(default_factory=list)
    requires: list[str] = field(default_factory=list)


def _items(graph: Graph, head: Node | None) -> list[Node]:
    return list(Collection(graph, head)) if head is not None else []


def _headers(graph: Graph, node: Node) -> dict[str, str]:
    out = {}
    for header in _items(graph, graph.value(node, HT.headers)):
        out[str(graph.value(header, HT.fieldName)).lower()] = str(
            graph.value(header, HT.fieldValue)
        )
    return out


def _expect(graph: Graph, resp: Node) -> Expect:
    statuses = sorted(str(s).removeprefix(HTS) for s in graph.objects(resp, MF.expectedStatus))
    boolean = graph.value(resp, MF.expectedBoolean)
    body = graph.value(resp, HT.body)
    headers = _headers(graph, resp)
    return Expect(
        statuses=statuses,
        format=str(graph.value(resp, MF.expectedFormat) or "") or None,
        boolean=None if boolean is None else boolean.toPython(),
        location=str(graph.value(resp, MF.expectedLocation) or "") or None,
        content_type=headers.get("content-type"),
        body=None if body is None else str(graph.value(body, CNT.chars)),
    )


def _request(graph: Graph, node: Node) -> HttpRequest:
    body = graph.value(node, HT.body)
    return HttpRequest(
        method=str(graph.value(node, HT.methodName)),
        path=str(graph.value(node, HT.absolutePath)),
        headers=_headers(graph, node),
        body=None if body is None else str(graph.value(body, CNT.chars)),
        expect=_expect(graph, graph.value(node, HT.resp)),  # type: ignore[arg-type]
    )


def load_manifest(path: Path) -> list[HttpTest]:
    """Every test of a manifest (following mf:include), in manifest order."""
    graph = Graph().parse(path, format="turtle")
    tests: list[HttpTest] = []
    for manifest in graph.subjects(RDF.type, MF.Manifest):
        for include in _items(graph, graph.value(manifest, MF.include)):
            tests += load_manifest(path.parent / Path(str(include)).name)
        for entry in _items(graph, graph.value(manifest, MF.entries)):
            action = graph.value(entry, MF.action)
            requests = _items(graph, graph.value(action, HT.requests))
            data = [
                (
                    path.parent / Path(str(graph.value(g, UT.graph))).name,
                    str(graph.value(g, RDFS.label)),
                )
                for g in graph.objects(entry, UT.graphData)
            ]
            tests.append(
                HttpTest(
                    name=str(entry).rsplit("#", 1)[-1],
                    title=str(graph.value(entry, MF.name)),
                    requests=[_request(graph, r) for r in requests],
                    graph_data=data,
                    requires=[str(r).rsplit("#", 1)[-1] for r in graph.objects(entry, MF.requires)],
                )
            )
    return tests


__all__ = ["Expect", "HttpRequest", "HttpTest", "URIRef", "load_manifest"]
