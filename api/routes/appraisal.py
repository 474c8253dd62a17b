"""Costs, the appraisal of an initiative, the portfolio's appraisal settings, and reference values."""

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from api.deps import SIGNED_IN, ActorDep, ExpectedVersion, PagingDep, ResourceId, SessionDep, etag
from api.problems import PROBLEM_RESPONSES
from api.schemas import PageRead, page_read
from benefits import appraisal, costs, switching
from benefits.models.appraisal import AppraisalRead, AppraisalSettings, SwitchingValuesRead
from benefits.models.cost import CostLineCreate, CostLineRead, CostLineUpdate, OptimismBiasReference
from benefits.optimism_bias import UPPER_BOUNDS

router = APIRouter(prefix="/api/v1", tags=["appraisal"], responses=PROBLEM_RESPONSES, dependencies=SIGNED_IN)


@router.post("/initiatives/{initiative_id}/costs", status_code=status.HTTP_201_CREATED, response_model=CostLineRead)
def create_cost(
    initiative_id: ResourceId, fields: CostLineCreate, session: SessionDep, actor: ActorDep, response: Response
) -> CostLineRead:
    """Add a cost line: capital or revenue, amounts by period, and its optimism-bias uplift."""
    line, amounts = costs.create_cost(session=session, initiative_id=initiative_id, fields=fields, actor=actor)
    response.headers["ETag"] = etag(line.version)
    response.headers["Location"] = f"/api/v1/costs/{line.id}"
    return costs.cost_view(line, amounts)


@router.get("/initiatives/{initiative_id}/costs", response_model=PageRead[CostLineRead])
def list_costs(initiative_id: ResourceId, session: SessionDep, paging: PagingDep) -> PageRead[CostLineRead]:
    """An initiative's cost lines, oldest first."""
    page = costs.list_costs(session=session, initiative_id=initiative_id, limit=paging.limit, offset=paging.offset)
    return page_read(page, lambda item: costs.cost_view(*item))


@router.get("/costs/{cost_id}", response_model=CostLineRead)
def get_cost(cost_id: ResourceId, session: SessionDep, response: Response) -> CostLineRead:
    """Read one cost line."""
    line = costs.get_cost(session=session, cost_id=cost_id)
    response.headers["ETag"] = etag(line.version)
    return costs.cost_view(line, costs.amounts_of(session=session, cost_ids=[cost_id])[cost_id])


@router.patch("/costs/{cost_id}", response_model=CostLineRead)
def update_cost(
    cost_id: ResourceId,
    changes: CostLineUpdate,
    session: SessionDep,
    actor: ActorDep,
    expected: ExpectedVersion,
    response: Response,
) -> CostLineRead:
    """Change a cost line; a profile sent replaces the whole profile."""
    line, amounts = costs.update_cost(
        session=session, cost_id=cost_id, changes=changes, expected_version=expected, actor=actor
    )
    response.headers["ETag"] = etag(line.version)
    return costs.cost_view(line, amounts)


@router.delete("/costs/{cost_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_cost(cost_id: ResourceId, session: SessionDep, actor: ActorDep, expected: ExpectedVersion) -> None:
    """Delete a cost line."""
    costs.delete_cost(session=session, cost_id=cost_id, expected_version=expected, actor=actor)


@router.get("/initiatives/{initiative_id}/appraisal", response_model=AppraisalRead)
def appraise(
    initiative_id: ResourceId,
    session: SessionDep,
    weighted: Annotated[bool, Query(description="Weight each benefit by its stage (risk-adjusted).")] = False,
) -> AppraisalRead:
    """The economic and financial appraisal, side by side, with each year's figures."""
    return appraisal.appraise(session=session, initiative_id=initiative_id, weighted=weighted)


@router.get("/initiatives/{initiative_id}/appraisal/switching-values", response_model=SwitchingValuesRead)
def switching_values(initiative_id: ResourceId, session: SessionDep) -> SwitchingValuesRead:
    """For each ranged model assumption, the value at which economic NPV turns to zero, where one is in range."""
    return switching.switching_values(session=session, initiative_id=initiative_id)


@router.get("/settings/appraisal", response_model=AppraisalSettings)
def get_appraisal_settings(session: SessionDep, response: Response) -> AppraisalSettings:
    """The portfolio's stage weights and default discount schedule."""
    settings, version = appraisal.appraisal_settings(session=session)
    response.headers["ETag"] = etag(version)
    return settings


@router.put("/settings/appraisal", response_model=AppraisalSettings)
def save_appraisal_settings(
    fields: AppraisalSettings, session: SessionDep, actor: ActorDep, expected: ExpectedVersion, response: Response
) -> AppraisalSettings:
    """Replace the stage weights and default discount schedule (admin, finance)."""
    settings, version = appraisal.save_settings(session=session, fields=fields, expected_version=expected, actor=actor)
    response.headers["ETag"] = etag(version)
    return settings


@router.get("/reference/optimism-bias", response_model=list[OptimismBiasReference])
def optimism_bias_reference() -> list[OptimismBiasReference]:
    """The Green Book's published upper bounds for optimism bias, by project type."""
    return [
        OptimismBiasReference(
            project_type=kind,
            works_duration=float(duration) if duration is not None else None,
            capital_expenditure=float(capital),
        )
        for kind, duration, capital in UPPER_BOUNDS
    ]
