"""The initiative page: key figures, the stage board (moves, refused moves' missing items) and the register.

The register filters by stage, route and owner, and its rows edit in place: with htmx a row swaps itself for its
form and back; without JavaScript the same form is a row of the whole page (`?edit=ID`) posted as a plain form.
A plain form post ends on the page saying what it did (`?done=`, post/redirect/get); an htmx one gets back the
fragment it swaps in, the same message in its own status region.
"""

from dataclasses import replace
from decimal import InvalidOperation
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from api.deps import ResourceId, SessionDep, undone_on_refusal
from api.problems import status_for
from benefits import appraisal, demand, initiatives, measures, pipeline, register, status
from benefits.actors import Actor
from benefits.authz import Action, allowed
from benefits.demand import ReferenceList
from benefits.errors import DomainError, InvalidInput, Problem
from benefits.models import BenefitRead, BenefitUpdate
from benefits.register import RegisterFilter
from benefits.stages import STAGE_ORDER, RealisationRoute, Stage
from web import benefit_pages
from web.forms import (
    PLAIN_WORDS,
    FormFields,
    about_the_form,
    checked_reason,
    field_errors,
    is_htmx,
    problem_fields,
    redirect_done,
    typed_amount,
)
from web.render import render
from web.session import PageActor, check_csrf

router = APIRouter(include_in_schema=False)

# What a register row edits in place; everything else is on the benefit's own page.
ROW_FIELDS = ("owner", "route", "estimate_likely")
ROW_LABELS = {"owner": "Owner", "route": "Route", "estimate_likely": "Most likely"}


def _initiative_page(
    request: Request, session: Any, actor: Actor, initiative_id: int, *,
    refused: dict[int, list[Problem]] | None = None, query: dict[str, str] | None = None, editing: int | None = None,
    row_errors: dict[str, str] | None = None, row_values: dict[str, str] | None = None, status_code: int = 200,
    block: str | None = None, done: str = "", done_benefit: str = "",
) -> HTMLResponse:  # fmt: skip
    initiative = initiatives.get_initiative(session=session, initiative_id=initiative_id)
    query = query or {}
    filter_errors: dict[str, str] = {}
    try:
        chosen = RegisterFilter.parse(**query)
    except InvalidInput as error:
        filter_errors = {problem.field or "form": problem.detail for problem in error.problems}
        chosen = RegisterFilter()
        status_code = 422
    try:
        listed = register.register_view(session=session, initiative_id=initiative_id, chosen=chosen)
    except InvalidInput:  # a segment not on the list: said, and set aside
        filter_errors["segment"] = f"there is no customer segment {chosen.segment!r}; choose one from the list"
        chosen = replace(chosen, segment=None)
        status_code = 422
        listed = register.register_view(session=session, initiative_id=initiative_id, chosen=chosen)
    may_edit = allowed(session=session, actor=actor, action=Action.edit_initiative, initiative_id=initiative_id)
    return render(request, "initiative.html", {
        "actor": actor, "initiative": initiative, "board": listed.board, "stages": [s.value for s in STAGE_ORDER],
        "benefits": listed.shown, "all_benefits": listed.total,
        "owners": listed.owners, "routes": [r.value for r in RealisationRoute],
        "segments": demand.list_references(session=session, kind=ReferenceList.segments),
        "query": query, "filter_errors": filter_errors,
        "appraisal": appraisal.appraise(session=session, initiative_id=initiative_id),
        "may_edit": may_edit, "refused": refused or {},
        "editing": editing if may_edit else None, "row_errors": row_errors or {}, "row_values": row_values or {},
        "row_fields": ROW_FIELDS, "row_labels": ROW_LABELS,
        "measures": measures.list_measures(session=session, initiative_id=initiative_id).items,
        "statuses": {row.benefit_id: row for row in status.initiative_status(session=session,
                                                                            initiative_id=initiative_id).benefits},
        **_said(done, done_benefit, [view for views in listed.board.values() for view in views]),
        "done_now": done if is_htmx(request) else "",  # the fragment's own region; a page says it at the top
    }, status_code=status_code, block=block)  # fmt: skip


# What a message names, read back from the benefit the address names (the address's own text is never shown).
SUBJECTS = {"moved": benefit_pages.moved_to, "row_saved": lambda view: f"“{view.title}”"}


def _said(done: str, benefit_id: str, shown: list[BenefitRead]) -> dict[str, str]:
    """The status message's subject for `_done.html`: the benefit the address names, if it is on this page."""
    view = next((view for view in shown if str(view.id) == benefit_id), None)
    if done not in SUBJECTS or view is None:
        return {}
    return {"done_subject": SUBJECTS[done](view)}


@router.get("/initiatives/{initiative_id}", response_class=HTMLResponse)
def initiative_page(
    initiative_id: ResourceId,
    request: Request,
    session: SessionDep,
    actor: PageActor,
    stage: str = "",
    route: str = "",
    owner: str = "",
    segment: str = "",
    edit: int | None = None,
    done: str = "",
    benefit: str = "",
) -> Response:
    """An initiative: key figures, the stage board, and the register filtered by stage, route, owner and who gains.

    After a move or a row saved, `?done=moved|row_saved&benefit={id}` says what was done to which benefit.
    """
    query = {"stage": stage[:40], "route": route[:40], "owner": owner[:200], "segment": segment[:40]}
    return _initiative_page(request, session, actor, initiative_id, query=query, editing=edit, block="register",
                            done=done[:20], done_benefit=benefit[:20])  # fmt: skip


