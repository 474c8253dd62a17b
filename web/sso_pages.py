"""Signing in through the organisation's OpenID Connect provider: leaving for it, its answer, and signing out there."""

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from benefits import sso
from benefits.db import get_engine, transaction
from benefits.settings import get_settings
from web.render import render
from web.session import (
    forget_provider_sign_in,
    keep_provider_sign_in,
    provider_sign_in,
    safe_next,
    start_session,
)

router = APIRouter(include_in_schema=False)
CALLBACK = "/sign-in/callback"


def _redirect_uri(request: Request) -> str:
    """This service's callback address as the browser reaches it (what the provider has registered)."""
    return str(request.url.replace(path=CALLBACK, query="", fragment=""))


def sign_in_choices(*, next_path: str, break_glass: bool = False) -> dict[str, Any]:
    """What the sign-in page offers: the organisation's sign-in, and the password form while passwords are on."""
    settings = get_settings()
    return {
        "sso": sso.enabled(settings),
        "sso_link": "/sign-in/organisation" + ("?" + urlencode({"next": next_path}) if next_path != "/" else ""),
        "display_name": settings.oidc_display_name,
        "passwords": settings.local_passwords or break_glass,
        "break_glass": break_glass,
        "break_glass_offered": not settings.local_passwords and bool(settings.break_glass_admin),
    }


def _refused(request: Request, refusal: sso.Refusal) -> HTMLResponse:
    """The page that says why the sign-in was refused and what to do instead."""
    status = 503 if refusal is sso.UNREACHABLE else 403
    response = render(request, "sign_in_refused.html", {"refusal": refusal, **sign_in_choices(next_path="/")},
                      status_code=status)  # fmt: skip
    forget_provider_sign_in(response)
    return response


@router.get("/sign-in/organisation")
def leave_for_provider(request: Request, next: str = "/") -> Response:
    """Send the browser to the organisation's sign-in, keeping its state, nonce and PKCE verifier here."""
    if not sso.enabled():
        return RedirectResponse("/sign-in", status_code=303)
    leaving = sso.leave_for_provider(redirect_uri=_redirect_uri(request))
    if isinstance(leaving, sso.Refusal):
        with transaction(get_engine()) as session:
            sso.record_refusal(session=session, refusal=leaving, identity=None, person=None)
        return _refused(request, leaving)
    response = RedirectResponse(leaving.url, status_code=303)
    kept = {"state": leaving.state, "nonce": leaving.nonce, "code_verifier": leaving.code_verifier,
            "next": safe_next(next)}  # fmt: skip
    keep_provider_sign_in(request, response, kept)
    return response


@router.get(CALLBACK)
def provider_answer(request: Request) -> Response:
    """The provider's answer: checked, then the person signed in (made on a first sign-in), or refused with why."""
    if not sso.enabled():
        return RedirectResponse("/sign-in", status_code=303)
    kept = provider_sign_in(request) or {}
    asked = request.query_params
    answer = sso.ProviderAnswer(
        state=asked.get("state"),
        code=asked.get("code"),
        error=asked.get("error"),
        error_description=asked.get("error_description"),
        issuer=asked.get("iss"),
        kept_state=kept.get("state"),
        nonce=kept.get("nonce"),
        code_verifier=kept.get("code_verifier"),
    )
    identity = sso.verify_answer(answer=answer, redirect_uri=_redirect_uri(request))
    # The answer arrives as a GET, whose unit of work only reads: a sign-in (or its refusal) is kept in one of its own.
    with transaction(get_engine()) as session:
        if isinstance(identity, sso.Refusal):
            sso.record_refusal(session=session, refusal=identity, identity=None, person=None)
            outcome: sso.SignedIn | sso.Refusal = identity
        else:
            outcome = sso.sign_in_identity(session=session, identity=identity)
    if isinstance(outcome, sso.Refusal):
        return _refused(request, outcome)
    response = RedirectResponse(safe_next(kept.get("next")), status_code=303)
    start_session(request, response, outcome.token)
    forget_provider_sign_in(response)
    return response


@router.get("/sign-in/signed-out", response_class=HTMLResponse)
def signed_out(request: Request) -> HTMLResponse:
    """Signed out here; the organisation's own sign-out offered, as its session there may still be live."""
    back = str(request.url.replace(path="/sign-in", query="", fragment=""))
    context = {
        "next": "/",
        "error": None,
        "login": "",
        "signed_out": True,
        "provider_sign_out": sso.provider_sign_out_url(post_logout_redirect_uri=back),
        **sign_in_choices(next_path="/"),
    }
    return render(request, "sign_in.html", context)


@router.get("/sign-in/break-glass", response_class=HTMLResponse)
def break_glass(request: Request, next: str = "/") -> HTMLResponse:
    """The password form for the break-glass admin, while passwords kept here are off for everyone else."""
    context = {"next": safe_next(next), "error": None, "login": "", "actor": None}
    return render(request, "sign_in.html", context | sign_in_choices(next_path=safe_next(next), break_glass=True))
