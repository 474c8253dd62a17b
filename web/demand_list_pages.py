"""Demand's reference lists and costs per contact as pages: everyone reads them; admins, programme managers and
finance add, rename and take off services, channels, demand types and customer segments (one at a time, or a whole
list uploaded from a file), and keep a channel's cost per contact with its source, published figures offered beside
it as read-only suggestions.

No handler here commits or rolls back: each change runs in `undone_on_refusal`, so a refusal leaves nothing, and
the request's own unit of work ends every request.
"""

import datetime as dt
from decimal import Decimal, InvalidOperation
from functools import partial
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from api.deps import SessionDep, undone_on_refusal
from api.problems import status_for
from benefits import demand, formatting
from benefits.actors import Actor
from benefits.authz import Action, allowed, require
from benefits.demand import ReferenceList, Tagged
from benefits.demand_lists_import import MAX_LIST_BYTES, import_reference_list
from benefits.errors import DomainError, Problem
from benefits.models.demand import (
    ChannelCostIn,
    DemandTypeCreate,
    DemandTypeUpdate,
    ReferenceCreate,
    ReferenceUpdate,
)
from web.forms import FormFields, about_the_form, field_errors, problem_fields, typed_amount
from web.render import render
from web.session import SESSION_COOKIE, PageActor, SignInRequired, check_csrf

router = APIRouter(include_in_schema=False)
LISTS = "/demand/lists"
COSTS = "/demand/costs"
TITLES = {
    ReferenceList.services: "Services",
    ReferenceList.channels: "Channels",
    ReferenceList.demand_types: "Demand types",
    ReferenceList.segments: "Customer segments",
}
ABOUT = {
    ReferenceList.services: "The services of the organisation's catalogue whose contacts are counted.",
    ReferenceList.channels: "The channels contact arrives by: face to face, phone, web, e-mail, post, app.",
    ReferenceList.demand_types: (
        "Kinds of demand: value demand (what customers want) and avoidable (failure) demand, such as progress "
        "chasing, which the avoidable share (NI14) counts."
    ),
    ReferenceList.segments: "Customer segments contacts are counted by, and who gains from a benefit.",
}
CODE_HINT = "A code is 1 to 40 lower-case letters, digits, - or _, such as council_tax."
# What each list's page says after a form (post/redirect/get): `?done=` names the form, `code` the entry.
DONE = {
    "added": "{one} {code} added to the list.",
    "edited": "{one} {code} saved.",
    "unchanged": "{one} {code} was already as sent: nothing changed.",
    "deleted": "{one} {code} taken off the list.",
}
COST_DONE = "Cost per contact kept: {channel} from {day}."
LOADED = ("added", "renamed", "unchanged")


LISTED = ("services", "channels", "segments")


async def _picked(request: Request) -> dict[str, list[str]]:
    """The services, channels and segments ticked (a checkbox list sends one field an entry)."""
    form = await request.form()
    return {name: [value for value in form.getlist(name) if isinstance(value, str)][:500] for name in LISTED}


# What a form choosing demand's services, channels and segments ticked, by list.
Picked = Annotated[dict[str, list[str]], Depends(_picked)]


def on_pages(detail: str) -> str:
    """A refusal's words with an entry missing from its list said as what to do on the pages, not the API."""
    for kind in ReferenceList:
        detail = detail.replace(demand.how_to_add(kind), f"untick it, or add it to the {TITLES[kind].lower()} first")
    return detail


def refusal_words(error: DomainError) -> str:
    """A refusal in one line for the pages: its headline (which says what to do), then each problem it adds."""
    about_the_form(error)
    added = [f"{problem.node}: {problem.detail}" if problem.node else problem.detail
             for problem in error.problems if problem.detail != error.detail]  # fmt: skip
    return on_pages(" ".join([error.detail, *added]))


