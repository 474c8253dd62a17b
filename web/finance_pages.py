"""Finance's pages: cash versus capacity, budgets, the cash to confirm, and the workbooks; and board reviews."""

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse
from pydantic import ValidationError

from api.deps import ResourceId, SessionDep
from benefits import finance, initiatives, pipeline, reviews
from benefits.actors import Actor
from benefits.authz import Action, allowed
from benefits.errors import DomainError
from benefits.models import CashConfirmationCreate
from benefits.models.review import ReviewCreate
from benefits.workbooks.business_case import business_case_workbook
from benefits.workbooks.finance_summary import byte_count, chunks, spooled_finance_workbook
from web.render import problems_text, render
from web.session import PageActor, check_csrf

router = APIRouter(include_in_schema=False)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _finance_page(
    request: Request, session: Any, actor: Actor, error: str | None = None, status_code: int = 200
) -> HTMLResponse:
    return render(request, "finance.html", {
        "actor": actor, "summary": finance.cash_capacity_summary(session=session),
        "to_confirm": finance.cash_to_confirm(session=session),
        "may_confirm": allowed(session=session, actor=actor, action=Action.confirm_cash), "error": error,
    }, status_code=status_code)  # fmt: skip


@router.get("/finance", response_class=HTMLResponse)
def finance_page(request: Request, session: SessionDep, actor: PageActor) -> Response:
    """Cash versus capacity by year and cost centre, budgets and flags, the cash to confirm, the workbooks."""
    return _finance_page(request, session, actor)


@router.post("/benefits/{benefit_id}/confirm-cash", response_class=HTMLResponse)
def confirm_cash(
    benefit_id: ResourceId,
    request: Request,
    session: SessionDep,
    actor: PageActor,
    period: Annotated[str, Form(max_length=12)],
    amount: Annotated[str, Form(max_length=40)],
    note: Annotated[str, Form(max_length=2000)] = "",
    csrf: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """Record that a budget went down by this amount for this period (finance, admin)."""
    check_csrf(request, csrf)
    try:
        fields = CashConfirmationCreate(period=period, amount=Decimal(amount.replace(",", "").replace("£", "")),
                                        note=note)  # fmt: skip
        pipeline.confirm_cash(session=session, benefit_id=benefit_id, fields=fields, actor=actor)
    except (ValidationError, InvalidOperation):
        return _finance_page(request, session, actor, "The amount must be a number of pounds.", status_code=422)
    except DomainError as error:
        session.rollback()
        return _finance_page(request, session, actor, problems_text(error), status_code=422)
    session.commit()
    return RedirectResponse("/finance#to-confirm", status_code=303)


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
    request: Request, session: Any, actor: Actor, error: str | None = None, status_code: int = 200
) -> HTMLResponse:
    held = reviews.list_reviews(session=session, limit=200, offset=0).items
    everything = initiatives.list_initiatives(session=session, limit=500, offset=0).items
    choices = [i for i in everything if allowed(session=session, actor=actor, action=Action.record_review,
                                                initiative_id=i.id)]  # fmt: skip
    return render(request, "reviews.html", {
        "actor": actor, "reviews": held, "initiatives": {i.id: i.name for i in everything}, "choices": choices,
        "today": date.today().isoformat(), "error": error,
    }, status_code=status_code)  # fmt: skip


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


@router.post("/reviews", response_class=HTMLResponse)
def record_review(
    request: Request,
    session: SessionDep,
    actor: PageActor,
    initiative_id: Annotated[int, Form(ge=1, le=2**31 - 1)],
    held_on: Annotated[str, Form(max_length=10)],
    attendees: Annotated[str, Form(max_length=20_000)] = "",
    decisions: Annotated[str, Form(max_length=20_000)] = "",
    notes: Annotated[str, Form(max_length=20_000)] = "",
    csrf: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """Record a board review: a snapshot of the register is kept with it."""
    check_csrf(request, csrf)
    try:
        fields = ReviewCreate.model_validate({"initiative_id": initiative_id, "held_on": held_on,
                                              "attendees": _lines(attendees.replace(",", "\n")),
                                              "decisions": _lines(decisions), "notes": notes})  # fmt: skip
        review = reviews.record_review(session=session, fields=fields, actor=actor)
    except ValidationError as error:
        message = "; ".join(f"{item['loc'][0]}: {item['msg']}" for item in error.errors(include_url=False))
        return _reviews_page(request, session, actor, message, status_code=422)
    except DomainError as error:
        session.rollback()
        return _reviews_page(request, session, actor, error.detail, status_code=422)
    session.commit()
    return RedirectResponse(f"/reviews/{review.id}", status_code=303)


@router.get("/reviews/{review_id}", response_class=HTMLResponse)
def review_page(review_id: ResourceId, request: Request, session: SessionDep, actor: PageActor) -> Response:
    """A board review: what changed since the previous one, variance against baselines, decisions and actions."""
    review = reviews.get_review(session=session, review_id=review_id)
    return render(request, "review.html", {
        "actor": actor, "review": reviews.review_view(review), "changes": reviews.changes(session=session,
                                                                                             review_id=review_id),
    })  # fmt: skip
