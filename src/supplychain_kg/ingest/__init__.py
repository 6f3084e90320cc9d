"""Readers that turn files into staged RDF: RDF syntaxes here; CSV, FtM and OCDS importers."""

__all__: list[str] = []