def said_on_pages(error: DomainError) -> dict[str, str]:
    """A refusal's problems by the field each names (the first one each), in the pages' words."""
    found: dict[str, str] = {}
    for problem in error.problems:
        found.setdefault((problem.field or "form").split("[")[0], on_pages(problem.detail))
    return found or {"form": on_pages(error.detail)}


def segments_context(
    session: Any, target: Tagged, target_id: int, *, chosen: list[str] | None = None, error: str | None = None
) -> dict[str, Any]:
    """What `demand_segments.html` shows of a benefit's or measure's segments: those listed, those kept, and the
    ticks a refusal shows again with its reason."""
    choices = demand.list_references(session=session, kind=ReferenceList.segments)
    return {
        "segments_action": f"/{target.value}/{target_id}/segments",
        "segments_thing": target.value[:-1],
        "segment_choices": choices,
        "segment_names": {entry.code: entry.name for entry in choices},
        "tagged": demand.segments_of(session=session, target=target, target_id=target_id),
        "segments_chosen": chosen,
        "segments_error": error,
    }


def tag_segments(
    session: Any, actor: Actor, target: Tagged, target_id: int, chosen: list[str]
) -> tuple[str | None, int]:
    """Tag a benefit or measure with the segments ticked; a refusal about them as words and a status, else None."""
    try:
        with undone_on_refusal(session):
            demand.tag(session=session, target=target, target_id=target_id, segments=chosen, actor=actor)
    except DomainError as error:
        about_the_form(error)
        return said_on_pages(error).get("segments", on_pages(error.detail)), status_for(error)
    return None, 303


def pence(value: Decimal | float | None) -> str:
    """A cost per contact in pounds and pence, rounded half-up (£2.83)."""
    return formatting.money(value, pence=True)


def _one(kind: ReferenceList) -> str:
    return demand.ONE[kind].capitalize()


def _list_errors(error: ValidationError) -> dict[str, str]:
    """A list entry's validation errors by field, a code's said as what a code may hold."""
    found = field_errors(error)
    if "code" in found and found["code"] != "Fill this in.":
        found["code"] = CODE_HINT
    return found


def _done(kind: ReferenceList, done: str, code: str) -> RedirectResponse:
    query = urlencode({"done": done, "code": code})
    anchor = "#done" if done == "deleted" else f"#entry-{quote(code)}"
    return RedirectResponse(f"{LISTS}/{kind.value}?{query}{anchor}", status_code=303)


def _list_page(
    request: Request, session: Any, actor: Actor, kind: ReferenceList, *, errors: dict[str, str] | None = None,
    sent: dict[str, str] | None = None, refused: dict[str, str] | None = None,
    problems: list[Problem] | None = None, status_code: int = 200,
) -> HTMLResponse:  # fmt: skip
    done = request.query_params.get("done", "")
    code = request.query_params.get("code", "")[:40].strip().lower()
    entries = demand.list_references(session=session, kind=kind)
    notice = None
    if done in DONE and code and not errors and not refused:  # read back from what is kept, not from the address
        if done == "deleted":
            said = demand.taken_off(session=session, kind=kind, code=code)
        else:
            said = code in {entry.code for entry in entries}
        if said:
            notice = DONE[done].format(one=_one(kind), code=code)
    if done == "imported" and not errors and not problems:
        notice = _loaded_notice(request, kind, kept=len(entries))
    context = {
        "actor": actor, "kind": kind, "kinds": TITLES, "title": TITLES[kind], "about": ABOUT[kind],
        "one": demand.ONE[kind], "entries": entries,
        "may_manage": allowed(session=session, actor=actor, action=Action.manage_demand),
        "errors": errors or {}, "sent": sent or {}, "refused": refused or {}, "notice": notice,
        "code_hint": CODE_HINT, "problems": problems or [],
    }  # fmt: skip
    return render(request, "demand_lists.html", context, status_code=status_code, block="content")


