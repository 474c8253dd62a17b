"""Finance's pages: cash versus capacity, budgets, the cash and capacity to confirm, and the workbooks; and board
reviews."""

import re
from datetime import date
from decimal import InvalidOperation
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse
from pydantic import ValidationError

from api.deps import ResourceId, SessionDep
from benefits import confirmations, finance, initiatives, register, reviews
from benefits.actors import Actor
from benefits.authz import Action, allowed, require
from benefits.errors import DomainError, Forbidden, NotFound
from benefits.models import CashConfirmationCreate
from benefits.models.review import ReviewCreate
from benefits.stages import counts_as_money
from benefits.workbooks.business_case import business_case_workbook
from benefits.workbooks.finance_summary import byte_count, chunks, spooled_finance_workbook
from web import charts
from web.forms import PLAIN_WORDS, FormFields, about_the_form, field_errors, problem_fields, typed_amount
from web.render import problems_text, render
from web.session import PageActor, check_csrf

router = APIRouter(include_in_schema=False)
ROUTES = ("cash", "capacity", "undecided")  # the chart's three bars, in the summary's words
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


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
    years = {"from_year": query.get("from") or None, "to_year": query.get("to") or None}
    weighted = query.get("weighted") in ("1", "true", "on")
    try:
        summary = finance.cash_capacity_summary_checked(
            session=session, initiative_id=initiative_id, weighted=weighted, **years
        )
    except DomainError as refused:
        session.rollback()
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
                session=session, initiative_id=initiative_id, weighted=weighted, **years
            )
        except DomainError:
            session.rollback()
            summary = finance.cash_capacity_summary(session=session, weighted=weighted)
    if problems:
        status_code = 422
    labels = [year.year for year in summary.years]
    routes = {route: [float(getattr(year, route)) for year in summary.years] for route in ROUTES}
    described = charts.describe_cash_capacity(labels, **routes)
    chart = charts.cash_capacity_svg(labels, cash=routes["cash"], capacity=routes["capacity"],
                                     undecided=routes["undecided"], title="Cash versus capacity by year",
                                     description=described)  # fmt: skip
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
        "to_confirm": cash_rows, "capacity_to_confirm": capacity_rows,
        "may_confirm": allowed(session=session, actor=actor, action=Action.confirm_cash),
        "may_confirm_capacity": allowed(session=session, actor=actor, action=Action.confirm_redeployment),
        "error": error, "refused": refusal or {}, "notice": notice,
    }, status_code=status_code)  # fmt: skip


@router.get("/finance", response_class=HTMLResponse)
def finance_page(
    request: Request,
    session: SessionDep,
    actor: PageActor,
    initiative: str = "",
    from_year: Annotated[str, Query(alias="from")] = "",
    to_year: Annotated[str, Query(alias="to")] = "",
    weighted: str = "",
    confirmed: str = "",
    benefit: str = "",
    entry: str = "",
) -> Response:
    """Cash versus capacity by year, route, stage and cost centre, budgets and flags, the cash and capacity to confirm.

    After a confirmation, `?confirmed=cash|redeployment&benefit={id}&entry={id}` says what was confirmed.
    """
    # Kept short so an address edited by hand is answered with a message on the page, never a bare refusal.
    query = {"initiative": initiative[:20], "from": from_year[:20], "to": to_year[:20], "weighted": weighted[:5]}
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
        fields = CashConfirmationCreate(
            period=sent["period"],
            amount=typed_amount(sent["amount"]),
            note=sent["note"],
            override_reason=sent["override_reason"].strip() or None,
        )
        entry = confirm(session=session, benefit_id=benefit_id, fields=fields, actor=actor)
    except (ValidationError, InvalidOperation, DomainError) as error:
        session.rollback()
        refusal = {
            "kind": kind,
            "benefit_id": benefit_id,
            "period": sent["period"],
            "sent": sent,
            **_confirmation_errors(error),
        }
        return _finance_page(request, session, actor, "Nothing was confirmed.", status_code=422, refusal=refusal)
    session.commit()
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
def finance_workbook(session: SessionDep, actor: PageActor) -> StreamingResponse:
    """The cash-versus-capacity workbook, for a signed-in person."""
    spooled = spooled_finance_workbook(session=session)
    headers = {"Content-Disposition": 'attachment; filename="cash-capacity.xlsx"',
               "Content-Length": str(byte_count(spooled))}  # fmt: skip
    return StreamingResponse(chunks(spooled), media_type=XLSX, headers=headers)


@router.get("/initiatives/{initiative_id}/business-case.xlsx")
def business_case(initiative_id: ResourceId, session: SessionDep, actor: PageActor) -> Response:
    """The business-case workbook of an initiative, for a signed-in person."""
    content = business_case_workbook(session=session, initiative_id=initiative_id)
    headers = {"Content-Disposition": f'attachment; filename="business-case-{initiative_id}.xlsx"'}
    return Response(content, media_type=XLSX, headers=headers)


