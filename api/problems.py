"""RFC 9457 problem+json: every error the API returns, mapped once from domain and framework errors."""

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException

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


PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ProblemRead, "content": {PROBLEM_JSON: {}}, "description": description}
    for status, description in {
        401: "No valid token: missing, unknown, revoked or expired",
        403: "The role does not allow this action here",
        404: "Not found",
        409: "Conflicts with the current state (e.g. a stage gate not met)",
        412: "The If-Match ETag is stale",
        413: "The request body is too large",
        422: "Invalid input, with one entry per field or row",
    }.items()
}

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


async def _http_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, StarletteHTTPException)
    return problem_response(
        request,
        status=error.status_code,
        title=str(error.detail) if error.status_code != 404 else "Not found",
        detail=str(error.detail),
        headers=dict(error.headers) if error.headers else None,
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


async def _database_busy(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, OperationalError)
    if "locked" not in str(error.orig).lower():
        return await _unexpected(request, error)
    return problem_response(
        request,
        status=503,
        title="The database is busy",
        detail="Too many changes at once; retry in a moment.",
        code="database_busy",
        headers={"Retry-After": "1"},
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
    app.add_exception_handler(OperationalError, _database_busy)
    app.add_exception_handler(DataError, _data_error)
    app.add_exception_handler(Exception, _unexpected)
