"""Readers that turn files into staged RDF: RDF syntaxes (``rdf``); CSV sheets, FollowTheMoney
entities and OCDS releases (``importer`` and one module per format, written through an
``ImportContext``: ``context``, ``identity``, ``text``) with each resource checked as it is
staged (``checks``, the record checker); the checks every input passes before a parser sees
it (``guards``)."""

from supplychain_kg.ingest.guards import check_rdf_input
from supplychain_kg.ingest.importer import ImportOptions, stage_import
from supplychain_kg.ingest.rdf import Progress, check_line_files, expand_paths, stage_files
from supplychain_kg.ingest.report import ImportReport

__all__ = [
    "ImportOptions",
    "ImportReport",
    "Progress",
    "check_line_files",
    "check_rdf_input",
    "expand_paths",
    "stage_files",
    "stage_import",
]
