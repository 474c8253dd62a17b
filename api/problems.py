"""RFC 9457 problem+json: every error the API returns, mapped once from domain and framework errors."""

import html
import logging
import threading
import time
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, Field
from pydantic.json_schema import models_json_schema
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.methods import documented_methods
from api.observability import current_request_id
from benefits.errors import (
    Conflict,
    DomainError,
    Forbidden,
    InvalidInput,
    InvalidModel,
    NotFound,
    Problem,
    StaleVersion,
    TooManyAttempts,
    Unauthenticated,
)

log = logging.getLogger("benefits.api")

PROBLEM_JSON = "application/problem+json"


class ProblemItem(BaseModel):
    """One thing wrong: a stable code, a sentence, and the field or row where there is one."""

    code: str
    detail: str
    field: str | None = None
    node: str | None = None


class ProblemRead(BaseModel):
    """An RFC 9457 problem document."""

    type: str
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    code: str | None = None
    errors: list[ProblemItem] = []
    request_id: str | None = Field(
        default=None, description="The request's id (its X-Request-ID): quote it to find the request in the logs."
    )


# Each refusal is documented as the problem document it is, by reference: naming the model here instead made the
# framework build a validator of ProblemRead for every status of every operation at start-up (some 1,200 of them,
# a fifth of the service's start), for a document it only writes. `BenefitsApp.openapi` adds the schema once.
PROBLEM_SCHEMA_REF = {"$ref": "#/components/schemas/ProblemRead"}
PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"content": {PROBLEM_JSON: {"schema": PROBLEM_SCHEMA_REF}}, "description": description}
    for status, description in {
        400: "The body is not well-formed (JSON that does not parse, a broken multipart upload)",
        401: "No valid token: missing, unknown, revoked or expired",
        403: "The role does not allow this action here",
        404: "Not found",
        409: "Conflicts with the current state (e.g. a stage gate not met)",
        412: "The If-Match ETag is stale",
        413: "The request body is too large",
        422: "Invalid input, with one entry per field or row",
        503: "The database is busy or unavailable; retry after the Retry-After seconds",
    }.items()
}


def document_problems(document: dict[str, Any]) -> dict[str, Any]:
    """The OpenAPI document with the problem document's schemas among its components (the refusals refer to them)."""
    _, found = models_json_schema([(ProblemRead, "serialization")], ref_template="#/components/schemas/{model}")
    schemas = document.setdefault("components", {}).setdefault("schemas", {}) | found["$defs"]
    document["components"]["schemas"] = dict(sorted(schemas.items()))  # in name order, as the framework writes them
    return document


_STATUS: list[tuple[type[DomainError], int]] = [
    (Unauthenticated, 401),
    (Forbidden, 403),
    (TooManyAttempts, 429),
    (NotFound, 404),
    (StaleVersion, 412),
    (Conflict, 409),
    (InvalidInput, 422),
    (InvalidModel, 422),
]


def status_for(error: DomainError) -> int:
    """The HTTP status a domain error is answered with, on the API and on the pages alike."""
    return next((code for kind, code in _STATUS if isinstance(error, kind)), 400)


def problem_response(
    request: Request,
    *,
    status: int,
    title: str,
    detail: str | None = None,
    code: str | None = None,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """A problem+json response."""
    body: dict[str, Any] = {
        "type": f"urn:benefits:problem:{code}" if code else "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
    }
    if code:
        body["code"] = code
    body["errors"] = errors or []
    body["request_id"] = current_request_id()
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _field_path(location: tuple[Any, ...]) -> str:
    # ('body', 'profile', 2, 'period') -> 'profile[2].period'; the part of the request is said apart.
    path = ""
    for part in location[1:]:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or str(location[0])


def _item(problem: Problem) -> dict[str, Any]:
    item: dict[str, Any] = {"code": problem.code, "detail": problem.detail, "field": problem.field}
    if problem.node is not None:
        item["node"] = problem.node
    return item


async def _domain_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, DomainError)
    status = status_for(error)
    headers = None
    if isinstance(error, Unauthenticated):
        headers = {"WWW-Authenticate": "Bearer"}
    elif isinstance(error, TooManyAttempts):
        headers = {"Retry-After": str(error.retry_after)}
    return problem_response(
        request,
        status=status,
        title=error.title,
        detail=error.detail,
        code=error.code,
        errors=[_item(problem) for problem in error.problems],
        headers=headers,
    )