def _loaded_notice(request: Request, kind: ReferenceList, *, kept: int) -> str | None:
    """What a list upload did, said only when the list kept holds as many entries as the upload named."""
    counts = [request.query_params.get(name, "") for name in LOADED]
    if not all(count.isdigit() and len(count) <= 6 for count in counts):
        return None
    added, renamed, unchanged = (int(count) for count in counts)
    if added + renamed + unchanged > kept:  # an address that claims more than the list holds says nothing
        return None
    count = partial(formatting.quantity, places=0)
    listed = count(kept, TITLES[kind].lower() if kept != 1 else demand.ONE[kind])
    return (
        f"{TITLES[kind]} loaded from the file: {count(added)} added, {count(renamed)} renamed, {count(unchanged)} "
        f"left as they were. The list holds {listed}."
    )


@router.get(LISTS + "/{kind}", response_class=HTMLResponse)
def reference_list_page(kind: ReferenceList, request: Request, session: SessionDep, actor: PageActor) -> Response:
    """One of demand's reference lists, by name; for those who keep it, the forms to add, rename and take off."""
    return _list_page(request, session, actor, kind)


@router.post(LISTS + "/{kind}", response_class=HTMLResponse)
def add_reference(
    kind: ReferenceList, request: Request, session: SessionDep, actor: PageActor, form: FormFields
) -> Response:
    """Add an entry (code and name both new to the list); a refusal keeps what was typed, each error by its field."""
    check_csrf(request, form.get("csrf", ""))
    require(session=session, actor=actor, action=Action.manage_demand)
    sent = {"code": form.get("code", "").strip(), "name": form.get("name", "").strip()}
    values: dict[str, Any] = dict(sent)
    if kind is ReferenceList.demand_types:
        sent["avoidable"] = "1" if form.get("avoidable") else ""
        values["avoidable"] = bool(sent["avoidable"])
    try:
        fields = (DemandTypeCreate if kind is ReferenceList.demand_types else ReferenceCreate).model_validate(values)
        with undone_on_refusal(session):
            entry = demand.create_reference(session=session, kind=kind, fields=fields, actor=actor)
    except ValidationError as error:
        return _list_page(request, session, actor, kind, errors=_list_errors(error), sent=sent, status_code=422)
    except DomainError as error:
        errors = problem_fields(error, otherwise="code")
        if any(problem.code == "code_taken" for problem in error.problems):
            errors["code"] += f" Choose another code, or edit the {demand.ONE[kind]} listed under it."
        return _list_page(request, session, actor, kind, errors=errors, sent=sent, status_code=status_for(error))
    return _done(kind, "added", entry.code)


def _uploaded_list(
    request: Request,
    list_file: Annotated[UploadFile, File()],
    csrf: Annotated[str, Form(max_length=100)] = "",
) -> tuple[bytes, str | None] | None:
    """The uploaded list's bytes and name, read before the request's session is asked for; None when nobody is
    signed in (the page's actor sends them to sign in, nothing read)."""
    if SESSION_COOKIE not in request.cookies:
        return None
    check_csrf(request, csrf)
    return list_file.file.read(MAX_LIST_BYTES + 1), list_file.filename


@router.post(LISTS + "/{kind}/upload", response_class=HTMLResponse)
def upload_reference_list(
    kind: ReferenceList,
    request: Request,
    upload: Annotated[tuple[bytes, str | None] | None, Depends(_uploaded_list)],
    session: SessionDep,
    actor: PageActor,
) -> Response:
    """Load the list from a CSV file or workbook: every row, or none and each bad cell named by row and column."""
    require(session=session, actor=actor, action=Action.manage_demand)
    if upload is None:
        raise SignInRequired(request.url.path)  # the session ended between the read and the check
    data, file_name = upload
    try:
        with undone_on_refusal(session):
            loaded = import_reference_list(session=session, kind=kind, data=data, actor=actor, file_name=file_name)
    except DomainError as error:
        refused = about_the_form(error)
        problems = [Problem(p.code, on_pages(p.detail), p.field) for p in refused.problems]
        if not problems:
            problems = [Problem(refused.code, on_pages(refused.detail), "file")]
        return _list_page(request, session, actor, kind, problems=problems, status_code=status_for(error))
    query = urlencode({"done": "imported", **loaded.counts.model_dump()})
    return RedirectResponse(f"{LISTS}/{kind.value}?{query}#done", status_code=303)


