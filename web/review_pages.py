"""Board reviews: the reviews held, recording one (of an initiative or the portfolio), and each review's page with
what changed, variance against baselines, decisions and the board's actions, marked open, done or dropped."""

import re
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from api.deps import ResourceId, SessionDep, undone_on_refusal
from benefits import initiatives, owners, register, reviews
from benefits.actors import Actor
from benefits.authz import Action, allowed
from benefits.errors import DomainError, Forbidden, InvalidInput, Problem
from benefits.models.review import ActionStatus, ActionUpdate, ReviewCreate
from benefits.stages import counts_as_money
from web.forms import PLAIN_WORDS, FormFields, about_the_form
from web.render import problems_text, render
from web.session import PageActor, check_csrf

router = APIRouter(include_in_schema=False)


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
    # Board members and admins hold reviews of the whole portfolio as well as of one initiative.
    portfolio = allowed(session=session, actor=actor, action=Action.record_review, initiative_id=None)
    return render(request, "reviews.html", {
        "people_names": owners.people_names(session=session),
        "actor": actor, "reviews": held, "initiatives": {i.id: i.name for i in everything}, "choices": choices,
        "portfolio": portfolio,
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


def _refusal_errors(error: DomainError, rows: list[int]) -> dict[str, str]:
    """A refusal's problems beside the action rows they name (an owner who is nobody); the rest above the form."""
    found: dict[str, str] = {}
    rest = []
    for problem in error.problems:
        named = re.fullmatch(r"actions\[(\d+)\]\.(\w+)", problem.field or "")
        if named and int(named.group(1)) < len(rows):
            found.setdefault(f"action_{named.group(2)}_{rows[int(named.group(1))]}", problem.detail)
        else:
            rest.append(problem)
    if rest or not found:
        shown = type(error)(error.detail, rest) if rest else error
        found["form"] = problems_text(about_the_form(shown))
    else:
        found["form"] = "see the owners marked below."
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
        with undone_on_refusal(session):
            review = reviews.record_review(session=session, fields=fields, actor=actor)
    except ValidationError as error:
        return _reviews_page(request, session, actor, _review_errors(error, list(actions)), form, status_code=422)
    except DomainError as error:
        return _reviews_page(request, session, actor, _refusal_errors(error, list(actions)), form, status_code=422)
    return RedirectResponse(f"/reviews/{review.id}?recorded=1", status_code=303)


@router.get("/reviews/{review_id}", response_class=HTMLResponse)
def review_page(
    review_id: ResourceId,
    request: Request,
    session: SessionDep,
    actor: PageActor,
    updated: Annotated[int | None, Query(ge=1, le=200)] = None,
    recorded: str = "",
) -> Response:
    """A board review: what changed since the previous one, variance against baselines, decisions and actions.

    After the review is recorded (`?recorded=1`) or an action marked (`?updated={number}`), the page says so.
    """
    review = reviews.get_review(session=session, review_id=review_id)
    scope = "Portfolio"
    if review.initiative_id is not None:
        scope = initiatives.get_initiative(session=session, initiative_id=review.initiative_id).name
    view = reviews.review_read(session=session, review=review)
    notice = None
    recorded_notice = None
    if recorded == "1":
        recorded_notice = (f"Review recorded, with {len(view.decisions)} decision(s) and {len(view.actions)} "
                           "action(s); a snapshot of the register is kept with it.")  # fmt: skip
    if updated is not None and updated <= len(view.actions):
        marked = view.actions[updated - 1]
        notice = f"Action {updated}, “{marked.action}”, is now {marked.status.value}."
    return render(request, "review.html", {
        "actor": actor, "review": view, "scope": scope,
        "changes": reviews.changes(session=session, review_id=review_id),
        "units": _units(session, review.initiative_id), "notice": notice, "recorded": recorded_notice,
        "statuses": list(ActionStatus),
        "may_mark": {number for number in range(1, len(view.actions) + 1)
                     if reviews.may_mark(session=session, actor=actor, review=review, number=number)},
    })  # fmt: skip


@router.post("/reviews/{review_id}/actions/{number}", response_class=HTMLResponse)
def mark_action(
    review_id: ResourceId,
    number: int,
    request: Request,
    session: SessionDep,
    actor: PageActor,
    status: Annotated[str, Form(max_length=10)],
    note: Annotated[str, Form(max_length=200)] = "",
    csrf: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """Mark one of the board's actions open, done or dropped; the page then says so (post, redirect, get)."""
    check_csrf(request, csrf)
    review = reviews.get_review(session=session, review_id=review_id)
    if not reviews.may_mark(session=session, actor=actor, review=review, number=number):
        raise Forbidden("Only those who record this review's board, or the action's owner, may mark it.")
    try:
        fields = ActionUpdate.model_validate({"status": status, "note": note})
    except ValidationError as error:
        problem = Problem("status_invalid", "Choose open, done or dropped.", "status")
        raise InvalidInput("An action is open, done or dropped.", [problem]) from error
    reviews.set_action_status(session=session, review_id=review_id, number=number, fields=fields, actor=actor)
    return RedirectResponse(f"/reviews/{review_id}?updated={number}#actions", status_code=303)


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
