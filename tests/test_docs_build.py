"""The documentation site builds with `mkdocs build --strict` and loads nothing from elsewhere.

MkDocs comes with the `docs` extra (`pip install -e '.[docs]'`). A strict build fails on a
broken link or anchor, and on a page of docs/ missing from the navigation of mkdocs.yml.
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
import tomllib
from html.parser import HTMLParser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# attributes through which a page makes the browser fetch something
FETCHING = {
    "script": ("src",),
    "link": ("href",),
    "img": ("src", "srcset"),
    "iframe": ("src",),
    "source": ("src", "srcset"),
    "video": ("src", "poster"),
    "audio": ("src",),
    "embed": ("src",),
    "object": ("data",),
}
ELSEWHERE = re.compile(r"^\s*(?:[a-z][a-z0-9+.-]*:)?//", re.IGNORECASE)
CSS_URL = re.compile(r"""url\(\s*['"]?([^'")]+)|@import\s+['"]([^'"]+)""", re.IGNORECASE)


class _Fetches(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value and name in FETCHING.get(tag, ()):
                self.urls.append(value)


def fetched_elsewhere(site: Path) -> list[str]:
    """Every resource a page or stylesheet of the site would load from another origin."""
    found = []
    for page in sorted(site.rglob("*.html")):
        parser = _Fetches()
        parser.feed(page.read_text(encoding="utf-8"))
        found += [f"{page.name}: {url}" for url in parser.urls if ELSEWHERE.match(url)]
    for sheet in sorted(site.rglob("*.css")):
        for match in CSS_URL.finditer(sheet.read_text(encoding="utf-8", errors="replace")):
            url = match[1] or match[2]
            if ELSEWHERE.match(url):
                found.append(f"{sheet.name}: {url}")
    return found


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if importlib.util.find_spec("mkdocs") is None:
        pytest.fail("mkdocs is not installed: pip install -e '.[docs]'")
    target = tmp_path_factory.mktemp("site")
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(target)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, f"mkdocs build --strict failed:\n{done.stdout}{done.stderr}"
    return target


def test_docs_build_strict_with_every_page(site: Path) -> None:
    pages = {page.stem for page in (ROOT / "docs").glob("*.md")}
    built = {page.stem for page in site.glob("*.html")}
    assert pages <= built
    assert "contributing" in pages


def test_docs_load_nothing_from_another_origin(site: Path) -> None:
    assert fetched_elsewhere(site) == []


def test_the_origin_check_sees_a_remote_script_and_font(tmp_path: Path) -> None:
    (tmp_path / "a.html").write_text(
        '<link rel="stylesheet" href="https://cdn.example/x.css">'
        '<script src="//cdn.example/x.js"></script><a href="https://example.org/">ok</a>'
    )
    (tmp_path / "b.css").write_text("@font-face { src: url('https://fonts.example/f.woff2') }")
    assert fetched_elsewhere(tmp_path) == [
        "a.html: https://cdn.example/x.css",
        "a.html: //cdn.example/x.js",
        "b.css: https://fonts.example/f.woff2",
    ]


def test_readme_is_a_front_page_with_two_commands_and_five_examples() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme.splitlines()) < 200
    for script in ("scripts/serve", "scripts/test"):
        assert f"```sh\n{script}\n```" in readme
        assert (ROOT / script).stat().st_mode & 0o111
    assert readme.count("```console") >= 5


def test_license_is_the_one_pyproject_names() -> None:
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert meta["license"] == "MIT"
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License\n")
    assert 'THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND' in text