@router.post(LISTS + "/{kind}/{code}/delete", response_class=HTMLResponse)
def delete_reference(
    kind: ReferenceList, code: str, request: Request, session: SessionDep, actor: PageActor, form: FormFields
) -> Response:
    """Take an entry off its list; refused, and said beside it, while contact counts name it."""
    check_csrf(request, form.get("csrf", ""))
    require(session=session, actor=actor, action=Action.manage_demand)
    try:
        with undone_on_refusal(session):
            demand.delete_reference(session=session, kind=kind, code=code[:40], actor=actor)
    except DomainError as error:
        about_the_form(error)  # not allowed or not found: the refusal page
        refused = {code[:40].strip().lower(): error.detail}
        return _list_page(request, session, actor, kind, refused=refused, status_code=status_for(error))
    return _done(kind, "deleted", code[:40].strip().lower())


def _edit_page(
    request: Request, session: Any, actor: Actor, kind: ReferenceList, code: str, *,
    sent: dict[str, str] | None = None, errors: dict[str, str] | None = None, status_code: int = 200,
) -> HTMLResponse:  # fmt: skip
    entry = demand.get_reference(session=session, kind=kind, code=code)
    view = demand.reference_view(entry)
    shown = sent or {"name": view.name, "avoidable": "1" if view.avoidable else ""}
    context = {"actor": actor, "kind": kind, "kinds": TITLES, "title": TITLES[kind], "one": demand.ONE[kind],
               "entry": view, "sent": shown, "errors": errors or {}, "editing": True}  # fmt: skip
    return render(request, "demand_lists.html", context, status_code=status_code, block="content")


@router.get(LISTS + "/{kind}/{code}/edit", response_class=HTMLResponse)
def edit_reference_page(
    kind: ReferenceList, code: str, request: Request, session: SessionDep, actor: PageActor
) -> Response:
    """The form that renames an entry (and says whether a demand type is avoidable); its code stays."""
    require(session=session, actor=actor, action=Action.manage_demand)
    return _edit_page(request, session, actor, kind, code[:40])


@router.post(LISTS + "/{kind}/{code}/edit", response_class=HTMLResponse)
def edit_reference(
    kind: ReferenceList, code: str, request: Request, session: SessionDep, actor: PageActor, form: FormFields
) -> Response:
    """Rename an entry (or change whether a demand type is avoidable); a refusal keeps what was typed."""
    check_csrf(request, form.get("csrf", ""))
    require(session=session, actor=actor, action=Action.manage_demand)
    sent = {"name": form.get("name", "").strip(), "avoidable": "1" if form.get("avoidable") else ""}
    before = demand.reference_view(demand.get_reference(session=session, kind=kind, code=code[:40]))
    try:
        if kind is ReferenceList.demand_types:
            changes: ReferenceUpdate = DemandTypeUpdate.model_validate(
                {"name": sent["name"], "avoidable": bool(sent["avoidable"])}
            )
        else:
            changes = ReferenceUpdate.model_validate({"name": sent["name"]})
        with undone_on_refusal(session):
            entry = demand.update_reference(session=session, kind=kind, code=code[:40], changes=changes, actor=actor)
    except ValidationError as error:
        errors = _list_errors(error)
        return _edit_page(request, session, actor, kind, code[:40], sent=sent, errors=errors, status_code=422)
    except DomainError as error:
        errors = problem_fields(error, otherwise="name")
        return _edit_page(
            request, session, actor, kind, code[:40], sent=sent, errors=errors, status_code=status_for(error)
        )
    after = demand.reference_view(entry)
    return _done(kind, "unchanged" if after == before else "edited", entry.code)


# --- Costs per contact -----------------------------------------------------------------------------------------


