"""No input ends an import in a traceback: arbitrary bytes and arbitrary JSON, in any import
format, are imported or refused with an error of the project's own (file, line, what was
expected); invalid UTF-8 is named as such."""

from __future__ import annotations

import contextlib
import json
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from supplychain_kg.config import Settings
from supplychain_kg.errors import ParseError, SkgError
from supplychain_kg.service import KnowledgeGraph

_GRAPH: list[KnowledgeGraph] = []
_FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

_TEXT = st.text(alphabet=st.characters(codec="utf-8"), max_size=12)
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | _TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_TEXT, inner, max_size=4),
    max_leaves=20,
)
_KEYS = ["id", "schema", "properties", "ocid", "releases", "parties", "awards", "publisher"]
_SHAPED = st.dictionaries(st.sampled_from(_KEYS), _JSON, max_size=6)


def _graph() -> KnowledgeGraph:
    if not _GRAPH:
        _GRAPH.append(KnowledgeGraph.open(Settings(memory=True)))
    return _GRAPH[0]


def _import(kind: str, data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / ("in.csv" if kind == "csv" else "in.json")
        path.write_bytes(data)
        # refused with a message of our own is what is wanted; anything else fails the test
        with contextlib.suppress(SkgError):
            _graph().import_files(kind, [path], dry_run=True)


@pytest.mark.parametrize("kind", ["ftm", "ocds", "csv"])
@_FUZZ
@given(data=st.binary(max_size=200))
def test_arbitrary_bytes_never_end_in_a_traceback(kind: str, data: bytes) -> None:
    _import(kind, data)


@pytest.mark.parametrize("kind", ["ftm", "ocds"])
@_FUZZ
@given(doc=_JSON | _SHAPED | st.lists(_SHAPED, max_size=3))
def test_arbitrary_json_never_ends_in_a_traceback(kind: str, doc: Any) -> None:
    _import(kind, json.dumps(doc).encode())


@_FUZZ
@given(
    props=st.dictionaries(
        st.sampled_from(["name", "startDate", "amount", "country", "owner", "asset", "program"]),
        st.lists(_TEXT, max_size=3),
        max_size=5,
    ),
    schema=st.sampled_from(["Company", "Ownership", "Payment", "Sanction", "Person", "Nope"]),
)
def test_arbitrary_ftm_properties_never_end_in_a_traceback(
    props: dict[str, list[str]], schema: str
) -> None:  # fmt: skip
    record = {"id": "x", "schema": schema, "properties": props}
    _import("ftm", (json.dumps(record) + "\n").encode())


@pytest.mark.parametrize("kind", ["ftm", "ocds"])
def test_invalid_utf8_is_named_with_its_line_and_byte(kind: str, tmp_path: Path) -> None:
    path = tmp_path / "in.json"
    path.write_bytes(
        b'{"id": "a", "schema": "Person", "properties": {}}\n'
        b'{"id": "b", "schema": "Person", "properties": {"name": ["Ren\xe9e"]}}\n'
    )
    with pytest.raises(ParseError) as caught:
        _graph().import_files(kind, [path], dry_run=True)
    assert caught.value.line == 2
    assert "not UTF-8" in str(caught.value) and "0xe9" in str(caught.value)
