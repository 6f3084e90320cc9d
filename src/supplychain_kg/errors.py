"""One exception hierarchy for the whole package.

Adapters wrap third-party errors in these (``raise ... from exc``); the CLI and the HTTP layer
map them to exit codes and status codes in one place each. Messages are written for the user:
they name the bad value and say what was expected.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = [
    "AmbiguousEntityError",
    "BadRequestError",
    "ConfigError",
    "GraphNotFoundError",
    "InvalidParameterError",
    "LimitError",
    "NotAcceptableError",
    "ParseError",
    "PayloadTooLargeError",
    "QueryAbortedError",
    "QueryError",
    "QueryTimeoutError",
    "RemoteAccessError",
    "ResultTooLargeError",
    "SkgError",
    "StoreError",
    "StoreLockedError",
    "StoreUnavailableError",
    "UnknownEntityError",
    "UnsupportedOperationError",
    "ValidationError",
    "Violation",
    "WriteForbiddenError",
]


class SkgError(Exception):
    """Base class of every error this package raises on purpose."""


class ConfigError(SkgError):
    """A setting has a value that cannot be used."""


class BadRequestError(SkgError):
    """A request or argument is malformed (unknown format, bad parameter value, ...)."""


class LimitError(BadRequestError):
    """A request or input passes a configured bound (nesting depth, size, token count).

    ``setting`` names the environment variable that sets the bound.
    """

    def __init__(self, message: str, *, setting: str | None = None) -> None:
        self.setting = setting
        super().__init__(message)


class PayloadTooLargeError(LimitError):
    """A request body or query text is larger than its configured maximum (HTTP 413)."""


class StoreError(SkgError):
    """The store failed to read or write."""


class StoreLockedError(StoreError):
    """The on-disk store is open in another process."""


class StoreUnavailableError(StoreError):
    """A remote store's engine cannot be reached (down, refusing connections, or too slow)."""


class UnsupportedOperationError(SkgError):
    """This store cannot do what was asked (e.g. an update a remote engine could not undo);
    the message says what it can do instead."""


class ParseError(SkgError):
    """An input file is not valid in its syntax.

    Attributes name where: ``path``, ``line`` and ``column`` (1-based, ``None`` when unknown).
    """

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        self.path = path
        self.line = line
        self.column = column
        self.detail = message
        where = path or "<input>"
        if line is not None:
            where += f":{line}"
            if column is not None:
                where += f":{column}"
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True)
class Violation:
    """One broken rule of the data model, in plain words."""

    focus: str
    path: str | None
    rule: str
    message: str
    value: str | None = None
    source: str | None = field(default=None, compare=False)

    def __str__(self) -> str:
        where = f"<{self.focus}>"
        if self.path:
            where += f" {self.path}"
        text = f"{where}: {self.message}"
        if self.value is not None:
            text += f" (found {self.value})"
        return text


class ValidationError(SkgError):
    """Data breaks the shapes in ``graph/shapes.ttl``; ``violations`` lists every break."""

    def __init__(self, violations: list[Violation], *, path: str | None = None) -> None:
        self.violations = violations
        self.path = path
        head = f"{path}: " if path else ""
        count = len(violations)
        lines = [f"{head}{count} shape violation{'s' if count != 1 else ''}"]
        lines += [f"  - {v}" for v in violations[:50]]
        if count > 50:
            lines.append(f"  ... and {count - 50} more")
        super().__init__("\n".join(lines))


class QueryError(SkgError):
    """A SPARQL query or update is not valid; ``message`` has the parser's words and position."""


class QueryTimeoutError(SkgError):
    """A query ran past its time limit and was stopped."""


class QueryAbortedError(SkgError):
    """A query was stopped before it finished: it used more memory than its worker process may
    have, or the engine failed on it."""


class ResultTooLargeError(SkgError):
    """A result is larger than the configured cap."""


class WriteForbiddenError(SkgError):
    """A write was attempted without a configured and presented write token."""


class RemoteAccessError(SkgError):
    """A query or update asked to reach a URL (SERVICE, LOAD) that the allow-list does not name."""


class NotAcceptableError(SkgError):
    """No format the client accepts can carry the answer; ``offered`` lists what can."""

    def __init__(self, message: str, *, offered: list[str] | None = None) -> None:
        self.offered = offered or []
        super().__init__(message)


class GraphNotFoundError(SkgError):
    """A named graph asked for by the Graph Store Protocol does not exist."""


class UnknownEntityError(SkgError):
    """No entity matches the reference; ``suggestions`` lists the closest ones."""

    def __init__(self, reference: str, suggestions: list[dict[str, str]]) -> None:
        self.reference = reference
        self.suggestions = suggestions
        hint = ""
        if suggestions:
            hint = "; did you mean " + ", ".join(s["id"] for s in suggestions[:5]) + "?"
        super().__init__(f"no entity matches {reference!r}{hint}")


class AmbiguousEntityError(SkgError):
    """More than one entity matches a name; ``candidates`` lists them."""

    def __init__(self, reference: str, candidates: list[dict[str, str]]) -> None:
        self.reference = reference
        self.candidates = candidates
        names = ", ".join(f"{c['id']} ({c['label']})" for c in candidates[:10])
        super().__init__(f"{reference!r} is ambiguous: it matches {names}; use an id")


class InvalidParameterError(BadRequestError):
    """A named parameter has a value that cannot be used; ``parameter`` names it."""

    def __init__(self, parameter: str, message: str) -> None:
        self.parameter = parameter
        super().__init__(f"parameter {parameter!r}: {message}")
