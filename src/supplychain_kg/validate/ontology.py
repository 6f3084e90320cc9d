"""What the validator and the path projection need to know of the vocabulary
(``graph/ontology.ttl``): the class hierarchy, the claimed and literal relations, the relations
a path does not traverse, the labels; and how an IRI is shown in a violation."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import rdflib
from rdflib.namespace import RDF as RDFNS
from rdflib.namespace import RDFS as RDFSNS

from supplychain_kg.config import graph_dir
from supplychain_kg.namespaces import PREFIXES, SKG

__all__ = ["Ontology", "load_ontology", "short_name"]

_SKG = rdflib.Namespace(SKG)


@dataclass(frozen=True)
class Ontology:
    """What the validator and the path projection need to know of ``ontology.ttl``."""

    subclasses: dict[str, frozenset[str]]
    claimed_relations: frozenset[str]
    literal_relations: frozenset[str]
    non_traversable: frozenset[str]
    labels: dict[str, str]

    def closure(self, cls: str) -> frozenset[str]:
        """The class and all its subclasses."""
        return self.subclasses.get(cls, frozenset({cls}))


def _closure(graph: rdflib.Graph) -> dict[str, frozenset[str]]:
    children: dict[str, set[str]] = {}
    for sub, sup in graph.subject_objects(RDFSNS.subClassOf):
        children.setdefault(str(sup), set()).add(str(sub))
    result: dict[str, frozenset[str]] = {}
    for root in {str(c) for c in graph.subjects(RDFNS.type, rdflib.OWL.Class)} | set(children):
        seen = {root}
        todo = [root]
        while todo:
            for child in children.get(todo.pop(), ()):
                if child not in seen:
                    seen.add(child)
                    todo.append(child)
        result[root] = frozenset(seen)
    return result


@lru_cache(maxsize=4)
def load_ontology(path: Path | None = None) -> Ontology:
    """Read the vocabulary file (default: the packaged ``graph/ontology.ttl``)."""
    graph = rdflib.Graph().parse(path or graph_dir() / "ontology.ttl", format="turtle")
    claimed = frozenset(str(p) for p in graph.subjects(RDFNS.type, _SKG.ClaimedRelation))
    literal = frozenset(str(p) for p in graph.subjects(RDFNS.type, _SKG.LiteralRelation))
    hidden = frozenset(
        str(p)
        for p, v in graph.subject_objects(_SKG.traversable)
        if isinstance(v, rdflib.Literal) and not bool(v.toPython())
    )
    labels = {str(s): str(o) for s, o in graph.subject_objects(RDFSNS.label)}
    return Ontology(_closure(graph), claimed, literal, hidden, labels)


def short_name(iri: str) -> str:
    """``prefix:name`` for an IRI of a known namespace, else ``<iri>``."""
    for name, prefix in PREFIXES.items():
        if iri.startswith(prefix) and name != "ent":
            return f"{name}:{iri[len(prefix) :]}"
    return f"<{iri}>"
