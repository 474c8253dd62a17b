"""Finance's pages: cash versus capacity, budgets, the cash and capacity to confirm, and the workbooks."""

import re
from decimal import InvalidOperation
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse
from pydantic import ValidationError

from api.deps import ResourceId, SessionDep, undone_on_refusal
from benefits import confirmations, demand, finance, initiatives, register
from benefits.actors import Actor
from benefits.authz import Action, allowed, require
from benefits.columns import MAX_ROW_ID
from benefits.errors import DomainError, Forbidden, InvalidInput, NotFound
from benefits.models import CashConfirmationCreate
from web import charts
from web.forms import field_errors, problem_fields, typed_amount
from web.render import render
from web.session import PageActor, check_csrf

router = APIRouter(include_in_schema=False)
ROUTES = ("cash", "capacity", "undecided")  # the chart's three bars, in the summary's words
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# The workbook writers (XlsxWriter, openpyxl) are imported in the handlers that write one: they load with the first
# workbook downloaded, not when the service starts.


def _finance_page(
    request: Request, session: Any, actor: Actor, error: str | None = None, status_code: int = 200,
    query: dict[str, str] | None = None, refusal: dict[str, Any] | None = None, notice: dict[str, Any] | None = None,
) -> HTMLResponse:  # fmt: skip
    query = query or {}
    problems: dict[str, str] = {}
    initiative_id: int | None = None
    if query.get("initiative"):
        # Only ASCII digits make an id ("²" is a digit to Python, but no number int() reads).
        if re.fullmatch(r"[0-9]{1,9}", query["initiative"]):
            initiative_id = int(query["initiative"])
        else:
            problems["initiative"] = "Choose an initiative from the list."
    if query.get("weighted", "") not in ("", "1", "true", "on"):
        problems["weighted"] = "Weighted is ticked (1) or left out."
    years: dict[str, Any] = {"from_year": query.get("from") or None, "to_year": query.get("to") or None}
    weighted = query.get("weighted") in ("1", "true", "on")
    segments = _listed_segments(session, query.get("segment", ""), problems)
    try:
        summary = finance.cash_capacity_summary_checked(
            session=session, initiative_id=initiative_id, weighted=weighted, segments=segments, **years
        )
    except DomainError as refused:
        if isinstance(refused, Forbidden):
            raise
        # Whatever else was asked for still stands: only the filter refused is set aside.
        if refused.code == "not_found":
            problems["initiative"] = refused.detail
            initiative_id = None
        else:
            problems["years"] = "; ".join(problem.detail for problem in refused.problems) or refused.detail
            years = {"from_year": None, "to_year": None}
        try:
            summary = finance.cash_capacity_summary_checked(
                session=session, initiative_id=initiative_id, weighted=weighted, segments=segments, **years
            )
        except DomainError as also:
            # The initiative was set aside and the years are refused too: both set aside, and said.
            problems["years"] = "; ".join(problem.detail for problem in also.problems) or also.detail
            years = {"from_year": None, "to_year": None}
            summary = finance.cash_capacity_summary(session=session, weighted=weighted, segments=segments)
    if problems:
        status_code = 422
    # The download writes what the page shows: the filters that stood, not those set aside.
    standing = {"initiative": initiative_id, "from": years["from_year"], "to": years["to_year"],
                "weighted": "1" if weighted else None, "segment": segments[0] if segments else None}  # fmt: skip
    download = "/finance/cash-capacity.xlsx"
    if any(value is not None for value in standing.values()):
        download += "?" + urlencode({name: value for name, value in standing.items() if value is not None})
    labels = [year.year for year in summary.years]
    routes = {route: [float(getattr(year, route)) for year in summary.years] for route in ROUTES}
    described = charts.describe_cash_capacity(labels, **routes)
    chart = charts.cash_capacity_svg(labels, cash=routes["cash"], capacity=routes["capacity"],
                                     undecided=routes["undecided"], title="Cash versus capacity by year",
                                     description=described)  # fmt: skip
    listed = demand.list_references(session=session, kind=demand.ReferenceList.segments)
    segment_choices = [(entry.code, entry.name) for entry in listed]
    cash_rows, capacity_rows = finance.cash_to_confirm(session=session), finance.capacity_to_confirm(session=session)
    if refusal:
        # Said beside its form when the form's row is still there; otherwise (all confirmed meanwhile) up top.
        rows = cash_rows if refusal["kind"] == "cash" else capacity_rows
        placed = [row for row in rows if row.benefit_id == refusal["benefit_id"] and row.period == refusal["period"]]
        if placed:
            error = f"{error} The problems are beside the form for {placed[0].benefit}, {placed[0].period}, below."
        else:
            error = " ".join([error or "", refusal["headline"], *refusal["errors"].values(), *refusal["rest"]])
    return render(request, "finance.html", {
        "actor": actor, "summary": summary, "query": query, "problems": problems, "chart": chart,
        "described": described,
        "initiatives": initiatives.initiative_names(session=session),
        "segments": segment_choices, "chosen_segment": segments[0] if segments else "",
        "segment_name": dict(segment_choices).get(segments[0]) if segments else None,
        "to_confirm": cash_rows, "capacity_to_confirm": capacity_rows,
        "may_confirm": allowed(session=session, actor=actor, action=Action.confirm_cash),
        "may_confirm_capacity": allowed(session=session, actor=actor, action=Action.confirm_redeployment),
        "error": error, "refused": refusal or {}, "notice": notice, "download": download,
    }, status_code=status_code)  # fmt: skip