@router.post("/benefits/{benefit_id}/move", response_class=HTMLResponse)
def move(
    benefit_id: ResourceId,
    request: Request,
    session: SessionDep,
    actor: PageActor,
    to: Annotated[Stage, Form()],
    csrf: Annotated[str, Form(max_length=100)] = "",
    reason: Annotated[str, Form(max_length=2000)] = "",
    page: Annotated[str, Form(max_length=20)] = "initiative",
) -> Response:
    """Move a benefit forward, or back with a reason; a refused move says why beside the benefit.

    Done, the board says where it went. `page=benefit` when the benefit's own page sent it: a refusal is said there.
    """
    check_csrf(request, csrf)
    benefit = register.get_benefit(session=session, benefit_id=benefit_id)
    initiative_id = benefit.initiative_id
    from_benefit = page == "benefit"
    try:
        with undone_on_refusal(session):
            pipeline.move_stage(session=session, benefit_id=benefit_id, to=to, reason=checked_reason(reason) or None,
                                actor=actor)  # fmt: skip
    except DomainError as error:
        refused = about_the_form(error)
        if from_benefit:
            return benefit_pages.refused_move(request, session, actor, benefit_id, refused, to=to.value, reason=reason)
        problems = refused.problems or [Problem(error.code, error.detail)]
        return _initiative_page(request, session, actor, initiative_id, refused={benefit_id: problems},
                                status_code=status_for(refused), block="board")  # fmt: skip
    if is_htmx(request):  # the board swaps itself for the board after the move, its status region saying so
        return _initiative_page(request, session, actor, initiative_id, block="board", done="moved",
                                done_benefit=str(benefit_id))  # fmt: skip
    return redirect_done(f"/initiatives/{initiative_id}#benefit-{benefit_id}", "moved", benefit=benefit_id)


def _row(
    request: Request, session: Any, actor: Actor, benefit_id: int, *, editing: bool,
    errors: dict[str, str] | None = None, values: dict[str, str] | None = None, status_code: int = 200,
    done: str = "",
) -> HTMLResponse:  # fmt: skip
    view = register.benefit_view(register.get_benefit(session=session, benefit_id=benefit_id))
    said = _said(done, str(benefit_id), [view])
    may_edit = allowed(session=session, actor=actor, action=Action.edit_initiative, initiative_id=view.initiative_id)
    return render(request, "_register_row.html", {
        "benefit": view, "may_edit": may_edit, "editing": view.id if editing and may_edit else None,
        "row_errors": errors or {}, "row_values": values or {}, "row_fields": ROW_FIELDS, "row_labels": ROW_LABELS,
        "routes": [r.value for r in RealisationRoute], "done_now": done, "done_id": f"row-{view.id}-done", **said,
        "statuses": {benefit_id: status.benefit_status(session=session, benefit_id=benefit_id)},
    }, status_code=status_code)  # fmt: skip


@router.get("/benefits/{benefit_id}/register-row", response_class=HTMLResponse)
def register_row(
    benefit_id: ResourceId, request: Request, session: SessionDep, actor: PageActor, edit: bool = False
) -> Response:
    """One row of the register, to read or (for an editor) to edit in place; a plain visit gets the whole page."""
    if not is_htmx(request):
        benefit = register.get_benefit(session=session, benefit_id=benefit_id)
        suffix = f"?edit={benefit_id}" if edit else ""
        return RedirectResponse(f"/initiatives/{benefit.initiative_id}{suffix}#row-{benefit_id}", status_code=303)
    return _row(request, session, actor, benefit_id, editing=edit)


@router.post("/benefits/{benefit_id}/register-row", response_class=HTMLResponse)
def save_register_row(
    benefit_id: ResourceId, request: Request, session: SessionDep, actor: PageActor, form: FormFields
) -> Response:
    """Save a register row's owner, route and most likely value; errors show beside their inputs."""
    check_csrf(request, form.get("csrf", ""))
    sent = {name: form.get(name, "").strip() for name in ROW_FIELDS}
    # A row edits what it shows: a blank owner or route clears it, a blank estimate is refused by the domain.
    changes: dict[str, Any] = {name: value or None for name, value in sent.items()}
    errors: dict[str, str] = {}
    if sent["estimate_likely"]:
        try:  # read as people write it (£12,000 or 12,000)
            changes["estimate_likely"] = typed_amount(sent["estimate_likely"])
        except InvalidOperation:
            errors["estimate_likely"] = PLAIN_WORDS["decimal_parsing"]
    try:
        if not errors:  # nothing is saved while a value cannot be read
            fields = BenefitUpdate.model_validate(changes)
            with undone_on_refusal(session):
                register.update_benefit(session=session, benefit_id=benefit_id, changes=fields, expected_version=None,
                                        actor=actor)  # fmt: skip
    except ValidationError as error:
        errors = field_errors(error)
    except DomainError as error:
        errors = problem_fields(error, otherwise="owner")
    if errors:
        if is_htmx(request):
            return _row(request, session, actor, benefit_id, editing=True, errors=errors, values=sent,
                        status_code=422)  # fmt: skip
        initiative_id = register.get_benefit(session=session, benefit_id=benefit_id).initiative_id
        return _initiative_page(request, session, actor, initiative_id, editing=benefit_id, row_errors=errors,
                                row_values=sent, status_code=422)  # fmt: skip
    if is_htmx(request):
        return _row(request, session, actor, benefit_id, editing=False, done="row_saved")
    initiative_id = register.get_benefit(session=session, benefit_id=benefit_id).initiative_id
    return redirect_done(f"/initiatives/{initiative_id}#row-{benefit_id}", "row_saved", benefit=benefit_id)