@router.get("/reviews", response_class=HTMLResponse)
def reviews_page(request: Request, session: SessionDep, actor: PageActor) -> Response:
    """Board reviews, latest first, and the form to record one."""
    return _reviews_page(request, session, actor)


def _reviews_page(
    request: Request, session: Any, actor: Actor, errors: dict[str, str] | None = None,
    sent: dict[str, str] | None = None, status_code: int = 200,
) -> HTMLResponse:  # fmt: skip
    held = reviews.list_reviews(session=session, limit=200, offset=0).items
    everything = initiatives.initiative_names(session=session)
    choices = [i for i in everything if allowed(session=session, actor=actor, action=Action.record_review,
                                                initiative_id=i.id)]  # fmt: skip
    return render(request, "reviews.html", {
        "actor": actor, "reviews": held, "initiatives": {i.id: i.name for i in everything}, "choices": choices,
        "today": date.today().isoformat(), "errors": errors or {}, "sent": sent or {},
        "action_rows": range(ACTION_ROWS),
    }, status_code=status_code)  # fmt: skip


ACTION_ROWS = 5  # rows offered for the board's actions; more can be added to the review through the API


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _actions(form: dict[str, str]) -> dict[int, dict[str, str | None]]:
    """The action rows filled in, by their row on the form; a row with nothing in it is left out."""
    rows = {}
    for index in range(ACTION_ROWS):
        row = {name: form.get(f"action_{name}_{index}", "").strip() for name in ("action", "owner", "due")}
        if any(row.values()):
            rows[index] = {"action": row["action"], "owner": row["owner"], "due": row["due"] or None}
    return rows


def _review_errors(error: ValidationError, rows: list[int]) -> dict[str, str]:
    """Each validation error keyed by the form field it belongs to (an action's by its row on the form)."""
    found: dict[str, str] = {}
    for item in error.errors(include_url=False):
        where = [str(part) for part in item["loc"]]
        message = PLAIN_WORDS.get(item["type"], item["msg"])
        if where[:1] == ["actions"] and len(where) >= 3 and where[1].isdigit() and int(where[1]) < len(rows):
            found.setdefault(f"action_{where[2]}_{rows[int(where[1])]}", message)
        elif where:
            found.setdefault(where[0], message)
    return found


@router.post("/reviews", response_class=HTMLResponse)
def record_review(request: Request, session: SessionDep, actor: PageActor, form: FormFields) -> Response:
    """Record a board review with its decisions and actions: a snapshot of the register is kept with it."""
    check_csrf(request, form.get("csrf", ""))
    actions = _actions(form)
    try:
        fields = ReviewCreate.model_validate({
            "initiative_id": form.get("initiative_id") or None, "held_on": form.get("held_on", ""),
            "title": form.get("title", "").strip(), "attendees": _lines(form.get("attendees", "").replace(",", "\n")),
            "decisions": _lines(form.get("decisions", "")), "actions": list(actions.values()),
            "notes": form.get("notes", ""),
        })  # fmt: skip
        review = reviews.record_review(session=session, fields=fields, actor=actor)
    except ValidationError as error:
        session.rollback()
        return _reviews_page(request, session, actor, _review_errors(error, list(actions)), form, status_code=422)
    except DomainError as error:
        session.rollback()
        return _reviews_page(request, session, actor, {"form": problems_text(about_the_form(error))}, form,
                             status_code=422)  # fmt: skip
    session.commit()
    return RedirectResponse(f"/reviews/{review.id}", status_code=303)


@router.get("/reviews/{review_id}", response_class=HTMLResponse)
def review_page(review_id: ResourceId, request: Request, session: SessionDep, actor: PageActor) -> Response:
    """A board review: what changed since the previous one, variance against baselines, decisions and actions."""
    review = reviews.get_review(session=session, review_id=review_id)
    scope = "Portfolio"
    if review.initiative_id is not None:
        scope = initiatives.get_initiative(session=session, initiative_id=review.initiative_id).name
    return render(request, "review.html", {
        "actor": actor, "review": reviews.review_view(review), "scope": scope,
        "changes": reviews.changes(session=session, review_id=review_id),
        "units": _units(session, review.initiative_id),
    })  # fmt: skip


def _units(session: Any, initiative_id: int | None) -> dict[int, str | None]:
    """Each benefit's unit as the review writes its figures: None for pounds, otherwise the unit ("" for none)."""
    # The snapshot keeps figures, not units; a benefit deleted since is written as a bare figure.
    scope = (
        [initiative_id] if initiative_id is not None else [i.id for i in initiatives.initiative_names(session=session)]
    )
    units: dict[int, str | None] = {}
    for each in scope:
        for benefit in register.list_benefits(session=session, initiative_id=each, limit=100_000, offset=0).items:
            money = counts_as_money(benefit.category, benefit.unit, benefit.measured_as)
            units[benefit.id or 0] = None if money else (benefit.unit or "")
    return units
