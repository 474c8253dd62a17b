"""The admin's pages: the people (everyone reads the list; an admin adds people, changes names, e-mails and roles,
turns digests on and off, deactivates and resets passwords) and the audit trail (admin, finance, board).

No handler here commits or rolls back: a refused form changes nothing before it is refused, so the request's own
unit of work (`api.deps.get_session`) ends every request.
"""

import re
import secrets
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import SecretStr, ValidationError

from api.deps import ResourceId, SessionDep, undone_on_refusal
from api.problems import status_for
from benefits import audit, people
from benefits.actors import Actor
from benefits.authz import Action, allowed, require
from benefits.columns import MAX_ROW_ID
from benefits.errors import DomainError, NotFound
from benefits.models import AuditEvent, PersonCreate, PersonUpdate, Role
from web.forms import FormFields, about_the_form, field_errors, problem_fields
from web.render import changes, problems_text, render
from web.session import PageActor, check_csrf

router = APIRouter(include_in_schema=False)
PEOPLE = "/people"
PEOPLE_SHOWN = 500  # the directory is small; one page holds it
FIELDS = ("name", "email", "role")  # what the add form keeps when it is refused (never the password)
FIELD_HELP = {
    "name": "Give a name of 1 to 200 characters, without @.",
    "email": "Enter an e-mail address, such as name@example.org, or leave it blank.",
    "role": "Choose one of the roles offered.",
    "password": "A password has 10 to 200 characters; leave it blank for someone who does not sign in.",
}
# What the page says after each change, read back from the person changed (an address naming none says nothing).
DONE = {
    "added": "{name} was added as {role}.",
    "role": "{name} is now {role}.",
    "deactivated": "{name} was deactivated: they can no longer sign in or use their tokens.",
    "reactivated": "{name} was reactivated: they can sign in and use their tokens again.",
    "details": "{name}'s name and e-mail were saved; what they own carries the name.",
    "digests_on": "{name} is e-mailed a digest when something new falls due from them.",
    "digests_off": "{name} is no longer e-mailed digests; their work still shows on their My work page.",
}


def role_label(role: Role | str) -> str:
    """A role as the page writes it: `programme manager`."""
    return Role(role).value.replace("_", " ")


def _version(text: str) -> frozenset[int] | None:
    """The version the page showed, if the form sent one."""
    return frozenset({int(text)}) if re.fullmatch(r"[0-9]{1,9}", text) else None


def _notice(session: Any, done: str, person_id: str) -> str | None:
    """What a change just made did, in words (None when the address names no change or no person)."""
    if done not in DONE or not re.fullmatch(r"[0-9]{1,9}", person_id):
        return None
    try:
        person = people.get_person(session=session, person_id=int(person_id))
    except NotFound:
        return None
    said = DONE[done].format(name=person.name, role=role_label(person.role))
    if done == "added" and person.password_hash is None:
        said += " They have no password, so they do not sign in."
    return said


def _people_page(
    request: Request, session: Any, actor: Actor, *, notice: str | None = None,
    errors: dict[str, str] | None = None, sent: dict[str, str] | None = None,
    row_errors: dict[int, dict[str, str]] | None = None, new_password: tuple[str, str] | None = None,
    row_sent: dict[int, dict[str, str]] | None = None, status_code: int = 200,
) -> HTMLResponse:  # fmt: skip
    listed = people.list_people(session=session, limit=PEOPLE_SHOWN, offset=0)
    response = render(request, "people.html", {
        "actor": actor, "people": listed.items, "total": listed.total, "roles": list(Role),
        "role_label": role_label, "may_manage": allowed(session=session, actor=actor, action=Action.manage_people),
        "notice": notice, "errors": errors or {}, "sent": sent or {}, "row_errors": row_errors or {},
        "new_password": new_password, "row_sent": row_sent or {},
    }, status_code=status_code)  # fmt: skip
    # The page may show a new password: never kept by a cache, nor brought back from the browser's history.
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get(PEOPLE, response_class=HTMLResponse)
def people_page(request: Request, session: SessionDep, actor: PageActor, done: str = "", person: str = "") -> Response:
    """Everyone: name, e-mail, role and whether active; for an admin, the forms to change them.

    After a change, `?done=added|role|deactivated|reactivated|details|digests_on|digests_off&person={id}` says
    what was done.
    """
    return _people_page(request, session, actor, notice=_notice(session, done[:20], person[:20]))


