"""Every write through HTTP meets the shapes and the model's rules, as ``skg load`` does: a
SPARQL update or a Graph Store write that would break them is refused with 422 and the
violations, and the store is left exactly as it was; so the store can always be loaded back
from its own dump."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from supplychain_kg.config import Settings
from supplychain_kg.service import KnowledgeGraph
from tests.live import serve

TOKEN = "write-token"
ENT = "https://w3id.org/supplychain-kg/id/"
SKG = "https://w3id.org/supplychain-kg/ontology#"
PREFIXES = (
    f"PREFIX ent: <{ENT}>\nPREFIX skg: <{SKG}>\n"
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
    "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
)
AUTH = {"authorization": f"Bearer {TOKEN}"}


def _checksum(kg: KnowledgeGraph) -> str:
    out = io.BytesIO()
    kg.store.dump(out, "application/n-quads")
    return hashlib.sha256(b"\n".join(sorted(out.getvalue().splitlines()))).hexdigest()


@pytest.fixture(params=["memory", "disk"])
def served(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, KnowledgeGraph]]:
    settings = (
        Settings(memory=True, write_token=TOKEN)
        if request.param == "memory"
        else Settings(store_dir=tmp_path / "store", write_token=TOKEN)
    )
    kg = KnowledgeGraph.open(settings)
    with serve(settings, kg) as url:
        yield url, kg
    kg.close()


def _update(url: str, text: str) -> httpx.Response:
    return httpx.post(
        f"{url}/update",
        content=(PREFIXES + text).encode(),
        headers={"content-type": "application/sparql-update", **AUTH},
        timeout=60,
    )


BREAKING_UPDATES = {
    "a direct triple with no asserting claim": "INSERT DATA { ent:huawei skg:sourcesFrom ent:dahua }",
    "a claim with no source": """INSERT DATA { ent:claim-x a skg:Claim ; skg:slug "claim-x" ;
        skg:subject ent:fisca ; skg:relation skg:sourcesFrom ; skg:object ent:dahua ;
        skg:stance skg:Asserted ; skg:quote "q" ; skg:attribution "a" .
        ent:fisca skg:sourcesFrom ent:dahua }""",
    "an entity's type deleted (its claims then point at nothing)": "DELETE WHERE { ent:hikvision a ?type }",
    "a source document's type deleted": "DELETE WHERE { ?doc a skg:SourceDocument ; skg:slug 'reuters-2022-07-12' }",
    "the asserting claim behind a direct triple deleted": """DELETE { ?c ?p ?o } WHERE {
        ?c skg:subject ent:fisca ; skg:relation skg:sourcesFrom ; skg:object ent:hikvision ;
        skg:stance skg:Asserted ; ?p ?o }""",
    "the only asserting claim behind a direct triple turned into a denial, as data": f"""
        DELETE DATA {{ <{ENT}claim/reuters-fisca-sources-from-hikvision> skg:stance skg:Asserted }} ;
        INSERT DATA {{ <{ENT}claim/reuters-fisca-sources-from-hikvision> skg:stance skg:Denied }}""",
    "a duplicate id": 'INSERT DATA { ent:newco a skg:Company ; rdfs:label "New Co" ; skg:slug "hikvision" }',
}


@pytest.mark.parametrize("name", list(BREAKING_UPDATES))
def test_an_update_that_breaks_the_model_is_refused_and_undone(
    served: tuple[str, KnowledgeGraph], name: str
) -> None:
    url, kg = served
    before = _checksum(kg)
    answer = _update(url, BREAKING_UPDATES[name])
    assert answer.status_code == 422, answer.text
    assert "violation" in answer.text
    assert _checksum(kg) == before


def test_a_valid_update_is_kept(served: tuple[str, KnowledgeGraph]) -> None:
    url, kg = served
    ask = f"ASK {{ <{ENT}linn-it-solution> <{SKG}sourcesFrom> <{ENT}dahua> }}"
    assert not kg.store.query(ask).boolean
    answer = _update(
        url,
        f"""INSERT DATA {{ ent:claim-new a skg:Claim ; skg:slug "claim-new" ;
        skg:subject ent:linn-it-solution ; skg:relation skg:sourcesFrom ; skg:object ent:dahua ;
        skg:stance skg:Asserted ; skg:quote "(a test claim)" ;
        skg:attribution "three people" ; skg:source <{ENT}source/reuters-2022-07-12> .
        ent:linn-it-solution skg:sourcesFrom ent:dahua }}""",
    )
    assert answer.status_code == 204, answer.text
    assert kg.store.query(ask).boolean


def test_graph_store_writes_are_validated_too(served: tuple[str, KnowledgeGraph]) -> None:
    url, kg = served
    before = _checksum(kg)
    bad = f"<{ENT}huawei> <{SKG}sourcesFrom> <{ENT}dahua> .\n".encode()
    turtle = {"content-type": "application/n-triples", **AUTH}
    answer = httpx.post(f"{url}/store?default", content=bad, headers=turtle, timeout=60)
    assert answer.status_code == 422, answer.text
    answer = httpx.put(f"{url}/store?default", content=bad, headers=turtle, timeout=60)
    assert answer.status_code == 422, answer.text
    assert _checksum(kg) == before
    # a named graph is kept as given (the model's rules apply to the default graph)
    answer = httpx.put(f"{url}/store?graph=http://notes.example/g", content=bad, headers=turtle)
    assert answer.status_code == 201, answer.text
    answer = httpx.delete(f"{url}/store?graph=http://notes.example/g", headers=AUTH)
    assert answer.status_code == 204
    assert _checksum(kg) == before


def test_the_store_loads_back_from_its_own_dump_after_updates(
    served: tuple[str, KnowledgeGraph], tmp_path: Path
) -> None:
    url, kg = served
    for text in BREAKING_UPDATES.values():
        _update(url, text)
    assert (
        _update(
            url, "INSERT DATA { GRAPH <http://notes.example/> { ent:a ent:b ent:c } }"
        ).status_code
        == 204
    )
    dump = tmp_path / "dump.nq"
    with dump.open("wb") as out:
        kg.store.dump(out, "application/n-quads")
    fresh = KnowledgeGraph.open(Settings(memory=True, seed=False))
    fresh.load([dump])
    assert _checksum(fresh) == _checksum(kg)


def test_a_store_that_already_broke_a_rule_still_takes_writes_that_add_no_new_break(
    served: tuple[str, KnowledgeGraph],
) -> None:
    """A store written before writes were validated may hold a violation: a write touching
    the same resources is kept if it adds none, refused if it adds one."""
    url, kg = served
    kg.store.update(  # as an older version's /update could: a direct triple with no claim
        f"INSERT DATA {{ <{ENT}huawei> <{SKG}sourcesFrom> <{ENT}dahua> }}"
    )
    answer = _update(url, 'INSERT DATA { ent:huawei skos:altLabel "Huawei Technologies Co." }')
    assert answer.status_code == 204, answer.text
    before = _checksum(kg)
    answer = _update(url, "INSERT DATA { ent:huawei skg:suppliesTo ent:dahua }")
    assert answer.status_code == 422, answer.text
    assert "suppliesTo" in answer.text and "sourcesFrom" not in answer.text
    assert _checksum(kg) == before
