"""The SPARQL endpoint: its use cases, and everything between a query's text and its answer.

- ``endpoint``: the use cases (query with limits, update with a token, the Graph Store);
- ``guard``: what a text may ask of the server (size, depth, length, no fetch), decided on a
  real parse; ``isolation``: the kernel wall that keeps a process off the network;
- ``lexer``: a linear SPARQL lexer for the few questions asked of a request;
- ``runner``, ``execute``, ``wire``: where a query runs (worker processes, a time limit that
  really stops it, a memory allowance, a row cap) and how its answer comes back;
  ``process_runner``, ``pool``, ``worker``, ``gate``: the worker processes and the gate
  between the server's own lookups and writes;
- ``results``: writing answers in the SPARQL results formats;
- ``accel``: the graph index, which answers a subset of SELECT queries from the path
  projection.
"""

from supplychain_kg.sparql.endpoint import (
    INDEX,
    RDF_MEDIA_TYPES,
    RESULTS_MEDIA_TYPES,
    GraphUseCases,
    QueryRequest,
    SparqlService,
    UpdateRequest,
    make_runner,
)
from supplychain_kg.sparql.guard import Checked, GuardLimits, check
from supplychain_kg.sparql.isolation import isolate_network, network_isolation
from supplychain_kg.sparql.lexer import data_blocks, query_form
from supplychain_kg.sparql.results import JSON, XML

__all__ = [
    "INDEX",
    "JSON",
    "RDF_MEDIA_TYPES",
    "RESULTS_MEDIA_TYPES",
    "XML",
    "Checked",
    "GraphUseCases",
    "GuardLimits",
    "QueryRequest",
    "SparqlService",
    "UpdateRequest",
    "check",
    "data_blocks",
    "isolate_network",
    "make_runner",
    "network_isolation",
    "query_form",
]