async def _validation_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    if error.errors() and all(item["type"] == "json_invalid" for item in error.errors()):
        # Not JSON at all is a malformed request (400); 422 is for JSON whose values break the rules.
        at = error.errors()[0]["loc"][-1]
        return problem_response(
            request,
            status=400,
            title="Malformed JSON",
            detail=f"The body is not valid JSON (it breaks at character {at}); send one JSON document.",
            code="malformed_json",
            errors=[{"code": "json_invalid", "detail": "not valid JSON", "field": "body", "in": "body"}],
        )
    errors = [
        {
            "code": item["type"],
            "detail": item["msg"],
            "field": _field_path(tuple(item["loc"])),
            "in": item["loc"][0],
        }
        for item in error.errors()
    ]
    return problem_response(
        request,
        status=422,
        title="Invalid input",
        detail="; ".join(f"{e['field']}: {e['detail']}" for e in errors),
        code="invalid_input",
        errors=errors,
    )


async def _http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, StarletteHTTPException)
    headers = dict(error.headers) if error.headers else {}
    if error.status_code == 405:
        # The router names only the first route that matched the path; say every method the documentation does.
        documented = documented_methods(request.app, request.url.path)
        if documented is not None:
            headers["Allow"] = ", ".join(documented)
            if request.method == "OPTIONS":
                return Response(status_code=204, headers=headers)
    return problem_response(
        request,
        status=error.status_code,
        title=str(error.detail) if error.status_code != 404 else "Not found",
        detail=str(error.detail),
        headers=headers or None,
    )


async def _stale_row(request: Request, error: Exception) -> JSONResponse:
    # Two writers raced on one row without If-Match; the later one is refused rather than lost.
    return problem_response(
        request,
        status=409,
        title="Changed by someone else at the same moment",
        detail="Another change to this resource was saved first. Reload and retry.",
        code="concurrent_change",
    )


async def _data_error(request: Request, error: Exception) -> JSONResponse:
    return problem_response(
        request,
        status=422,
        title="Invalid input",
        detail="A value does not fit what the database can hold.",
        code="invalid_input",
    )


class FailureLog:
    """Logs each kind of database failure once with its traceback, then only a count at most every `interval` s.

    An outage fails every request the same way; a traceback per request would bury the log (and the disk).
    """

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self._lock = threading.Lock()
        self._last: dict[str, float] = {}
        self._since: dict[str, int] = {}

    def note(self, kind: str, request: Request, error: Exception) -> None:
        """Count one failure; log it when its kind (and the driver's error) is new, or when the interval has passed."""
        key = f"{kind} ({_cause(error)})"
        now = time.monotonic()
        with self._lock:
            last = self._last.get(key)
            if last is not None and now - last < self.interval:
                self._since[key] = self._since.get(key, 0) + 1
                return
            more = self._since.pop(key, 0)
            self._last[key] = now
        level = logging.WARNING if kind == "busy" else logging.ERROR
        where = f"{request.method} {request.url.path}"
        if last is None:
            log.log(level, "database %s on %s", key, where, exc_info=error)
        else:
            log.log(level, "database %s on %s, and %d more since the last report", key, where, more)


def _cause(error: Exception) -> str:
    """The driver's exception class: what failed, without the message (which may name hosts or values)."""
    cause = getattr(error, "orig", None) or error
    return f"{type(cause).__module__}.{type(cause).__name__}"


