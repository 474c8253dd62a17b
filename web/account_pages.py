"""A person's own account: their API tokens, made and revoked here, the other places they are signed in, and
whether they are e-mailed digests of what is due."""

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from api.deps import ResourceId, SessionDep, undone_on_refusal
from benefits import people
from benefits.actors import Actor
from benefits.columns import utc_now
from benefits.errors import DomainError
from benefits.models import ApiTokenCreate
from web.forms import FormFields, about_the_form, field_errors, problem_fields
from web.render import render
from web.session import SESSION_COOKIE, PageActor, check_csrf

router = APIRouter(include_in_schema=False)

DEFAULT_DAYS = "30"
DIGESTS_DONE = {
    "digests_yes": "Digests are on: you are e-mailed once a day when something new falls due from you.",
    "digests_no": "Digests are off: nothing is e-mailed to you; what is due from you stays on My work.",
}
FIELD_HELP = {
    "name": "Give the token a name of 1 to 200 characters, such as the system that will use it.",
    "expires_in_days": "Give the number of days until the token expires, as a whole number.",
}


def _tokens_page(
    request: Request, session: Any, actor: Actor, *, created: people.IssuedToken | None = None,
    errors: dict[str, str] | None = None, values: dict[str, str] | None = None, status_code: int = 200,
    done: str = "",
) -> HTMLResponse:  # fmt: skip
    mine = people.account_tokens(session=session, actor=actor)
    me = people.get_person(session=session, person_id=actor.person_id) if actor.person_id is not None else None
    session_token = request.cookies.get(SESSION_COOKIE, "")
    response = render(request, "tokens.html", {
        "actor": actor, "api_tokens": mine.api_tokens, "now": utc_now(),
        # This browser's own session is marked, and not offered for signing out there (the sign-out button does it).
        "sessions": [(record, people.is_token(record, session_token)) for record in mine.signed_in],
        "created": created, "errors": errors or {},
        "values": {"name": "", "expires_in_days": DEFAULT_DAYS} | (values or {}),
        "me": me, "digests_done": DIGESTS_DONE.get(done),
    }, status_code=status_code)  # fmt: skip
    # The page may show a new token's secret: never kept by a cache, nor brought back from the browser's history.
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get("/account/tokens", response_class=HTMLResponse)
def tokens_page(request: Request, session: SessionDep, actor: PageActor, done: str = "") -> Response:
    """Your API tokens: name, when made, when they expire, whether revoked; a form to make one; your digests.

    After the digests form, `?done=digests_yes|digests_no` says what was chosen.
    """
    return _tokens_page(request, session, actor, done=done[:20])


@router.post("/account/digests", response_class=HTMLResponse)
def choose_digests(request: Request, session: SessionDep, actor: PageActor, form: FormFields) -> Response:
    """Turn your e-mailed digests of what is newly due from you on or off."""
    check_csrf(request, form.get("csrf", ""))
    choice = form.get("digests", "")
    if choice not in ("yes", "no"):
        refusal = "Choose Yes to be e-mailed a digest of what falls due from you, or No for none, then save."
        return _tokens_page(request, session, actor, errors={"digests": refusal}, status_code=422)
    try:
        with undone_on_refusal(session):
            people.set_own_digests(session=session, actor=actor, digests=choice == "yes")
    except DomainError as error:
        return _tokens_page(request, session, actor, errors={"digests": about_the_form(error).detail}, status_code=422)
    return RedirectResponse(f"/account/tokens?done=digests_{choice}#digests", status_code=303)


@router.post("/account/tokens", response_class=HTMLResponse)
def create_token(request: Request, session: SessionDep, actor: PageActor, form: FormFields) -> Response:
    """Make an API token for yourself; the page shows the token this once (never in an address)."""
    check_csrf(request, form.get("csrf", ""))
    sent = {"name": form.get("name", "").strip(), "expires_in_days": form.get("expires_in_days", "").strip()}
    try:
        with undone_on_refusal(session):
            fields = ApiTokenCreate.model_validate(
                {"person_id": actor.person_id, "name": sent["name"], "expires_in_days": sent["expires_in_days"] or None}
            )
            issued = people.create_token(session=session, fields=fields, actor=actor)
    except ValidationError as error:
        errors = {name: FIELD_HELP.get(name, message) for name, message in field_errors(error).items()}
        return _tokens_page(request, session, actor, errors=errors, values=sent, status_code=422)
    except DomainError as error:
        # The domain's rule in its own words (how long one's own tokens may live), beside the field it is about.
        errors = {name: error.detail for name in problem_fields(error)}
        return _tokens_page(request, session, actor, errors=errors, values=sent, status_code=422)
    return _tokens_page(request, session, actor, created=issued)


@router.post("/account/tokens/{token_id}/revoke", response_class=HTMLResponse)
def revoke_token(
    token_id: ResourceId, request: Request, session: SessionDep, actor: PageActor, form: FormFields
) -> Response:
    """Revoke one of your tokens for good: whatever uses it is refused from now on."""
    check_csrf(request, form.get("csrf", ""))
    try:
        with undone_on_refusal(session):
            people.revoke_token(session=session, token_id=token_id, actor=actor)
    except DomainError as error:
        return _tokens_page(request, session, actor, errors={"revoke": about_the_form(error).detail}, status_code=422)
    return RedirectResponse("/account/tokens", status_code=303)
