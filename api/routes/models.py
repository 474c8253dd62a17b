"""An initiative's cause-and-effect model: read, replace whole, evaluate; and the templates on offer."""

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from api.deps import SIGNED_IN, ActorDep, ExpectedVersion, ResourceId, SessionDep, etag
from api.problems import PROBLEM_RESPONSES
from api.refusal_problems import refusal_problem
from benefits import cause_models
from benefits.models.cause_model import (
    EvaluationRead,
    EvaluationRequest,
    FromTemplate,
    ModelIn,
    ModelRead,
    TemplateRead,
)

router = APIRouter(prefix="/api/v1", tags=["models"], responses=PROBLEM_RESPONSES, dependencies=SIGNED_IN)


@router.get("/initiatives/{initiative_id}/model", response_model=ModelRead)
def get_model(initiative_id: ResourceId, session: SessionDep, response: Response) -> ModelRead:
    """Read the model, with the last draft that had errors (if any)."""
    stored = cause_models.get_model(session=session, initiative_id=initiative_id)
    response.headers["ETag"] = etag(stored.version)
    return cause_models.model_view(stored)


@router.put("/initiatives/{initiative_id}/model", response_model=ModelRead)
def replace_model(
    initiative_id: ResourceId,
    fields: ModelIn,
    session: SessionDep,
    actor: ActorDep,
    expected: ExpectedVersion,
    request: Request,
    response: Response,
) -> ModelRead | JSONResponse:
    """Replace the whole model; one with errors is kept as a draft and answered 422, one entry per problem."""
    stored = cause_models.replace_model(
        session=session, initiative_id=initiative_id, fields=fields, expected_version=expected, actor=actor
    )
    if isinstance(stored, cause_models.KeptAsDraft):
        return refusal_problem(request, stored.refusal)  # returned, not raised: the draft is committed
    response.headers["ETag"] = etag(stored.version)
    return cause_models.model_view(stored)


@router.post("/initiatives/{initiative_id}/model/evaluate", response_model=EvaluationRead)
def evaluate_model(initiative_id: ResourceId, request: EvaluationRequest, session: SessionDep) -> EvaluationRead:
    """Evaluate at most-likely values and by Monte Carlo (P10/P50/P90), with a tornado for one output."""
    return cause_models.evaluate(session=session, initiative_id=initiative_id, request=request)


@router.post("/initiatives/{initiative_id}/model/from-template", response_model=ModelRead)
def add_template(
    initiative_id: ResourceId,
    choice: FromTemplate,
    session: SessionDep,
    actor: ActorDep,
    expected: ExpectedVersion,
    request: Request,
    response: Response,
) -> ModelRead | JSONResponse:
    """Add a template's nodes and links to the model, to edit from there."""
    stored = cause_models.add_template(
        session=session, initiative_id=initiative_id, template=choice.template, expected_version=expected, actor=actor
    )
    if isinstance(stored, cause_models.KeptAsDraft):
        return refusal_problem(request, stored.refusal)  # returned, not raised: the draft is committed
    response.headers["ETag"] = etag(stored.version)
    return cause_models.model_view(stored)


@router.get("/model-templates", response_model=list[TemplateRead])
def list_templates() -> list[TemplateRead]:
    """The model templates on offer."""
    return cause_models.templates()
