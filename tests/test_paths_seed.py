"""Paths on the seed graph: Hikvision to Myanmar's government bodies, with the evidence."""

from __future__ import annotations

from typing import Any

import pytest

from supplychain_kg.errors import QueryTimeoutError, UnknownEntityError
from supplychain_kg.service import KnowledgeGraph

from .conftest import FIXTURES

HIKVISION_DENIES_DIRECT_SALES = (
    "reuters-hikvision-sells-directly-to-myanmar-government-authorities-denied"
)
HIKVISION_DENIES_FACIAL_RECOGNITION = (
    "reuters-hikvision-supplies-facial-recognition-to-myanmar-denied"
)


def _hops(path: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    return [(e["source"], e["relation"], e["target"], e["direction"]) for e in path["edges"]]


def _ids(path: dict[str, Any]) -> list[str]:
    return [n["id"] for n in path["nodes"]]


def test_hikvision_reaches_the_naypyitaw_council_through_a_contractor_and_a_tender(
    seeded_template: KnowledgeGraph,
) -> None:
    answer = seeded_template.paths("hikvision", "naypyitaw-council")
    best = answer["paths"][0]
    assert best["length"] == 3
    assert _ids(best) == [
        "hikvision",
        "naung-yoe",
        "naypyitaw-safe-city-tender",
        "naypyitaw-council",
    ]
    assert _hops(best) == [
        ("hikvision", "sourcesFrom", "naung-yoe", "in"),
        ("naung-yoe", "wonTender", "naypyitaw-safe-city-tender", "out"),
        ("naypyitaw-safe-city-tender", "issuedBy", "naypyitaw-council", "out"),
    ]
    contractor_types = best["nodes"][1]["types"]
    assert "Contractor" in contractor_types
    assert "Tender" in best["nodes"][2]["types"]


def test_every_hop_carries_its_claims_with_source_and_quote(
    seeded_template: KnowledgeGraph,
) -> None:
    answer = seeded_template.paths("Hikvision", "Naypyitaw Council", k=5)
    assert answer["paths"]
    for path in answer["paths"]:
        for edge in path["edges"]:
            assert edge["claims"], edge
            for claim in edge["claims"]:
                assert claim["quote"]
                assert claim["attributed_to"]
                assert claim["source"]["title"]
                assert claim["stance"] in ("asserted", "denied")
    first_hop = answer["paths"][0]["edges"][0]
    assert [c["id"] for c in first_hop["claims"]] == ["reuters-naung-yoe-sources-from-hikvision"]
    assert "Hikvision" in first_hop["claims"][0]["quote"]
    assert first_hop["claims"][0]["source"]["publisher"] == "Reuters"


def test_hikvisions_own_denial_travels_with_the_answer_on_its_node(
    seeded_template: KnowledgeGraph,
) -> None:
    answer = seeded_template.paths("hikvision", "naypyitaw-council")
    node = answer["paths"][0]["nodes"][0]
    assert node["id"] == "hikvision"
    denials = {c["id"]: c for c in node["denials"]}
    assert set(denials) == {HIKVISION_DENIES_DIRECT_SALES, HIKVISION_DENIES_FACIAL_RECOGNITION}
    direct = denials[HIKVISION_DENIES_DIRECT_SALES]
    assert direct["stance"] == "denied"
    assert direct["denies"] == {
        "subject": "hikvision",
        "relation": "sellsDirectlyTo",
        "object": "myanmar-government-authorities",
    }
    assert "never sold directly" in direct["quote"]
    assert denials[HIKVISION_DENIES_FACIAL_RECOGNITION]["technology"] == "facial-recognition"
    assert answer["source"]["denials"] == node["denials"]


def test_the_denial_is_of_direct_sales_not_of_the_contractors_sourcing(
    seeded_template: KnowledgeGraph,
) -> None:
    answer = seeded_template.paths("hikvision", "naypyitaw-council")
    sourcing = answer["paths"][0]["edges"][0]
    assert sourcing["relation"] == "sourcesFrom"
    assert sourcing["stance"] == "asserted"
    assert {c["stance"] for c in sourcing["claims"]} == {"asserted"}


def test_by_default_no_answer_has_hikvision_selling_directly_to_a_government(
    seeded_template: KnowledgeGraph,
) -> None:
    for target in ("myanmar-government-authorities", "naypyitaw-council", "myanmar"):
        answer = seeded_template.paths("hikvision", target, k=10)
        for path in answer["paths"]:
            assert "sellsDirectlyTo" not in {e["relation"] for e in path["edges"]}
            assert all(e["stance"] != "denied" for e in path["edges"])
    blocked = seeded_template.paths("hikvision", "myanmar-government-authorities")
    assert blocked["paths"] == []
    assert "include_disputed" in blocked["reason"]


def test_include_disputed_shows_the_denied_direct_sale_marked_denied(
    seeded_template: KnowledgeGraph,
) -> None:
    answer = seeded_template.paths(
        "hikvision", "myanmar-government-authorities", include_disputed=True
    )
    path = answer["paths"][0]
    assert path["length"] == 1
    edge = path["edges"][0]
    assert (edge["relation"], edge["stance"], edge["direction"]) == (
        "sellsDirectlyTo",
        "denied",
        "out",
    )
    assert [c["id"] for c in edge["claims"]] == [HIKVISION_DENIES_DIRECT_SALES]
    assert edge["claims"][0]["attributed_to"].startswith("Hikvision")


def test_non_traversable_relations_are_skipped_unless_named(
    seeded_template: KnowledgeGraph,
) -> None:
    default = seeded_template.paths("fisca", "huawei", k=10)
    used = {e["relation"] for p in default["paths"] for e in p["edges"]}
    assert "didNotRespondTo" not in used
    named = seeded_template.paths("fisca", "huawei", relation=["didNotRespondTo"])
    assert _ids(named["paths"][0]) == ["fisca", "reuters", "huawei"]


def test_a_load_updates_path_answers_by_patching_the_projection(kg: KnowledgeGraph) -> None:
    before = kg.projection()
    with pytest.raises(UnknownEntityError):
        kg.paths("test-integrator", "hikvision")
    kg.load([FIXTURES / "extra-valid.ttl"])
    after = kg.projection()
    assert after is before
    assert after.revision == kg.store.revision
    answer = kg.paths("test-integrator", "hikvision", direction="out")
    assert _hops(answer["paths"][0]) == [("test-integrator", "sourcesFrom", "hikvision", "out")]
    assert answer["paths"][0]["edges"][0]["claims"][0]["id"] == "test-integrator-hikvision"


def test_an_update_outside_a_load_rebuilds_the_projection(kg: KnowledgeGraph) -> None:
    assert kg.paths("fisca", "hikvision", max_hops=1)["paths"]
    before = kg.projection()
    kg.store.update(
        "DELETE WHERE { <https://w3id.org/supplychain-kg/id/fisca> "
        "<https://w3id.org/supplychain-kg/ontology#sourcesFrom> "
        "<https://w3id.org/supplychain-kg/id/hikvision> }"
    )
    kg.store.update(
        "DELETE WHERE { ?c <https://w3id.org/supplychain-kg/ontology#slug> "
        '"reuters-fisca-sources-from-hikvision" ; ?p ?o }'
    )
    assert kg.projection() is not before
    assert kg.paths("fisca", "hikvision", max_hops=1)["paths"] == []


def test_a_search_past_its_deadline_raises_a_timeout(seeded_template: KnowledgeGraph) -> None:
    with pytest.raises(QueryTimeoutError):
        seeded_template.paths("hikvision", "naypyitaw-council", timeout=-1.0)


def test_neighbors_list_each_link_with_its_claims(seeded_template: KnowledgeGraph) -> None:
    answer = seeded_template.neighbors("naung-yoe")
    links = {(e["relation"], e["target"], e["direction"]) for e in answer["edges"]}
    assert ("sourcesFrom", "hikvision", "out") in links
    assert ("wonTender", "naypyitaw-safe-city-tender", "out") in links
    assert ("hasMember", "tender-winning-procurement-firms", "in") in links
    assert all(e["claims"] for e in answer["edges"])
    assert not any(e["relation"] == "didNotRespondTo" for e in answer["edges"])
    assert answer["more"] == []


def test_neighbors_of_a_hub_are_capped_and_say_how_many_more(
    seeded_template: KnowledgeGraph,
) -> None:
    full = seeded_template.neighbors("myanmar")
    total = len(full["nodes"]) - 1
    assert total > 5
    capped = seeded_template.neighbors("myanmar", limit=5)
    assert len(capped["nodes"]) == 6
    assert capped["more"] == [{"id": "myanmar", "shown": 5, "total": total}]
    assert capped["truncated"] is True


def test_neighbors_at_depth_two_reach_the_tenders_issuer(seeded_template: KnowledgeGraph) -> None:
    answer = seeded_template.neighbors("naung-yoe", depth=2, relation=["wonTender", "issuedBy"])
    assert {n["id"] for n in answer["nodes"]} >= {"naypyitaw-safe-city-tender", "naypyitaw-council"}
    assert {e["relation"] for e in answer["edges"]} == {"wonTender", "issuedBy"}


def test_a_bare_direct_triple_is_walked_and_marked_unbacked(kg: KnowledgeGraph) -> None:
    kg.store.update(
        "INSERT DATA { <https://w3id.org/supplychain-kg/id/fisca> "
        "<https://w3id.org/supplychain-kg/ontology#ownerOf> "
        "<https://w3id.org/supplychain-kg/id/linn-it-solution> }"
    )
    edge = kg.paths("fisca", "linn-it-solution", max_hops=1)["paths"][0]["edges"][0]
    assert (edge["relation"], edge["stance"], edge["claims"]) == ("ownerOf", "unbacked", [])
