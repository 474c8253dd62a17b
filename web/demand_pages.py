"""Demand as a page: what the contact counts say under a filter (volumes, the avoidable share with its definition,
handling time, channel mix, cost to serve), the avoidable share's monthly XmR chart, and a contact export uploaded.

No handler here commits or rolls back: a refused upload writes nothing before it is refused (every row is checked
before any is written), so the request's own unit of work ends every request.
"""

import datetime as dt
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.deps import SessionDep, undone_on_refusal
from benefits import demand
from benefits.actors import Actor
from benefits.authz import Action, allowed, require
from benefits.demand import DemandFilter, ReferenceList
from benefits.demand_import import MAX_CSV_BYTES, ContactSheet, load_contacts, read_contacts
from benefits.errors import DomainError, Problem
from benefits.models.demand import DemandFigure
from web import demand_assumption_pages, demand_list_pages
from web.forms import about_the_form
from web.render import render
from web.session import SESSION_COOKIE, PageActor, SignInRequired, check_csrf
from web.xmr_chart import xmr_svg

router = APIRouter(include_in_schema=False)
# The reference lists, costs per contact and an initiative's bound assumptions are pages of their own, served with
# this one.
router.include_router(demand_list_pages.router)
router.include_router(demand_assumption_pages.router)
PAGE = "/demand"


def _month(text: str) -> dt.date | None:
    """A month typed as 2026-04 (what a month field sends), or None."""
    try:
        return dt.date.fromisoformat(text.strip() + "-01") if text.strip() else None
    except ValueError:
        return None


def _page(
    request: Request,
    session: Any,
    actor: Actor,
    *,
    chosen: dict[str, str],
    notice: str | None = None,
    problems: list[Problem] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    services = demand.list_references(session=session, kind=ReferenceList.services)
    channels = demand.list_references(session=session, kind=ReferenceList.channels)
    errors = {}
    service = chosen.get("service", "")
    channel = chosen.get("channel", "")
    if service and service not in {entry.code for entry in services}:
        errors["service"] = "Choose a service from the list, or all services."
        service = ""
    if channel and channel not in {entry.code for entry in channels}:
        errors["channel"] = "Choose a channel from the list, or all channels."
        channel = ""
    first, last = _month(chosen.get("from", "")), _month(chosen.get("to", ""))
    for name, typed, month in (("from", chosen.get("from", ""), first), ("to", chosen.get("to", ""), last)):
        if typed.strip() and month is None:
            errors[name] = "Write the month as 2026-04, or leave it blank."
    where = DemandFilter(
        services=(service,) if service else (), channels=(channel,) if channel else (), from_month=first, to_month=last
    )
    typed = chosen.get("baseline", "").strip()
    baseline = int(typed) if typed.isdigit() and 2 <= int(typed) <= 1000 else None
    if typed and baseline is None:
        errors["baseline"] = "Write a whole number of months from 2, or leave it blank."
    summary = demand.summary(session=session, where=where)
    chart = demand.series_chart_read(
        session=session, figure=DemandFigure.avoidable_share, where=where, baseline_points=baseline
    )
    context = {
        "actor": actor,
        "services": services,
        "channels": channels,
        "names": {entry.code: entry.name for entry in channels},
        "chosen": chosen,
        "errors": errors,
        "summary": summary,
        "chart": chart,
        "notice": notice,
        "problems": problems or [],
        "svg": xmr_svg(chart, title="Avoidable share of contact, by month", unit="share") if chart.points else None,
        "may_load": allowed(session=session, actor=actor, action=Action.manage_demand),
        "lists": demand_list_pages.TITLES,
    }
    return render(request, "demand.html", context, status_code=status_code, block="content")


@router.get(PAGE, response_class=HTMLResponse)
def demand_page(
    request: Request,
    session: SessionDep,
    actor: PageActor,
    service: Annotated[str, Query(max_length=40)] = "",
    channel: Annotated[str, Query(max_length=40)] = "",
    from_month: Annotated[str, Query(alias="from", max_length=10)] = "",
    to_month: Annotated[str, Query(alias="to", max_length=10)] = "",
    baseline: Annotated[str, Query(max_length=6)] = "",
    done: str | None = None,
    added: int | None = None,
    replaced: int | None = None,
) -> Response:
    """What the contact counts say under the filter chosen, with the avoidable share's chart; the upload form."""
    chosen = {"service": service, "channel": channel, "from": from_month, "to": to_month, "baseline": baseline}
    notice = None
    if done == "loaded":
        notice = f"Contact counts loaded: {added or 0:,} added, {replaced or 0:,} replaced (the same keys again)."
    return _page(request, session, actor, chosen=chosen, notice=notice)


def _uploaded_contacts(
    request: Request,
    contacts: Annotated[UploadFile, File()],
    csrf: Annotated[str, Form(max_length=100)] = "",
) -> ContactSheet | DomainError | None:
    """The uploaded export, read before the request's session is asked for; its refusal as a result, for the page to
    show; None when nobody is signed in."""
    if SESSION_COOKIE not in request.cookies:
        return None
    check_csrf(request, csrf)
    try:
        return read_contacts(contacts.file.read(MAX_CSV_BYTES + 1), file_name=contacts.filename)
    except DomainError as error:
        return error


@router.post(PAGE + "/upload", response_class=HTMLResponse)
def upload_contacts(
    request: Request,
    sheet: Annotated[ContactSheet | DomainError | None, Depends(_uploaded_contacts)],
    session: SessionDep,
    actor: PageActor,
) -> Response:
    """Load a contact export (CSV or .xlsx): every row, or none and each bad cell named by its row and column."""
    require(session=session, actor=actor, action=Action.manage_demand)
    if sheet is None:
        raise SignInRequired(request.url.path)
    refusal = sheet if isinstance(sheet, DomainError) else None
    if isinstance(sheet, ContactSheet):
        try:
            with undone_on_refusal(session):
                result = load_contacts(session=session, sheet=sheet, actor=actor)
        except DomainError as error:
            refusal = error
    if refusal is not None:
        refused = about_the_form(refusal)
        problems = refused.problems or [Problem(refused.code, refused.detail, "file")]
        return _page(request, session, actor, chosen={}, problems=problems, status_code=422)
    query = urlencode({"done": "loaded", "added": result.added, "replaced": result.replaced})
    return RedirectResponse(f"{PAGE}?{query}#done", status_code=303)
