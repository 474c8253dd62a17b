"""Signing in to the pages: a session cookie holding a sign-in token, and a CSRF token on every form."""

import secrets
from typing import Annotated

from fastapi import Depends, Request, Response
from sqlmodel import Session

from api.deps import SessionDep
from benefits import people
from benefits.actors import Actor
from benefits.errors import Unauthenticated

SESSION_COOKIE = "benefits_session"
CSRF_COOKIE = "benefits_csrf"
SESSION_DAYS = 1


class SignInRequired(Exception):
    """The page needs a signed-in person; the handler sends them to the sign-in page."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


class CsrfRefused(Exception):
    """A form came without the token its page gave (or with another): refused, nothing changes."""


def csrf_token(request: Request) -> str:
    """The browser's CSRF token: the one its cookie holds, or a new one (`remember_csrf` then sets the cookie)."""
    held = request.cookies.get(CSRF_COOKIE)
    if held:
        return held
    made: str | None = getattr(request.state, "csrf", None)
    if made is None:
        made = secrets.token_urlsafe(24)
        request.state.csrf = made
    return made


def remember_csrf(request: Request, response: Response) -> None:
    """Set the CSRF cookie when this page made a new token."""
    made = getattr(request.state, "csrf", None)
    if made and CSRF_COOKIE not in request.cookies:
        response.set_cookie(CSRF_COOKIE, made, httponly=True, samesite="strict",
                            secure=request.url.scheme == "https")  # fmt: skip


def check_csrf(request: Request, sent: str | None) -> None:
    """Refuse a form whose token is not the one this browser holds."""
    held = request.cookies.get(CSRF_COOKIE)
    # Compared as bytes: compare_digest refuses text that is not ASCII, and a form may send anything.
    if not held or not sent or not secrets.compare_digest(held.encode(), sent.encode()):
        raise CsrfRefused()


def start_session(request: Request, response: Response, token: str) -> None:
    """Keep the sign-in token in an HTTP-only cookie."""
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="lax", max_age=SESSION_DAYS * 86400,
                        secure=request.url.scheme == "https")  # fmt: skip


def end_session(response: Response) -> None:
    """Forget the sign-in token."""
    response.delete_cookie(SESSION_COOKIE)


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
