"""The API docs page under its Content-Security-Policy in a real browser (headless chromium).

Swagger UI's files are served by the app (api/docs_pages.py): the page's own inline start
script runs (allowed by hash) and fetches ``/openapi.json``, nothing the policy refuses is
asked for, and an inline script the page did not ship does not run.
"""

from __future__ import annotations

from playwright.sync_api import ConsoleMessage

from supplychain_kg.config import Settings

from .browser import chromium
from .live import serve


def test_the_docs_page_runs_its_inline_script_and_nothing_is_refused() -> None:
    refused: list[str] = []

    def console(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            refused.append(message.text)

    with serve(Settings(memory=True, seed=False)) as url, chromium() as browser:
        page = browser.new_page()
        page.on("console", console)
        page.goto(f"{url}/docs")
        page.wait_for_selector(".swagger-ui .info .title", timeout=15_000)
        assert "supplychain-kg" in page.inner_text(".swagger-ui .info .title")
        page.wait_for_load_state("networkidle")
        refused_by_the_page = list(refused)
        injected = page.evaluate(
            """() => new Promise((done) => {
                 const s = document.createElement("script");
                 s.textContent = "document.body.dataset.injected = 'ran'";
                 document.body.append(s);
                 setTimeout(() => done(document.body.dataset.injected || "refused"), 200);
               })"""
        )
    assert refused_by_the_page == []
    assert injected == "refused"  # an inline script the page did not ship does not run
    assert any("inline script" in r for r in refused)
