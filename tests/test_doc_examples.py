"""Every shell example of README.md and docs/*.md runs, and prints what it shows.

The convention is in docs/contributing.md and tests/doc_examples.py. Each example runs against a
copy of one seeded store made per test session (a copy per example, so examples may write).
The selected examples run side by side (each has its own folder, store and port) the first time
one of them is asked for; each test then reports its own example.
"""

from __future__ import annotations

import os
import subprocess
from concurrent.futures import ThreadPoolExecutor
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


@pytest.fixture(scope="session")
def example_results(
    request: pytest.FixtureRequest, store_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, list[str]]:
    """The failures of every selected example, run side by side."""
    selected = {
        item.callspec.params["example"].name
        for item in request.session.items
        if item.originalname == "test_doc_example_prints_what_it_shows"
    }
    chosen = [example for example in EXAMPLES if example.name in selected]
    work = tmp_path_factory.mktemp("doc-examples")
    before = _repository_state()
    workers = max(2, min(4, os.cpu_count() or 1))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        runs = [
            pool.submit(run_example, example, ROOT, store_template, work / str(n) / "ex")
            for n, example in enumerate(chosen)
        ]
        results = {example.name: run.result() for example, run in zip(chosen, runs, strict=True)}
    if _repository_state() != before:
        for failures in results.values():
            failures.append("the examples wrote into the repository (write under /tmp/ex/)")
    return results


@pytest.mark.parametrize("example", EXAMPLES, ids=[example.name for example in EXAMPLES])
def test_doc_example_prints_what_it_shows(
    example: Example, example_results: dict[str, list[str]]
) -> None:
    failures = example_results[example.name]
    assert not failures, "stale example output:\n" + "\n\n".join(failures)


def test_an_example_that_writes_into_the_repository_is_seen(
    store_template: Path, tmp_path: Path
) -> None:
    page = tmp_path / "writes.md"
    page.write_text("```console\n$ touch stray-doc-example-file\n```\n", encoding="utf-8")
    before = _repository_state()
    try:
        assert run_example(examples_in(page)[0], ROOT, store_template, tmp_path / "ex") == []
        assert _repository_state() != before
    finally:
        (ROOT / "stray-doc-example-file").unlink(missing_ok=True)


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


# outputs the README showed before the runner existed, each wrong by then
STALE = [
    (
        "$ skg -q export --format gexf -o /tmp/ex/seed.gexf",
        "wrote 69 nodes and 89 edges to /tmp/ex/seed.gexf",
    ),
    (
        "$ skg -q export --source hikvision --target naypyitaw-council --k 2 -o /tmp/ex/path.graphml",
        "wrote 8 nodes and 8 edges to /tmp/ex/path.graphml",
    ),
]


@pytest.mark.parametrize(("command", "shown"), STALE, ids=["gexf-edges", "path-export"])
def test_the_readme_outputs_that_had_drifted_fail(
    command: str, shown: str, store_template: Path, tmp_path: Path
) -> None:
    page = tmp_path / "old.md"
    page.write_text(f"```console\n{command}\n{shown}\n```\n", encoding="utf-8")
    (failure,) = run_example(examples_in(page)[0], ROOT, store_template, tmp_path / "ex")
    assert shown in failure and "got:" in failure


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
