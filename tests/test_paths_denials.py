"""The denials kept with the projection (``paths/denials.py``) are what the store says: the
same claims shown and the same counts as a query of the store, on a graph where a party is
named by more denied claims than an answer shows, after writes that patch the projection, and
after a restart that loads the kept projection; path answers are the same with and without
them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from supplychain_kg.config import Settings
from supplychain_kg.paths import load_projection, save_projection
from supplychain_kg.paths.answers import DENIALS_SHOWN, _denial_iris
from supplychain_kg.paths.denials import Denials
from supplychain_kg.service import KnowledgeGraph

ID = "https://w3id.org/supplychain-kg/id/"
PREFIXES = f"""@prefix skg: <https://w3id.org/supplychain-kg/ontology#> .
@prefix ent: <{ID}> .
@prefix claim: <{ID}claim/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
"""
MANY = DENIALS_SHOWN + 5


def _claim(name: str, subject: str, relation: str, obj: str, stance: str) -> str:
    return (
        f"claim:{name} a skg:Claim ; skg:subject ent:{subject} ; skg:relation skg:{relation} ;"
        f" skg:object {obj} ; skg:stance skg:{stance} ; skg:source ent:dn-src ;"
        f" skg:slug '{name}' ; skg:quote 'Quote {name}.' ; skg:attribution 'a reporter' ."
    )


def _turtle() -> str:
    lines = [
        PREFIXES,
        "ent:dn-paper a skg:MediaOrganization ; skg:slug 'dn-paper' ; rdfs:label 'Paper' .",
        "ent:dn-src a skg:SourceDocument ; skg:slug 'dn-src' ; dcterms:title 'Denials' ;"
        " dcterms:publisher ent:dn-paper .",
        "ent:dn-hub a skg:Manufacturer ; skg:slug 'dn-hub' ; rdfs:label 'Hub' .",
    ]
    for i in range(MANY):  # the hub denies supplying MANY contractors: more than shown
        lines.append(f"ent:dn-c{i} a skg:Contractor ; skg:slug 'dn-c{i}' ; rdfs:label 'C {i}' .")
        lines.append(_claim(f"dn-d{i:02d}", "dn-hub", "suppliesTo", f"ent:dn-c{i}", "Denied"))
        lines.append(_claim(f"dn-a{i:02d}", f"dn-c{i}", "sourcesFrom", "ent:dn-hub", "Asserted"))
        lines.append(f"ent:dn-c{i} skg:sourcesFrom ent:dn-hub .")
    # a party only as the object of a denial, and a denial with a literal object
    lines.append(_claim("dn-obj", "dn-c1", "wonTender", "ent:dn-hub", "Denied"))
    lines.append(_claim("dn-lit", "dn-c2", "cost", "'more than 5 kyat'", "Denied"))
    return "\n".join(lines) + "\n"


@pytest.fixture
def kg(tmp_path: Path) -> Iterator[KnowledgeGraph]:
    graph = KnowledgeGraph.open(Settings(store_dir=tmp_path / "store"))
    graph.store.parse_into(_turtle().encode(), "text/turtle")
    graph._projection = None  # the seed's projection, if any, predates the parse
    assert not graph.validator.validate(graph.store)  # writes are then patched, not redone
    yield graph
    graph.close()


def _kept_is_the_store(kg: KnowledgeGraph) -> dict[str, int]:
    projection = kg.projection()
    assert projection.denials is not None
    parties = sorted(projection.denied_parties)
    kept = projection.denials.lookup(parties)
    assert kept == _denial_iris(kg.store, parties)
    return kept[1]


def test_kept_denials_are_the_stores_with_a_party_named_by_more_than_shown(
    kg: KnowledgeGraph,
) -> None:
    counts = _kept_is_the_store(kg)
    hub = f"{ID}dn-hub"
    assert counts[hub] == MANY + 1  # its own denials and the one naming it as object
    shown, _ = kg.projection().denials.lookup([hub])  # type: ignore[union-attr]
    assert len(shown[hub]) == DENIALS_SHOWN
    assert shown[hub] == sorted(shown[hub])
    assert f"{ID}seed-hikvision" not in counts or counts[f"{ID}seed-hikvision"] > 0


def _answers(kg: KnowledgeGraph) -> list[Any]:
    return [
        kg.paths(f"dn-c{a}", f"dn-c{b}", k=3, include_disputed=True)
        for a, b in ((0, 1), (2, 3), (1, MANY - 1))
    ] + [kg.neighbors("dn-hub", depth=1, limit=50)]


def test_path_answers_are_the_same_with_and_without_kept_denials(kg: KnowledgeGraph) -> None:
    projection = kg.projection()
    kept = _answers(kg)
    assert any(node.get("denials") for node in kept[0]["paths"][0]["nodes"])
    projection.denials, projection.cache = None, {}
    assert _answers(kg) == kept


def test_writes_patch_the_kept_denials(kg: KnowledgeGraph) -> None:
    projection = kg.projection()
    before = _kept_is_the_store(kg)
    kg.run_update(
        f"PREFIX skg: <https://w3id.org/supplychain-kg/ontology#> "
        f"INSERT DATA {{ <{ID}claim/dn-new> a skg:Claim ; skg:subject <{ID}dn-c3> ; "
        f"skg:relation skg:suppliesTo ; skg:object <{ID}dn-c4> ; skg:stance skg:Denied ; "
        f"skg:source <{ID}dn-src> ; skg:slug 'dn-new' ; skg:quote 'Quote.' ; "
        f"skg:attribution 'a reporter' }}"
    )
    kg.run_update(
        f"PREFIX skg: <https://w3id.org/supplychain-kg/ontology#> "
        f"DELETE DATA {{ <{ID}claim/dn-obj> skg:stance skg:Denied }} ; "
        f"INSERT DATA {{ <{ID}claim/dn-obj> skg:stance skg:Asserted . "
        f"<{ID}dn-c1> skg:wonTender <{ID}dn-hub> }}"
    )
    assert kg.projection() is projection  # patched, not rebuilt
    counts = _kept_is_the_store(kg)
    for name, more in (("dn-c3", 1), ("dn-c4", 1), ("dn-hub", -1), ("dn-c1", -1)):
        assert counts[f"{ID}{name}"] == before[f"{ID}{name}"] + more


def test_a_kept_projection_brings_its_denials_and_a_malformed_line_is_refused(
    kg: KnowledgeGraph, tmp_path: Path
) -> None:
    projection = kg.projection()
    save_projection(tmp_path, "stamp", projection)
    options = {"revision": projection.revision, "relations": projection.relations}
    loaded = load_projection(tmp_path, "stamp", kg.store, **options, classes=projection.classes)
    assert loaded is not None and loaded.denials is not None
    parties = sorted(projection.denied_parties)
    assert loaded.denials.lookup(parties) == _denial_iris(kg.store, parties)
    saved = projection.denials.saved(parties)  # type: ignore[union-attr]
    for bad in ("x 1", "3", f"1 {ID}a {ID}b", "-1 a"):
        with pytest.raises(ValueError, match="denials"):
            Denials.restored(parties, [bad, *saved[1:]])
    with pytest.raises(ValueError, match="do not match"):
        Denials.restored(parties, saved[1:])