@router.post(PEOPLE, response_class=HTMLResponse)
def add_person(request: Request, session: SessionDep, actor: PageActor, form: FormFields) -> Response:
    """Add a person (admin); with no password they are an officer who does not sign in."""
    check_csrf(request, form.get("csrf", ""))
    require(session=session, actor=actor, action=Action.manage_people)  # before what was typed is read
    sent = {name: form.get(name, "").strip() for name in FIELDS}
    password = form.get("password", "")
    try:
        fields = PersonCreate.model_validate({
            "name": sent["name"], "email": sent["email"] or None, "role": sent["role"] or None,
            "password": SecretStr(password) if password else None,
        })  # fmt: skip
        with undone_on_refusal(session):
            person = people.create_person(session=session, fields=fields, actor=actor)
    except ValidationError as error:
        errors = {name: FIELD_HELP.get(name, text) for name, text in field_errors(error).items()}
        return _people_page(request, session, actor, errors=errors, sent=sent, status_code=422)
    except DomainError as error:
        errors = problem_fields(error, otherwise="name")
        return _people_page(request, session, actor, errors=errors, sent=sent, status_code=status_for(error))
    return RedirectResponse(f"{PEOPLE}?done=added&person={person.id}#person-{person.id}", status_code=303)


def _change(
    request: Request, session: Any, actor: Actor, person_id: int, field: str, changes: PersonUpdate, version: str,
    sent: dict[str, str] | None = None,
) -> Response | None:  # fmt: skip
    """Make the change; None when done, else the page with the refusal beside the field of the row it was made in
    (and what was typed there, kept)."""
    try:
        with undone_on_refusal(session):
            people.update_person(
                session=session, person_id=person_id, changes=changes, expected_version=_version(version), actor=actor
            )
    except DomainError as error:
        refused = about_the_form(error)  # no such person, or not allowed: a refusal page
        row_errors = {person_id: {field: f"Nothing was changed: {problems_text(refused)}"}}
        row_sent = {person_id: sent} if sent else None
        return _people_page(
            request, session, actor, row_errors=row_errors, row_sent=row_sent, status_code=status_for(refused)
        )
    return None


@router.post(PEOPLE + "/{person_id}/details", response_class=HTMLResponse)
def change_details(
    person_id: ResourceId, request: Request, session: SessionDep, actor: PageActor, form: FormFields
) -> Response:
    """Change a person's name and e-mail (admin); what they own is renamed with them."""
    check_csrf(request, form.get("csrf", ""))
    require(session=session, actor=actor, action=Action.manage_people)
    sent = {name: form.get(name, "").strip() for name in ("name", "email")}
    try:
        update = PersonUpdate.model_validate({"name": sent["name"], "email": sent["email"] or None})
    except ValidationError as error:
        found = field_errors(error)
        said = " ".join(FIELD_HELP[name] for name in ("name", "email") if name in found)
        row_errors = {person_id: {"details": f"Nothing was changed: {said}"}}
        return _people_page(request, session, actor, row_errors=row_errors, row_sent={person_id: sent}, status_code=422)
    refused = _change(request, session, actor, person_id, "details", update, form.get("version", ""), sent)
    return refused or RedirectResponse(f"{PEOPLE}?done=details&person={person_id}#person-{person_id}", status_code=303)


@router.post(PEOPLE + "/{person_id}/digests", response_class=HTMLResponse)
def set_digests(
    person_id: ResourceId, request: Request, session: SessionDep, actor: PageActor, form: FormFields
) -> Response:
    """Turn a person's e-mailed digests of what is due on (1) or off (0) (admin)."""
    check_csrf(request, form.get("csrf", ""))
    require(session=session, actor=actor, action=Action.manage_people)
    digests = form.get("digests") == "1"
    refused = _change(
        request, session, actor, person_id, "digests", PersonUpdate(digests=digests), form.get("version", "")
    )
    done = "digests_on" if digests else "digests_off"
    return refused or RedirectResponse(f"{PEOPLE}?done={done}&person={person_id}#person-{person_id}", status_code=303)


