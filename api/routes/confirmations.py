"""Corrections of the record: reversing a confirmation, and deciding requests to re-baseline."""

from typing import Annotated

from fastapi import APIRouter, Query, status

from api.deps import SIGNED_IN, ActorDep, PagingDep, ResourceId, SessionDep
from api.problems import PROBLEM_RESPONSES
from api.schemas import PageRead, page_read
from benefits import baselines, confirmations
from benefits.models.baseline import RebaselineDecline, RebaselineRequestRead, RequestStatus
from benefits.models.benefit import CashConfirmationRead, RedeploymentConfirmationRead, ReversalCreate

router = APIRouter(prefix="/api/v1", tags=["finance"], responses=PROBLEM_RESPONSES, dependencies=SIGNED_IN)


@router.post(
    "/cash-confirmations/{confirmation_id}/reversal",
    status_code=status.HTTP_201_CREATED,
    response_model=CashConfirmationRead,
)
def reverse_cash_confirmation(
    confirmation_id: ResourceId, fields: ReversalCreate, session: SessionDep, actor: ActorDep
) -> CashConfirmationRead:
    """Reverse a mistaken cash confirmation: a new entry of the opposite amount naming it, with the reason."""
    entry = confirmations.reverse_cash(
        session=session, confirmation_id=confirmation_id, reason=fields.reason, actor=actor
    )
    return confirmations.views(session=session, entries=[entry], kind=confirmations.CASH)[0]


@router.post(
    "/redeployment-confirmations/{confirmation_id}/reversal",
    status_code=status.HTTP_201_CREATED,
    response_model=RedeploymentConfirmationRead,
)
def reverse_redeployment_confirmation(
    confirmation_id: ResourceId, fields: ReversalCreate, session: SessionDep, actor: ActorDep
) -> CashConfirmationRead:
    """Reverse a mistaken redeployment confirmation: a new entry of the opposite amount naming it, with the reason."""
    entry = confirmations.reverse_redeployment(
        session=session, confirmation_id=confirmation_id, reason=fields.reason, actor=actor
    )
    return confirmations.views(session=session, entries=[entry], kind=confirmations.REDEPLOYMENT)[0]


@router.get("/rebaseline-requests", response_model=PageRead[RebaselineRequestRead])
def list_all_rebaseline_requests(
    session: SessionDep, paging: PagingDep, status: Annotated[RequestStatus | None, Query()] = None
) -> PageRead[RebaselineRequestRead]:
    """Requests to re-baseline across the portfolio, oldest first; `?status=open` for those awaiting a decision."""
    page = baselines.list_requests(session=session, status=status, limit=paging.limit, offset=paging.offset)
    return page_read(page, lambda row: RebaselineRequestRead.model_validate(row, from_attributes=True))


@router.post("/rebaseline-requests/{request_id}/decline", response_model=RebaselineRequestRead)
def decline_rebaseline_request(
    request_id: ResourceId, fields: RebaselineDecline, session: SessionDep, actor: ActorDep
) -> RebaselineRequestRead:
    """Decline a request to re-baseline (finance, board, admin), with the reason; the baseline stays as it is."""
    request = baselines.decline_request(session=session, request_id=request_id, fields=fields, actor=actor)
    return RebaselineRequestRead.model_validate(request, from_attributes=True)
