"""Paths ranked by evidence, shared hubs left out unless asked, hops stated as the source
states them, and restriction listings on every path node (seed graph and tiny candidates)."""

from __future__ import annotations

from typing import Any

import pytest

from supplychain_kg.errors import InvalidParameterError
from supplychain_kg.paths.ranking import hop_strength, rank_paths
from supplychain_kg.service import KnowledgeGraph

HUB_ROLES = {"list", "technology", "place", "group"}


def _ids(path: dict[str, Any]) -> list[str]:
    return [n["id"] for n in path["nodes"]]


def test_junta_to_hikvision_runs_first_through_the_projects_tenders_and_a_contractor(
    seeded_template: KnowledgeGraph,
) -> None:
    answer = seeded_template.paths("state-administration-council", "hikvision")
    first = answer["paths"][0]
    ids = _ids(first)
    assert ids[0] == "state-administration-council" and ids[-1] == "hikvision"
    assert {"post-coup-safe-city-projects", "safe-city-tenders"} <= set(ids)
    assert set(ids) & {"fisca", "naung-yoe"}
    assert not set(ids) & {"fcc-covered-list", "us-entity-list", "ns-cmic-list"}
    assert all(n["role"] not in HUB_ROLES for n in first["nodes"])
    assert [e["relation"] for e in first["edges"]] == [
        "implements",
        "forProject",
        "wonTender",
        "sourcesFrom",
    ]
    assert first["rank"]["position"] == 1
    assert "substantive" in first["rank"]["why"]


def test_the_close_to_the_military_link_ranks_below_and_says_why(
    seeded_template: KnowledgeGraph,
) -> None:
    answer = seeded_template.paths("state-administration-council", "hikvision", k=5)
    scores = [p["rank"]["score"] for p in answer["paths"]]
    assert scores == sorted(scores, reverse=True)
    weak = [p for p in answer["paths"] if "relatedTo" in p["rank"]["relations"]]
    assert weak, "the Than Lwin Times 'close to the military group' paths are still offered"
    assert all("relatedTo is a weak link" in p["rank"]["why"] for p in weak)
    assert answer["paths"].index(weak[0]) > 0


def test_rank_hops_keeps_plain_shortest_first(seeded_template: KnowledgeGraph) -> None:
    answer = seeded_template.paths("state-administration-council", "hikvision", rank="hops", k=4)
    lengths = [p["length"] for p in answer["paths"]]
    assert lengths == sorted(lengths) and lengths[0] == 2
    assert answer["rank"] == "hops"
    assert [p["rank"]["position"] for p in answer["paths"]] == [1, 2, 3, 4]


def test_shared_hubs_are_left_out_and_counted_unless_asked(
    seeded_template: KnowledgeGraph,
) -> None:
    default = seeded_template.paths("state-administration-council", "hikvision", k=10)
    walked = {n["id"] for p in default["paths"] for n in p["nodes"][1:-1]}
    assert not walked & {"fcc-covered-list", "us-entity-list", "surveillance-cameras", "yangon"}
    assert default["hub_paths_left_out"] > 0
    assert "shared hub" in default["hub_paths_note"]
    hubs = seeded_template.paths(
        "state-administration-council", "hikvision", k=5, hubs=True, rank="hops"
    )
    assert any("fcc-covered-list" in _ids(p) for p in hubs["paths"])
    assert hubs["hub_paths_left_out"] == 0
    via = seeded_template.paths("dahua", "hikvision", via=["fcc-covered-list"], k=10, rank="hops")
    via_nodes = {n["id"] for p in via["paths"] for n in p["nodes"][1:-1]}
    assert "fcc-covered-list" in via_nodes
    assert not via_nodes & {"us-entity-list", "surveillance-cameras"}


def test_a_path_only_through_a_hub_is_not_found_but_the_reason_names_the_hub_option(
    seeded_template: KnowledgeGraph,
) -> None:
    answer = seeded_template.paths("huawei", "us-fcc", max_hops=2)
    assert answer["paths"] == []
    assert "hubs=true" in answer["reason"]
    assert seeded_template.paths("huawei", "us-fcc", max_hops=2, hubs=True)["paths"]


