"""Headless Chromium (Debian's ``chromium``) driven by Playwright, for the explorer tests.

No browser is downloaded: Playwright launches ``/usr/bin/chromium``. Every request the page
makes is recorded, so a test can prove nothing left the loopback server.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Page, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "explorer"
LOCAL_SCHEMES = ("data:", "blob:", "about:")


@contextlib.contextmanager
def chromium() -> Iterator[Browser]:
    if not CHROMIUM.is_file():
        raise RuntimeError(f"{CHROMIUM} is missing: install Debian's chromium package")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class Session:
    """A page on the explorer with every request and browser error it saw."""

    page: Page
    base: str
    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def external(self) -> list[str]:
        """Requests that went anywhere but the loopback server."""
        return [
            url
            for url in self.requests
            if not url.startswith(self.base + "/") and not url.startswith(LOCAL_SCHEMES)
        ]

    def shot(self, name: str) -> None:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"{name}.png"))

    def js(self, expression: str, arg: Any = None) -> Any:
        return self.page.evaluate(expression, arg)

    def open(self, path: str = "/") -> None:
        self.page.goto(self.base + path)
        self.page.wait_for_selector("body[data-ready=true]")


@contextlib.contextmanager
def session(browser: Browser, base: str, **context: Any) -> Iterator[Session]:
    ctx = browser.new_context(
        viewport={"width": 1366, "height": 768}, accept_downloads=True, **context
    )
    page = ctx.new_page()
    page.set_default_timeout(15_000)
    result = Session(page, base)
    page.on("request", lambda request: result.requests.append(request.url))
    page.on("pageerror", lambda error: result.errors.append(str(error)))
    page.on(
        "console",
        lambda message: (
            result.errors.append(message.text)
            if message.type == "error" and not message.text.startswith("Failed to load resource")
            else None
        ),
    )
    page.on(
        "response",
        lambda response: (
            result.errors.append(f"{response.status} {response.url}")
            if response.status >= 400
            else None
        ),
    )
    try:
        yield result
    finally:
        ctx.close()
