"""IRIs of the vocabularies the graph uses.

Plain strings, so that every layer (pyoxigraph, rdflib, SPARQL text) can use them.
"""

from __future__ import annotations

__all__ = [
    "DCTERMS",
    "DEFAULT_BASE",
    "ORG",
    "OWL",
    "PREFIXES",
    "PROV",
    "RDF",
    "RDFS",
    "SCHEMA",
    "SH",
    "SKG",
    "SKOS",
    "XSD",
    "sparql_prefixes",
]

SKG = "https://w3id.org/supplychain-kg/ontology#"
DEFAULT_BASE = "https://w3id.org/supplychain-kg/id/"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
XSD = "http://www.w3.org/2001/XMLSchema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCTERMS = "http://purl.org/dc/terms/"
PROV = "http://www.w3.org/ns/prov#"
ORG = "http://www.w3.org/ns/org#"
SCHEMA = "https://schema.org/"
SH = "http://www.w3.org/ns/shacl#"

PREFIXES: dict[str, str] = {
    "skg": SKG,
    "ent": DEFAULT_BASE,
    "rdf": RDF,
    "rdfs": RDFS,
    "owl": OWL,
    "xsd": XSD,
    "skos": SKOS,
    "dcterms": DCTERMS,
    "prov": PROV,
    "org": ORG,
    "schema": SCHEMA,
}


def sparql_prefixes(base: str = DEFAULT_BASE) -> str:
    """Return PREFIX declarations for every vocabulary, with ``ent:`` bound to ``base``.

    >>> "PREFIX skg:" in sparql_prefixes()
    True
    """
    names = {**PREFIXES, "ent": base}
    return "".join(f"PREFIX {name}: <{iri}>\n" for name, iri in names.items())
