"""Run the shell examples of README.md and docs/*.md and compare the output they show.

The convention (docs/contributing.md says it for writers):

- An example is a fenced block whose info string is ``console``. A line starting with ``$ ``
  is a command; lines after it starting with ``> `` continue it (as the shell's second prompt
  shows a line ended by ``\\`` or an open quote); the other lines, up to the next command, are
  its expected output: standard output and standard error together, as a terminal shows them.
- Each example runs in a fresh scratch folder, shown as ``/tmp/ex``, with a copy of a seeded
  store at ``/tmp/ex/store`` (``SKG_STORE``), ``skg`` from the test's virtual environment
  first on ``PATH`` and the repository root as working folder. Commands of one block share
  the folder and the store, in order; each runs in its own ``bash -c``.
- A line ``<!-- doc-example: OPTION ... -->`` just before the fence sets options:
  ``empty-store`` (no store yet: the first command seeds it) and ``serve [NAME=VALUE ...]``
  (start ``skg serve`` on the block's store with those settings, on a free loopback port shown
  as ``127.0.0.1:8000``; it is stopped after the block).
- Output that legitimately varies is written ``...``: a line that is only ``...`` stands for
  any number of lines (none included), ``...`` inside a line for any text on that line.
  Trailing spaces and trailing blank lines are ignored; nothing else is.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import httpx

__all__ = [
    "Command",
    "Example",
    "ExampleError",
    "compare",
    "examples_in",
    "main",
    "matches",
    "run_example",
    "seed_template",
    "stray_prompts",
]

SCRATCH_SHOWN = "/tmp/ex"
PORT_SHOWN = 8000
DIRECTIVE = re.compile(r"^<!--\s*doc-example:\s*(?P<options>.*?)\s*-->\s*$")
FENCE = re.compile(r"^(?P<fence>`{3,}|~{3,})\s*(?P<info>[^`]*)$")
COMMAND_TIMEOUT = 120.0


class ExampleError(Exception):
    """An example block that breaks the convention (a parse error, not a mismatch)."""


@dataclass
class Command:
    text: str
    line: int
    expected: list[str] = field(default_factory=list)


@dataclass
class Example:
    path: Path
    line: int
    commands: list[Command]
    empty_store: bool = False
    serve: dict[str, str] | None = None

    @property
    def name(self) -> str:
        return f"{self.path.name}:{self.line}"


def _options(text: str, where: str) -> tuple[bool, dict[str, str] | None]:
    words = text.split()
    empty, serve = False, None
    while words:
        word = words.pop(0)
        if word == "empty-store":
            empty = True
        elif word == "serve":
            serve = {}
            while words and "=" in words[0]:
                key, _, value = words.pop(0).partition("=")
                serve[key] = value
        else:
            raise ExampleError(f"{where}: unknown doc-example option {word!r}")
    return empty, serve


def _commands(lines: Sequence[str], first: int, where: str) -> list[Command]:
    commands: list[Command] = []
    for offset, line in enumerate(lines):
        if line.startswith("$ "):
            commands.append(Command(line[2:], first + offset))
        elif line.startswith("> ") and commands and not commands[-1].expected:
            commands[-1].text += "\n" + line[2:]
        elif commands:
            commands[-1].expected.append(line)
        elif line.strip():
            raise ExampleError(f"{where}: a console block must start with a '$ ' command")
    if not commands:
        raise ExampleError(f"{where}: a console block without a '$ ' command")
    return commands


def examples_in(path: Path) -> list[Example]:
    """Every ``console`` block of a Markdown file, in order."""
    lines = path.read_text(encoding="utf-8").splitlines()
    examples: list[Example] = []
    index = 0
    while index < len(lines):
        opening = FENCE.match(lines[index].lstrip())
        if not opening:
            index += 1
            continue
        fence, indent = opening["fence"], len(lines[index]) - len(lines[index].lstrip())
        end = index + 1
        while end < len(lines) and not lines[end].lstrip().startswith(fence):
            end += 1
        if opening["info"].strip() == "console":
            where = f"{path.name}:{index + 1}"
            if indent:
                raise ExampleError(f"{where}: a console block starts at the left margin")
            before = index - 1
            while before >= 0 and not lines[before].strip():
                before -= 1
            directive = DIRECTIVE.match(lines[before].strip()) if before >= 0 else None
            empty, serve = _options(directive["options"], where) if directive else (False, None)
            body = [
                line[indent:] if not line[:indent].strip() else line
                for line in lines[index + 1 : end]
            ]
            commands = _commands(body, index + 2, where)
            examples.append(Example(path, index + 1, commands, empty, serve))
        index = end + 1
    return examples


def stray_prompts(path: Path) -> list[int]:
    """Line numbers of ``$ `` prompts outside ``console`` blocks (examples no test would run)."""
    stray: list[int] = []
    fence: str | None = None
    console = False
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        opening = FENCE.match(line.lstrip())
        if fence is None and opening:
            fence, console = opening["fence"], opening["info"].strip() == "console"
        elif fence is not None and line.lstrip().startswith(fence):
            fence = None
        elif not console and line.lstrip().startswith("$ "):
            stray.append(number)
    return stray


@cache
def _pattern(line: str) -> re.Pattern[str]:
    return re.compile(".*".join(re.escape(part) for part in line.split("...")), re.DOTALL)


def matches(expected: Sequence[str], actual: Sequence[str]) -> bool:
    """Whether the actual lines fit the expected ones, ``...`` being a wildcard (see above)."""
    # reachable[j]: expected[:i] can match actual[:j]
    reachable = [True] + [False] * len(actual)
    for line in expected:
        if line.strip() == "...":
            for j in range(1, len(actual) + 1):
                reachable[j] = reachable[j] or reachable[j - 1]
            continue
        pattern = _pattern(line)
        reachable = [False] + [
            reachable[j] and pattern.fullmatch(actual[j]) is not None for j in range(len(actual))
        ]
    return reachable[-1]


def _clean(lines: Sequence[str]) -> list[str]:
    cleaned = [line.rstrip() for line in lines]
    while cleaned and not cleaned[-1]:
        cleaned.pop()
    return cleaned


def compare(expected: Sequence[str], actual: Sequence[str]) -> str | None:
    """None when the output fits, else a readable account of the difference."""
    want, got = _clean(expected), _clean(actual)
    if matches(want, got):
        return None
    shown = "\n".join(f"    {line}" for line in want)
    printed = "\n".join(f"    {line}" for line in got)
    return f"  expected:\n{shown}\n  got:\n{printed}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _environment(scratch: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("SKG_")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["SKG_STORE"] = str(scratch / "store")
    env["PYTHONUNBUFFERED"] = "1"
    env["HOME"] = str(scratch / "home")
    for name in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "VIRTUAL_ENV"):
        env.pop(name, None)
    return env


@contextmanager
def _server(env: dict[str, str], settings: dict[str, str], log: Path) -> Iterator[int]:
    port = free_port()
    with log.open("wb") as out:
        process = subprocess.Popen(
            ["skg", "serve", "--port", str(port)],
            env={**env, **settings},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise ExampleError(f"skg serve ended: {log.read_text(errors='replace')}")
            try:
                httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).raise_for_status()
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise ExampleError("skg serve did not answer /health within 60 s") from None
                time.sleep(0.05)
        yield port
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _run(command: str, env: dict[str, str], repo: Path, scratch: Path, port: int | None) -> str:
    text = re.sub(rf"{re.escape(SCRATCH_SHOWN)}(?![\w.-])", str(scratch), command)
    if port is not None:
        text = re.sub(rf"(127\.0\.0\.1|localhost):{PORT_SHOWN}\b", rf"\g<1>:{port}", text)
    done = subprocess.run(
        ["bash", "-c", text],
        cwd=repo,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        timeout=COMMAND_TIMEOUT,
        check=False,
    )
    output = done.stdout.decode("utf-8", errors="replace").replace(str(scratch), SCRATCH_SHOWN)
    if port is not None:
        output = re.sub(rf"(127\.0\.0\.1|localhost):{port}\b", rf"\g<1>:{PORT_SHOWN}", output)
    return output


def run_example(example: Example, repo: Path, template: Path, scratch: Path) -> list[str]:
    """Run one example in ``scratch``; the failures, one readable text per command."""
    scratch.mkdir(parents=True, exist_ok=True)
    (scratch / "home").mkdir()
    if not example.empty_store:
        shutil.copytree(template, scratch / "store", ignore=shutil.ignore_patterns("*.lock"))
    env = _environment(scratch)
    failures: list[str] = []
    with _maybe_server(example, env, scratch) as port:
        for command in example.commands:
            output = _run(command.text, env, repo, scratch, port)
            problem = compare(command.expected, output.splitlines())
            if problem:
                where = f"{example.path.name}:{command.line}"
                failures.append(f"{where}: $ {command.text}\n{problem}")
    return failures


@contextmanager
def _maybe_server(example: Example, env: dict[str, str], scratch: Path) -> Iterator[int | None]:
    if example.serve is None:
        yield None
        return
    with _server(env, example.serve, scratch / "serve.log") as port:
        yield port


def seed_template(target: Path) -> Path:
    """A seeded on-disk store made by ``skg stats``, to be copied into every example."""
    (target.parent / "home").mkdir(parents=True, exist_ok=True)
    env = _environment(target.parent)
    env["SKG_STORE"] = str(target)
    subprocess.run(["skg", "-q", "stats"], env=env, check=True, capture_output=True)
    return target


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m tests.doc_examples PAGE.md...``: run the pages' examples, print what failed."""
    pages = [Path(arg) for arg in (sys.argv[1:] if argv is None else argv)]
    repo = Path(__file__).resolve().parents[1]
    failed = 0
    with tempfile.TemporaryDirectory(prefix="skg-doc-examples-") as work:
        template = seed_template(Path(work) / "template" / "store")
        for number, example in enumerate(ex for page in pages for ex in examples_in(page)):
            failures = run_example(example, repo, template, Path(work) / str(number) / "ex")
            print(f"{example.name}: {'FAILED' if failures else 'ok'}")
            for failure in failures:
                print(failure, end="\n\n")
            failed += bool(failures)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
