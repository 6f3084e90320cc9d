"""Path filters, direction, k and as_of on the tiny graph in tests/fixtures/paths-small.ttl.

Route A (3 hops): pa-vendor <-sourcesFrom- pa-integrator -wonTender-> pa-tender -issuedBy->
pa-city-gov; route B (2 hops, valid in 2020 only): pa-vendor -suppliesTo-> pa-broker
-suppliesTo-> pa-city-gov; a denied pa-vendor -sellsDirectlyTo-> pa-city-gov.
"""

from __future__ import annotations

from typing import Any

import pytest

from supplychain_kg.errors import AmbiguousEntityError, InvalidParameterError
from supplychain_kg.service import KnowledgeGraph

from .conftest import FIXTURES

ROUTE_A = ["pa-vendor", "pa-integrator", "pa-tender", "pa-city-gov"]
ROUTE_B = ["pa-vendor", "pa-broker", "pa-city-gov"]


def _routes(answer: dict[str, Any]) -> list[list[str]]:
    return [[n["id"] for n in p["nodes"]] for p in answer["paths"]]


def test_alternatives_come_shortest_first(small_kg: KnowledgeGraph) -> None:
    answer = small_kg.paths("pa-vendor", "pa-city-gov", k=5)
    assert _routes(answer) == [ROUTE_B, ROUTE_A]
    assert [p["length"] for p in answer["paths"]] == [2, 3]
    assert answer["truncated"] is False


def test_k_limits_the_alternatives_and_says_more_exist(small_kg: KnowledgeGraph) -> None:
    answer = small_kg.paths("pa-vendor", "pa-city-gov", k=1)
    assert _routes(answer) == [ROUTE_B]
    assert answer["truncated"] is True


def test_relation_filter_walks_only_the_named_relations(small_kg: KnowledgeGraph) -> None:
    answer = small_kg.paths(
        "pa-vendor", "pa-city-gov", relation=["sourcesFrom", "skg:wonTender", "issuedBy"]
    )
    assert _routes(answer) == [ROUTE_A]


def test_exclude_relation_drops_that_relation(small_kg: KnowledgeGraph) -> None:
    answer = small_kg.paths("pa-vendor", "pa-city-gov", exclude_relation=["suppliesTo"])
    assert _routes(answer) == [ROUTE_A]


def test_entity_type_limits_intermediate_nodes(small_kg: KnowledgeGraph) -> None:
    answer = small_kg.paths("pa-vendor", "pa-city-gov", entity_type=["Contractor", "Tender"])
    assert _routes(answer) == [ROUTE_A]
    organisations = small_kg.paths("pa-vendor", "pa-city-gov", entity_type=["Organization"], k=5)
    assert _routes(organisations) == [ROUTE_B]


def test_direction_out_follows_relations_as_stated(small_kg: KnowledgeGraph) -> None:
    answer = small_kg.paths("pa-vendor", "pa-city-gov", direction="out", k=5)
    assert _routes(answer) == [ROUTE_B]
    assert {e["direction"] for e in answer["paths"][0]["edges"]} == {"out"}


def test_direction_in_walks_against_the_relations(small_kg: KnowledgeGraph) -> None:
    answer = small_kg.paths("pa-city-gov", "pa-vendor", direction="in", k=5)
    assert _routes(answer) == [list(reversed(ROUTE_B))]
    edges = answer["paths"][0]["edges"]
    assert [(e["source"], e["target"], e["direction"]) for e in edges] == [
        ("pa-city-gov", "pa-broker", "in"),
        ("pa-broker", "pa-vendor", "in"),
    ]
    assert small_kg.paths("pa-vendor", "pa-city-gov", direction="in")["paths"] == []


def test_direction_any_shows_each_hops_direction(small_kg: KnowledgeGraph) -> None:
    answer = small_kg.paths("pa-vendor", "pa-city-gov", exclude_relation=["suppliesTo"])
    assert [e["direction"] for e in answer["paths"][0]["edges"]] == ["in", "out", "out"]


def test_disputed_edges_are_walked_and_marked(small_kg: KnowledgeGraph) -> None:
    answer = small_kg.paths("pa-vendor", "pa-integrator")
    edge = answer["paths"][0]["edges"][0]
    assert edge["stance"] == "disputed"
    assert sorted(c["stance"] for c in edge["claims"]) == ["asserted", "denied"]


