"""The explorer page in a real browser (headless Debian chromium via Playwright).

Each test opens ``/`` on a live loopback server over the seed graph, saves a screenshot of each
step under ``artifacts/explorer/`` and fails if the page requested anything from another
origin or logged an error.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import networkx as nx
import pytest
from playwright.sync_api import Browser

from supplychain_kg.config import Settings
from supplychain_kg.service import KnowledgeGraph

from .browser import Session, chromium, session
from .live import serve

REUTERS_QUOTE = "The firms source the cameras and some related technology"
DENIAL_QUOTE = "it has never sold directly to Myanmar government authorities"


@pytest.fixture(scope="module")
def base_url(seeded_template: KnowledgeGraph) -> Iterator[str]:
    with serve(Settings(memory=True), kg=seeded_template) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def ui(browser: Browser, base_url: str) -> Iterator[Session]:
    with session(browser, base_url) as opened:
        yield opened
        assert opened.external() == [], "the page reached beyond 127.0.0.1"
        assert opened.errors == []


def search(ui: Session, text: str, pick: str) -> None:
    """Type into the search box and choose the suggestion with this id, by keyboard."""
    ui.page.fill("#search", text)
    ui.page.wait_for_selector(f"#search-list [role=option][data-id='{pick}']")
    options = ui.page.locator("#search-list [role=option]")
    index = [options.nth(i).get_attribute("data-id") for i in range(options.count())].index(pick)
    for _ in range(index + 1):
        ui.page.keyboard.press("ArrowDown")
    ui.page.keyboard.press("Enter")
    ui.page.wait_for_function(f"() => window.skgExplorer.state.name === {pick!r}")
    ui.page.wait_for_selector("#panel .claim")


def find_paths(ui: Session, source: str, target: str, *, max_hops: int = 6) -> None:
    ui.page.fill("#path-from", source)
    ui.page.fill("#path-to", target)
    ui.page.fill("#path-hops", str(max_hops))
    ui.page.click("#path-form button[type=submit]")
    ui.page.wait_for_selector("#path-result .path, #path-result .nopath, #path-result .error")


def test_search_shows_hikvision_with_the_reuters_quote_and_the_denial(ui: Session) -> None:
    ui.open()
    ui.shot("01-page")
    ui.page.fill("#search", "Hikvision")
    ui.page.wait_for_selector("#search-list [role=option][data-id='hikvision']")
    ui.shot("02-suggestions")
    search(ui, "Hikvision", "hikvision")
    ui.page.wait_for_timeout(200)
    ui.shot("03-hikvision-evidence")

    panel = ui.page.locator("#panel")
    assert panel.locator(".title").first.inner_text() == "Hikvision"
    assert "szse:002415" in panel.inner_text()
    reuters = panel.locator(".claim", has_text=REUTERS_QUOTE).first
    assert "Reuters" in reuters.locator(".source").inner_text()
    assert "ASSERTED" in reuters.inner_text()
    denial = panel.locator(".claim.denied", has_text=DENIAL_QUOTE).first
    assert "DENIED" in denial.locator(".badge").inner_text()
    assert "Hikvision (statement to Reuters)" in denial.inner_text()
    assert "2022-07-12" in denial.locator(".source").inner_text()
    assert "denied or disputed" in panel.locator(".warning").inner_text()

    # the view: Hikvision and its neighbours; the denied links drawn dashed and labelled
    drawn = ui.js(
        """() => { const cy = window.skgExplorer.cy; return {
            nodes: cy.nodes('[kind = "entity"]').map(n => n.id()),
            denied: cy.edges('.denied').map(e => [e.data('label'), e.style('line-style')]),
            asserted: cy.edges('.asserted').map(e => e.style('line-style')) }; }"""
    )
    assert {"hikvision", "fisca", "naung-yoe", "myanmar-government-authorities"} <= set(
        drawn["nodes"]
    )
    assert drawn["denied"] and all(
        label.startswith("✖ DENIED") and style == "dashed" for label, style in drawn["denied"]
    )
    assert set(drawn["asserted"]) == {"solid"}


def test_aliases_are_suggested_with_the_name_they_matched(ui: Session) -> None:
    ui.open()
    ui.page.fill("#search", "Hangzhou Hikvision")
    option = ui.page.locator("#search-list [role=option][data-id='hikvision']")
    option.wait_for()
    assert "Hangzhou Hikvision Digital Technology" in option.locator(".matched").inner_text()


def test_path_to_a_myanmar_government_body_is_drawn_and_listed_with_a_source_per_hop(
    ui: Session, tmp_path: Path
) -> None:
    ui.open()
    find_paths(ui, "Hikvision", "Naypyitaw Council")
    ui.page.wait_for_timeout(200)
    ui.shot("04-path-to-naypyitaw-council")

    paths = ui.page.locator("#path-result .path")
    assert paths.count() >= 1
    first = paths.first
    assert re.match(r"Path 1: 3 hops", first.locator("h3").inner_text())
    hops = first.locator(".hop")
    assert hops.count() == 3
    for i in range(hops.count()):
        sources = hops.nth(i).locator(".claim .source")
        assert sources.count() >= 1
        assert all(
            "Source: " in text and "not recorded" not in text for text in sources.all_inner_texts()
        )

    on_path = ui.js(
        """() => { const cy = window.skgExplorer.cy; return {
            nodes: cy.nodes('.on-path').map(n => n.id()),
            edges: cy.edges('.on-path').length }; }"""
    )
    assert {"hikvision", "naypyitaw-council"} <= set(on_path["nodes"])
    assert on_path["edges"] >= 3

    # a disputed link is drawn dashed and labelled, and its panel shows both stances
    disputed = ui.js(
        """() => window.skgExplorer.cy.edges('.disputed').map(e =>
            ({ id: e.id(), label: e.data('label'), style: e.style('line-style') }))"""
    )
    assert disputed, "the paths to the Naypyitaw Council cross a disputed link"
    assert all(e["label"].startswith("⚠ DISPUTED") and e["style"] == "dashed" for e in disputed)
    ui.js("(id) => window.skgExplorer.cy.getElementById(id).emit('tap')", disputed[0]["id"])
    panel = ui.page.locator("#panel")
    panel.locator(".warning", has_text="Sources disagree").wait_for()
    assert panel.locator(".claim.asserted").count() >= 1
    assert panel.locator(".claim.denied").count() >= 1
    ui.shot("05-disputed-link-evidence")

    with ui.page.expect_download() as info:
        ui.page.click("#download-graphml")
    download = info.value
    assert download.suggested_filename.endswith(".graphml")
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    graph = nx.read_graphml(saved)
    ids = {data.get("entity_id", node) for node, data in graph.nodes(data=True)}
    assert set(on_path["nodes"]) <= ids
    assert graph.number_of_edges() >= on_path["edges"]
    ui.shot("05b-graphml-downloaded")


def test_no_path_is_explained(ui: Session) -> None:
    ui.open()
    find_paths(ui, "Hikvision", "Naypyitaw Council", max_hops=1)
    ui.shot("06-no-path")
    note = ui.page.locator("#path-result .nopath").inner_text()
    assert "No path from Hikvision to Naypyitaw Council" in note
    assert "at most 1 hops" in note
    assert "raise max_hops" in note


def test_an_unknown_name_in_the_path_finder_offers_suggestions(ui: Session) -> None:
    ui.open()
    find_paths(ui, "Hikvison", "Naypyitaw Council")
    error = ui.page.locator("#path-result .error")
    assert "no entity matches 'Hikvison'" in error.inner_text()
    assert error.locator("button", has_text="Hikvision").count() >= 1
    ui.errors.clear()  # the 404 answer is logged by the browser; it is the case under test


def test_double_click_expands_a_capped_neighbourhood(ui: Session) -> None:
    ui.open()
    ui.page.fill("#view-limit", "3")
    search(ui, "Hikvision", "hikvision")
    ui.shot("07-capped-neighbourhood")
    before = ui.js("() => window.skgExplorer.cy.nodes('[kind = \"entity\"]').length")
    more = ui.js("() => window.skgExplorer.cy.getElementById('more:hikvision').data('label')")
    assert before == 4
    assert more == "+5 more"

    box = ui.page.locator("#graph").bounding_box()
    assert box is not None
    point = ui.js("() => window.skgExplorer.cy.getElementById('more:hikvision').renderedPosition()")
    ui.page.mouse.dblclick(box["x"] + point["x"], box["y"] + point["y"])
    ui.page.wait_for_function(
        "() => window.skgExplorer.cy.nodes('[kind = \"entity\"]').length > 4"
        " && !document.body.dataset.busy"
    )
    ui.shot("08-expanded")
    after = ui.js("() => window.skgExplorer.cy.nodes('[kind = \"entity\"]').length")
    label = ui.js("() => window.skgExplorer.cy.getElementById('more:hikvision').data('label')")
    assert after == 7
    assert label == "+2 more"


def test_the_page_works_from_the_keyboard(ui: Session) -> None:
    ui.open()
    unlabelled = ui.js(
        """() => [...document.querySelectorAll('input, select, button, [role=application]')]
            .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')
                          && !el.textContent.trim())
            .map(el => el.outerHTML)"""
    )
    assert unlabelled == []
    ui.page.keyboard.press("Tab")  # skip link
    ui.page.keyboard.press("Tab")
    assert ui.js("() => document.activeElement.id") == "search"
    ui.page.keyboard.type("Naung Yoe")
    ui.page.wait_for_selector("#search-list [role=option][data-id='naung-yoe']")
    ui.page.keyboard.press("ArrowDown")
    ui.page.keyboard.press("Enter")
    ui.page.wait_for_function("() => window.skgExplorer.state.name === 'naung-yoe'")
    ui.page.focus("#graph")
    ui.page.keyboard.press("ArrowRight")
    selected = ui.js("() => window.skgExplorer.cy.$(':selected').map(n => n.data('label'))")
    assert len(selected) == 1
    ui.page.wait_for_function(
        "() => document.querySelector('#panel .title') && "
        f"document.querySelector('#panel .title').textContent === {selected[0]!r}"
    )
    nodes = ui.js("() => window.skgExplorer.cy.nodes().length")
    ui.page.keyboard.press("e")
    ui.page.wait_for_function(f"() => window.skgExplorer.cy.nodes().length > {nodes}")
    ui.shot("09-keyboard")


def test_png_download_is_an_image_of_the_view(ui: Session, tmp_path: Path) -> None:
    ui.open("/#entity=fisca")
    ui.page.wait_for_function("() => window.skgExplorer.state.name === 'fisca'")
    with ui.page.expect_download() as info:
        ui.page.click("#download-png")
    saved = tmp_path / "view.png"
    info.value.save_as(saved)
    assert info.value.suggested_filename == "supplychain-kg-fisca.png"
    assert saved.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_sparql_link_opens_the_editor_with_a_query_for_the_selected_entity(
    ui: Session, base_url: str
) -> None:
    ui.open()
    search(ui, "Hikvision", "hikvision")
    href = ui.page.get_attribute("#sparql-link", "href")
    assert href is not None and href.startswith("/sparql#query=")
    ui.page.click("#sparql-link")
    ui.page.wait_for_function("() => window.skgYasgui && window.skgYasgui.getTab()")
    query = ui.js("() => window.skgYasgui.getTab().getQuery()")
    assert "<https://w3id.org/supplychain-kg/id/hikvision>" in query
    ui.shot("10-sparql-editor")
    answer = httpx.post(
        f"{base_url}/sparql",
        data={"query": query},
        headers={"Accept": "application/sparql-results+json"},
    ).json()
    rows = answer["results"]["bindings"]
    stances = {row["stance"]["value"].rsplit("#", 1)[-1] for row in rows}
    assert stances == {"Asserted", "Denied"}
    assert any("Reuters" in row.get("publisherLabel", {}).get("value", "") for row in rows)
