"""`skg load` of N-Triples and N-Quads on disk: the bulk write runs while the files are parsed
and validated (against the store as it was before the write), and is undone if either fails."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import rdflib

from supplychain_kg.config import Settings
from supplychain_kg.errors import ParseError, ValidationError
from supplychain_kg.ingest.guards import check_rdf_input
from supplychain_kg.service import KnowledgeGraph
from supplychain_kg.store.layout import CHECKPOINT, MARKER
from supplychain_kg.store.oxigraph import OxigraphStore

from .conftest import FIXTURES

WHILE = "while they are parsed and validated"
ENT = "https://w3id.org/supplychain-kg/id/"
SKG = "https://w3id.org/supplychain-kg/ontology#"


@pytest.fixture
def disk(tmp_path: Path) -> Iterator[KnowledgeGraph]:
    graph = KnowledgeGraph.open(Settings(store_dir=tmp_path / "store"))
    yield graph
    graph.close()


def _nt(tmp_path: Path, *fixtures: str) -> Path:
    """The fixtures as one N-Triples file."""
    graph = rdflib.Graph()
    for name in fixtures:
        graph.parse(FIXTURES / name, format="turtle")
    out = tmp_path / "data.nt"
    graph.serialize(out, format="nt", encoding="utf-8")
    return out


def _content(kg: KnowledgeGraph) -> set[object]:
    return set(kg.store.quads())


def _left_behind(kg: KnowledgeGraph) -> list[str]:
    path = kg.store.worker_path
    assert path is not None
    return [name for name in (CHECKPOINT, MARKER) if (path / name).exists()]


def test_a_valid_file_is_written_while_it_is_validated(
    disk: KnowledgeGraph, tmp_path: Path
) -> None:
    data = _nt(tmp_path, "extra-valid.ttl")
    before = _content(disk)
    staged = set(_staged_quads(disk, data))
    messages: list[str] = []
    report = disk.load([data], progress=messages.append)
    assert any(WHILE in m for m in messages), messages
    assert any(m.startswith("validated ") for m in messages), messages
    assert _content(disk) == before | staged
    assert (report.parsed, report.added) == (len(staged), len(staged - before))
    assert report.total == len(before | staged)
    assert _left_behind(disk) == []
    assert disk.load([data]).added == 0  # the same file again adds nothing


def _staged_quads(kg: KnowledgeGraph, data: Path) -> list[object]:
    staging = kg.store.staging()
    staging.parse_into(data, "application/n-triples")
    return list(staging.quads())


def test_a_syntax_error_undoes_the_write_and_names_file_and_line(
    disk: KnowledgeGraph, tmp_path: Path
) -> None:
    good = _nt(tmp_path, "extra-valid.ttl")
    bad = tmp_path / "bad.nt"
    bad.write_text(good.read_text("utf-8") + '<http://e/x> <http://e/p> "open .\n')
    before = _content(disk)
    messages: list[str] = []
    with pytest.raises(ParseError) as info:
        disk.load([bad], progress=messages.append)
    assert any(WHILE in m for m in messages), messages  # the write had begun
    assert info.value.path == str(bad)
    assert info.value.line == len(good.read_text("utf-8").splitlines()) + 1
    assert _content(disk) == before
    assert _left_behind(disk) == []


def test_a_shape_violation_undoes_the_write(disk: KnowledgeGraph, tmp_path: Path) -> None:
    data = _nt(tmp_path, "extra-valid.ttl", "extra-shape-violation.ttl")
    before = _content(disk)
    with pytest.raises(ValidationError) as info:
        disk.load([data])
    assert any(v.focus.endswith("nameless-firm") for v in info.value.violations)
    assert ("unsourced", "skg:source") in {
        (v.focus.rsplit("/", 1)[-1], v.path) for v in info.value.violations
    }
    assert _content(disk) == before
    assert _left_behind(disk) == []
    assert disk.load([_nt(tmp_path, "extra-valid.ttl")]).added > 0  # the store still writes


def test_an_id_the_store_already_uses_is_refused(disk: KnowledgeGraph, tmp_path: Path) -> None:
    """Validated against the store as it was before the write: the stored owner of an id
    is seen, and the file's own triples (already partly written) are not taken for the
    store's."""
    data = tmp_path / "taken.nt"
    data.write_text(
        f"<{ENT}impostor> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{SKG}Company> .\n"
        f'<{ENT}impostor> <http://www.w3.org/2000/01/rdf-schema#label> "Impostor" .\n'
        f'<{ENT}impostor> <{SKG}slug> "hikvision" .\n'
    )
    before = _content(disk)
    with pytest.raises(ValidationError) as info:
        disk.load([data])
    assert [v.rule for v in info.value.violations] == ["unique-slug"]
    assert f"<{ENT}hikvision>" in str(info.value.violations[0].value)
    assert _content(disk) == before


