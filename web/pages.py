"""The pages: sign in and out, and the portfolio dashboard. Thin handlers over the domain, as the API's are."""

from pathlib import Path
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from api.deps import SessionDep
from benefits import people, portfolio
from benefits.errors import TooManyAttempts, Unauthenticated
from web import appraisal_pages, benefit_pages, finance_pages, initiative_pages, measure_pages
from web.render import render
from web.session import (
    CsrfRefused,
    PageActor,
    SignInRequired,
    check_csrf,
    end_session,
    signed_in_actor,
    start_session,
)

HERE = Path(__file__).resolve().parent
router = APIRouter(include_in_schema=False)


def _safe_next(path: str | None) -> str:
    # Only a path on this site: never an address elsewhere (an open redirect).
    return path if path and path.startswith("/") and not path.startswith("//") else "/"


@router.get("/sign-in", response_class=HTMLResponse)
def sign_in_page(request: Request, next: str = "/") -> HTMLResponse:
    """The sign-in form."""
    return render(request, "sign_in.html", {"next": _safe_next(next), "error": None, "login": ""})


@router.post("/sign-in", response_class=HTMLResponse)
def sign_in(
    request: Request,
    session: SessionDep,
    login: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    csrf: Annotated[str, Form(max_length=100)] = "",
    next: Annotated[str, Form(max_length=500)] = "/",
) -> Response:
    """Sign in with name or e-mail and password; a session cookie keeps it."""
    check_csrf(request, csrf)
    limits = people.sign_in_limits()
    address = request.client.host if request.client else "unknown"
    form = {"next": _safe_next(next), "login": login}
    try:
        try:
            pending = people.start_sign_in(session=session, login=login, address=address, limits=limits)
        finally:
            session.commit()  # the attempt counts before the slow password check
        matched = people.password_matches(pending, password)
        issued = people.finish_sign_in(
            session=session, pending=pending, password=password, matched=matched, expires_in_days=1
        )
    except TooManyAttempts as error:
        return render(request, "sign_in.html", form | {"error": error.detail}, status_code=429)
    except Unauthenticated as error:
        session.commit()
        return render(request, "sign_in.html", form | {"error": error.detail}, status_code=401)
    session.commit()
    response = RedirectResponse(form["next"], status_code=303)
    start_session(request, response, issued.token)
    return response


@router.post("/sign-out")
def sign_out(
    request: Request, session: SessionDep, csrf: Annotated[str, Form(max_length=100)] = ""
) -> RedirectResponse:
    """Sign out: the session's token is revoked."""
    check_csrf(request, csrf)
    actor = signed_in_actor(session, request)
    token = request.cookies.get("benefits_session")
    if actor is not None and token:
        people.sign_out(session=session, token=token, actor=actor)
    response = RedirectResponse("/sign-in", status_code=303)
    end_session(response)
    return response


@router.get("/", response_class=HTMLResponse)
def dashboard(request: Request, session: SessionDep, actor: PageActor) -> HTMLResponse:
    """The portfolio: each initiative's funnel, NPVs, this year's cash and capacity, cash at risk and signals."""
    overview = portfolio.portfolio_overview(session=session)
    return render(request, "dashboard.html", {"actor": actor, "initiatives": overview})


def install(app: FastAPI) -> None:
    """Add the pages, their static files and their error handling to the app."""
    app.include_router(router)
    app.include_router(initiative_pages.router)
    app.include_router(benefit_pages.router)
    app.include_router(finance_pages.router)
    app.include_router(measure_pages.router)
    app.include_router(appraisal_pages.router)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    async def to_sign_in(request: Request, error: Exception) -> Response:
        assert isinstance(error, SignInRequired)
        return RedirectResponse(f"/sign-in?next={quote(error.next_path)}", status_code=303)

    async def refuse_form(request: Request, error: Exception) -> Response:
        return render(request, "refused.html", {}, status_code=403)

    app.add_exception_handler(SignInRequired, to_sign_in)
    app.add_exception_handler(CsrfRefused, refuse_form)