@router.post(PEOPLE + "/{person_id}/role", response_class=HTMLResponse)
def change_role(
    person_id: ResourceId, request: Request, session: SessionDep, actor: PageActor, form: FormFields
) -> Response:
    """Change a person's role, from the version the page showed (admin)."""
    check_csrf(request, form.get("csrf", ""))
    require(session=session, actor=actor, action=Action.manage_people)
    try:
        update = PersonUpdate(role=Role(form.get("role", "")))
    except ValueError:
        row_errors = {person_id: {"role": FIELD_HELP["role"]}}
        return _people_page(request, session, actor, row_errors=row_errors, status_code=422)
    refused = _change(request, session, actor, person_id, "role", update, form.get("version", ""))
    return refused or RedirectResponse(f"{PEOPLE}?done=role&person={person_id}#person-{person_id}", status_code=303)


@router.post(PEOPLE + "/{person_id}/active", response_class=HTMLResponse)
def set_active(
    person_id: ResourceId, request: Request, session: SessionDep, actor: PageActor, form: FormFields
) -> Response:
    """Deactivate (0) or reactivate (1) a person; an inactive person cannot sign in or use tokens (admin)."""
    check_csrf(request, form.get("csrf", ""))
    require(session=session, actor=actor, action=Action.manage_people)
    active = form.get("active") == "1"
    refused = _change(
        request, session, actor, person_id, "active", PersonUpdate(active=active), form.get("version", "")
    )
    done = "reactivated" if active else "deactivated"
    return refused or RedirectResponse(f"{PEOPLE}?done={done}&person={person_id}#person-{person_id}", status_code=303)


@router.post(PEOPLE + "/{person_id}/password", response_class=HTMLResponse)
def reset_password(
    person_id: ResourceId, request: Request, session: SessionDep, actor: PageActor, form: FormFields
) -> Response:
    """Give a person a new password, made here and shown this once (never in an address); their sign-ins end."""
    check_csrf(request, form.get("csrf", ""))
    require(session=session, actor=actor, action=Action.manage_people)
    password = secrets.token_urlsafe(15)  # 20 characters, about 120 bits
    update = PersonUpdate(password=SecretStr(password))
    refused = _change(request, session, actor, person_id, "password", update, form.get("version", ""))
    if refused is not None:
        return refused
    name = people.get_person(session=session, person_id=person_id).name
    return _people_page(request, session, actor, new_password=(name, password))


# The trail's filters, as the API names them, and what the page says when it cannot take one.
AUDIT_FILTERS = {
    "entity": "An entity is a word of at most 40 characters, such as benefit, so events about anything are shown.",
    "entity_id": "An entity id is a whole number from 1, so events about any id are shown.",
    "person_id": "Choose a person from the list, so changes by anyone are shown.",
    "since": "Give a date as YYYY-MM-DD, so the trail is not limited to events since a date.",
    "until": "Give a date as YYYY-MM-DD, so the trail is not limited to events until a date.",
    "page": "A page is a whole number from 1, so the first page is shown.",
}
AUDIT_PAGE = 50
_ID = re.compile(r"[1-9][0-9]{0,9}")


