"""The explorer's server side: the page and its files, the legend config, POST /export."""

from __future__ import annotations

import io
import re
from html.parser import HTMLParser

import networkx as nx
from fastapi.testclient import TestClient

from api import create_app
from api.routers.explorer import STATIC
from supplychain_kg.service import KnowledgeGraph


def _client(kg: KnowledgeGraph) -> TestClient:
    return TestClient(create_app(kg.settings, kg=kg), base_url="http://localhost")


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("src", "href") and value is not None:
                self.urls.append(value)


def test_page_is_served_with_a_policy_that_allows_only_this_origin(
    seeded_template: KnowledgeGraph,
) -> None:
    response = _client(seeded_template).get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    policy = dict(
        part.strip().split(" ", 1)
        for part in response.headers["content-security-policy"].split(";")
    )
    assert policy["default-src"] == "'none'"
    for directive in ("script-src", "connect-src", "font-src"):
        assert policy[directive] == "'self'"
    assert "http" not in response.headers["content-security-policy"]


def test_page_refers_only_to_files_of_this_app(seeded_template: KnowledgeGraph) -> None:
    client = _client(seeded_template)
    parser = _Links()
    parser.feed(client.get("/").text)
    assert parser.urls
    for url in parser.urls:
        assert url.startswith(("/", "#", "data:")), url
        if url.startswith("/explorer/"):
            assert client.get(url).status_code == 200, url
    for script in sorted((STATIC / "explorer").glob("*.js")):
        text = script.read_text("utf-8")
        remote = re.findall(r"""["'`](https?://[^"'`]*)""", text)
        # XML namespaces are names, never fetched
        assert [u for u in remote if not u.startswith("http://www.w3.org/")] == [], script.name
        for module in re.findall(r'from "\./([^"]+)"', text):
            assert client.get(f"/explorer/{module}").status_code == 200


def test_cytoscape_is_served_from_the_build_assets(seeded_template: KnowledgeGraph) -> None:
    response = _client(seeded_template).get("/explorer/vendor/cytoscape.min.js")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    assert b"cytoscape" in response.content[:2000].lower()
    assert (STATIC / "vendor" / "cytoscape.LICENSE").is_file()


def test_only_named_page_files_are_served(seeded_template: KnowledgeGraph) -> None:
    client = _client(seeded_template)
    assert client.get("/explorer/vendor/yasgui.min.js").status_code == 404
    assert client.get("/explorer/..%2F..%2Fapp.py").status_code == 404
    assert client.get("/explorer/index.html").status_code == 404
    missing = client.get("/explorer/nothing.js")
    assert missing.status_code == 404
    assert "nothing.js" in missing.json()["detail"]


def test_every_seed_entity_type_has_its_own_legend_entry(seeded_template: KnowledgeGraph) -> None:
    config = _client(seeded_template).get("/explorer/config.json").json()
    by_type = {t: c["key"] for c in config["categories"] for t in c["types"]}
    seed_types = seeded_template.stats()["entities_by_type"]
    assert set(seed_types) <= set(by_type)
    assert by_type["Manufacturer"] == "manufacturer"
    assert by_type["MunicipalGovernment"] == by_type["NationalGovernment"] == "government"
    assert by_type["City"] == "place"
    shapes = [c["shape"] for c in config["categories"]]
    colours = [c["colour"] for c in config["categories"]]
    assert len(set(shapes)) == len(shapes) and len(set(colours)) == len(colours)
    names = {r["name"]: r for r in config["relations"]}
    assert names["sourcesFrom"]["traversable"] is True
    assert config["limits"]["max_hops"] >= 5


def test_post_export_writes_exactly_the_view_with_every_claim(
    seeded_template: KnowledgeGraph,
) -> None:
    client = _client(seeded_template)
    answer = client.get(
        "/entities/hikvision/neighbors", params={"limit": 3, "include_disputed": "true"}
    ).json()
    view = {"source": "hikvision", "paths": [{"nodes": answer["nodes"], "edges": answer["edges"]}]}
    response = client.post("/export", params={"format": "graphml"}, json=view)
    assert response.status_code == 200
    assert (
        'filename="supplychain-kg-paths-hikvision.graphml"'
        in response.headers["content-disposition"]
    )
    graph = nx.read_graphml(io.BytesIO(response.content))
    ids = {data["entity_id"] for _, data in graph.nodes(data=True)}
    assert ids == {node["id"] for node in answer["nodes"]}
    assert graph.number_of_edges() == len(answer["edges"])


def test_post_export_rejects_a_body_that_is_not_a_path_answer(
    seeded_template: KnowledgeGraph,
) -> None:
    response = _client(seeded_template).post("/export", json={"nodes": []})
    assert response.status_code == 400
    assert "'paths' list" in response.json()["detail"]


def test_panel_card_of_an_ordinary_entity_has_every_claim(seeded_template: KnowledgeGraph) -> None:
    card = _client(seeded_template).get("/explorer/entity/hikvision").json()
    full = seeded_template.show("hikvision")
    assert card["capped"] is None
    assert card["relations"] == full["relations"]
    assert card["values"] == full["values"]


def test_panel_card_of_a_hub_lists_capped_links_and_every_denial(
    seeded_template: KnowledgeGraph,
) -> None:
    full = seeded_template.show("hikvision")
    claims = sum(len(r["claims"]) for r in full["relations"]) + len(full["values"])
    neighbours = len({r["other"]["id"] for r in full["relations"]})
    card = seeded_template.explorer_entity("hikvision", limit=2, show_all=3)
    assert card["capped"] == {
        "claims": claims,
        "neighbours_shown": 2,
        "neighbours_total": neighbours,
    }
    assert len({r["other"]["id"] for r in card["relations"]}) == 2
    assert all(r["claims"] for r in card["relations"])
    denied = {(d["denies"]["relation"], d["denies"]["object"]) for d in card["denials"]}
    assert denied == {
        ("sellsDirectlyTo", "myanmar-government-authorities"),
        ("suppliesTo", "myanmar"),
    }
    assert card["aliases"] == ["Hangzhou Hikvision Digital Technology Co., Ltd."]
