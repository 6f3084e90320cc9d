"""Every page the service serves works with no network (headless chromium, Playwright).

The browser context answers any request that leaves the loopback server with a failure and
records it: a page that asked the internet for a script, a style, a font, an icon or a
validator badge fails the test, and so does a page that does not come up without them.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Route
from playwright.sync_api import Error as PlaywrightError

from supplychain_kg.config import Settings

from .browser import LOCAL_SCHEMES, chromium
from .live import serve


@pytest.fixture(scope="module")
def base() -> Iterator[str]:
    with serve(Settings(memory=True)) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


class Offline:
    """A page whose every request is recorded; those off the loopback server are aborted."""

    def __init__(self, browser: Browser, base: str) -> None:
        self.base = base
        self.context = browser.new_context()
        self.requests: list[str] = []
        self.left: list[str] = []
        self.refused: list[str] = []
        self.failed: list[str] = []
        self.context.route("**/*", self._route)
        self.page: Page = self.context.new_page()
        self.page.set_default_timeout(20_000)
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.failed.append(str(error)))
        self.page.on(
            "response",
            lambda r: self.failed.append(f"{r.status} {r.url}") if r.status >= 400 else None,
        )

    def _route(self, route: Route) -> None:
        url = route.request.url
        self.requests.append(url)
        if url.startswith(self.base + "/") or url.startswith(LOCAL_SCHEMES):
            route.continue_()
        else:
            self.left.append(url)
            route.abort("internetdisconnected")

    def _console(self, message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            self.refused.append(message.text)

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def offline(browser: Browser, base: str) -> Iterator[Offline]:
    session = Offline(browser, base)
    try:
        yield session
    finally:
        session.close()


def _settled(session: Offline) -> None:
    session.page.wait_for_load_state("networkidle")
    assert session.left == [], f"requests left the loopback server: {session.left}"
    assert session.refused == [], session.refused
    assert session.failed == [], session.failed


def test_the_api_docs_come_up_offline_with_every_route(offline: Offline) -> None:
    page = offline.page
    page.goto(f"{offline.base}/docs")
    page.wait_for_selector(".swagger-ui .info .title")
    assert "supplychain-kg" in page.inner_text(".swagger-ui .info .title")
    page.wait_for_selector(".opblock")
    shown = page.eval_on_selector_all(
        ".opblock-summary-path", "nodes => nodes.map(n => n.dataset.path || n.innerText)"
    )
    for route in ("/sparql", "/update", "/store", "/paths", "/entities/{ref}", "/stats"):
        assert route in shown, f"{route} is not in the documentation: {shown}"
    icons = page.eval_on_selector_all("link[rel~=icon]", "links => links.map(l => l.href)")
    assert len(icons) == 2 and all(
        icon.startswith(offline.base + "/docs/assets/") for icon in icons
    )
    for icon in icons:
        answer = httpx.get(icon)
        assert answer.status_code == 200 and answer.content.startswith(b"\x89PNG")
    assert f"{offline.base}/openapi.json" in offline.requests
    _settled(offline)


def test_the_explorer_comes_up_offline(offline: Offline) -> None:
    offline.page.goto(f"{offline.base}/")
    offline.page.wait_for_selector("body[data-ready=true]")
    _settled(offline)
    assert f"{offline.base}/explorer/vendor/cytoscape.min.js" in offline.requests


def test_the_query_editor_comes_up_offline(offline: Offline) -> None:
    offline.page.goto(f"{offline.base}/sparql")
    offline.page.wait_for_selector(".yasqe .CodeMirror")
    _settled(offline)
    assert f"{offline.base}/sparql-editor/yasgui.min.js" in offline.requests


def test_the_check_catches_a_page_that_reaches_out(offline: Offline) -> None:
    """The recorder itself: a request to another origin is caught and aborted."""
    with pytest.raises(PlaywrightError, match="ERR_INTERNET_DISCONNECTED"):
        offline.page.goto("https://example.org/x")
    assert offline.left == ["https://example.org/x"]
