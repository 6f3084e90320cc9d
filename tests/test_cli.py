"""The `skg` command end to end (in-process), on a fresh on-disk store per test."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from supplychain_kg.cli import main

from .conftest import FIXTURES, ROOT


@pytest.fixture
def store(tmp_path: Path) -> str:
    return str(tmp_path / "store")


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["-q", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def _dump(store: str, capsys: pytest.CaptureFixture[str]) -> set[str]:
    code, out, _ = _run(
        capsys, "--store", store, "query", "CONSTRUCT WHERE { ?s ?p ?o }", "--format", "ntriples"
    )
    assert code == 0
    return set(out.splitlines())


def test_first_use_seeds_the_store_and_stats_counts_it(
    store: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _run(capsys, "--store", store, "stats", "--format", "json")
    assert code == 0
    stats = json.loads(out)
    assert stats["entities_by_type"]["Contractor"] >= 2
    assert stats["claims_by_stance"]["denied"] >= 2
    assert any(s["id"].startswith("reuters") for s in stats["sources"])


def test_load_reports_counts_and_a_second_load_adds_nothing(
    store: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _run(capsys, "--store", store, "load", str(FIXTURES / "extra-valid.ttl"))
    assert code == 0 and "new" in out
    first = _dump(store, capsys)
    code, out, _ = _run(capsys, "--store", store, "load", str(FIXTURES / "extra-valid.ttl"))
    assert code == 0 and " 0 new" in out
    assert _dump(store, capsys) == first


@pytest.mark.parametrize(
    ("fixture", "expected"),
    [
        ("extra-bad-syntax.ttl", "extra-bad-syntax.ttl:6:"),
        ("extra-shape-violation.ttl", "skg:source"),
    ],
)
def test_bad_load_exits_non_zero_names_the_problem_and_changes_nothing(
    store: str, capsys: pytest.CaptureFixture[str], fixture: str, expected: str
) -> None:
    before = _dump(store, capsys)
    code, _, err = _run(
        capsys, "--store", store, "load", str(FIXTURES / "extra-valid.ttl"), str(FIXTURES / fixture)
    )
    assert code == 1
    assert expected in err
    assert _dump(store, capsys) == before


def test_validate_reports_without_writing(store: str, capsys: pytest.CaptureFixture[str]) -> None:
    before = _dump(store, capsys)
    code, out, _ = _run(capsys, "--store", store, "validate", str(FIXTURES / "extra-valid.ttl"))
    assert code == 0 and "no violations" in out
    code, _, err = _run(
        capsys, "--store", store, "validate", str(FIXTURES / "extra-shape-violation.ttl")
    )
    assert code == 1 and "exactly one skg:quote" in err
    assert _dump(store, capsys) == before


def test_query_file_in_every_format(store: str, capsys: pytest.CaptureFixture[str]) -> None:
    query = str(ROOT / "graph" / "queries" / "won-tenders.rq")
    code, table, _ = _run(capsys, "--store", store, "query", query)
    assert code == 0 and "Fisca" in table and "rows)" in table
    code, out, _ = _run(capsys, "--store", store, "query", query, "--format", "json")
    assert code == 0 and json.loads(out)["results"]["bindings"]
    code, out, _ = _run(capsys, "--store", store, "query", query, "--format", "csv")
    assert code == 0 and out.count("\n") >= 2
    code, out, _ = _run(capsys, "--store", store, "query", query, "--format", "tsv")
    assert code == 0 and "\t" in out


def test_construct_query_as_turtle(store: str, capsys: pytest.CaptureFixture[str]) -> None:
    q = "CONSTRUCT { ?s skg:sourcesFrom ?o } WHERE { ?s skg:sourcesFrom ?o }"
    code, out, _ = _run(capsys, "--store", store, "query", q, "--format", "turtle")
    assert code == 0 and "sourcesFrom" in out


def test_query_syntax_error_names_the_position(
    store: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _run(capsys, "--store", store, "query", "SELECT * WHERE { ?s ?p }")
    assert code == 1 and "syntax error" in err


def test_wrong_format_for_query_kind_is_explained(
    store: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _run(capsys, "--store", store, "query", "ASK { ?s ?p ?o }", "--format", "turtle")
    assert code == 1 and "does not fit" in err


def test_search_finds_aliases(store: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "--store", store, "search", "hik vision", "--format", "json")
    assert code == 0
    assert json.loads(out)[0]["id"] == "hikvision"


def test_show_lists_claims_with_source_quote_and_denials(
    store: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _run(capsys, "--store", store, "show", "Hikvision")
    assert code == 0
    assert "DENIED" in out
    assert "never sold directly to Myanmar government authorities" in out
    assert "The firms source the cameras" in out
    assert "szse:002415" in out


def test_show_unknown_entity_suggests(store: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, "--store", store, "show", "Hikvisoin Digital")
    assert code == 1 and "hikvision" in err.lower()


def test_memory_store_leaves_nothing_on_disk(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SKG_STORE", str(tmp_path / "never"))
    code, _, _ = _run(capsys, "--memory", "stats")
    assert code == 0
    assert not (tmp_path / "never").exists()
