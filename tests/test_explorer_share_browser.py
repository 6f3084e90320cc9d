"""Shareable explorer views in a real browser (headless Debian chromium via Playwright): the
URL holds the entity or path query and its filters, a link opened in a fresh browser restores
the same view, and says whether the graph changed since; restricted entities wear a badge and
a compilation's summaries are never shown as quotations."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs

import pytest
from playwright.sync_api import Browser

from supplychain_kg.config import Settings
from supplychain_kg.service import KnowledgeGraph

from .browser import Session, chromium, session
from .live import serve

EXTRA = """@prefix skg: <https://w3id.org/supplychain-kg/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<https://example.org/new-firm> a skg:Contractor ; rdfs:label "A firm added later" ;
    skg:slug "new-firm" .
"""


@pytest.fixture(scope="module")
def live_kg() -> Iterator[KnowledgeGraph]:
    graph = KnowledgeGraph.open(Settings(memory=True))
    yield graph
    graph.close()


@pytest.fixture(scope="module")
def base_url(live_kg: KnowledgeGraph) -> Iterator[str]:
    with serve(Settings(memory=True), kg=live_kg) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def fresh(browser: Browser, base_url: str) -> Iterator[Session]:
    with session(browser, base_url) as opened:
        yield opened
        assert opened.external() == [], "the page reached beyond 127.0.0.1"
        assert opened.errors == []


def _fragment(ui: Session) -> dict[str, list[str]]:
    return parse_qs(str(ui.js("location.hash")).lstrip("#"))


def _paths_view(ui: Session) -> list[str]:
    ui.page.wait_for_selector("#path-result .path")
    return [str(t) for t in ui.page.locator("#path-result .path .route").all_inner_texts()]


def test_a_shared_path_link_restores_the_same_view_in_a_fresh_browser(
    browser: Browser, base_url: str
) -> None:
    with session(browser, base_url) as first:
        first.open()
        first.page.fill("#path-from", "state-administration-council")
        first.page.fill("#path-to", "hikvision")
        first.page.fill("#path-k", "2")
        first.page.select_option("#path-rank", "evidence")
        first.page.click("#path-form button[type=submit]")
        routes = _paths_view(first)
        first.shot("share-01-paths")
        fragment = _fragment(first)
        assert fragment["view"] == ["paths"]
        assert fragment["source"] == ["state-administration-council"]
        assert fragment["target"] == ["hikvision"]
        assert fragment["k"] == ["2"] and fragment["rank"] == ["evidence"]
        assert fragment["rev"] and fragment["at"]
        link = str(first.js("location.href"))
        assert first.errors == [] and first.external() == []
    assert "Post-coup safe city camera surveillance projects" in routes[0]
    with session(browser, base_url) as second:
        second.page.goto(link)
        again = _paths_view(second)
        second.shot("share-02-restored")
        assert again == routes
        assert second.page.input_value("#path-k") == "2"
        notice = second.page.locator("#share-notice")
        notice.wait_for(state="visible")
        assert notice.get_attribute("data-state") == "same"
        assert "has not changed" in notice.inner_text()
        badges = second.page.locator("#path-result .path").first.locator(".badge.restricted")
        assert badges.count() >= 1
        title = str(badges.first.get_attribute("title"))
        assert "Entity List" in title and "since 2019-10-09" in title
        restricted = "id => window.skgExplorer.cy.getElementById(id).hasClass('restricted')"
        assert second.js(f"({restricted})('hikvision')") is True
        assert second.js(f"({restricted})('fisca')") is False
        assert second.errors == [] and second.external() == []


def test_a_shared_entity_link_says_when_the_graph_has_changed(
    browser: Browser, base_url: str, live_kg: KnowledgeGraph, tmp_path: Path
) -> None:
    with session(browser, base_url) as first:
        first.open("/#view=entity&entity=fisca&depth=1&limit=10&denied=true")
        first.page.wait_for_function("() => window.skgExplorer.state.name === 'fisca'")
        first.page.wait_for_function("() => location.hash.includes('rev=')")
        fragment = _fragment(first)
        assert fragment["entity"] == ["fisca"] and fragment["limit"] == ["10"]
        link = str(first.js("location.href"))
        shown = first.js(
            "window.skgExplorer.cy.nodes('[kind = \"entity\"]').map(n => n.id()).sort()"
        )
    extra = tmp_path / "extra.ttl"
    extra.write_text(EXTRA)
    live_kg.load([extra])
    with session(browser, base_url) as second:
        second.page.goto(link)
        second.page.wait_for_selector("body[data-ready=true]")
        second.page.wait_for_function("() => window.skgExplorer.state.name === 'fisca'")
        notice = second.page.locator("#share-notice")
        notice.wait_for(state="visible")
        second.shot("share-03-changed")
        assert notice.get_attribute("data-state") == "changed"
        assert "has changed since" in notice.inner_text()
        assert second.page.input_value("#view-limit") == "10"
        again = second.js(
            "window.skgExplorer.cy.nodes('[kind = \"entity\"]').map(n => n.id()).sort()"
        )
        assert again == shown
        assert second.errors == [] and second.external() == []


def test_the_panel_shows_restriction_listings_and_summaries_without_quotation(
    fresh: Session,
) -> None:
    fresh.open("/#entity=hikvision")
    fresh.page.wait_for_selector("#panel .restrictions")
    note = fresh.page.locator("#panel .restrictions").inner_text()
    assert "Entity List (US Commerce Department) (since 2019-10-09" in note
    assert "FCC Covered List" in note and "2021-03" in note
    fresh.shot("share-04-restrictions")
    fresh.js("window.skgExplorer.open('naypyitaw-safe-city-project')")
    fresh.page.wait_for_function(
        "() => window.skgExplorer.state.name === 'naypyitaw-safe-city-project'"
    )
    fresh.page.wait_for_selector("#panel .claim p.summary")
    summaries = fresh.page.locator("#panel .claim p.summary").all_inner_texts()
    assert any("Cost: more than 4 billion kyat" in s for s in summaries)
    quoted = fresh.page.locator("#panel .claim blockquote").all_inner_texts()
    assert not any("Cost: more than 4 billion kyat" in q for q in quoted)
    assert any("A system of 335 surveillance cameras" in q for q in quoted)
