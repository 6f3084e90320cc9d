"""What every ``skg`` command shares, as command-line tools are expected to behave: global
options before or after the command, help on every option with its default, an example per
command, ``-v``/``--log-level``, and the exit codes (documented in docs/cli.md).

The command modules declare their own options; :func:`finish` is run once on the built parser
and gives every command the rest (so a module that adds an option without help still shows
one, and the examples live in one place, where a test runs them).
"""

from __future__ import annotations

import argparse
import logging
import sys
from typing import Any

__all__ = [
    "EXAMPLES",
    "EXIT_ERROR",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_USAGE",
    "HelpFormatter",
    "add_global_options",
    "configure_logging",
    "finish",
]

EXIT_OK = 0
"""Done, whatever the answer: no path found, no search hit and an empty result are answers."""
EXIT_ERROR = 1
"""An error the message explains: bad input, data that breaks the shapes, an unknown or
ambiguous entity, a store in use, a limit passed."""
EXIT_USAGE = 2
"""The command line itself is wrong (argparse's own code): an unknown option, a missing
argument, a value not among the choices."""
EXIT_INTERRUPTED = 130
"""Stopped with Ctrl-C (128 + SIGINT)."""

LEVELS = ("debug", "info", "warning", "error")

EXAMPLES: dict[str, list[str]] = {
    "load": ["skg load graph/data/further-reporting.ttl", "skg load --format json data/*.ttl"],
    "validate": [
        "skg validate graph/data/further-reporting.ttl",
        "skg validate --format json new-source.ttl",
    ],
    "query": [
        "skg query 'SELECT ?name WHERE { ent:hikvision skos:altLabel ?name }'",
        "skg query graph/queries/denied-claims.rq --format csv",
    ],
    "stats": ["skg stats", "skg stats --format json"],
    "search": ["skg search hikvision", "skg search 'safe city' --type Project --format json"],
    "show": ["skg show hikvision", "skg show 'Fisca Security' --format json"],
    "path": [
        "skg path fisca hikvision",
        "skg path fisca hikvision --max-hops 3 --k 1 --format json",
    ],
    "neighbors": ["skg neighbors hikvision", "skg neighbors hikvision --depth 2 --format json"],
    "export": [
        "skg export --format gexf -o graph.gexf",
        "skg export --format csv --around hikvision --depth 2 -o hikvision.zip "
        "--report-format json",
    ],
    "import": ["skg import csv suppliers.csv", "skg import ftm --dry-run entities.json"],
    "backup": ["skg backup ~/skg-backups/2026-12-05"],
    "restore": ["skg restore ~/skg-backups/2026-12-05"],
    "serve": ["skg serve", "skg serve --port 8080 --access-log"],
}
"""Examples per command (shown by ``skg COMMAND --help``; tests parse every one and run those
that only read)."""

_HELP: dict[str, str] = {
    "format": "output format",
    "limit": "at most this many results",
    "depth": "links to follow from the entity",
    "max_hops": "longest path, in links",
    "k": "alternative paths, shortest first",
    "direction": "follow links out of an entity, into it, or both",
    "exclude_relation": "never walk this relation (repeatable)",
    "entity": "an id, IRI, name or alias",
    "source": "where paths start: an id, IRI, name or alias",
    "target": "where paths end: an id, IRI, name or alias",
    "text": "a name, alias or part of one",
    "paths": "RDF files (any common syntax, by extension)",
    "kind": "what the files hold",
    "query": "a SPARQL query, or a .rq file holding one",
}
"""Help for options a command module declared without any, by destination."""


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Help with each option's default (where it has a meaningful one) and examples kept as
    written."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        default = action.default
        shown = default not in (None, False, [], argparse.SUPPRESS)
        if shown and "default" not in text and (action.option_strings or action.nargs == "?"):
            text += " (default: %(default)s)"
        return text


def add_global_options(parser: argparse.ArgumentParser, *, suppress: bool = False) -> None:
    """The options every command takes. ``suppress``: for a command's own parser, where an
    option not given must leave the value given before the command alone."""

    def default(value: Any) -> Any:
        return argparse.SUPPRESS if suppress else value

    parser.add_argument(
        "--store",
        metavar="DIR|URL",
        default=default(None),
        help="store directory, or sparql+http(s)://host:port/path for a remote SPARQL engine "
        "(default: $SKG_STORE or the user data directory)",
    )
    parser.add_argument(
        "--memory",
        action="store_true",
        default=default(False),
        help="use a throwaway in-memory store seeded from graph/",
    )
    parser.add_argument(
        "-q", "--quiet", action="store_true", default=default(False), help="no progress messages"
    )
    parser.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=default(0),
        help="more log messages on stderr (-v: info, -vv: debug)",
    )
    parser.add_argument(
        "--log-level",
        choices=LEVELS,
        default=default(None),
        help="log messages from this level up on stderr (default: warning, or as -v says)",
    )


def finish(parser: argparse.ArgumentParser) -> None:
    """Give every command of ``parser`` the global options, help for each option, its
    defaults, and its examples."""
    parser.formatter_class = HelpFormatter
    for action in parser._actions:
        if not isinstance(action, argparse._SubParsersAction):
            continue
        for name, command in action.choices.items():
            command.formatter_class = HelpFormatter
            for option in command._actions:
                if option.help is None and option.dest in _HELP:
                    option.help = _HELP[option.dest]
            add_global_options(command, suppress=True)
            examples = EXAMPLES.get(name, [])
            if examples:
                lines = "\n".join(f"  $ {example}" for example in examples)
                command.epilog = f"example{'s' if len(examples) > 1 else ''}:\n{lines}"


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """The handler ``-v``/``--log-level`` puts on the root logger (once)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)
        self.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))


def configure_logging(verbose: int, level: str | None) -> None:
    """Log messages on stderr from ``level`` up (``-v``: info, ``-vv``: debug). Without
    either, Python's default stands: warnings and errors on stderr."""
    if level is None and not verbose:
        return
    chosen = level or LEVELS[max(0, 2 - verbose)]
    root = logging.getLogger()
    root.setLevel(chosen.upper())
    if not any(isinstance(handler, _StderrHandler) for handler in root.handlers):
        root.addHandler(_StderrHandler())
