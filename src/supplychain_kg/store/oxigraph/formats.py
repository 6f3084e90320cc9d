"""The RDF and SPARQL results formats Oxigraph reads and writes, looked up by media type."""

from __future__ import annotations

import pyoxigraph as ox

from supplychain_kg.errors import BadRequestError

__all__ = [
    "RDF_FORMATS",
    "RESULT_FORMATS",
    "rdf_format",
    "rdf_media_types",
    "results_format",
    "results_media_types",
]

RDF_FORMATS = (
    ox.RdfFormat.TURTLE,
    ox.RdfFormat.N_TRIPLES,
    ox.RdfFormat.N_QUADS,
    ox.RdfFormat.TRIG,
    ox.RdfFormat.RDF_XML,
    ox.RdfFormat.JSON_LD,
    ox.RdfFormat.N3,
)
RESULT_FORMATS = (
    ox.QueryResultsFormat.JSON,
    ox.QueryResultsFormat.XML,
    ox.QueryResultsFormat.CSV,
    ox.QueryResultsFormat.TSV,
)


def rdf_media_types() -> dict[str, str]:
    """Map each RDF media type Oxigraph reads and writes to its usual file extension."""
    return {f.media_type: f.file_extension for f in RDF_FORMATS}


def results_media_types() -> dict[str, str]:
    """Map each SPARQL results media type to its usual file extension."""
    return {f.media_type: f.file_extension for f in RESULT_FORMATS}


def rdf_format(media_type: str) -> ox.RdfFormat:
    """The engine's RDF format for ``media_type``; BadRequestError if it has none."""
    fmt = ox.RdfFormat.from_media_type(media_type)
    if fmt is None:
        offered = ", ".join(f.media_type for f in RDF_FORMATS)
        raise BadRequestError(
            f"unsupported RDF media type {media_type!r}; expected one of {offered}"
        )
    return fmt


def results_format(media_type: str) -> ox.QueryResultsFormat:
    """The engine's SPARQL results format for ``media_type``; BadRequestError if it has none."""
    fmt = ox.QueryResultsFormat.from_media_type(media_type)
    if fmt is None:
        offered = ", ".join(f.media_type for f in RESULT_FORMATS)
        raise BadRequestError(
            f"unsupported SPARQL results media type {media_type!r}; expected one of {offered}"
        )
    return fmt
