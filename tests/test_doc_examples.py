"""Every shell example of README.md and docs/*.md runs, and prints what it shows.

The convention is in docs/contributing.md and tests/doc_examples.py. Each example runs against a
copy of one seeded store made per test session (a copy per example, so examples may write).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.doc_examples import (
    Example,
    compare,
    examples_in,
    matches,
    run_example,
    seed_template,
    stray_prompts,
)

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
EXAMPLES = [example for page in PAGES for example in examples_in(page)]


@pytest.fixture(scope="session")
def store_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return seed_template(tmp_path_factory.mktemp("doc-template") / "store")


def _repository_state() -> str:
    done = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=all"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout if done.returncode == 0 else ""


@pytest.mark.parametrize("example", EXAMPLES, ids=[example.name for example in EXAMPLES])
def test_doc_example_prints_what_it_shows(
    example: Example, store_template: Path, tmp_path: Path
) -> None:
    before = _repository_state()
    failures = run_example(example, ROOT, store_template, tmp_path / "ex")
    assert not failures, "stale example output:\n" + "\n\n".join(failures)
    assert _repository_state() == before, "an example wrote into the repository (use /tmp/ex/)"


def test_every_page_with_shell_examples_is_collected() -> None:
    pages = {example.path.name for example in EXAMPLES}
    assert "README.md" in pages
    assert len(EXAMPLES) >= 5


@pytest.mark.parametrize("page", PAGES, ids=[page.name for page in PAGES])
def test_no_shell_prompt_outside_a_console_block(page: Path) -> None:
    assert stray_prompts(page) == [], f"{page.name}: '$ ' lines no test runs (use ```console)"


def test_a_prompt_in_another_block_is_seen(tmp_path: Path) -> None:
    page = tmp_path / "p.md"
    page.write_text("```sh\n$ skg stats\n```\n\n    $ skg show x\n\n```console\n$ skg stats\n```\n")
    assert stray_prompts(page) == [2, 5]


def test_wildcards_match_what_they_say() -> None:
    assert matches(["a", "...", "d"], ["a", "b", "c", "d"])
    assert matches(["a", "...", "d"], ["a", "d"])
    assert matches(["took ... s"], ["took 0.2 s"])
    assert not matches(["took ... s"], ["took 0.2 ms!"])
    assert not matches(["triples: 1,947"], ["triples: 1,948"])
    assert not matches(["a"], ["a", "b"])
    assert not matches(["a", "b"], ["a"])
    assert matches(["..."], [])


def test_trailing_blank_lines_and_spaces_are_ignored_but_nothing_else() -> None:
    assert compare(["x  ", ""], ["x", "", ""]) is None
    problem = compare(["x"], [" x"])
    assert problem is not None and "expected" in problem


def test_a_stale_example_fails(store_template: Path, tmp_path: Path) -> None:
    page = tmp_path / "stale.md"
    page.write_text(
        "```console\n$ skg -q stats --format json | grep -c triples\n7\n```\n", encoding="utf-8"
    )
    (example,) = examples_in(page)
    failures = run_example(example, ROOT, store_template, tmp_path / "ex")
    assert len(failures) == 1 and "stale.md:2" in failures[0] and "got:\n    1" in failures[0]


def test_a_served_example_sees_the_port_it_shows(store_template: Path, tmp_path: Path) -> None:
    page = tmp_path / "served.md"
    page.write_text(
        "<!-- doc-example: serve SKG_WRITE_TOKEN=s3cret -->\n"
        "```console\n"
        "$ curl -s -o /dev/null -w '%{http_code} %{url_effective}\\n' \\\n"
        ">   http://127.0.0.1:8000/health\n"
        "200 http://127.0.0.1:8000/health\n"
        "```\n",
        encoding="utf-8",
    )
    (example,) = examples_in(page)
    assert example.serve == {"SKG_WRITE_TOKEN": "s3cret"}
    assert run_example(example, ROOT, store_template, tmp_path / "ex") == []
