"""IRIs of the vocabularies the graph uses.

Plain strings, so that every layer (pyoxigraph, rdflib, SPARQL text) can use them.
"""

from __future__ import annotations

import re

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
    "predeclared_length",
    "sparql_prefixes",
    "user_position",
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
    """Return PREFIX declarations for every vocabulary, with ``ent:`` bound to ``base``: the
    prefixes predeclared for every user's query (``skg query``, ``/sparql``, ``/update``,
    ``/export?construct=``).

    All on one line (and a line break): put before a user's text, they move it down by one
    line exactly, which :func:`user_position` takes back out of an error's position.

    >>> sparql_prefixes().count(chr(10))
    1
    """
    names = {**PREFIXES, "ent": base}
    return " ".join(f"PREFIX {name}: <{iri}>" for name, iri in names.items()) + "\n"


_PREDECLARED = re.compile(
    re.escape(sparql_prefixes("\x00")).replace(re.escape("\x00"), "[^<>\\s]*")
)


def predeclared_length(text: str) -> int:
    """The length of the :func:`sparql_prefixes` line (whatever its base) at the start of
    ``text``, 0 if there is none: the query guard holds only the user's text to its bounds.

    >>> line = sparql_prefixes("http://example.org/")
    >>> predeclared_length(line + "ASK {}") == len(line)
    True
    >>> predeclared_length("PREFIX skg: <x> ASK {}")
    0
    """
    found = _PREDECLARED.match(text) if text.startswith("PREFIX skg: ") else None
    return found.end() if found else 0


_POSITION = re.compile(r"\b(at |at line |line )(\d+)(?=[:,])")


def user_position(message: str) -> str:
    """An error ``message`` about a text that had :func:`sparql_prefixes` put before it, with
    the line of each position (``at 3:9``, ``line 3, column 9``) moved back to the user's.

    >>> user_position("SPARQL syntax error: error at 3:9: expected ...")
    'SPARQL syntax error: error at 2:9: expected ...'
    >>> user_position("brackets are nested more than 8 deep (at line 2, column 5)")
    'brackets are nested more than 8 deep (at line 1, column 5)'
    """

    def back(match: re.Match[str]) -> str:
        return f"{match.group(1)}{max(1, int(match.group(2)) - 1)}"

    return _POSITION.sub(back, message)
