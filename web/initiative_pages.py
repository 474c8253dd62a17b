"""The initiative page: key figures, the stage board (moves, refused moves' missing items) and the register."""

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.deps import ResourceId, SessionDep
from benefits import appraisal, initiatives, measures, pipeline, register
from benefits.actors import Actor
from benefits.authz import Action, allowed
from benefits.errors import DomainError, Problem
from benefits.stages import STAGE_ORDER, Stage
from web.render import render
from web.session import PageActor, check_csrf

router = APIRouter(include_in_schema=False)


def _initiative_page(
    request: Request, session: Any, actor: Actor, initiative_id: int, refused: dict[int, list[Problem]] | None = None,
    status_code: int = 200,
) -> HTMLResponse:  # fmt: skip
    initiative = initiatives.get_initiative(session=session, initiative_id=initiative_id)
    page = register.list_benefits(session=session, initiative_id=initiative_id, limit=1000, offset=0, withdrawn=False)
    views = [register.benefit_view(benefit) for benefit in page.items]
    board = {stage.value: [view for view in views if view.stage == stage] for stage in STAGE_ORDER}
    return render(request, "initiative.html", {
        "actor": actor, "initiative": initiative, "benefits": views, "board": board,
        "appraisal": appraisal.appraise(session=session, initiative_id=initiative_id),
        "may_edit": allowed(session=session, actor=actor, action=Action.edit_initiative, initiative_id=initiative_id),
        "refused": refused or {},
        "measures": measures.list_measures(session=session, initiative_id=initiative_id, limit=200, offset=0).items,
    }, status_code=status_code)  # fmt: skip


@router.get("/initiatives/{initiative_id}", response_class=HTMLResponse)
def initiative_page(initiative_id: ResourceId, request: Request, session: SessionDep, actor: PageActor) -> Response:
    """An initiative: key figures, the benefits register and the stage board."""
    return _initiative_page(request, session, actor, initiative_id)


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
        problems = error.problems or [Problem(error.code, error.detail)]
        return _initiative_page(request, session, actor, initiative_id, {benefit_id: problems}, status_code=409)
    session.commit()
    return RedirectResponse(f"/initiatives/{initiative_id}#benefit-{benefit_id}", status_code=303)