def _audit_filters(query: dict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """The filters the address asks for, as `audit.list_events` takes them; each it cannot take set aside, said."""
    taken: dict[str, Any] = {}
    problems: dict[str, str] = {}
    if query["entity"]:
        if re.fullmatch(r"[a-z_]{1,40}", query["entity"].strip().lower()):
            taken["entity"] = query["entity"].strip().lower()
        else:
            problems["entity"] = AUDIT_FILTERS["entity"]
    for name in ("entity_id", "person_id"):
        if query[name]:
            if _ID.fullmatch(query[name]) and int(query[name]) <= MAX_ROW_ID:
                taken[name] = int(query[name])
            else:
                problems[name] = AUDIT_FILTERS[name]
    for name in ("since", "until"):
        if query[name]:
            try:
                day = date.fromisoformat(query[name]) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", query[name]) else None
            except ValueError:
                day = None
            if day is None or day >= date.max:
                problems[name] = AUDIT_FILTERS[name]
                continue
            # Both days are included: until a day is before the start of the next.
            taken[name] = datetime.combine(day + timedelta(days=1 if name == "until" else 0), time(), tzinfo=UTC)
    if "since" in taken and "until" in taken and taken["until"] <= taken["since"]:
        problems["until"] = "Until comes before since, so the trail is not limited to events until a date."
        del taken["until"]
    return taken, problems


def _newest_first(session: Any, actor: Actor, filters: dict[str, Any], page: int) -> tuple[list[AuditEvent], int]:
    """One page of the trail, newest first, and how many events match (the domain lists oldest first)."""
    total = audit.list_events(session=session, actor=actor, limit=1, offset=0, **filters).total
    end = total - (page - 1) * AUDIT_PAGE
    if end <= 0:
        return [], total
    start = max(0, end - AUDIT_PAGE)
    events = audit.list_events(session=session, actor=actor, limit=end - start, offset=start, **filters).items
    return list(reversed(events)), total


def _by_period(fields: dict[str, Any] | None) -> dict[str, Any] | None:
    """The fields with a profile of bare amounts by period (a cost line's) spelt out one period a field.

    `render.changes` reads a profile as planned and actual by period (a benefit's); a cost line's is not.
    """
    profile = (fields or {}).get("profile")
    if fields is None or not isinstance(profile, dict) or all(isinstance(v, dict) for v in profile.values()):
        return fields
    rest = {name: value for name, value in fields.items() if name != "profile"}
    return rest | {f"profile {period}": amount for period, amount in profile.items()}


def _what_changed(event: AuditEvent) -> list[tuple[str, str, str]]:
    """The event's fields, before and after; a creation's as each field's first value."""
    before, after = _by_period(event.before), _by_period(event.after)
    if before is None and after:
        # A creation replaced nothing: each field is shown going from nothing to its first value.
        before = dict.fromkeys(after)
        if isinstance(after.get("profile"), dict):
            before["profile"] = {}
    return changes(before, after)


@router.get("/audit", response_class=HTMLResponse)
def audit_page(
    request: Request,
    session: SessionDep,
    actor: PageActor,
    entity: str = "",
    entity_id: str = "",
    person_id: str = "",
    since: str = "",
    until: str = "",
    page: str = "",
) -> Response:
    """The audit trail, newest first, filtered by entity and id, person and dates (admin, finance, board)."""
    require(session=session, actor=actor, action=Action.read_audit)
    # Kept short so an address edited by hand is answered with a message on the page, never a bare refusal.
    query = {"entity": entity[:60], "entity_id": entity_id[:20], "person_id": person_id[:20], "since": since[:20],
             "until": until[:20]}  # fmt: skip
    filters, problems = _audit_filters(query)
    number = 1
    if page:
        if _ID.fullmatch(page[:9]) and len(page) <= 9:
            number = int(page)
        else:
            problems["page"] = AUDIT_FILTERS["page"]
    events, total = _newest_first(session, actor, filters, number)
    kept = {name: value for name, value in query.items() if value and name not in problems}
    pages = max(1, -(-total // AUDIT_PAGE))
    return render(request, "audit.html", {
        "actor": actor, "query": query, "problems": problems,
        "events": [(event, _what_changed(event)) for event in events], "total": total, "page": number,
        "pages": pages, "page_size": AUDIT_PAGE,
        "newer": f"/audit?{urlencode(kept | {'page': number - 1})}" if number > 1 else None,
        "older": f"/audit?{urlencode(kept | {'page': number + 1})}" if number < pages else None,
        "people": people.list_people(session=session, limit=PEOPLE_SHOWN, offset=0).items,
    }, status_code=422 if problems else 200)  # fmt: skip
