"""The pages: sign in and out, and the portfolio dashboard. Thin handlers over the domain, as the API's are."""

from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from api.deps import SessionDep
from benefits import people, portfolio
from benefits.errors import TooManyAttempts, Unauthenticated
from benefits.settings import get_settings
from web.session import (
    CsrfRefused,
    PageActor,
    SignInRequired,
    check_csrf,
    csrf_token,
    end_session,
    remember_csrf,
    signed_in_actor,
    start_session,
)

HERE = Path(__file__).resolve().parent
templates = Jinja2Templates(directory=HERE / "templates")
router = APIRouter(include_in_schema=False)


def money(value: Decimal | float | None) -> str:
    """Pounds as people write them: £1,234 or -£1,234 (no pence on summaries)."""
    if value is None:
        return "—"
    amount = Decimal(str(value))
    return f"{'-' if amount < 0 else ''}£{abs(amount):,.0f}"


templates.env.filters["money"] = money


def _render(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> HTMLResponse:
    context = {"csrf": csrf_token(request), **context}
    response = templates.TemplateResponse(request, name, context, status_code=status_code)
    remember_csrf(request, response)
    return response


def _safe_next(path: str | None) -> str:
    # Only a path on this site: never an address elsewhere (an open redirect).
    return path if path and path.startswith("/") and not path.startswith("//") else "/"


@router.get("/sign-in", response_class=HTMLResponse)
def sign_in_page(request: Request, next: str = "/") -> HTMLResponse:
    """The sign-in form."""
    return _render(request, "sign_in.html", {"next": _safe_next(next), "error": None, "login": ""})


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
    settings = get_settings()
    limits = people.SignInLimits(
        per_account=settings.login_max_failures_per_account,
        per_address=settings.login_max_failures_per_address,
        window_seconds=settings.login_window_seconds,
    )
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
        return _render(request, "sign_in.html", form | {"error": error.detail}, status_code=429)
    except Unauthenticated as error:
        session.commit()
        return _render(request, "sign_in.html", form | {"error": error.detail}, status_code=401)
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
    return _render(request, "dashboard.html", {"actor": actor, "initiatives": overview})


def install(app: FastAPI) -> None:
    """Add the pages, their static files and their error handling to the app."""
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    async def to_sign_in(request: Request, error: Exception) -> Response:
        assert isinstance(error, SignInRequired)
        return RedirectResponse(f"/sign-in?next={quote(error.next_path)}", status_code=303)

    async def refuse_form(request: Request, error: Exception) -> Response:
        return _render(request, "refused.html", {}, status_code=403)

    app.add_exception_handler(SignInRequired, to_sign_in)
    app.add_exception_handler(CsrfRefused, refuse_form)
