"""Problem+json for a refusal a route returns rather than raises, so the request's unit of work still commits."""

from fastapi import Request
from fastapi.responses import JSONResponse

from api.problems import problem_response, status_for
from benefits.errors import DomainError


def refusal_problem(request: Request, refusal: DomainError, *, headers: dict[str, str] | None = None) -> JSONResponse:
    """The same problem+json the refusal would be answered with if raised (what it keeps, a draft say, is kept)."""
    errors = [
        {"code": problem.code, "detail": problem.detail, "field": problem.field}
        | ({"node": problem.node} if problem.node is not None else {})
        for problem in refusal.problems
    ]
    return problem_response(
        request,
        status=status_for(refusal),
        title=refusal.title,
        detail=refusal.detail,
        code=refusal.code,
        errors=errors,
        headers=headers,
    )
