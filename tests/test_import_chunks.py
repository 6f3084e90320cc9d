"""Large imports on disk: chunks committed in a background thread while the next is staged."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

import pytest

from supplychain_kg.errors import ParseError, StoreError, ValidationError
from supplychain_kg.ingest import ImportOptions
from supplychain_kg.ingest.chunks import ChunkPipeline
from supplychain_kg.service import KnowledgeGraph
from supplychain_kg.store.oxigraph import OxigraphStore

SKG = "https://w3id.org/supplychain-kg/ontology#"
DCTERMS = "http://purl.org/dc/terms/"


def _write(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), "utf-8")
    return path


def _company(ftm_id: str, name: str, **props: list[str]) -> dict[str, Any]:
    return {"id": ftm_id, "schema": "Company", "properties": {"name": [name], **props}}


def _ownership(ftm_id: str, owner: str, asset: str) -> dict[str, Any]:
    props = {"owner": [owner], "asset": [asset]}
    return {"id": ftm_id, "schema": "Ownership", "properties": props}


def _small_chunks(monkeypatch: pytest.MonkeyPatch, triples: int = 40) -> None:
    """Chunks of ``triples`` lines (the first a quarter of it), checked after every record."""
    monkeypatch.setattr("supplychain_kg.ingest.context.CHUNK_TRIPLES", triples)
    monkeypatch.setattr("supplychain_kg.ingest.ftm._BATCH", 1)


def _subjects_of(kg: KnowledgeGraph, ident: str) -> set[str]:
    query = f'SELECT ?x WHERE {{ ?x <{DCTERMS}identifier> "{ident}" ; <{SKG}slug> [] }}'
    return {str(r["x"].value) for r in kg.store.query(query).rows()}


def _content(kg: KnowledgeGraph) -> set[object]:
    return set(kg.store.quads())


def test_entity_of_a_chunk_still_being_written_resolves_to_the_same_iri_in_the_next_chunk(
    disk_kg: KnowledgeGraph, kg: KnowledgeGraph, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = _write(
        tmp_path / "overlap.ijson",
        [
            _company("a", "Alpha Ltd", wikidataId=["Q99999001"]),
            _company("b", "Beta Ltd"),
            _company("c", "Gamma Ltd"),
            # the first chunk ends here; the next records name its entities
            _company("a-again", "Alpha Limited", wikidataId=["Q99999001"]),
            _ownership("own-1", "a", "b"),
            _company("d", "Delta Ltd"),
        ],
    )
    kg.import_files("ftm", [data])  # in memory: one write, no chunks
    _small_chunks(monkeypatch)
    # Hold the first chunk's commit until the importer waits for it, i.e. until it has
    # staged everything up to the next hand-over: the store cannot answer for chunk 1 then.
    release = threading.Event()
    held: list[int] = []
    commit, wait = ChunkPipeline._commit, ChunkPipeline.wait

    def held_commit(
        self: ChunkPipeline, path: Path, staging: Any, validated: bool, lines: int
    ) -> int:
        if not held:
            held.append(1)
            assert release.wait(30), "the importer never waited for the first chunk"
        return commit(self, path, staging, validated, lines)

    def releasing_wait(self: ChunkPipeline) -> None:
        if self._in_flight is not None:
            release.set()
        wait(self)

    monkeypatch.setattr(ChunkPipeline, "_commit", held_commit)
    monkeypatch.setattr(ChunkPipeline, "wait", releasing_wait)
    report = disk_kg.import_files("ftm", [data])
    assert held == [1]
    alpha = _subjects_of(disk_kg, "wikidata:Q99999001")
    assert len(alpha) == 1
    assert _subjects_of(disk_kg, "ftm:a-again") == alpha == _subjects_of(disk_kg, "ftm:a")
    owner = f"SELECT ?s WHERE {{ ?c <{SKG}relation> <{SKG}ownerOf> ; <{SKG}subject> ?s }}"
    assert {str(r["s"].value) for r in disk_kg.store.query(owner).rows()} == alpha
    assert report.entities == 5  # a (once), b, c, d, and the publisher of the dataset
    assert _content(disk_kg) == _content(kg)


def test_failed_background_write_rolls_back_every_chunk_and_leaves_no_files(
    disk_kg: KnowledgeGraph, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = _write(
        tmp_path / "many.ijson",
        [_company(f"co-{i}", f"Company {i}") for i in range(60)],
    )
    spool = tmp_path / "spool"
    spool.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(spool))
    _small_chunks(monkeypatch)
    before = _content(disk_kg)
    writes: list[int] = []
    load = OxigraphStore._bulk_load_files

    def failing_third_write(self: OxigraphStore, files: Any) -> None:
        writes.append(1)
        if len(writes) == 3:
            raise OSError("No space left on device")
        load(self, files)

    monkeypatch.setattr(OxigraphStore, "_bulk_load_files", failing_third_write)
    with pytest.raises(StoreError, match="No space left on device"):
        disk_kg.import_files("ftm", [data])
    assert len(writes) == 3
    assert _content(disk_kg) == before
    assert list(spool.iterdir()) == []


def test_spool_files_of_a_killed_import_are_removed_by_the_next_import_and_a_live_ones_kept(
    disk_kg: KnowledgeGraph, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spool = tmp_path / "spool"
    spool.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(spool))
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    orphan = spool / f"skg-import-{int(dead.stdout)}-x1y2.nq"  # kill -9 left it
    alive = spool / f"skg-import-{os.getppid()}-a1b2.nq"  # another import, running
    unrelated = spool / "skg-import-notes.nq"
    for path in (orphan, alive, unrelated):
        path.write_text("<a> <b> <c> .\n", "utf-8")
    data = _write(tmp_path / "few.ijson", [_company("co-1", "Company One")])
    disk_kg.import_files("ftm", [data])
    assert sorted(p.name for p in spool.iterdir()) == sorted([alive.name, unrelated.name])


def test_conflict_with_an_earlier_chunk_fails_the_import_and_leaves_the_store_unchanged(
    disk_kg: KnowledgeGraph, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the same FtM id for two different ownerships: one claim with two quotes, across chunks
    records = [_company(f"co-{i}", f"Company {i}") for i in range(12)]
    records.insert(2, _ownership("own-1", "co-0", "co-1"))
    records.append(_ownership("own-1", "co-5", "co-6"))
    data = _write(tmp_path / "conflict.ijson", records)
    _small_chunks(monkeypatch)
    before = _content(disk_kg)
    with pytest.raises(ValidationError) as failed:
        disk_kg.import_files("ftm", [data])
    assert any(
        v.rule == "maxCount" and v.focus.endswith("/claim/ftm-own-1")
        for v in failed.value.violations
    )
    assert _content(disk_kg) == before


def test_chunked_import_reports_progress_from_the_background_commits(
    disk_kg: KnowledgeGraph, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = _write(tmp_path / "some.ijson", [_company(f"co-{i}", f"Co {i}") for i in range(30)])
    _small_chunks(monkeypatch)
    said: list[str] = []
    report = disk_kg.import_files("ftm", [data], progress=said.append)
    commits = [m for m in said if m.startswith("writing")]
    assert len(commits) > 2
    assert sum(int(m.split()[1].replace(",", "")) for m in commits) == report.triples
    assert report.entities == 30  # no links: no source, no publisher
    assert said[-1].startswith("validated")


def test_ftm_id_seen_again_after_its_chunk_was_written_is_the_same_entity(
    disk_kg: KnowledgeGraph, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the store holds no ftm: ids before the import: look-ups of ids the import did not write
    # are skipped, so the second "x" must be recognised as one the import wrote itself
    records = [_company("x", "Xeno Ltd")]
    records += [_company(f"co-{i}", f"Company {i}") for i in range(40)]
    records.append(_company("x", "Xeno Limited"))
    data = _write(tmp_path / "again.ijson", records)
    _small_chunks(monkeypatch)
    report = disk_kg.import_files("ftm", [data])
    assert report.entities == 41
    xeno = _subjects_of(disk_kg, "ftm:x")
    assert len(xeno) == 1
    names = f"SELECT ?n WHERE {{ <{next(iter(xeno))}> <http://www.w3.org/2004/02/skos/core#altLabel> ?n }}"
    assert {str(r["n"].value) for r in disk_kg.store.query(names).rows()} == {"Xeno Limited"}


def test_fingerprint_table_answers_as_a_dict_does_through_growth() -> None:
    import random

    from supplychain_kg.ingest.ledger import FingerprintTable

    rng = random.Random(7)
    table = FingerprintTable(8)
    expected: dict[int, int] = {}
    keys = [hash(f"ftm:co-{i}") for i in range(5000)] + [0, 1, -1, -(2**63), 2**63 - 1]
    for key in keys:
        value = rng.randrange(-(2**63), 2**63)
        table.put(key, value)
        expected[key or 1] = value
    for key in keys[::7]:  # replaced, not added
        table.put(key, 42)
        expected[key or 1] = 42
    assert len(table) == len(expected)
    assert all(table.get(key) == expected[key or 1] for key in keys)
    assert all(key in table for key in keys)
    absent = [hash(f"ftm:p-{i}") for i in range(5000)]
    assert not any(table.get(key) is not None for key in absent if key not in expected)
    with pytest.raises(ValueError, match="power of two"):
        FingerprintTable(100)
    members = FingerprintTable(8, values="")  # a set
    for key in keys:
        members.put(key, 5)
    assert len(members) == len(expected)
    assert all(members.get(key) == 0 for key in keys)
    assert not any(key in members for key in absent if key not in expected)
    small = FingerprintTable(8, values="h")
    for n, key in enumerate(keys):
        small.put(key, n % 1000)
    assert [small.get(key) for key in keys[:50]] == list(range(50))


def test_links_to_entities_of_an_earlier_import_and_of_earlier_chunks_in_a_second_import(
    disk_kg: KnowledgeGraph, kg: KnowledgeGraph, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the store holds ftm: ids (of the first file) when the second is imported: ends this
    # import wrote are known from its ledger, the others are looked up in the store
    first = _write(tmp_path / "first.ijson", [_company(f"old-{i}", f"Old {i}") for i in range(5)])
    records = [_company(f"new-{i}", f"New {i}") for i in range(30)]
    records += [_ownership(f"own-{i}", f"new-{i}", f"old-{i % 5}") for i in range(30)]
    records.append(_ownership("own-x", "new-0", "nobody"))
    second = _write(tmp_path / "second.ijson", records)
    for graph in (kg, disk_kg):
        graph.import_files("ftm", [first])
    good = _write(tmp_path / "good.ijson", records[:-1])
    kg.import_files("ftm", [good])
    _small_chunks(monkeypatch)
    before = _content(disk_kg)
    with pytest.raises(ParseError, match=r"second\.ijson:61: .*'nobody' is neither"):
        disk_kg.import_files("ftm", [second], options=ImportOptions(missing="error"))
    assert _content(disk_kg) == before
    said: list[str] = []
    disk_kg.import_files("ftm", [good], progress=said.append)
    assert sum(m.startswith("writing") for m in said) > 2
    assert _content(disk_kg) == _content(kg)
    owners = f"SELECT (COUNT(*) AS ?n) WHERE {{ ?c <{SKG}relation> <{SKG}ownerOf> }}"
    assert int(str(next(iter(disk_kg.store.query(owners).rows()))["n"].value)) == 30
