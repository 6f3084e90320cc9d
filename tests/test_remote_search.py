"""Search on a remote engine: Virtuoso's own full-text index where it is switched on, the local
name index where it is not (Virtuoso without it, ``oxigraph serve``); the same seed answers on
all three as on the embedded store, misspellings found through the local index, hostile search
text quoted so it cannot change the query, and no credential in the probe's traces."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator

import httpx
import pytest

from supplychain_kg.config import Settings
from supplychain_kg.errors import UnknownEntityError
from supplychain_kg.namespaces import RDFS, SKG, SKOS
from supplychain_kg.service import KnowledgeGraph
from supplychain_kg.store.sparql.text import text_expression
from tests.conftest import remote_settings
from tests.engines import Engine

ENGINES = {
    "virtuoso-text": "virtuoso_engine",
    "virtuoso-plain": "virtuoso_plain_engine",
    "oxigraph-server": "oxigraph_engine",
}
NAMES = (f"{SKG}slug", f"{RDFS}label", f"{SKOS}altLabel")


def _open(engine: Engine) -> KnowledgeGraph:
    return KnowledgeGraph.open(remote_settings(engine, SKG_STORE_PAGE_SIZE="200"))


@pytest.fixture(scope="module", params=list(ENGINES))
def remote(request: pytest.FixtureRequest) -> Iterator[tuple[str, Engine]]:
    """An engine holding the seed (its text index, if any, brought up to date)."""
    engine: Engine = request.getfixturevalue(ENGINES[request.param])
    kg = _open(engine)
    kg.close()
    if request.param == "virtuoso-text":
        engine.index_text()
    yield request.param, engine


@pytest.fixture
def fresh(remote: tuple[str, Engine]) -> Iterator[KnowledgeGraph]:
    """A new service on the seeded engine: no name index built yet."""
    kg = KnowledgeGraph.open(Settings.from_env({**remote[1].env(), "SKG_STORE_PAGE_SIZE": "200"}))
    yield kg
    kg.close()


@pytest.fixture(scope="module")
def local() -> Iterator[KnowledgeGraph]:
    kg = KnowledgeGraph.open(Settings(memory=True))
    yield kg
    kg.close()


def test_only_virtuoso_with_its_index_offers_one(
    remote: tuple[str, Engine], fresh: KnowledgeGraph
) -> None:
    found = fresh.store.text_match(["hikvision"], NAMES, limit=10)
    if remote[0] == "virtuoso-text":
        assert found is not None
        assert f"{SKG.removesuffix('ontology#')}id/hikvision" in found or any(
            iri.endswith("/hikvision") for iri in found
        )
    else:
        assert found is None


@pytest.mark.parametrize(
    "text",
    [
        "hikvision",  # an id and a name
        "Hikvision",
        "Hangzhou Hikvision Digital Technology",  # an alias, prefix of a longer one
        "Naypyidaw",  # an alias
        "Nay Pyi Taw Development",  # an alias with short words
        "naypyi",  # a prefix
        "Myanmar",
        "Zhejiang Dahua",
        "Naung Yoe",
        "fisca",
        "hik vision",  # other word breaks: the local index
        "hikvison",  # a misspelling: the local index
        "zte",  # too short for the engine
    ],
)
def test_search_answers_as_the_embedded_store(
    remote: tuple[str, Engine], fresh: KnowledgeGraph, local: KnowledgeGraph, text: str
) -> None:
    assert [m.to_json() for m in fresh.search(text)] == [m.to_json() for m in local.search(text)]
    assert [m.to_json() for m in fresh.search(text, type_="Manufacturer")] == [
        m.to_json() for m in local.search(text, type_="Manufacturer")
    ]


@pytest.mark.parametrize("text", ["hikvision", "Hangzhou Hikvision", "Naypyidaw", "Zhejiang Dahua"])
def test_the_engine_index_answers_names_without_the_local_index(
    remote: tuple[str, Engine], fresh: KnowledgeGraph, local: KnowledgeGraph, text: str
) -> None:
    hits = fresh.search(text)
    assert hits and hits[0].score >= 0.9
    assert fresh.show(text) == local.show(text)
    assert fresh.resolve(hits[0].id) == hits[0].iri
    # only where the engine has its index is the whole local name index left unbuilt
    assert (fresh._index is None) == (remote[0] == "virtuoso-text")


def test_a_misspelling_is_found_through_the_local_index(fresh: KnowledgeGraph) -> None:
    assert fresh.search("hikvison")[0].id == "hikvision"
    with pytest.raises(UnknownEntityError) as unknown:  # a name too far off: a clear hint
        fresh.resolve("Naypyitaw Councel")
    assert "did you mean naypyitaw-council?" in str(unknown.value)
    assert fresh._index is not None


HOSTILE = [
    "'",
    '"',
    "\\",
    '" } } ; DROP ALL ; #',
    "hikvision' AND \"x",
    'hikvision" OR "dahua',
    "hikvision AND NEAR dahua",
    "hikv* OR *",
    "NOT hikvision",
    '\\"hikvision\\"',
    "hikvision ~ 'x' ^^ <y>",
    "hikvision\n\t\u0000",
    ('Hikvision\' "AND" NEAR \\ * ' * 200)[:5000],
]


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_search_text_cannot_break_the_query(
    remote: tuple[str, Engine], fresh: KnowledgeGraph, local: KnowledgeGraph, text: str
) -> None:
    before = len(fresh.store)
    hits = [m.to_json() for m in fresh.search(text)]
    json.dumps(hits)
    assert hits == [m.to_json() for m in local.search(text)]
    words = re.findall(r"[^\W_]+", text.casefold())
    found = fresh.store.text_match([*words, text], NAMES, limit=20)
    assert found is None or isinstance(found, list)
    assert len(fresh.store) == before


def test_the_text_expression_is_quoted_words_only() -> None:
    hostile = ['x" OR "y', "AND", "NEAR", "hikv*", "\\", "'dahua'", "zürich", "abc", "huawei"]
    assert text_expression(hostile) == '"near*" AND "huawei*"'
    assert text_expression(["and", "*", "ab"]) is None
    many = [f"word{i:02d}" for i in range(30)]
    expression = text_expression(many)
    assert expression is not None
    assert re.fullmatch(r'"[a-z0-9]{4,}\*"( AND "[a-z0-9]{4,}\*")*', expression)
    assert expression.count("AND") == 7


def test_the_probe_shows_no_credential(
    oxigraph_engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "pr0be-S3cret"
    env = {**oxigraph_engine.env(), "SKG_STORE_USER": "alice", "SKG_STORE_PASSWORD": secret}
    remote_settings(oxigraph_engine)
    with caplog.at_level(logging.DEBUG):
        kg = KnowledgeGraph.open(Settings.from_env(env))
        try:
            assert kg.store.text_match(["hikvision"], NAMES, limit=5) is None
            assert kg.search("hikvision")[0].id == "hikvision"
        finally:
            kg.close()
    assert "bif:contains" in caplog.text  # the probe ran, and said why the answer is no
    assert secret not in caplog.text
    assert secret not in repr(kg.store)


def test_names_outside_the_stores_graph_are_not_candidates(virtuoso_engine: Engine) -> None:
    engine = virtuoso_engine
    ghost = "https://w3id.org/supplychain-kg/id/ghost-vendor"
    update = (
        f"INSERT DATA {{ GRAPH <urn:x-test:elsewhere> {{ <{ghost}> <{RDFS}label> "
        f'"Hikvision Ghostvendor" ; <{SKG}slug> "ghost-vendor" ; a <{SKG}Manufacturer> }} }}'
    )
    httpx.post(engine.update, data={"update": update}, timeout=60).raise_for_status()
    kg = KnowledgeGraph.open(Settings.from_env(engine.env()))  # seeds it if it was wiped
    try:
        engine.index_text()
        assert kg.store.text_match(["ghostvendor"], NAMES, limit=10) == []
        found = kg.store.text_match(["hikvision"], NAMES, limit=10)
        assert found and ghost not in found
        assert all(m.id != "ghost-vendor" for m in kg.search("Hikvision Ghostvendor"))
    finally:
        kg.close()
