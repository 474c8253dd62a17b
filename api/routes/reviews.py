"""Board reviews: recording them, reading them with variance against baselines, and what changed since the last."""

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status

from api.deps import SIGNED_IN, ActorDep, PagingDep, ResourceId, SessionDep
from api.problems import PROBLEM_RESPONSES
from api.schemas import PageRead, page_read
from benefits import reviews
from benefits.models.review import ActionUpdate, ChangesRead, ReviewCreate, ReviewRead

router = APIRouter(prefix="/api/v1/reviews", tags=["reviews"], responses=PROBLEM_RESPONSES, dependencies=SIGNED_IN)


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ReviewRead)
def record_review(fields: ReviewCreate, session: SessionDep, actor: ActorDep, response: Response) -> ReviewRead:
    """Record a board review: attendees, decisions, actions and notes, with a snapshot of the register."""
    review = reviews.record_review(session=session, fields=fields, actor=actor)
    response.headers["Location"] = f"/api/v1/reviews/{review.id}"
    return reviews.review_read(session=session, review=review)


@router.get("", response_model=PageRead[ReviewRead])
def list_reviews(
    session: SessionDep,
    paging: PagingDep,
    initiative_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
) -> PageRead[ReviewRead]:
    """Reviews, latest first; `?initiative_id=` for one initiative's."""
    page = reviews.list_reviews(session=session, initiative_id=initiative_id, limit=paging.limit, offset=paging.offset)
    return page_read(page, lambda review: reviews.review_read(session=session, review=review))


@router.get("/{review_id}", response_model=ReviewRead)
def get_review(review_id: ResourceId, session: SessionDep) -> ReviewRead:
    """Read one review, with each benefit's variance against its approved baseline."""
    return reviews.review_read(session=session, review=reviews.get_review(session=session, review_id=review_id))


@router.get("/{review_id}/changes", response_model=ChangesRead)
def review_changes(review_id: ResourceId, session: SessionDep) -> ChangesRead:
    """What changed since the previous review of the same scope: benefits, stages, values, routes, cash, signals."""
    return reviews.changes(session=session, review_id=review_id)


@router.patch("/{review_id}/actions/{number}", response_model=ReviewRead)
def update_action(
    review_id: ResourceId,
    number: Annotated[int, Path(ge=1, le=200)],
    fields: ActionUpdate,
    session: SessionDep,
    actor: ActorDep,
) -> ReviewRead:
    """Mark the review's action `number` (from 1) open, done or dropped; open actions carry into the next review."""
    review = reviews.set_action_status(session=session, review_id=review_id, number=number, fields=fields, actor=actor)
    return reviews.review_read(session=session, review=review)