def _listed_segments(session: Any, segment: str, problems: dict[str, str]) -> tuple[str, ...]:
    """The segment chosen (none: every one), if the list holds it; one it does not is said, then set aside."""
    if not segment.strip():
        return ()
    try:
        register.segment_ids(session=session, codes=[segment])
    except InvalidInput:
        problems["segment"] = (
            f"There is no customer segment “{segment.strip()}”, so the benefits of every segment are summed: choose "
            "one from the list, or add it to the demand page's customer segments first."
        )
        return ()
    return (segment.strip().lower(),)


@router.get("/finance", response_class=HTMLResponse)
def finance_page(
    request: Request,
    session: SessionDep,
    actor: PageActor,
    initiative: str = "",
    from_year: Annotated[str, Query(alias="from")] = "",
    to_year: Annotated[str, Query(alias="to")] = "",
    weighted: str = "",
    segment: str = "",
    confirmed: str = "",
    benefit: str = "",
    entry: str = "",
) -> Response:
    """Cash versus capacity by year, route, stage and cost centre, budgets and flags, the cash and capacity to confirm.

    After a confirmation, `?confirmed=cash|redeployment&benefit={id}&entry={id}` says what was confirmed.
    """
    # Kept short so an address edited by hand is answered with a message on the page, never a bare refusal.
    query = {"initiative": initiative[:20], "from": from_year[:20], "to": to_year[:20], "weighted": weighted[:5],
             "segment": segment[:40]}  # fmt: skip
    notice = _confirmed(session, confirmed, benefit, entry)
    return _finance_page(request, session, actor, query=query, notice=notice)


# The two ledgers a confirmation on this page writes to: who may, how, how its entries are read back, and the
# page's section that lists what is still to confirm.
KINDS = {
    "cash": (Action.confirm_cash, confirmations.confirm_cash, confirmations.list_cash_confirmations, "to-confirm"),
    "redeployment": (
        Action.confirm_redeployment,
        confirmations.confirm_redeployment,
        confirmations.list_redeployment_confirmations,
        "capacity-to-confirm",
    ),
}


def _confirmed(session: Any, kind: str, benefit_id: str, entry_id: str) -> dict[str, Any] | None:
    """What a confirmation just made confirmed, read back from its ledger (an address naming none says nothing)."""
    ids = [re.fullmatch(r"[0-9]{1,9}", text) for text in (benefit_id, entry_id)]
    if kind not in KINDS or not all(ids):
        return None
    try:
        benefit = register.get_benefit(session=session, benefit_id=int(benefit_id))
        entries = KINDS[kind][2](session=session, benefit_id=int(benefit_id)).items
    except NotFound:
        return None
    found = next((item for item in entries if item.id == int(entry_id) and item.corrects_id is None), None)
    return None if found is None else {"kind": kind, "benefit": benefit.title, "entry": found}


