"""Loading files: all or nothing, idempotent, and clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from supplychain_kg.errors import BadRequestError, ParseError, ValidationError
from supplychain_kg.service import KnowledgeGraph

from .conftest import FIXTURES


def _content(kg: KnowledgeGraph) -> set[object]:
    return set(kg.store.quads())


@pytest.mark.parametrize("graph", ["kg", "disk_kg"])
def test_load_valid_file_adds_its_triples(graph: str, request: pytest.FixtureRequest) -> None:
    kg: KnowledgeGraph = request.getfixturevalue(graph)
    before = len(kg.store)
    report = kg.load([FIXTURES / "extra-valid.ttl"])
    assert report.added > 0
    assert len(kg.store) == before + report.added
    assert kg.store.query(
        "ASK { <https://w3id.org/supplychain-kg/id/test-integrator> "
        "<https://w3id.org/supplychain-kg/ontology#sourcesFrom> "
        "<https://w3id.org/supplychain-kg/id/hikvision> }"
    ).boolean


@pytest.mark.parametrize("graph", ["kg", "disk_kg"])
def test_loading_the_same_file_twice_adds_nothing(
    graph: str, request: pytest.FixtureRequest
) -> None:
    kg: KnowledgeGraph = request.getfixturevalue(graph)
    kg.load([FIXTURES / "extra-valid.ttl"])
    snapshot = _content(kg)
    assert kg.load([FIXTURES / "extra-valid.ttl"]).added == 0
    assert _content(kg) == snapshot


def test_loading_blank_nodes_twice_adds_nothing(kg: KnowledgeGraph) -> None:
    first = kg.load([FIXTURES / "extra-blank-nodes.ttl"])
    assert first.added == 3
    assert kg.load([FIXTURES / "extra-blank-nodes.ttl"]).added == 0
    assert not kg.store.has_blank_nodes()


@pytest.mark.parametrize("graph", ["kg", "disk_kg"])
def test_syntax_error_names_file_line_column_and_changes_nothing(
    graph: str, request: pytest.FixtureRequest
) -> None:
    kg: KnowledgeGraph = request.getfixturevalue(graph)
    before = _content(kg)
    bad = FIXTURES / "extra-bad-syntax.ttl"
    with pytest.raises(ParseError) as info:
        kg.load([FIXTURES / "extra-valid.ttl", bad])
    assert info.value.path == str(bad)
    assert info.value.line == 6
    assert _content(kg) == before


@pytest.mark.parametrize("graph", ["kg", "disk_kg"])
def test_shape_violation_names_entity_property_and_rule_and_changes_nothing(
    graph: str, request: pytest.FixtureRequest
) -> None:
    kg: KnowledgeGraph = request.getfixturevalue(graph)
    before = _content(kg)
    with pytest.raises(ValidationError) as info:
        kg.load([FIXTURES / "extra-valid.ttl", FIXTURES / "extra-shape-violation.ttl"])
    text = str(info.value)
    assert "nameless-firm" in text
    paths = {(v.focus.rsplit("/", 1)[-1], v.path) for v in info.value.violations}
    assert ("unsourced", "skg:source") in paths
    assert ("unsourced", "skg:quote") in paths
    assert ("unsourced", "skg:attribution") in paths
    assert any(
        v.focus.endswith("nameless-firm") and "label" in (v.path or "")
        for v in info.value.violations
    )
    assert "exactly one skg:source" in text
    assert _content(kg) == before


def test_direct_triple_without_asserting_claim_is_refused(kg: KnowledgeGraph) -> None:
    with pytest.raises(ValidationError, match=r"skg:Asserted"):
        kg.load([FIXTURES / "extra-unbacked-triple.ttl"])


def test_claim_about_a_stored_entity_validates_against_the_store(kg: KnowledgeGraph) -> None:
    # extra-valid.ttl's claim points at ent:hikvision, which only the seed defines.
    report = kg.validate_files([FIXTURES / "extra-valid.ttl"])
    assert report.ok, report.violations


def test_unknown_extension_is_a_clear_error(kg: KnowledgeGraph, tmp_path: Path) -> None:
    odd = tmp_path / "data.xyz"
    odd.write_text("nothing")
    with pytest.raises(BadRequestError, match=r"\.xyz"):
        kg.load([odd])


def test_missing_file_is_a_clear_error(kg: KnowledgeGraph, tmp_path: Path) -> None:
    with pytest.raises(BadRequestError, match="no such file"):
        kg.load([tmp_path / "missing.ttl"])


@pytest.mark.parametrize(
    ("suffix", "text"),
    [
        (".nt", '<http://e/x> <http://www.w3.org/2000/01/rdf-schema#comment> "nt" .\n'),
        (
            ".nq",
            '<http://e/x> <http://www.w3.org/2000/01/rdf-schema#comment> "nq" <http://e/g> .\n',
        ),
        (
            ".trig",
            '<http://e/g> { <http://e/x> <http://www.w3.org/2000/01/rdf-schema#comment> "trig" }\n',
        ),
        (
            ".rdf",
            '<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
            'xmlns:rdfs="http://www.w3.org/2000/01/rdf-schema#"><rdf:Description rdf:about="http://e/x">'
            "<rdfs:comment>xml</rdfs:comment></rdf:Description></rdf:RDF>",
        ),
        (
            ".jsonld",
            '{"@id": "http://e/x", "http://www.w3.org/2000/01/rdf-schema#comment": "jsonld"}',
        ),
    ],
)
def test_every_common_rdf_syntax_loads(
    kg: KnowledgeGraph, tmp_path: Path, suffix: str, text: str
) -> None:
    path = tmp_path / f"data{suffix}"
    path.write_text(text)
    assert kg.load([path]).added == 1


def test_progress_reports_parse_validate_and_write(kg: KnowledgeGraph) -> None:
    messages: list[str] = []
    kg.load([FIXTURES / "extra-valid.ttl"], progress=messages.append)
    joined = "\n".join(messages)
    assert "parsed" in joined and "validated" in joined and "loaded" in joined


def test_a_file_changed_during_a_load_is_not_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The bulk loader reads the files again after they were checked and validated: one
    swapped in between (here, just before the write) must not get in unvalidated."""
    from supplychain_kg.config import Settings
    from supplychain_kg.errors import ParseError
    from supplychain_kg.store.oxigraph import OxigraphStore

    kg = KnowledgeGraph.open(Settings(store_dir=tmp_path / "store"))
    data = tmp_path / "extra.ttl"
    data.write_bytes((FIXTURES / "extra-valid.ttl").read_bytes())
    before = sorted(str(q) for q in kg.store.quads())
    absorb = OxigraphStore.absorb

    def swapped(self: OxigraphStore, staging: object, **kwargs: object) -> int:
        data.write_text("<https://w3id.org/supplychain-kg/id/x> <http://e/p> 'unchecked' .\n")
        return absorb(self, staging, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(OxigraphStore, "absorb", swapped)
    with pytest.raises(ParseError, match="changed while it was being loaded"):
        kg.load([data])
    assert sorted(str(q) for q in kg.store.quads()) == before
    kg.close()
