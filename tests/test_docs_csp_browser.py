"""The API pages under their Content-Security-Policy in a real browser (headless chromium).

No network here: the Swagger UI files FastAPI's ``/docs`` loads from its CDN are answered by a
stand-in, so the test shows what the policy allows: the CDN file and the page's own inline
start script (by hash), which runs and fetches ``/openapi.json`` from the app, and nothing
the policy refuses.
"""

from __future__ import annotations

from playwright.sync_api import ConsoleMessage, Route

from supplychain_kg.config import Settings

from .browser import chromium
from .live import serve

STAND_IN = """window.SwaggerUIBundle = function (config) {
  fetch(config.url).then((r) => r.json()).then((spec) => {
    document.body.dataset.title = spec.info.title;
  });
};
window.SwaggerUIBundle.presets = { apis: {} };
window.SwaggerUIBundle.SwaggerUIStandalonePreset = {};"""


def test_the_docs_page_runs_its_inline_script_and_nothing_is_refused() -> None:
    refused: list[str] = []

    def console(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            refused.append(message.text)

    def cdn(route: Route) -> None:
        is_script = route.request.url.endswith(".js")
        route.fulfill(
            status=200,
            content_type="text/javascript" if is_script else "text/css",
            body=STAND_IN if is_script else "",
        )

    with serve(Settings(memory=True, seed=False)) as url, chromium() as browser:
        page = browser.new_page()
        page.on("console", console)
        page.route("https://cdn.jsdelivr.net/**", cdn)
        page.route("https://fastapi.tiangolo.com/**", lambda route: route.abort())
        page.goto(f"{url}/docs")
        page.wait_for_selector("body[data-title=supplychain-kg]", state="attached", timeout=15_000)
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