def test_blank_nodes_take_the_usual_way_and_are_named(disk: KnowledgeGraph, tmp_path: Path) -> None:
    data = tmp_path / "blank.nt"
    data.write_text(
        f"<{ENT}hikvision> <http://www.w3.org/2000/01/rdf-schema#seeAlso> _:b1 .\n"
        '_:b1 <http://www.w3.org/2000/01/rdf-schema#comment> "a note" .\n'
    )
    messages: list[str] = []
    assert disk.load([data], progress=messages.append).added == 2
    assert not any(WHILE in m for m in messages)
    assert any("named the blank nodes" in m for m in messages)
    assert not disk.store.has_blank_nodes()


def test_turtle_takes_the_usual_way(disk: KnowledgeGraph) -> None:
    messages: list[str] = []
    assert disk.load([FIXTURES / "extra-valid.ttl"], progress=messages.append).added > 0
    assert not any(WHILE in m for m in messages)


def test_a_file_changed_during_the_write_is_not_kept(
    disk: KnowledgeGraph, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = _nt(tmp_path, "extra-valid.ttl")
    before = _content(disk)
    load_checked = OxigraphStore.load_checked

    def swapped(self: OxigraphStore, files: object, check: object) -> int:
        added = load_checked(self, files, check)  # type: ignore[arg-type]
        data.write_text(f'<{ENT}x> <http://e/p> "unchecked" .\n')
        return added

    monkeypatch.setattr(OxigraphStore, "load_checked", swapped)
    with pytest.raises(ParseError, match="changed while it was being loaded"):
        disk.load([data])
    assert _content(disk) == before
    assert _left_behind(disk) == []


def test_the_input_check_says_which_files_may_hold_blank_nodes() -> None:
    line = b'<http://e/x> <http://e/p> "a" .\n'
    assert check_rdf_input(line, "application/n-triples", name="x.nt") is False
    assert check_rdf_input(line, "application/n-quads", name="x.nq") is False
    blank = b"<http://e/x> <http://e/p> _:b .\n"
    assert check_rdf_input(line + blank, "application/n-triples", name="x.nt") is True
    in_literal = b'<http://e/x> <http://e/p> "_:b" .\n'  # no blank node, but not told apart
    assert check_rdf_input(in_literal, "application/n-triples", name="x.nt") is True
    assert check_rdf_input(line, "text/turtle", name="x.ttl") is True  # [ ] and ( ) too
    assert check_rdf_input(b'{"@id": "http://e/x"}', "application/ld+json", name="x") is True


@pytest.mark.parametrize("new", [1000, 10000])
def test_new_triples_are_counted_whatever_the_sizes(
    disk: KnowledgeGraph, tmp_path: Path, new: int
) -> None:
    """The store's own triples again plus ``new`` ones: counted from the staged quads when
    one side is much smaller than the other (10,000), else by counting the store (1,000)."""
    data = tmp_path / "again.nt"
    with open(data, "wb") as out:
        disk.store.dump(out, "application/n-triples")
        for i in range(new):
            out.write(f'<{ENT}hikvision> <http://e/note> "note {i}" .\n'.encode())
    before = len(disk.store)
    messages: list[str] = []
    report = disk.load([data], progress=messages.append)
    assert any(WHILE in m for m in messages), messages
    assert (report.added, report.total, report.parsed) == (new, before + new, before + new)
    assert len(set(disk.store.quads())) == before + new
