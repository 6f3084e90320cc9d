"""The query editor in a real (headless Chromium) browser: one click runs an example query.

Chromium is driven over the DevTools protocol (``websockets`` comes with uvicorn[standard]);
the page may reach nothing but the test server.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import time
import urllib.request
from typing import Any

import pytest
import websockets

from supplychain_kg.config import Settings
from tests.live import free_port, serve


async def _evaluate(ws: Any, counter: list[int], method: str, **params: Any) -> dict[str, Any]:
    counter[0] += 1
    await ws.send(json.dumps({"id": counter[0], "method": method, "params": params}))
    while True:
        message = json.loads(await ws.recv())
        if message.get("id") == counter[0]:
            result: dict[str, Any] = message.get("result", {})
            return result


async def _wait_for(ws: Any, counter: list[int], expression: str, timeout: float) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        answer = await _evaluate(ws, counter, "Runtime.evaluate", expression=expression)
        value = answer.get("result", {}).get("value")
        if value or time.monotonic() > deadline:
            return value
        await asyncio.sleep(0.2)


async def _click_example(ws_url: str, page: str) -> tuple[Any, Any, Any]:
    async with websockets.connect(ws_url, max_size=50_000_000) as ws:
        counter = [0]
        await _evaluate(ws, counter, "Page.enable")
        await _evaluate(ws, counter, "Page.navigate", url=page)
        ready = await _wait_for(ws, counter, "!!window.skgYasgui", 20)
        await _evaluate(
            ws,
            counter,
            "Runtime.evaluate",
            expression="document.querySelector('button[data-example=\"sourcing\"]').click()",
        )
        rows = await _wait_for(
            ws, counter, "document.querySelectorAll('.yasr tbody tr').length", 20
        )
        editor = await _wait_for(ws, counter, "window.skgYasgui.getTab().getQuery()", 5)
        return ready, rows, editor


def test_one_click_on_an_example_runs_it_in_yasgui() -> None:
    chromium = shutil.which("chromium")
    assert chromium, "chromium is missing (scripts/debian-packages.txt installs it)"
    port = free_port()
    with serve(Settings(memory=True)) as url:
        browser = subprocess.Popen(
            [
                chromium,
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                f"--remote-debugging-port={port}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            tabs: list[dict[str, Any]] = []
            for _ in range(100):
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/json") as answer:
                        tabs = json.load(answer)
                    if tabs:
                        break
                except OSError:
                    time.sleep(0.2)
            ws_url = next(t["webSocketDebuggerUrl"] for t in tabs if t["type"] == "page")
            ready, rows, editor = asyncio.run(_click_example(ws_url, f"{url}/sparql"))
        finally:
            browser.terminate()
            browser.wait(timeout=20)
    assert ready is True, "YASGUI did not start"
    assert "skg:sourcesFrom" in editor
    assert isinstance(rows, int) and rows > 0, "the example query showed no rows"


pytestmark = pytest.mark.slow
