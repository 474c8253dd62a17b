"""How the pages join the app: their static files and refusals at once, their routes when a request first needs them.

A server answering only the API never builds the pages' hundred routes, their forms and their modules: some 80 ms
of every start (a worker's and a restart's alike). The first request that no API route takes builds them, once a
process; from then on they are matched, refused and linked to exactly as routes added at start would be.
"""

import gc
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import URLPath
from starlette.routing import BaseRoute, Match, NoMatchFound
from starlette.types import Receive, Scope, Send

from web import refusals
from web.session import SignInRequired

STATIC = Path(__file__).resolve().parent / "static"


class RoutesBuiltOnFirstUse(BaseRoute):
    """Stands in an app's routes for a router whose modules load when a request or a link first reaches it."""

    def __init__(self, build: Callable[[], APIRouter], *, not_under: tuple[str, ...] = ()) -> None:
        self._build = build
        self._not_under = not_under  # paths none of the routes can take, answered without building them
        self._built: APIRouter | None = None
        self._lock = threading.Lock()  # a page's link may be asked for in a worker thread while a request is matched

    @property
    def routes(self) -> list[BaseRoute]:
        """The routes stood for, built now if not yet."""
        if self._built is None:
            with self._lock:
                if self._built is None:
                    self._built = self._build()
        return self._built.routes

    def _match(self, scope: Scope) -> tuple[Match, Scope, BaseRoute | None]:
        """As the app's router matches: the first full match, else the first partial one (a path without its method)."""
        partial: tuple[Scope, BaseRoute] | None = None
        for route in self.routes:
            match, child_scope = route.matches(scope)
            if match == Match.FULL:
                return match, child_scope, route
            if match == Match.PARTIAL and partial is None:
                partial = (child_scope, route)
        if partial is not None:
            return Match.PARTIAL, *partial
        return Match.NONE, {}, None

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope.get("path", "").startswith(self._not_under):
            return Match.NONE, {}
        match, child_scope, _ = self._match(scope)
        return match, child_scope

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        # Matched again: the app's router hands over the scope, not which of these routes took it.
        _, child_scope, route = self._match(scope)
        assert route is not None, "handled only after a match"
        scope.update(child_scope)
        await route.handle(scope, receive, send)

    def url_path_for(self, name: str, /, **path_params: Any) -> URLPath:
        for route in self.routes:
            try:
                return route.url_path_for(name, **path_params)
            except NoMatchFound:
                pass
        raise NoMatchFound(name, path_params)


def _page_routes(app: FastAPI) -> Callable[[], APIRouter]:
    """What builds every page's route for `app`, importing the pages then."""

    def build() -> APIRouter:
        from web import pages

        routes = pages.page_routes(app)
        # As the app's start-up left what it built out of the collector's passes (api/app.py), so the pages now.
        if gc.get_freeze_count():
            gc.freeze()
        return routes

    return build


def install(app: FastAPI) -> None:
    """Add the pages, their static files and their error handling to the app; the pages' routes build on first use."""
    # No page lives under /api/: a 404, a 405 or a browser's preflight (OPTIONS) there leaves the pages unbuilt.
    app.router.routes.append(RoutesBuiltOnFirstUse(_page_routes(app), not_under=("/api/",)))
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    async def to_sign_in(request: Request, error: Exception) -> Response:
        assert isinstance(error, SignInRequired)
        return RedirectResponse(f"/sign-in?next={quote(error.next_path)}", status_code=303)

    refusals.install(app)  # before the sign-in redirect, which is no refusal
    app.add_exception_handler(SignInRequired, to_sign_in)
