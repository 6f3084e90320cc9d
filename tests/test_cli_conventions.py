"""The ``skg`` command behaves as command-line tools are expected to (docs/cli.md): help on
every option with its default, an example per command that works, global options anywhere,
``-v``/``--log-level``, JSON wherever the output is data, the documented exit codes, and
``skg serve`` saying "serving on" only once it accepts connections."""

from __future__ import annotations

import argparse
import json
import re
import shlex
import socket
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import httpx
import pytest

from supplychain_kg.cli import main
from supplychain_kg.cli.conventions import EXAMPLES
from supplychain_kg.cli.parser import build_parser

from .conftest import FIXTURES, ROOT
from .live import free_port


def _commands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    (sub,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(sub.choices)


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    try:
        code = main(list(args))
    except SystemExit as exit_:  # argparse's own exits (usage errors, --help)
        code = int(exit_.code or 0)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_every_option_of_every_command_has_help_and_shows_its_default() -> None:
    commands = _commands()
    assert set(commands) == set(EXAMPLES)  # an example for every command, and no stale one
    for name, command in commands.items():
        text = " ".join(command.format_help().split())
        for action in command._actions:
            if isinstance(action, argparse._HelpAction):
                continue
            label = action.option_strings[0] if action.option_strings else action.dest
            assert action.help, f"skg {name} {label} has no help"
            default = action.default
            if action.option_strings and default not in (None, False, [], argparse.SUPPRESS):
                assert f"default: {default}" in text or "(default" in action.help, (name, label)


def test_every_example_is_a_valid_command_line_of_its_command() -> None:
    commands = _commands()
    for name, examples in EXAMPLES.items():
        assert examples, name
        epilog = commands[name].epilog or ""
        for example in examples:
            assert f"$ {example}" in epilog
            words = shlex.split(example)
            assert words[:2] == ["skg", name]
            args = build_parser().parse_args(words[1:])
            assert args.command == name


RUNNABLE = [
    example
    for name in ("load", "validate", "query", "stats", "search", "show", "path", "neighbors")
    for example in EXAMPLES[name]
    if "*" not in example and "new-source" not in example
] + EXAMPLES["export"]


@pytest.mark.parametrize("example", RUNNABLE)
def test_the_examples_run(
    example: str,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Run from a folder where graph/ is the repository's, on a fresh in-memory store (the
    global options given after the command's own)."""
    (tmp_path / "graph").symlink_to(ROOT / "graph")
    monkeypatch.chdir(tmp_path)
    code, out, err = _run(capsys, *shlex.split(example)[1:], "--memory", "-q")
    assert code == 0, err
    assert out.strip(), example


def test_global_options_go_before_or_after_the_command(capsys: pytest.CaptureFixture[str]) -> None:
    before = _run(capsys, "--memory", "-q", "show", "hikvision", "--format", "json")
    after = _run(capsys, "show", "hikvision", "--format", "json", "--memory", "-q")
    between = _run(capsys, "-q", "show", "--memory", "hikvision", "--format", "json")
    assert before[0] == after[0] == between[0] == 0
    assert json.loads(before[1]) == json.loads(after[1]) == json.loads(between[1])
    assert before[2] == after[2] == between[2] == ""  # -q honoured in every place


def test_verbose_and_log_level_log_on_stderr() -> None:
    def stderr(*args: str) -> str:
        command = [sys.executable, "-m", "supplychain_kg.cli", *args]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=True)
        return done.stderr

    assert "INFO supplychain_kg.cli: opening the store at" not in stderr("--memory", "-q", "stats")
    assert "INFO supplychain_kg.cli: opening the store at" in stderr(
        "--memory", "-q", "-v", "stats"
    )
    logged = stderr("stats", "--memory", "-q", "--log-level", "info")
    assert "INFO supplychain_kg.cli: opening the store at a new in-memory store" in logged
    assert "INFO" not in stderr("--memory", "-q", "-v", "--log-level", "warning", "stats")


def test_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(
        capsys,
        "--memory",
        "-q",
        "path",
        "hikvision",
        "fcc-covered-list",
        "--relation",
        "sourcesFrom",
    )
    assert code == 0 and "no path" in out  # an answer, not an error
    code, out, _ = _run(
        capsys, "--memory", "-q", "path", "hikvision", "fcc-covered-list", "--relation",
        "sourcesFrom", "--format", "json",
    )  # fmt: skip
    assert code == 0 and json.loads(out)["paths"] == []
    code, _, err = _run(capsys, "--memory", "-q", "show", "no-such-entity-anywhere")
    assert code == 1 and err.startswith("error: ")
    code, _, err = _run(capsys, "--memory", "-q", "show", "hikvision", "--format", "yaml")
    assert code == 2 and "invalid choice" in err
    code, _, err = _run(capsys, "--memory", "-q", "no-such-command")
    assert code == 2


def test_load_and_validate_report_in_json(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    store = str(tmp_path / "store")
    code, out, _ = _run(
        capsys,
        "load",
        str(FIXTURES / "extra-valid.ttl"),
        "--format",
        "json",
        "--store",
        store,
        "-q",
    )
    loaded = json.loads(out)
    assert code == 0 and loaded["files"] == 1 and loaded["added"] > 0
    assert loaded["total"] >= loaded["added"]
    code, out, _ = _run(
        capsys,
        "-q",
        "--store",
        store,
        "validate",
        str(FIXTURES / "extra-valid.ttl"),
        "--format",
        "json",
    )
    assert code == 0 and json.loads(out)["valid"] is True
    code, out, _ = _run(
        capsys, "-q", "--store", store, "validate", str(FIXTURES / "extra-shape-violation.ttl"),
        "--format", "json",
    )  # fmt: skip
    report = json.loads(out)
    assert code == 1 and report["valid"] is False and report["violations"]
    assert {"focus", "path", "rule", "message", "text"} <= set(report["violations"][0])
    assert any(v["path"] == "skg:source" for v in report["violations"])


def test_export_reports_in_json(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    target = tmp_path / "around.gexf"
    code, out, err = _run(
        capsys, "-q", "--memory", "export", "--format", "gexf", "--around", "hikvision",
        "-o", str(target), "--report-format", "json",
    )  # fmt: skip
    assert code == 0, err
    report = json.loads(out)
    assert report["file"] == str(target) and report["format"] == "gexf"
    assert report["nodes"] == target.read_text().count("<node ")
    assert report["edges"] == target.read_text().count("<edge ")
    zipped = tmp_path / "around.zip"
    code, out, _ = _run(
        capsys, "-q", "--memory", "export", "--format", "csv", "-o", str(zipped),
        "--report-format", "json",
    )  # fmt: skip
    assert code == 0 and json.loads(out)["nodes"] > 0 and zipfile.is_zipfile(zipped)


def _serve(*extra: str) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "supplychain_kg.cli", "--memory", "-q", "serve", *extra]
    return subprocess.Popen(command, stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True)


def test_serving_on_is_said_once_connections_are_accepted_and_requests_are_logged() -> None:
    port = free_port()
    process = _serve("--port", str(port), "--access-log")
    try:
        assert process.stderr is not None
        line = process.stderr.readline()
        assert line.startswith(f"serving on http://127.0.0.1:{port}/"), line
        answer = httpx.get(f"http://127.0.0.1:{port}/health", timeout=10)  # no retry needed
        assert answer.status_code == 200
        logged = process.stderr.readline()
        assert re.search(r'"GET /health HTTP/1\.1" 200', logged), logged
    finally:
        process.terminate()
        out, _ = process.communicate(timeout=30)
    assert out == ""  # the request log goes to stderr, never into stdout


def test_a_taken_port_is_an_error_and_serving_on_is_never_said() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        process = _serve("--port", str(port))
        deadline = time.monotonic() + 60
        while process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        _, err = process.communicate(timeout=30)
    assert process.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in err
    assert "serving on" not in err


def test_the_cli_page_lists_the_exit_codes() -> None:
    from supplychain_kg.cli import conventions

    page = (ROOT / "docs" / "cli.md").read_text()
    for name in ("EXIT_OK", "EXIT_ERROR", "EXIT_USAGE", "EXIT_INTERRUPTED"):
        assert f"\n| {getattr(conventions, name)} | " in page, name
