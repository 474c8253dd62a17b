"""The initiative page: key figures, the stage board (moves, refused moves' missing items) and the register.

The register filters by stage, route and owner, and its rows edit in place: with htmx a row swaps itself for its
form and back; without JavaScript the same form is a row of the whole page (`?edit=ID`) posted as a plain form.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from api.deps import ResourceId, SessionDep
from benefits import appraisal, initiatives, measures, pipeline, register
from benefits.actors import Actor
from benefits.authz import Action, allowed
from benefits.errors import DomainError, InvalidInput, Problem
from benefits.models import BenefitUpdate
from benefits.register import RegisterFilter
from benefits.stages import STAGE_ORDER, RealisationRoute, Stage
from web.forms import FormFields, about_the_form, field_errors, is_htmx, problem_fields
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
    block: str | None = None,
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
    listed = register.register_view(session=session, initiative_id=initiative_id, chosen=chosen)
    may_edit = allowed(session=session, actor=actor, action=Action.edit_initiative, initiative_id=initiative_id)
    return render(request, "initiative.html", {
        "actor": actor, "initiative": initiative, "board": listed.board, "stages": [s.value for s in STAGE_ORDER],
        "benefits": listed.shown, "all_benefits": listed.total,
        "owners": listed.owners, "routes": [r.value for r in RealisationRoute],
        "query": query, "filter_errors": filter_errors,
        "appraisal": appraisal.appraise(session=session, initiative_id=initiative_id),
        "may_edit": may_edit, "refused": refused or {},
        "editing": editing if may_edit else None, "row_errors": row_errors or {}, "row_values": row_values or {},
        "row_fields": ROW_FIELDS, "row_labels": ROW_LABELS,
        "measures": measures.list_measures(session=session, initiative_id=initiative_id).items,
    }, status_code=status_code, block=block)  # fmt: skip


@router.get("/initiatives/{initiative_id}", response_class=HTMLResponse)
def initiative_page(
    initiative_id: ResourceId,
    request: Request,
    session: SessionDep,
    actor: PageActor,
    stage: str = "",
    route: str = "",
    owner: str = "",
    edit: int | None = None,
) -> Response:
    """An initiative: key figures, the stage board, and the register filtered by stage, route and owner."""
    query = {"stage": stage[:40], "route": route[:40], "owner": owner[:200]}
    return _initiative_page(request, session, actor, initiative_id, query=query, editing=edit, block="register")


@router.post("/benefits/{benefit_id}/move", response_class=HTMLResponse)
def move(
    benefit_id: ResourceId,
    request: Request,
    session: SessionDep,
    actor: PageActor,
    to: Annotated[Stage, Form()],
    csrf: Annotated[str, Form(max_length=100)] = "",
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Move a benefit; a refused move shows its gate's missing items beside the benefit."""
    check_csrf(request, csrf)
    benefit = register.get_benefit(session=session, benefit_id=benefit_id)
    initiative_id = benefit.initiative_id
    try:
        pipeline.move_stage(session=session, benefit_id=benefit_id, to=to, reason=reason or None, actor=actor)
    except DomainError as error:
        session.rollback()
        problems = about_the_form(error).problems or [Problem(error.code, error.detail)]
        return _initiative_page(request, session, actor, initiative_id, refused={benefit_id: problems},
                                status_code=409)  # fmt: skip
    session.commit()
    return RedirectResponse(f"/initiatives/{initiative_id}#benefit-{benefit_id}", status_code=303)


def _row(
    request: Request, session: Any, actor: Actor, benefit_id: int, *, editing: bool,
    errors: dict[str, str] | None = None, values: dict[str, str] | None = None, status_code: int = 200,
) -> HTMLResponse:  # fmt: skip
    view = register.benefit_view(register.get_benefit(session=session, benefit_id=benefit_id))
    may_edit = allowed(session=session, actor=actor, action=Action.edit_initiative, initiative_id=view.initiative_id)
    return render(request, "_register_row.html", {
        "benefit": view, "may_edit": may_edit, "editing": view.id if editing and may_edit else None,
        "row_errors": errors or {}, "row_values": values or {}, "row_fields": ROW_FIELDS, "row_labels": ROW_LABELS,
        "routes": [r.value for r in RealisationRoute],
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
    try:
        fields = BenefitUpdate.model_validate(changes)
        register.update_benefit(session=session, benefit_id=benefit_id, changes=fields, expected_version=None,
                                actor=actor)  # fmt: skip
    except ValidationError as error:
        session.rollback()
        errors = field_errors(error)
    except DomainError as error:
        session.rollback()
        errors = problem_fields(error, otherwise="owner")
    if errors:
        if is_htmx(request):
            return _row(request, session, actor, benefit_id, editing=True, errors=errors, values=sent,
                        status_code=422)  # fmt: skip
        initiative_id = register.get_benefit(session=session, benefit_id=benefit_id).initiative_id
        return _initiative_page(request, session, actor, initiative_id, editing=benefit_id, row_errors=errors,
                                row_values=sent, status_code=422)  # fmt: skip
    session.commit()
    if is_htmx(request):
        return _row(request, session, actor, benefit_id, editing=False)
    initiative_id = register.get_benefit(session=session, benefit_id=benefit_id).initiative_id
    return RedirectResponse(f"/initiatives/{initiative_id}#row-{benefit_id}", status_code=303)
