"""The audit trail: every change, who made it, when, and the fields before and after (admin, finance, board)."""

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import MAX_ID, SIGNED_IN, ActorDep, PagingDep, SessionDep
from api.problems import PROBLEM_RESPONSES
from api.schemas import PageRead, page_read
from benefits import audit
from benefits.columns import Code, Instant
from benefits.models import AuditEventRead

router = APIRouter(prefix="/api/v1/audit", tags=["audit"], responses=PROBLEM_RESPONSES, dependencies=SIGNED_IN)


@router.get("", response_model=PageRead[AuditEventRead])
def list_audit_events(
    session: SessionDep,
    actor: ActorDep,
    paging: PagingDep,
    entity: Annotated[Code | None, Query(max_length=40, description="initiative, benefit, person, api_token")] = None,
    entity_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    person_id: Annotated[int | None, Query(ge=1, le=MAX_ID, description="Who made the change.")] = None,
    since: Annotated[Instant | None, Query(description="From this time (inclusive).")] = None,
    until: Annotated[Instant | None, Query(description="Before this time.")] = None,
) -> PageRead[AuditEventRead]:
    """List audit events oldest first, filtered by entity and id, person and time."""
    page = audit.list_events(
        session=session,
        actor=actor,
        limit=paging.limit,
        offset=paging.offset,
        entity=entity,
        entity_id=entity_id,
        person_id=person_id,
        since=since,
        until=until,
    )
    return page_read(page, AuditEventRead.model_validate)