@router.post("/benefits/{benefit_id}/confirm-cash", response_class=HTMLResponse)
def confirm_cash(
    benefit_id: ResourceId,
    request: Request,
    session: SessionDep,
    actor: PageActor,
    period: Annotated[str, Form(max_length=12)],
    amount: Annotated[str, Form(max_length=40)],
    note: Annotated[str, Form(max_length=2000)] = "",
    override_reason: Annotated[str, Form(max_length=2000)] = "",
    csrf: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """Record that a budget went down by this amount for this period (finance, admin)."""
    check_csrf(request, csrf)
    sent = {"period": period, "amount": amount, "note": note, "override_reason": override_reason}
    return _confirm(request, session, actor, "cash", benefit_id, sent)


@router.post("/benefits/{benefit_id}/confirm-redeployment", response_class=HTMLResponse)
def confirm_redeployment(
    benefit_id: ResourceId,
    request: Request,
    session: SessionDep,
    actor: PageActor,
    period: Annotated[str, Form(max_length=12)],
    amount: Annotated[str, Form(max_length=40)],
    note: Annotated[str, Form(max_length=2000)] = "",
    override_reason: Annotated[str, Form(max_length=2000)] = "",
    csrf: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """Record that a capacity benefit's released capacity went where it says, for this period (finance, admin)."""
    check_csrf(request, csrf)
    sent = {"period": period, "amount": amount, "note": note, "override_reason": override_reason}
    return _confirm(request, session, actor, "redeployment", benefit_id, sent)


def _confirm(
    request: Request, session: Any, actor: Actor, kind: str, benefit_id: int, sent: dict[str, str]
) -> Response:
    """Confirm, then send the browser to the page saying what was; a refusal is said beside the form's fields."""
    action, confirm, _, section = KINDS[kind]
    # Refused before what was typed is read, so someone who may not confirm learns nothing more.
    initiative_id = register.get_benefit(session=session, benefit_id=benefit_id).initiative_id
    require(session=session, actor=actor, action=action, initiative_id=initiative_id)
    try:
        with undone_on_refusal(session):
            fields = CashConfirmationCreate(
                period=sent["period"],
                amount=typed_amount(sent["amount"]),
                note=sent["note"],
                override_reason=sent["override_reason"].strip() or None,
            )
            entry = confirm(session=session, benefit_id=benefit_id, fields=fields, actor=actor)
    except (ValidationError, InvalidOperation, DomainError) as error:
        refusal = {
            "kind": kind,
            "benefit_id": benefit_id,
            "period": sent["period"],
            "sent": sent,
            **_confirmation_errors(error),
        }
        return _finance_page(request, session, actor, "Nothing was confirmed.", status_code=422, refusal=refusal)
    return RedirectResponse(
        f"/finance?confirmed={kind}&benefit={benefit_id}&entry={entry.id}#{section}", status_code=303
    )


FIELDS = ("amount", "note", "override_reason")  # a confirmation's fields a person types


def _confirmation_errors(error: ValidationError | InvalidOperation | DomainError) -> dict[str, Any]:
    """A refused confirmation's headline, its problems by the field typed in, and the rest (period, route...)."""
    if isinstance(error, DomainError):
        found, headline = problem_fields(error), error.detail
    elif isinstance(error, ValidationError):
        found, headline = field_errors(error), ""
    else:
        found, headline = {"amount": "Enter a number of pounds, such as 30000."}, ""
    rest = [text for name, text in found.items() if name not in FIELDS and text != headline]
    return {"headline": headline, "errors": {name: found[name] for name in FIELDS if name in found}, "rest": rest}


@router.get("/finance/cash-capacity.xlsx")
def finance_workbook(
    session: SessionDep,
    actor: PageActor,
    initiative: Annotated[int | None, Query(ge=1, le=MAX_ROW_ID)] = None,
    from_year: Annotated[str | None, Query(alias="from", max_length=20)] = None,
    to_year: Annotated[str | None, Query(alias="to", max_length=20)] = None,
    weighted: bool = False,
    segment: Annotated[str | None, Query(max_length=40)] = None,
) -> StreamingResponse:
    """The cash-versus-capacity workbook, for a signed-in person, filtered as the finance page was."""
    from benefits.workbooks.finance_summary import byte_count, chunks, spooled_finance_workbook

    spooled = spooled_finance_workbook(
        session=session, initiative_id=initiative, from_year=from_year, to_year=to_year, weighted=weighted,
        segments=[segment] if segment else [],
    )  # fmt: skip
    headers = {"Content-Disposition": 'attachment; filename="cash-capacity.xlsx"',
               "Content-Length": str(byte_count(spooled))}  # fmt: skip
    return StreamingResponse(chunks(spooled), media_type=XLSX, headers=headers)


@router.get("/initiatives/{initiative_id}/business-case.xlsx")
def business_case(initiative_id: ResourceId, session: SessionDep, actor: PageActor) -> Response:
    """The business-case workbook of an initiative, for a signed-in person."""
    from benefits.workbooks.business_case import business_case_workbook

    content = business_case_workbook(session=session, initiative_id=initiative_id)
    headers = {"Content-Disposition": f'attachment; filename="business-case-{initiative_id}.xlsx"'}
    return Response(content, media_type=XLSX, headers=headers)
