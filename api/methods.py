"""Operations as the OpenAPI document names them, and the methods a path allows as it documents them."""

import re
from collections.abc import Iterable
from functools import lru_cache
from typing import NoReturn

from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def operation_id(route: APIRoute) -> str:
    """A route's OpenAPI operation id: its handler's name, which a test keeps unique."""
    return route.name


@lru_cache(maxsize=8)
def _documented(app: FastAPI) -> tuple[tuple[int, re.Pattern[str], frozenset[str]], ...]:
    """Each documented path as a pattern, with how many parameters it has and its methods."""
    found = []
    for template, operations in app.openapi()["paths"].items():
        pattern = re.compile("^" + re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template)) + "$")
        methods = frozenset(method.upper() for method in operations if method in HTTP_METHODS)
        found.append((template.count("{"), pattern, methods))
    return tuple(found)


def documented_methods(app: FastAPI, path: str) -> list[str] | None:
    """The methods the API documents for `path` (OPTIONS included), or None for a path it does not document.

    The most literal documented path wins, as in the router: `/benefits/import-template.xlsx` is not a benefit.
    """
    matched = [(parameters, methods) for parameters, pattern, methods in _documented(app) if pattern.match(path)]
    if not matched:
        return None
    fewest = min(parameters for parameters, _ in matched)
    methods = set().union(*(methods for parameters, methods in matched if parameters == fewest))
    return sorted({*methods, "OPTIONS"})


def _method_not_allowed() -> NoReturn:
    """405: the problem handler names in Allow every method the document gives the path."""
    raise HTTPException(status_code=405)


def not_an_id(router: APIRouter, path: str, methods: Iterable[str]) -> None:
    """Answer 405 to `methods` at a fixed `path` that a sibling `/{id}` route would otherwise read as an id.

    Added before the `/{id}` routes: PATCH /users/me is a method /users/me does not allow, not a person called "me".
    """
    router.add_api_route(path, _method_not_allowed, methods=list(methods), include_in_schema=False, response_model=None)
