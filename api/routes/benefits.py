"""One benefit: its fields, profile, stage moves, withdrawal, history, baselines and finance confirmations."""

from typing import Annotated

from fastapi import APIRouter, Body, Query, Response, status

from api.deps import SIGNED_IN, ActorDep, ExpectedVersion, PagingDep, ResourceId, SessionDep, etag
from api.problems import PROBLEM_RESPONSES
from api.schemas import PageRead, page_read
from benefits import baselines, confirmations, measures, pipeline, register
from benefits.columns import Reason
from benefits.models import (
    AuditEventRead,
    BenefitRead,
    BenefitUpdate,
    CashConfirmationCreate,
    CashConfirmationRead,
    ProfileEntryIn,
)
from benefits.models.baseline import BaselineRead, RebaselineCreate, RebaselineRequestCreate, RebaselineRequestRead
from benefits.models.benefit import RedeploymentConfirmationRead, TransitionRequest, WithdrawRequest
from benefits.models.measure import ActualsFromMeasure

router = APIRouter(prefix="/api/v1/benefits", tags=["benefits"], responses=PROBLEM_RESPONSES, dependencies=SIGNED_IN)

MAX_PROFILE_ROWS = 400


@router.post("/{benefit_id}/actuals-from-measure", response_model=BenefitRead)
def actuals_from_measure(
    benefit_id: ResourceId, fields: ActualsFromMeasure, session: SessionDep, actor: ActorDep, response: Response
) -> BenefitRead:
    """Derive the benefit's actuals per period from a linked measure, as improvement on its baseline."""
    benefit = measures.actuals_from_measure(session=session, benefit_id=benefit_id, fields=fields, actor=actor)
    response.headers["ETag"] = etag(benefit.version)
    return register.benefit_view(benefit)


@router.get("/{benefit_id}", response_model=BenefitRead)
def get_benefit(benefit_id: ResourceId, session: SessionDep, response: Response) -> BenefitRead:
    """Read one benefit with its profile and what its next stage still needs."""
    benefit = register.get_benefit(session=session, benefit_id=benefit_id)
    response.headers["ETag"] = etag(benefit.version)
    return register.benefit_view(benefit)


@router.patch("/{benefit_id}", response_model=BenefitRead)
def update_benefit(
    benefit_id: ResourceId,
    changes: BenefitUpdate,
    session: SessionDep,
    actor: ActorDep,
    expected: ExpectedVersion,
    response: Response,
) -> BenefitRead:
    """Change a benefit's fields; send If-Match with the ETag you read, and a reason if you have one."""
    benefit = register.update_benefit(
        session=session, benefit_id=benefit_id, changes=changes, expected_version=expected, actor=actor
    )
    response.headers["ETag"] = etag(benefit.version)
    return register.benefit_view(benefit)