def test_path_excludes_denied_claims_unless_include_disputed(small_kg: KnowledgeGraph) -> None:
    default = small_kg.paths("pa-vendor", "pa-city-gov", max_hops=1)
    assert default["paths"] == []
    assert "include_disputed" in default["reason"]
    disputed = small_kg.paths("pa-vendor", "pa-city-gov", max_hops=1, include_disputed=True)
    edge = disputed["paths"][0]["edges"][0]
    assert (edge["relation"], edge["stance"]) == ("sellsDirectlyTo", "denied")


def test_as_of_keeps_only_claims_valid_on_that_date(small_kg: KnowledgeGraph) -> None:
    in_2020 = small_kg.paths("pa-vendor", "pa-city-gov", as_of="2020-06-01")
    assert _routes(in_2020)[0] == ROUTE_B
    in_2021 = small_kg.paths("pa-vendor", "pa-city-gov", as_of="2021-06-01", k=5)
    assert _routes(in_2021) == [ROUTE_A]


def test_non_traversable_relations_need_to_be_named(small_kg: KnowledgeGraph) -> None:
    default = small_kg.paths("pa-vendor", "pa-gazette")
    assert all(e["relation"] != "didNotRespondTo" for p in default["paths"] for e in p["edges"])
    named = small_kg.paths("pa-vendor", "pa-city-gov", relation=["didNotRespondTo"])
    assert _routes(named) == [["pa-vendor", "pa-gazette", "pa-city-gov"]]


def test_an_entity_without_relations_has_no_path_and_a_reason(small_kg: KnowledgeGraph) -> None:
    answer = small_kg.paths("pa-vendor", "Lonely Holdings")
    assert answer["paths"] == []
    assert answer["reason"].endswith("has no relations in the graph")


def test_too_few_hops_gives_no_path_and_says_a_longer_one_exists(small_kg: KnowledgeGraph) -> None:
    answer = small_kg.paths("pa-tender", "pa-vendor", max_hops=1, include_disputed=True)
    assert answer["paths"] == []
    assert "raise max_hops" in answer["reason"]


def test_an_ambiguous_name_lists_the_candidates(small_kg: KnowledgeGraph) -> None:
    with pytest.raises(AmbiguousEntityError) as caught:
        small_kg.paths("Twin Trading", "pa-vendor")
    assert {c["id"] for c in caught.value.candidates} == {"pa-twin-a", "pa-twin-b"}


@pytest.mark.parametrize(
    ("options", "parameter"),
    [
        ({"max_hops": 11}, "max_hops"),
        ({"k": 0}, "k"),
        ({"relation": ["boughtFrom"]}, "relation"),
        ({"exclude_relation": ["nope"]}, "exclude_relation"),
        ({"entity_type": ["Spaceship"]}, "entity_type"),
        ({"direction": "sideways"}, "direction"),
        ({"as_of": "last year"}, "as_of"),
    ],
)
def test_invalid_options_name_the_parameter(
    small_kg: KnowledgeGraph, options: dict[str, Any], parameter: str
) -> None:
    with pytest.raises(InvalidParameterError) as caught:
        small_kg.paths("pa-vendor", "pa-city-gov", **options)
    assert caught.value.parameter == parameter
    assert parameter in str(caught.value)


def test_a_loaded_denial_turns_an_asserted_hop_disputed() -> None:
    from supplychain_kg.config import Settings
    from supplychain_kg.service import seed_files

    kg = KnowledgeGraph.open(Settings(memory=True, seed=False))
    kg.load([seed_files()[0], FIXTURES / "paths-small.ttl"])
    before = kg.paths("pa-tender", "pa-city-gov", max_hops=1)["paths"][0]["edges"][0]
    assert before["stance"] == "asserted"
    projection = kg.projection()
    kg.load([FIXTURES / "paths-small-denial.ttl"])
    assert kg.projection() is projection
    after = kg.paths("pa-tender", "pa-city-gov", max_hops=1)["paths"][0]
    assert after["edges"][0]["stance"] == "disputed"
    assert [c["stance"] for c in after["edges"][0]["claims"]] == ["asserted", "denied"]
    assert [d["id"] for d in after["nodes"][0]["denials"]] == [
        "pa-tender-issuedby-pa-city-gov-denied"
    ]
    kg.close()
