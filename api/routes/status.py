"""Status at a glance: each benefit's RAG status and direction of travel, and the portfolio's RAG thresholds."""

from fastapi import APIRouter, Response

from api.deps import SIGNED_IN, ActorDep, ExpectedVersion, ResourceId, SessionDep, etag
from api.problems import PROBLEM_RESPONSES
from benefits import status
from benefits.models.status import InitiativeStatusRead, StatusThresholds

router = APIRouter(prefix="/api/v1", tags=["status"], responses=PROBLEM_RESPONSES, dependencies=SIGNED_IN)


@router.get("/initiatives/{initiative_id}/status", response_model=InitiativeStatusRead)
def initiative_status(initiative_id: ResourceId, session: SessionDep) -> InitiativeStatusRead:
    """Each benefit's RAG status against its approved baseline, its shortfall, and its direction since the last
    review; benefits with no approved baseline, or withdrawn, say so instead of a status."""
    return status.initiative_status(session=session, initiative_id=initiative_id)


@router.get("/settings/status-thresholds", response_model=StatusThresholds)
def get_status_thresholds(session: SessionDep, response: Response) -> StatusThresholds:
    """The portfolio's RAG thresholds: the shortfall shares within which a benefit is on track, and at risk."""
    thresholds, version = status.status_thresholds(session=session)
    response.headers["ETag"] = etag(version)
    return thresholds


@router.put("/settings/status-thresholds", response_model=StatusThresholds)
def save_status_thresholds(
    fields: StatusThresholds, session: SessionDep, actor: ActorDep, expected: ExpectedVersion, response: Response
) -> StatusThresholds:
    """Replace the RAG thresholds (admin, finance); on track must be below at risk, both shares from 0 to 1."""
    thresholds, version = status.save_thresholds(session=session, fields=fields, expected_version=expected, actor=actor)
    response.headers["ETag"] = etag(version)
    return thresholds
