"""Signing in to the pages: a session cookie holding a sign-in token, and a CSRF token on every form.

The form token is bound to the browser's session: an HMAC of the sign-in token, or before sign-in of a random
pre-sign-in id kept in its own cookie. A forged form needs the victim's cookie, which the browser never shows.
"""

import base64
import hashlib
import hmac
import json
import secrets
import time
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import Depends, Request, Response
from sqlmodel import Session

from api.deps import SessionDep
from benefits import people
from benefits.actors import Actor
from benefits.errors import Unauthenticated
from benefits.settings import get_settings

SESSION_COOKIE = "benefits_session"
CSRF_COOKIE = "benefits_csrf"
SESSION_DAYS = 1
# What a browser keeps while it is away at the organisation's sign-in: state, nonce and PKCE verifier, signed.
PROVIDER_COOKIE = "benefits_sign_in"
PROVIDER_COOKIE_PATH = "/sign-in"
PROVIDER_SECONDS = 600


class SignInRequired(Exception):
    """The page needs a signed-in person; the handler sends them to the sign-in page."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


class CsrfRefused(Exception):
    """A form came without the token its page gave (or with another): refused, nothing changes."""


def safe_next(path: str | None) -> str:
    """Where to go after signing in: a path on this site, never an address elsewhere (an open redirect)."""
    # Browsers read a backslash as a slash and drop tabs and newlines, so "/\evil" and "/\t/evil" go off-site too.
    if not path or not path.startswith("/") or any(char == "\\" or char < " " for char in path):
        return "/"
    parts = urlsplit(path)
    return "/" if parts.scheme or parts.netloc or path.startswith("//") else path


def _secret() -> bytes:
    """The server's secret for form tokens: the setting, or one derived from the database URL all workers share."""
    settings = get_settings()
    if settings.secret_key is not None:
        return settings.secret_key.get_secret_value().encode()
    return hashlib.sha256(b"benefits csrf\0" + settings.database_url.encode()).digest()


def _browser(request: Request) -> str:
    """The pre-sign-in id of this browser: its cookie's, or a new one (`remember_csrf` then sets the cookie)."""
    held = request.cookies.get(CSRF_COOKIE)
    if held and len(held) <= 100:
        return held
    made: str | None = getattr(request.state, "csrf", None)
    if made is None:
        made = secrets.token_urlsafe(24)
        request.state.csrf = made
    return made


def csrf_token(request: Request) -> str:
    """A form's token: an HMAC, with the server's secret, of the sign-in session or else the pre-sign-in id."""
    signed_in = request.cookies.get(SESSION_COOKIE)
    bound = f"session:{signed_in}" if signed_in else f"browser:{_browser(request)}"
    return hmac.new(_secret(), bound.encode(), hashlib.sha256).hexdigest()


def remember_csrf(request: Request, response: Response) -> None:
    """Set the pre-sign-in cookie when this page made a new id."""
    made = getattr(request.state, "csrf", None)
    if made and request.cookies.get(CSRF_COOKIE) != made:
        response.set_cookie(CSRF_COOKIE, made, httponly=True, samesite="strict",
                            secure=request.url.scheme == "https")  # fmt: skip


def check_csrf(request: Request, sent: str | None) -> None:
    """Refuse a form whose token is not the one this browser's session (or pre-sign-in id) gives."""
    if SESSION_COOKIE not in request.cookies and CSRF_COOKIE not in request.cookies:
        raise CsrfRefused()  # no session of any kind: no form of ours was read by this browser
    expected = csrf_token(request)
    # Compared as bytes: compare_digest refuses text that is not ASCII, and a form may send anything.
    if not sent or not hmac.compare_digest(expected.encode(), sent.encode()):
        raise CsrfRefused()


def start_session(request: Request, response: Response, token: str) -> None:
    """Keep the sign-in token in an HTTP-only cookie."""
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="lax", max_age=SESSION_DAYS * 86400,
                        secure=request.url.scheme == "https")  # fmt: skip


def end_session(response: Response) -> None:
    """Forget the sign-in token."""
    response.delete_cookie(SESSION_COOKIE)


def _signed(payload: bytes) -> str:
    return hmac.new(_secret(), b"provider sign-in\0" + payload, hashlib.sha256).hexdigest()


def keep_provider_sign_in(request: Request, response: Response, kept: dict[str, str]) -> None:
    """Keep what the provider's answer is checked against in a signed, HTTP-only cookie for ten minutes.

    Lax, not strict: the provider's answer is a top-level GET from its own site, which a strict cookie misses.
    """
    payload = json.dumps(kept | {"until": str(int(time.time()) + PROVIDER_SECONDS)}).encode()
    value = base64.urlsafe_b64encode(payload).decode() + "." + _signed(payload)
    response.set_cookie(PROVIDER_COOKIE, value, max_age=PROVIDER_SECONDS, path=PROVIDER_COOKIE_PATH, httponly=True,
                        samesite="lax", secure=request.url.scheme == "https")  # fmt: skip


def provider_sign_in(request: Request) -> dict[str, Any] | None:
    """What this browser kept when it left for the provider, if its signature holds and ten minutes have not passed."""
    held = request.cookies.get(PROVIDER_COOKIE, "")
    encoded, _, signature = held.partition(".")
    if not held or len(held) > 2000:
        return None
    try:
        payload = base64.urlsafe_b64decode(encoded.encode())
    except ValueError:
        return None
    if not hmac.compare_digest(_signed(payload).encode(), signature.encode()):
        return None
    kept: dict[str, Any] = json.loads(payload)
    return kept if int(kept.get("until", 0)) >= time.time() else None


def forget_provider_sign_in(response: Response) -> None:
    """Forget the provider sign-in under way (its answer is used once)."""
    response.delete_cookie(PROVIDER_COOKIE, path=PROVIDER_COOKIE_PATH)


def signed_in_actor(session: Session, request: Request) -> Actor | None:
    """The person the session cookie stands for, or None."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token or len(token) > 200:
        return None
    try:
        return people.actor_for_token(session=session, token=token)
    except Unauthenticated:
        return None


def page_actor(session: SessionDep, request: Request) -> Actor:
    """The signed-in person, or a redirect to the sign-in page and back."""
    actor = signed_in_actor(session, request)
    if actor is None:
        raise SignInRequired(request.url.path)
    return actor


PageActor = Annotated[Actor, Depends(page_actor)]
