"""`skg path` and `skg neighbors` print the evidence; `--format json` gives the API shape."""

from __future__ import annotations

import json

import pytest

from supplychain_kg.cli import main


def test_skg_path_prints_hops_quotes_and_the_denial(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--memory", "-q", "path", "hikvision", "Naypyitaw Council", "--k", "1"])
    out = capsys.readouterr().out
    assert code == 0
    assert "path 1 (3 hops)" in out
    assert "<- sources from <- Naung Yoe" in out
    assert "-> issued by -> Naypyitaw Council [naypyitaw-council]" in out
    assert "never sold directly to Myanmar government authorities" in out
    assert "denied: hikvision sellsDirectlyTo myanmar-government-authorities" in out


def test_skg_path_json_matches_the_http_shape(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--memory", "-q", "path", "hikvision", "naypyitaw-council", "--format", "json"])
    answer = json.loads(capsys.readouterr().out)
    assert code == 0
    assert answer["paths"][0]["edges"][0]["claims"][0]["source"]["publisher"] == "Reuters"


def test_skg_path_without_a_path_exits_0_with_the_reason(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """No path is an answer, not an error (docs/cli.md: exit codes)."""
    code = main(["--memory", "-q", "path", "hikvision", "myanmar-government-authorities"])
    assert code == 0
    assert "include_disputed" in capsys.readouterr().out


def test_skg_neighbors_lists_links_and_the_cap(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--memory", "-q", "neighbors", "myanmar", "--limit", "2"])
    out = capsys.readouterr().out
    assert code == 0
    assert "Myanmar [myanmar]: 2 neighbour(s)" in out
    assert "neighbours shown)" in out
