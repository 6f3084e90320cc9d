"""Our SPARQL-compiled SHACL engine agrees with pyshacl, the reference implementation."""

from __future__ import annotations

from pathlib import Path

import pyshacl
import pytest
import rdflib

from supplychain_kg.config import graph_dir
from supplychain_kg.namespaces import RDF, SKG
from supplychain_kg.service import KnowledgeGraph, seed_files
from supplychain_kg.store import open_store
from supplychain_kg.validate import load_validator

from .conftest import FIXTURES

SHAPES = graph_dir() / "shapes.ttl"
ONTOLOGY = graph_dir() / "ontology.ttl"
SH_RESULT = rdflib.URIRef("http://www.w3.org/ns/shacl#result")
SH_FOCUS = rdflib.URIRef("http://www.w3.org/ns/shacl#focusNode")
SH_PATH = rdflib.URIRef("http://www.w3.org/ns/shacl#resultPath")


def _pyshacl(paths: list[Path]) -> tuple[bool, set[tuple[str, str]]]:
    data = rdflib.Graph()
    for path in paths:
        data.parse(path)
    conforms, report, _ = pyshacl.validate(
        data,
        shacl_graph=rdflib.Graph().parse(SHAPES),
        ont_graph=rdflib.Graph().parse(ONTOLOGY),
        inference="none",
    )
    found = {
        (str(report.value(r, SH_FOCUS)), str(report.value(r, SH_PATH)))
        for r in report.objects(None, SH_RESULT)
    }
    return bool(conforms), found


def _ours(paths: list[Path]) -> set[tuple[str, str]]:
    staging = open_store(None)
    for path in paths:
        staging.parse_into(path, "text/turtle")
    prefixes = {"skg:": SKG, "rdf:": RDF, "rdfs:": "http://www.w3.org/2000/01/rdf-schema#"}
    out = set()
    for v in load_validator().validate(staging):
        if v.rule in {
            "claim-backed",
            "direct-triple",
            "known-relation",
            "object-kind",
            "unique-slug",
        }:
            continue  # model rules beyond SHACL Core: pyshacl has no equivalent
        path = v.path or ""
        for short, iri in prefixes.items():
            if path.startswith(short):
                path = iri + path[len(short) :]
        out.add((v.focus, path.strip("<>")))
    return out


def test_seed_graph_conforms_for_both_engines() -> None:
    conforms, found = _pyshacl(seed_files())
    assert conforms, found
    assert _ours(seed_files()) == set()


def test_both_engines_find_the_same_violations() -> None:
    files = [*seed_files(), FIXTURES / "extra-shape-violation.ttl"]
    conforms, theirs = _pyshacl(files)
    assert not conforms
    ours = _ours(files)
    assert ours == theirs
    assert any(focus.endswith("/unsourced") for focus, _ in ours)


def test_unsupported_shacl_feature_is_refused(tmp_path: Path) -> None:
    from supplychain_kg.errors import ConfigError
    from supplychain_kg.validate import Validator, load_ontology
    from supplychain_kg.validate.shapes import read_shapes

    shapes = tmp_path / "shapes.ttl"
    shapes.write_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
        "<urn:s> a sh:NodeShape ; sh:targetClass <urn:C> ;\n"
        "  sh:property [ sh:path <urn:p> ; sh:qualifiedMinCount 1 ] .\n"
    )
    with pytest.raises(ConfigError, match="qualifiedMinCount"):
        Validator(read_shapes(shapes), load_ontology())


def test_duplicate_slug_against_the_store_is_a_violation(
    kg: KnowledgeGraph, tmp_path: Path
) -> None:
    clash = tmp_path / "clash.ttl"
    clash.write_text(
        "@prefix skg: <https://w3id.org/supplychain-kg/ontology#> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        '<urn:other-hikvision> a skg:Company ; rdfs:label "Other" ; skg:slug "hikvision" .\n'
    )
    report = kg.validate_files([clash])
    assert [v.rule for v in report.violations] == ["unique-slug"]
    assert "hikvision" in str(report.violations[0])


def test_second_id_for_an_entity_typed_only_in_the_store_is_a_violation(
    kg: KnowledgeGraph, tmp_path: Path
) -> None:
    # the staged data does not say Dahua is an entity; the store does, so its one-id rule holds
    again = tmp_path / "again.ttl"
    again.write_text(
        "@prefix skg: <https://w3id.org/supplychain-kg/ontology#> .\n"
        '<https://w3id.org/supplychain-kg/id/dahua> skg:slug "dahua-again" .\n'
    )
    report = kg.validate_files([again])
    assert [(v.rule, v.path) for v in report.violations] == [("maxCount", "skg:slug")]
    assert report.violations[0].focus == "https://w3id.org/supplychain-kg/id/dahua"


def test_literal_object_on_an_entity_relation_is_a_violation(
    kg: KnowledgeGraph, tmp_path: Path
) -> None:
    text = (FIXTURES / "extra-valid.ttl").read_text()
    text = text.replace("skg:object ent:hikvision", 'skg:object "Hikvision"')
    text = text.replace("ent:test-integrator skg:sourcesFrom ent:hikvision .", "")
    bad = tmp_path / "literal.ttl"
    bad.write_text(text)
    rules = {v.rule for v in kg.validate_files([bad]).violations}
    assert "object-kind" in rules