def test_every_path_node_on_a_restriction_list_says_so_with_list_and_date(
    seeded_template: KnowledgeGraph,
) -> None:
    rows = seeded_template.query(
        """SELECT DISTINCT ?slug WHERE { ?c skg:relation skg:listedOn ; skg:subject ?e ;
           skg:stance skg:Asserted . ?e skg:slug ?slug }""",
        with_prefixes=True,
    ).rows()
    listed = {str(r["slug"].value) for r in rows}
    assert {"hikvision", "dahua", "huawei"} <= listed
    answer = seeded_template.paths("dahua", "hikvision", k=10, hubs=True)
    seen = set()
    for path in answer["paths"]:
        assert path["restricted"] == sum(1 for n in path["nodes"] if n["restrictions"])
        for node in path["nodes"]:
            if node["id"] in listed:
                seen.add(node["id"])
                assert node["restrictions"], node["id"]
                for listing in node["restrictions"]:
                    assert listing["list"] and listing["list_label"]
                    assert listing["since"] or listing["source"]["date"], listing
                    assert listing["source"]["title"]
            if node["id"] in {"fisca", "naung-yoe", "fcc-covered-list"}:
                assert node["restrictions"] == []
    assert {"hikvision", "dahua"} <= seen
    hik = next(n for p in answer["paths"] for n in p["nodes"] if n["id"] == "hikvision")
    lists = {(x["list"], x["since"]) for x in hik["restrictions"]}
    assert ("us-entity-list", "2019-10-09") in lists
    assert ("fcc-covered-list", None) in lists
    fcc = next(x for x in hik["restrictions"] if x["list"] == "fcc-covered-list")
    assert fcc["source"]["date"] == "2021-03"


def test_neighbourhood_entities_carry_their_listings_and_roles(
    seeded_template: KnowledgeGraph,
) -> None:
    answer = seeded_template.neighbors("fisca")
    by_id = {n["id"]: n for n in answer["nodes"]}
    assert {x["list"] for x in by_id["hikvision"]["restrictions"]} == {
        "us-entity-list",
        "fcc-covered-list",
        "ns-cmic-list",
    }
    assert by_id["hikvision"]["role"] == "vendor"
    assert by_id["fisca"]["role"] == "contractor"
    assert by_id["yangon"]["role"] == "place"
    assert by_id["fisca"]["restrictions"] == []


def test_each_hop_states_the_relation_as_the_source_does_and_the_walk_separately(
    seeded_template: KnowledgeGraph,
) -> None:
    answer = seeded_template.paths("hikvision", "fisca", k=1)
    edge = answer["paths"][0]["edges"][0]
    assert edge["walk"] == {"from": "hikvision", "to": "fisca"}
    assert edge["stated"] == {"subject": "fisca", "relation": "sourcesFrom", "object": "hikvision"}
    assert edge["direction"] == "in"


def test_an_unknown_rank_is_refused(seeded_template: KnowledgeGraph) -> None:
    with pytest.raises(InvalidParameterError, match="rank"):
        seeded_template.paths("hikvision", "fisca", rank="fame")


def _edge(relation: str, stance: str = "asserted", *publishers: str) -> dict[str, Any]:
    claims = [{"stance": "asserted", "source": {"publisher": p}} for p in publishers]
    return {"relation": relation, "stance": stance, "claims": claims}


def _node(role: str) -> dict[str, Any]:
    return {"role": role}


def test_ranking_prefers_asserted_over_disputed_and_corroborated_over_single_source() -> None:
    assert hop_strength(_edge("wonTender"))[0] > hop_strength(_edge("wonTender", "disputed"))[0]
    single = hop_strength(_edge("sourcesFrom", "asserted", "Reuters"))[0]
    double = hop_strength(_edge("sourcesFrom", "asserted", "Reuters", "Myanmar Now"))[0]
    assert double > single
    assert "2 publishers" in " ".join(hop_strength(_edge("paid", "asserted", "A", "B"))[1])


def test_ranking_demotes_hops_through_a_shared_hub() -> None:
    direct = {
        "nodes": [_node("vendor"), _node("contractor"), _node("government")],
        "edges": [_edge("suppliesTo"), _edge("suppliesTo")],
    }
    via_list = {
        "nodes": [_node("vendor"), _node("list"), _node("government")],
        "edges": [_edge("suppliesTo"), _edge("suppliesTo")],
    }
    ranked = rank_paths([via_list, direct])
    assert ranked[0] is direct
    assert "shared hub" in ranked[1]["rank"]["why"]
    assert [p["rank"]["position"] for p in rank_paths([via_list, direct], by="hops")] == [1, 2]
    assert rank_paths([via_list, direct], by="hops")[0] is via_list
    with pytest.raises(ValueError, match="rank"):
        rank_paths([direct], by="fame")
