"""How a page answers a refusal: a page saying what and why, with its own status; the API keeps problem+json.

The API's handlers stay in charge of every `/api/` path. For a page asked for by htmx, the refusal takes the
page's main area, not the fragment that asked.
"""

import inspect
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError

from api.observability import current_request_id
from api.problems import status_for
from benefits.errors import DomainError
from web.forms import is_htmx
from web.session import CsrfRefused

# What a page says for each status it can be refused with, when the refusal brings no words of its own.
SAID = {
    400: ("Refused", "This page cannot take that request."),
    401: ("Sign in first", "Sign in, then try again."),
    403: ("Not allowed", "You may not do that here."),
    404: ("Not found", "There is no page at this address."),
    405: ("Not this way", "This address is not used like that: follow a link or use the form on the page."),
    409: ("Changed meanwhile", "Someone changed this while you were working: reload the page and try again."),
    412: ("Changed meanwhile", "Someone changed this while you were working: reload the page and try again."),
    413: ("Too large", "What was sent is larger than this service takes."),
    422: ("Refused", "This page cannot take what was sent."),
    429: ("Too many attempts", "Wait a little, then try again."),
    503: ("Busy", "The service is busy: try again in a moment."),
}
UNEXPECTED = ("Something went wrong", "The service could not do this, and nothing was changed. Try again later.")
EXPIRED = "Nothing was changed. Go back, reload the page and send the form again."

Handler = Callable[[Request, Any], Response | Awaitable[Response]]


async def _answered(answer: Response | Awaitable[Response]) -> Response:
    """An exception handler's answer, whether it came awaitable or not."""
    return await answer if inspect.isawaitable(answer) else answer


def _render(request: Request, template: str, context: dict[str, Any], status: int) -> Response:
    """The template's main area, or the whole page; the templates load with the first refusal a page is given."""
    # Imported here: a server answering only the API (whose refusals are problem+json) never loads them.
    from web.render import render

    return render(request, template, context, status, block="content")


def refusal_page(request: Request, status: int, heading: str, message: str) -> Response:
    """The refusal as a page (or, for htmx, as the page's main area), with its status."""
    response = _render(request, "refused.html", {"heading": heading, "message": message}, status)
    if is_htmx(request):
        response.headers["HX-Retarget"] = "#main"
        response.headers["HX-Reswap"] = "innerHTML"
    return response


def server_error_page(request: Request, status: int, heading: str, message: str) -> Response:
    """A failure of the service's own (5xx), with the request's id as a reference to quote when reporting it."""
    context = {"heading": heading, "message": message, "reference": current_request_id()}
    response = _render(request, "server_error.html", context, status)
    if is_htmx(request):
        response.headers["HX-Retarget"] = "#main"
        response.headers["HX-Reswap"] = "innerHTML"
    return response


def _domain(request: Request, error: DomainError) -> Response:
    from web.render import problems_text

    status = status_for(error)
    heading = SAID.get(status, ("Refused", ""))[0]
    return refusal_page(request, status, heading, f"{problems_text(error)} Nothing was changed.")


def _unreadable(request: Request, error: RequestValidationError) -> Response:
    where = [item["loc"] for item in error.errors() if item.get("loc")]
    if any(place[0] == "path" for place in where):
        return refusal_page(request, 404, *SAID[404])
    asked = ", ".join(str(place[-1]) for place in where) or "the form"
    return refusal_page(request, 422, "Refused", f"This page cannot take what was sent for {asked}. Nothing was "
                        "changed: go back, and follow a link or use the form on the page.")  # fmt: skip


def _for_pages(api: Handler, page: Callable[[Request, Any], Response] | None) -> Handler:
    """The API's handler for `/api/` paths; for a page, `page`, or a page for the status the API's answer has."""

    async def handle(request: Request, error: Any) -> Response:
        answer = await _answered(api(request, error))
        # An answer that is no refusal (OPTIONS: 204 with Allow) stands as it is, on a page's path too.
        if request.url.path.startswith("/api/") or answer.status_code < 400:
            return answer
        if page is not None:
            return page(request, error)
        heading, message = SAID.get(answer.status_code, UNEXPECTED)
        page_for = server_error_page if answer.status_code >= 500 else refusal_page
        refused = page_for(request, answer.status_code, heading, message)
        if "allow" in answer.headers:
            refused.headers["Allow"] = answer.headers["allow"]
        return refused

    return handle


def install(app: FastAPI) -> None:
    """Make every refusal the API's handlers answer a page too, for the paths that are pages."""
    pages: dict[Any, Callable[[Request, Any], Response]] = {DomainError: _domain, RequestValidationError: _unreadable}
    for kind, handler in list(app.exception_handlers.items()):
        app.add_exception_handler(kind, _for_pages(handler, pages.get(kind)))

    async def refuse_form(request: Request, error: Exception) -> Response:
        return refusal_page(request, 403, "That form had expired", EXPIRED)

    app.add_exception_handler(CsrfRefused, refuse_form)
