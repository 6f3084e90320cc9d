"""The SPARQL 1.1 Service Description of the endpoint (what ``GET /sparql`` gives an RDF
client that sends no query): its endpoints, languages, result formats and default dataset."""

from __future__ import annotations

import io

from supplychain_kg.config import Settings
from supplychain_kg.store import Store

__all__ = ["service_description"]

_SD = "http://www.w3.org/ns/sparql-service-description#"
_FORMATS = "http://www.w3.org/ns/formats/"
_FORMAT_NAMES = {
    "application/sparql-results+json": "SPARQL_Results_JSON",
    "application/sparql-results+xml": "SPARQL_Results_XML",
    "text/csv": "SPARQL_Results_CSV",
    "text/tab-separated-values": "SPARQL_Results_TSV",
    "text/turtle": "Turtle",
    "application/n-triples": "N-Triples",
    "application/n-quads": "N-Quads",
    "application/trig": "TriG",
    "application/rdf+xml": "RDF_XML",
    "application/ld+json": "JSON-LD",
}


def service_description(
    store: Store, settings: Settings, endpoint: str, update_endpoint: str, rdf_type: str
) -> bytes:
    """The description of the endpoint at ``endpoint`` (IRIs already checked) as ``rdf_type``."""
    formats = ", ".join(f"<{_FORMATS}{name}>" for name in _FORMAT_NAMES.values())
    features = "  sd:feature sd:BasicFederatedQuery ;\n" if settings.service_allowlist else ""
    languages = f"sd:SPARQL11Query{', sd:SPARQL11Update' if settings.write_token else ''}"
    turtle = f"""@prefix sd: <{_SD}> .
@prefix void: <http://rdfs.org/ns/void#> .
<{endpoint}#service> a sd:Service ;
  sd:endpoint <{endpoint}> ;
  sd:supportedLanguage {languages} ;
  sd:resultFormat {formats} ;
{features}  sd:defaultDataset [ a sd:Dataset ;
    sd:defaultGraph [ a sd:Graph ; void:triples {len(store)} ] ] .
<{update_endpoint}> a sd:Service ; sd:endpoint <{update_endpoint}> ;
  sd:supportedLanguage sd:SPARQL11Update .
"""
    staging = store.staging()
    staging.parse_into(turtle.encode(), "text/turtle")
    out = io.BytesIO()
    staging.dump(out, rdf_type)
    return out.getvalue()