@router.delete("/{benefit_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_benefit(benefit_id: ResourceId, session: SessionDep, actor: ActorDep, expected: ExpectedVersion) -> None:
    """Delete a benefit still at the opportunity stage; withdraw one that has moved on."""
    register.delete_benefit(session=session, benefit_id=benefit_id, expected_version=expected, actor=actor)


@router.put("/{benefit_id}/profile", response_model=BenefitRead)
def replace_profile(
    benefit_id: ResourceId,
    rows: Annotated[list[ProfileEntryIn], Body(max_length=MAX_PROFILE_ROWS)],
    session: SessionDep,
    actor: ActorDep,
    expected: ExpectedVersion,
    response: Response,
    reason: Annotated[Reason | None, Query(description="Why the profile changed; kept in the history.")] = None,
) -> BenefitRead:
    """Replace the profile: planned and actual values per period."""
    benefit = register.replace_profile(
        session=session,
        benefit_id=benefit_id,
        rows=rows,
        expected_version=expected,
        actor=actor,
        reason=reason,
    )
    response.headers["ETag"] = etag(benefit.version)
    return register.benefit_view(benefit)


@router.post("/{benefit_id}/transitions", response_model=BenefitRead)
def move_stage(
    benefit_id: ResourceId,
    move: TransitionRequest,
    session: SessionDep,
    actor: ActorDep,
    expected: ExpectedVersion,
    response: Response,
) -> BenefitRead:
    """Move a benefit one stage forward (its gate must be met) or back (with a reason)."""
    benefit = pipeline.move_stage(
        session=session,
        benefit_id=benefit_id,
        to=move.to,
        reason=move.reason,
        actor=actor,
        expected_version=expected,
    )
    response.headers["ETag"] = etag(benefit.version)
    return register.benefit_view(benefit)


@router.post("/{benefit_id}/withdraw", response_model=BenefitRead)
def withdraw_benefit(
    benefit_id: ResourceId,
    withdrawal: WithdrawRequest,
    session: SessionDep,
    actor: ActorDep,
    expected: ExpectedVersion,
    response: Response,
) -> BenefitRead:
    """Withdraw a benefit for good, with a reason; it and its history are kept."""
    benefit = register.withdraw_benefit(
        session=session,
        benefit_id=benefit_id,
        reason=withdrawal.reason,
        expected_version=expected,
        actor=actor,
    )
    response.headers["ETag"] = etag(benefit.version)
    return register.benefit_view(benefit)


@router.get("/{benefit_id}/history", response_model=PageRead[AuditEventRead])
def benefit_history(benefit_id: ResourceId, session: SessionDep, paging: PagingDep) -> PageRead[AuditEventRead]:
    """Every stage move and value change of a benefit, oldest first."""
    page = pipeline.benefit_history(session=session, benefit_id=benefit_id, limit=paging.limit, offset=paging.offset)
    return page_read(page, AuditEventRead.model_validate)


@router.post(
    "/{benefit_id}/cash-confirmations",
    status_code=status.HTTP_201_CREATED,
    response_model=CashConfirmationRead,
)
def confirm_cash(
    benefit_id: ResourceId, fields: CashConfirmationCreate, session: SessionDep, actor: ActorDep, response: Response
) -> CashConfirmationRead:
    """Record finance's confirmation that the benefit's budget went down for a period."""
    confirmation = confirmations.confirm_cash(session=session, benefit_id=benefit_id, fields=fields, actor=actor)
    response.headers["ETag"] = etag(1)  # a confirmation never changes
    return confirmations.views(session=session, entries=[confirmation], kind=confirmations.CASH)[0]


@router.get("/{benefit_id}/cash-confirmations", response_model=PageRead[CashConfirmationRead])
def list_cash_confirmations(
    benefit_id: ResourceId, session: SessionDep, paging: PagingDep
) -> PageRead[CashConfirmationRead]:
    """A benefit's cash confirmations and their reversals, oldest first."""
    page = confirmations.list_cash_confirmations(
        session=session, benefit_id=benefit_id, limit=paging.limit, offset=paging.offset
    )
    return page_read(page, CashConfirmationRead.model_validate)


@router.post(
    "/{benefit_id}/redeployment-confirmations",
    status_code=status.HTTP_201_CREATED,
    response_model=RedeploymentConfirmationRead,
)
def confirm_redeployment(
    benefit_id: ResourceId, fields: CashConfirmationCreate, session: SessionDep, actor: ActorDep, response: Response
) -> CashConfirmationRead:
    """Record finance's confirmation that the benefit's released capacity was redeployed as it says, for a period."""
    entry = confirmations.confirm_redeployment(session=session, benefit_id=benefit_id, fields=fields, actor=actor)
    response.headers["ETag"] = etag(1)  # a confirmation never changes
    return confirmations.views(session=session, entries=[entry], kind=confirmations.REDEPLOYMENT)[0]


@router.get("/{benefit_id}/redeployment-confirmations", response_model=PageRead[RedeploymentConfirmationRead])
def list_redeployment_confirmations(
    benefit_id: ResourceId, session: SessionDep, paging: PagingDep
) -> PageRead[CashConfirmationRead]:
    """A benefit's redeployment confirmations and their reversals, oldest first."""
    page = confirmations.list_redeployment_confirmations(
        session=session, benefit_id=benefit_id, limit=paging.limit, offset=paging.offset
    )
    return page_read(page, RedeploymentConfirmationRead.model_validate)


@router.get("/{benefit_id}/baselines", response_model=list[BaselineRead])
def list_baselines(benefit_id: ResourceId, session: SessionDep) -> list[BaselineRead]:
    """Every baseline approved for the benefit, oldest first; none is ever replaced."""
    return register.baseline_views(register.get_benefit(session=session, benefit_id=benefit_id))


@router.post("/{benefit_id}/baselines", status_code=status.HTTP_201_CREATED, response_model=BenefitRead)
def rebaseline(
    benefit_id: ResourceId,
    fields: RebaselineCreate,
    session: SessionDep,
    actor: ActorDep,
    expected: ExpectedVersion,
    response: Response,
) -> BenefitRead:
    """Re-baseline (finance, board, admin): the current plan becomes the next baseline version, with the reason."""
    benefit = baselines.rebaseline(
        session=session, benefit_id=benefit_id, fields=fields, expected_version=expected, actor=actor
    )
    response.headers["ETag"] = etag(benefit.version)
    return register.benefit_view(benefit)


@router.post(
    "/{benefit_id}/rebaseline-requests", status_code=status.HTTP_201_CREATED, response_model=RebaselineRequestRead
)
def request_rebaseline(
    benefit_id: ResourceId, fields: RebaselineRequestCreate, session: SessionDep, actor: ActorDep
) -> RebaselineRequestRead:
    """Ask finance, the board or an admin to re-baseline the benefit, saying why."""
    request = baselines.request_rebaseline(session=session, benefit_id=benefit_id, fields=fields, actor=actor)
    return RebaselineRequestRead.model_validate(request, from_attributes=True)


@router.get("/{benefit_id}/rebaseline-requests", response_model=PageRead[RebaselineRequestRead])
def list_rebaseline_requests(
    benefit_id: ResourceId, session: SessionDep, paging: PagingDep
) -> PageRead[RebaselineRequestRead]:
    """The benefit's requests to re-baseline and how each was decided, oldest first."""
    page = baselines.list_requests(session=session, benefit_id=benefit_id, limit=paging.limit, offset=paging.offset)
    return page_read(page, lambda row: RebaselineRequestRead.model_validate(row, from_attributes=True))
