"""The vocabulary itself: every term is labelled and explained, relations are typed."""

from __future__ import annotations

import rdflib
from rdflib.namespace import OWL, RDF, RDFS

from supplychain_kg.config import graph_dir
from supplychain_kg.namespaces import SKG
from supplychain_kg.validate import load_ontology

_TERM_TYPES = (
    OWL.Class,
    OWL.ObjectProperty,
    OWL.DatatypeProperty,
    OWL.AnnotationProperty,
    RDF.Property,
)


def _graph() -> rdflib.Graph:
    return rdflib.Graph().parse(graph_dir() / "ontology.ttl")


def test_every_skg_term_has_an_english_label_and_comment() -> None:
    graph = _graph()
    terms = {s for t in _TERM_TYPES for s in graph.subjects(RDF.type, t) if str(s).startswith(SKG)}
    assert len(terms) > 50
    missing = sorted(
        str(t)
        for t in terms
        if graph.value(t, RDFS.label) is None or graph.value(t, RDFS.comment) is None
    )
    assert missing == []


def test_every_skg_term_used_in_the_seed_is_defined() -> None:
    defined = {str(s) for s in _graph().subjects() if str(s).startswith(SKG)}
    used: set[str] = set()
    for path in (graph_dir() / "data").glob("*.ttl"):
        data = rdflib.Graph().parse(path)
        for s, p, o in data:
            used |= {str(x) for x in (s, p, o) if str(x).startswith(SKG)}
    assert used - defined == set()


def test_claimed_and_literal_relations_do_not_overlap() -> None:
    onto = load_ontology()
    assert onto.claimed_relations and onto.literal_relations
    assert not onto.claimed_relations & onto.literal_relations
    assert f"{SKG}sourcesFrom" in onto.claimed_relations
    assert f"{SKG}didNotRespondTo" in onto.non_traversable
