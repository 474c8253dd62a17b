"""A person's own account: their API tokens, made and revoked here, and the other places they are signed in."""

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from api.deps import ResourceId, SessionDep
from benefits import people
from benefits.actors import Actor
from benefits.columns import utc_now
from benefits.errors import DomainError
from benefits.models import ApiToken, ApiTokenCreate
from web.benefit_pages import FormFields
from web.render import render
from web.session import SESSION_COOKIE, PageActor, check_csrf

router = APIRouter(include_in_schema=False)

# Signing in issues a token too, named this by `people.finish_sign_in`; nothing else marks a token as a session.
# So tokens of this name are listed apart, as the places one is signed in (only those still live: every sign-in
# leaves one behind), and any other is an API token. A token someone named "sign-in" through the API shows among
# the sessions, still revocable, so no token is ever hidden from its owner.
SIGN_IN_NAME = "sign-in"
DEFAULT_DAYS = "30"
FIELD_HELP = {
    "name": "Give the token a name of 1 to 200 characters, such as the system that will use it.",
    "expires_in_days": "Give the number of days until the token expires, a whole number from 1 to 3650.",
}


def _is_live(record: ApiToken, now: datetime) -> bool:
    return record.revoked_at is None and (record.expires_at is None or record.expires_at > now)


def _is_this_browser(record: ApiToken, session_token: str) -> bool:
    # Only a token's digest and first characters are kept, and the digest is the domain's own business: the first
    # characters tell this browser's session apart from the person's others. Were two ever to share them, both would
    # be shown as this browser, so neither is offered for revoking: the safe way to be wrong.
    return record.name == SIGN_IN_NAME and bool(session_token) and session_token.startswith(record.prefix)


def _tokens_page(
    request: Request, session: Any, actor: Actor, *, created: people.IssuedToken | None = None,
    errors: dict[str, str] | None = None, values: dict[str, str] | None = None, status_code: int = 200,
) -> HTMLResponse:  # fmt: skip
    tokens = people.list_tokens(session=session, actor=actor, person_id=actor.person_id).items
    now = utc_now()
    session_token = request.cookies.get(SESSION_COOKIE, "")
    signed_in = [record for record in tokens if record.name == SIGN_IN_NAME and _is_live(record, now)]
    return render(request, "tokens.html", {
        "actor": actor, "api_tokens": [record for record in tokens if record.name != SIGN_IN_NAME],
        "sessions": [(record, _is_this_browser(record, session_token)) for record in signed_in], "now": now,
        "created": created, "errors": errors or {},
        "values": {"name": "", "expires_in_days": DEFAULT_DAYS} | (values or {}),
    }, status_code=status_code)  # fmt: skip


@router.get("/account/tokens", response_class=HTMLResponse)
def tokens_page(request: Request, session: SessionDep, actor: PageActor) -> Response:
    """Your API tokens: name, when made, when they expire, whether revoked; a form to make one."""
    return _tokens_page(request, session, actor)


@router.post("/account/tokens", response_class=HTMLResponse)
def create_token(request: Request, session: SessionDep, actor: PageActor, form: FormFields) -> Response:
    """Make an API token for yourself; the page shows the token this once (never in an address)."""
    check_csrf(request, form.get("csrf", ""))
    sent = {"name": form.get("name", "").strip(), "expires_in_days": form.get("expires_in_days", "").strip()}
    try:
        fields = ApiTokenCreate.model_validate(
            {"person_id": actor.person_id, "name": sent["name"], "expires_in_days": sent["expires_in_days"] or None}
        )
        issued = people.create_token(session=session, fields=fields, actor=actor)
    except ValidationError as error:
        wrong = [str(problem["loc"][0]) for problem in error.errors(include_url=False) if problem["loc"]]
        errors = {name: FIELD_HELP.get(name, "This value cannot be taken.") for name in wrong}
        return _tokens_page(request, session, actor, errors=errors, values=sent, status_code=422)
    except DomainError as error:
        session.rollback()
        errors = {(problem.field or "form"): problem.detail for problem in reversed(error.problems)}
        errors = errors or {"form": error.detail}
        return _tokens_page(request, session, actor, errors=errors, values=sent, status_code=422)
    session.commit()
    return _tokens_page(request, session, actor, created=issued)


@router.post("/account/tokens/{token_id}/revoke", response_class=HTMLResponse)
def revoke_token(
    token_id: ResourceId, request: Request, session: SessionDep, actor: PageActor, form: FormFields
) -> Response:
    """Revoke one of your tokens for good: whatever uses it is refused from now on."""
    check_csrf(request, form.get("csrf", ""))
    try:
        people.revoke_token(session=session, token_id=token_id, actor=actor)
    except DomainError as error:
        session.rollback()
        return _tokens_page(request, session, actor, errors={"revoke": error.detail}, status_code=422)
    session.commit()
    return RedirectResponse("/account/tokens", status_code=303)
