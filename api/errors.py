"""Mapping of the package's exceptions to HTTP answers, in one place.

Messages of our own exceptions are written for users and are safe to send; any other exception
is logged and answered with a generic 500, never with its text.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from starlette.exceptions import HTTPException

from supplychain_kg.errors import (
    AmbiguousEntityError,
    BadRequestError,
    GraphNotFoundError,
    InvalidParameterError,
    LimitError,
    NotAcceptableError,
    ParseError,
    PayloadTooLargeError,
    QueryAbortedError,
    QueryError,
    QueryTimeoutError,
    RemoteAccessError,
    ResultTooLargeError,
    SkgError,
    StoreLockedError,
    StoreUnavailableError,
    UnknownEntityError,
    UnsupportedOperationError,
    ValidationError,
    WriteForbiddenError,
)
from supplychain_kg.namespaces import user_position

__all__ = ["error_response", "install_error_handlers"]

log = logging.getLogger("supplychain_kg.api")

_STATUS: list[tuple[type[SkgError], int]] = [
    (UnknownEntityError, 404),
    (AmbiguousEntityError, 409),
    (WriteForbiddenError, 403),
    (RemoteAccessError, 403),
    (GraphNotFoundError, 404),
    (NotAcceptableError, 406),
    (QueryTimeoutError, 503),
    (QueryAbortedError, 503),
    (ResultTooLargeError, 413),
    (PayloadTooLargeError, 413),
    (StoreLockedError, 503),
    (StoreUnavailableError, 503),
    (UnsupportedOperationError, 501),
    (ValidationError, 422),
    (InvalidParameterError, 422),
    (LimitError, 400),
    (ParseError, 400),
    (QueryError, 400),
    (BadRequestError, 400),
]


def _status(exc: SkgError) -> int:
    for cls, status in _STATUS:
        if isinstance(exc, cls):
            return status
    return 500


def _body(exc: SkgError, status: int) -> dict[str, object]:
    body: dict[str, object] = {"error": type(exc).__name__, "detail": str(exc)}
    if isinstance(exc, UnknownEntityError):
        body["suggestions"] = exc.suggestions
    elif isinstance(exc, AmbiguousEntityError):
        body["candidates"] = exc.candidates
    elif isinstance(exc, InvalidParameterError):
        body["parameter"] = exc.parameter
    elif isinstance(exc, LimitError) and exc.setting:
        body["setting"] = exc.setting
    elif isinstance(exc, ValidationError):
        body["violations"] = [str(v) for v in exc.violations[:200]]
    elif status == 500:
        body["detail"] = "internal error"
    return body


_PLAIN_PATHS = ("/sparql", "/update", "/store")
"""SPARQL protocol paths: clients there (Jena, SPARQLWrapper, YASGUI) show a plain-text body."""


def _plain(path: str) -> bool:
    return path in _PLAIN_PATHS or path.startswith("/store/")


async def error_response(request: Request, exc: Exception) -> Response:
    """The answer to one of our errors (also for ASGI code outside the router)."""
    return await _handle_skg(request, exc)


async def _handle_skg(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, SkgError)
    status = _status(exc)
    if status == 500:
        log.exception("unexpected store error", exc_info=exc)
    body = _body(exc, status)
    if request.url.path in ("/sparql", "/update") and isinstance(exc, QueryError):
        # the predeclared prefixes went before the user's text on a line of their own
        body["detail"] = user_position(str(body["detail"]))
    if _plain(request.url.path):
        text = f"{body['error']}: {body['detail']}\n"
        if isinstance(exc, NotAcceptableError):
            text += "".join(f"  {media_type}\n" for media_type in exc.offered)
        return PlainTextResponse(text, status_code=status)
    if isinstance(exc, NotAcceptableError):
        body["offered"] = exc.offered
    return JSONResponse(body, status_code=status)


async def _handle_invalid(request: Request, exc: Exception) -> JSONResponse:
    """422 for a request parameter FastAPI could not accept, naming the parameter."""
    assert isinstance(exc, RequestValidationError)
    problems = []
    names = []
    for error in exc.errors():
        name = str(error.get("loc", ("", "?"))[-1])
        names.append(name)
        given = error.get("input")
        shown = f" (got {given!r})" if isinstance(given, str | int | float) else ""
        problems.append(f"parameter {name!r}: {error.get('msg', 'invalid')}{shown}")
    body = {
        "error": "InvalidParameterError",
        "detail": "; ".join(problems),
        "parameter": names[0] if names else None,
    }
    return JSONResponse(body, status_code=422)


_HTTP_ERRORS = {
    404: ("NotFoundError", "no such path: {path}"),
    405: ("MethodNotAllowedError", "{path} does not take {method}"),
}


async def _handle_http(request: Request, exc: Exception) -> Response:
    """Routing errors (no such path, method not allowed, an asset not found) in the same shape
    as every other error."""
    assert isinstance(exc, HTTPException)
    name, template = _HTTP_ERRORS.get(exc.status_code, ("HTTPError", ""))
    detail = exc.detail
    if template and detail in ("Not Found", "Method Not Allowed"):
        detail = template.format(path=request.url.path, method=request.method)
    headers = dict(exc.headers or {})
    if _plain(request.url.path):
        return PlainTextResponse(f"{name}: {detail}\n", exc.status_code, headers=headers)
    body = {"error": name, "detail": str(detail)}
    return JSONResponse(body, status_code=exc.status_code, headers=headers)


async def _handle_unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s", request.url.path, exc_info=exc)
    return JSONResponse({"error": "InternalError", "detail": "internal error"}, status_code=500)


def install_error_handlers(app: FastAPI) -> None:
    """Register the exception handlers on ``app``."""
    app.add_exception_handler(SkgError, _handle_skg)
    app.add_exception_handler(RequestValidationError, _handle_invalid)
    app.add_exception_handler(HTTPException, _handle_http)
    app.add_exception_handler(Exception, _handle_unexpected)
