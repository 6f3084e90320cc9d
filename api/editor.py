"""The browser query editor on ``GET /sparql`` (YASGUI, served by the app, no internet).

YASGUI's built files come from the npm registry at build time (``hatch_build.py``) into
``api/static/vendor/``; the page loads them from ``/sparql-editor/``. If they are missing (a
build without npm) the page falls back to a plain textarea that submits to the endpoint.
The example queries of ``graph/queries/*.rq`` are one click away in both.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse

from supplychain_kg.config import graph_dir

__all__ = [
    "ASSETS",
    "Example",
    "assets_available",
    "editor_headers",
    "editor_page",
    "examples",
    "router",
]

ASSETS = Path(__file__).resolve().parent / "static" / "vendor"
_FILES = {"yasgui.min.js": "text/javascript", "yasgui.min.css": "text/css"}

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True)
class Example:
    """An example query: file stem, its first comment line as title, and its text."""

    name: str
    title: str
    text: str


@cache
def examples() -> tuple[Example, ...]:
    """The example queries shipped in ``graph/queries/``."""
    folder = graph_dir() / "queries"
    found = []
    for path in sorted(folder.glob("*.rq")) if folder.is_dir() else []:
        text = path.read_text("utf-8")
        first = text.splitlines()[0] if text else ""
        title = first.lstrip("# ").strip() if first.startswith("#") else path.stem
        found.append(Example(path.stem, title, text))
    return tuple(found)


def assets_available() -> bool:
    return all((ASSETS / name).is_file() for name in _FILES)


@router.get("/sparql-editor/{name}")
def asset(name: str) -> FileResponse:
    """YASGUI's script and stylesheet (only these two names)."""
    if name not in _FILES or not (ASSETS / name).is_file():
        raise HTTPException(status_code=404, detail=f"no editor asset named {name!r}")
    return FileResponse(
        ASSETS / name,
        media_type=_FILES[name],
        headers={"Cache-Control": "public, max-age=86400"},
    )


_YASGUI = """<link rel="stylesheet" href="/sparql-editor/yasgui.min.css">
<script src="/sparql-editor/yasgui.min.js"></script>
<div id="yasgui"></div>
<script>
  const examples = {examples};
  const Y = window.Yasgui;
  // Nothing is fetched from the internet: no LOV class/property look-ups.
  Y.Yasqe.defaults.autocompleters = Y.Yasqe.defaults.autocompleters.filter(
    (name) => name !== "class" && name !== "property");
  const yasgui = new Y(document.getElementById("yasgui"), {{
    requestConfig: {{ endpoint: {endpoint}, method: "POST" }},
    copyEndpointOnNewTab: true,
    endpointCatalogueOptions: {{ getData: () => [{{ endpoint: {endpoint} }}] }},
    persistenceId: "skg-editor",
  }});
  window.skgYasgui = yasgui;
  function showExample(name) {{
    const tab = yasgui.getTab();
    tab.setQuery(examples[name]);
    tab.query();
  }}
  document.querySelectorAll("button[data-example]").forEach((button) =>
    button.addEventListener("click", () => showExample(button.dataset.example)));
</script>"""

_TEXTAREA = """<p class="note">The full editor's files are not installed (a build without npm);
this plain editor posts to the same endpoint.</p>
<form method="post" action="/sparql" id="plain">
<textarea name="query" id="query" rows="18" cols="100"></textarea><br>
<button type="submit">Run query</button>
</form>
<script>
  const examples = {examples};
  // a link such as the explorer's "/sparql#query=..." fills the editor (as YASGUI does)
  const linked = new URLSearchParams(location.hash.slice(1)).get("query");
  if (linked) document.getElementById("query").value = linked;
  document.querySelectorAll("button[data-example]").forEach((button) =>
    button.addEventListener("click", () => {{
      document.getElementById("query").value = examples[button.dataset.example];
    }}));
</script>"""


def _script_json(value: object) -> str:
    """JSON safe inside a <script> element."""
    return json.dumps(value).replace("<", "\\u003c").replace(">", "\\u003e")


_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.S)


def editor_headers(page: str) -> dict[str, str]:
    """A Content-Security-Policy for ``page``: its own inline scripts (by hash) and files from
    this origin only, so that nothing in the editor can reach the internet."""
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(m.encode()).digest()).decode() + "'"
        for m in _INLINE_SCRIPT.findall(page)
    )
    policy = "; ".join(
        (
            "default-src 'none'",
            f"script-src 'self' {hashes}".rstrip(),
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data:",
            "font-src 'self' data:",
            "connect-src 'self'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        )
    )
    return {"Content-Security-Policy": policy, "X-Content-Type-Options": "nosniff"}


def editor_page(endpoint: str) -> str:
    """The editor page for ``endpoint`` with one button per example query."""
    items = examples()
    buttons = "\n".join(
        f'<li><button type="button" data-example="{html.escape(e.name)}" '
        f'title="{html.escape(e.name)}.rq">{html.escape(e.title)}</button></li>'
        for e in items
    )
    data = _script_json({e.name: e.text for e in items})
    body = _YASGUI if assets_available() else _TEXTAREA
    body = body.format(examples=data, endpoint=_script_json(endpoint))
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>supplychain-kg SPARQL editor</title>
<style>
  body {{ font-family: system-ui, sans-serif; margin: 1rem 2rem; }}
  #examples ul {{ list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: .4rem; }}
  #examples button {{ cursor: pointer; max-width: 28rem; text-align: left; }}
  .note {{ color: #8a4b00; }}
</style></head>
<body>
<h1>supplychain-kg SPARQL endpoint</h1>
<p>Endpoint: <code>{html.escape(endpoint)}</code>. Every link rests on claims with their source:
query <code>skg:Claim</code> nodes for the evidence.</p>
<nav id="examples"><h2>Example queries</h2><ul>
{buttons}
</ul></nav>
{body}
</body></html>
"""