# PostgreSQL's error classes that mean "try again": 40 transaction rollback (serialisation, deadlock),
# 55P03 lock not available, 57014 statement cancelled (a timeout).
_RETRY_STATES = ("40", "55P03", "57014")


def database_outage(error: Exception) -> str | None:
    """`busy` or `unavailable` when the error is the database not serving (rather than a fault); else None."""
    if isinstance(error, PoolTimeout):
        return "busy"  # every pooled connection is in use
    if not isinstance(error, DBAPIError):
        return None
    state = str(getattr(error.orig, "sqlstate", None) or "")
    text = str(error.orig).lower()
    if "locked" in text or "busy" in text or state.startswith(_RETRY_STATES):
        return "busy"  # SQLite's write lock held past its busy timeout, or PostgreSQL asking for a retry
    if error.connection_invalidated or isinstance(error, (OperationalError, InterfaceError)):
        return "unavailable"
    return None


OUTAGE_PAGE = """<!doctype html>
<html lang="en-GB">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{heading} · Benefits tracker</title><link rel="stylesheet" href="/static/site.css"></head>
<body><main id="main"><h1>{heading}</h1><p role="alert">{message}</p>
<p>If you report this, quote the reference <code>{reference}</code>.</p></main></body>
</html>
"""

_OUTAGE_WORDS = {
    "busy": ("The database is busy", "Too many changes at once; retry in a moment.", "database_busy"),
    "unavailable": (
        "The database is unavailable",
        "The service cannot reach its database just now. Nothing was changed; try again shortly.",
        "database_unavailable",
    ),
}


def _outage_response(request: Request, kind: str, retry_after: int) -> Response:
    """503 with Retry-After: problem+json for the API, a plain page (no template, no database) for the pages."""
    title, detail, code = _OUTAGE_WORDS[kind]
    headers = {"Retry-After": "1" if kind == "busy" else str(retry_after)}
    if request.url.path.startswith("/api/"):
        return problem_response(request, status=503, title=title, detail=detail, code=code, headers=headers)
    if request.headers.get("HX-Request") == "true":
        # htmx swaps a 5xx into the page: into the main area, as every other refusal is.
        headers |= {"HX-Retarget": "#main", "HX-Reswap": "innerHTML"}
    return HTMLResponse(
        OUTAGE_PAGE.format(heading=title, message=detail, reference=html.escape(current_request_id() or "none")),
        status_code=503,
        headers=headers,
    )


async def _integrity_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, IntegrityError)
    log.warning("integrity error on %s: %s", request.url.path, error.orig)
    return problem_response(
        request,
        status=409,
        title="Conflict with the current state",
        detail="The change conflicts with data saved at the same time. Reload and retry.",
        code="conflict",
    )


async def _unexpected(request: Request, error: Exception) -> JSONResponse:
    log.exception("unexpected error on %s %s", request.method, request.url.path, exc_info=error)
    return problem_response(request, status=500, title="Internal server error", code="internal_error")


def install_problem_handlers(app: FastAPI) -> None:
    """Map every error to problem+json, once."""
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(StaleDataError, _stale_row)
    app.add_exception_handler(IntegrityError, _integrity_error)
    app.add_exception_handler(DataError, _data_error)
    app.add_exception_handler(Exception, _unexpected)


def install_outage_handlers(app: FastAPI, *, retry_after: int, log_interval: float) -> None:
    """Answer the database not serving with 503 and Retry-After, on the API and the pages alike.

    Installed after the pages' refusal handlers, so a page gets the plain 503 page (with Retry-After), which
    needs neither a template nor the database. Each app keeps its own count of failures.
    """
    failures = FailureLog(log_interval)

    async def database_failure(request: Request, error: Exception) -> Response:
        kind = database_outage(error)
        if kind is None:
            raise error  # a fault, not an outage: the catch-all answers it as any other
        failures.note(kind, request, error)
        return _outage_response(request, kind, retry_after)

    for kind in (DBAPIError, OperationalError, InterfaceError, PoolTimeout):
        app.add_exception_handler(kind, database_failure)