def _costs_page(
    request: Request, session: Any, actor: Actor, *, sent: dict[str, str] | None = None,
    errors: dict[str, str] | None = None, status_code: int = 200,
) -> HTMLResponse:  # fmt: skip
    channels = demand.list_references(session=session, kind=ReferenceList.channels)
    names = {entry.code: entry.name for entry in channels}
    notice = None
    if request.query_params.get("done") == "kept" and not errors:  # read back from what is kept, not the address
        channel, day = request.query_params.get("channel", "")[:40], request.query_params.get("day", "")[:10]
        kept = demand.channel_costs(session=session)
        if any(code == channel and cost.valid_from.isoformat() == day for code, cost in kept):
            notice = COST_DONE.format(channel=names.get(channel, channel), day=day)
    # A suggestion's "use this figure" link fills the form in through the address (nothing is kept until sent).
    asked = {name: request.query_params.get(name, "")[:2000] for name in ("channel", "cost", "source")}
    context = {
        "actor": actor, "kinds": TITLES, "channels": channels, "names": names, "notice": notice,
        "history": demand.cost_history(session=session, on=dt.date.today()),
        "suggestions": demand.costs_view(session=session).suggestions,
        "may_manage": allowed(session=session, actor=actor, action=Action.manage_demand),
        "sent": sent or {name: value for name, value in asked.items() if value}, "errors": errors or {},
        "pence": pence, "today": dt.date.today().isoformat(),
    }  # fmt: skip
    return render(request, "demand_costs.html", context, status_code=status_code, block="content")


@router.get(COSTS, response_class=HTMLResponse)
def costs_page(request: Request, session: SessionDep, actor: PageActor) -> Response:
    """The costs per contact kept by channel (which is in force today), the published figures beside them."""
    return _costs_page(request, session, actor)


def _cost_errors(error: ValidationError) -> dict[str, str]:
    found = field_errors(error)
    if "cost" in found:
        found["cost"] = "A cost per contact is an amount from £0 to £100,000, such as 2.83."
    if "valid_from" in found and found["valid_from"] != "Fill this in.":
        found["valid_from"] = "Enter the day the cost applies from, as YYYY-MM-DD."
    return found


@router.post(COSTS, response_class=HTMLResponse)
def keep_cost(request: Request, session: SessionDep, actor: PageActor, form: FormFields) -> Response:
    """Keep a channel's cost per contact from a day, with its source (the same channel and day is replaced)."""
    check_csrf(request, form.get("csrf", ""))
    require(session=session, actor=actor, action=Action.manage_demand)
    sent = {name: form.get(name, "").strip() for name in ("channel", "valid_from", "cost", "source")}
    errors: dict[str, str] = {}
    cost: float | str = sent["cost"]
    try:
        amount = typed_amount(sent["cost"]) if sent["cost"] else None
    except InvalidOperation:
        amount = Decimal("NaN")
    if amount is None:
        errors["cost"] = "Fill this in."
    elif not amount.is_finite():  # NaN, sNaN and Infinity read as decimals, but none is an amount
        errors["cost"] = f"“{sent['cost']}” is not an amount: type pounds and pence, such as 2.83 or £2.83."
    else:
        cost = float(amount)
    if not errors:
        try:
            fields = ChannelCostIn.model_validate(
                {"channel": sent["channel"], "valid_from": sent["valid_from"], "cost": cost, "source": sent["source"]}
            )
            with undone_on_refusal(session):
                kept = demand.set_channel_cost(session=session, fields=fields, actor=actor)
        except ValidationError as error:
            errors = _cost_errors(error)
        except DomainError as error:
            errors = problem_fields(error, otherwise="channel")
    if errors:
        return _costs_page(request, session, actor, sent=sent, errors=errors, status_code=422)
    query = urlencode({"done": "kept", "channel": kept.channel, "day": kept.valid_from.isoformat()})
    return RedirectResponse(f"{COSTS}?{query}#done", status_code=303)
