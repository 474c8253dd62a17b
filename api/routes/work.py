"""What is due: each person's own work, and the portfolio's by person and initiative (admins and boards)."""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import MAX_ID, SIGNED_IN, ActorDep, SessionDep
from api.problems import PROBLEM_RESPONSES
from benefits import work
from benefits.work import WorkRead

router = APIRouter(prefix="/api/v1", tags=["work"], responses=PROBLEM_RESPONSES, dependencies=SIGNED_IN)


@router.get("/me/work", response_model=WorkRead)
def my_work(session: SessionDep, actor: ActorDep) -> WorkRead:
    """What is due from the signed-in person (actuals, confirmations, actions, observations), most overdue first."""
    return work.my_work(session=session, actor=actor, today=date.today())


@router.get("/work", response_model=WorkRead)
def everyones_work(
    session: SessionDep,
    actor: ActorDep,
    person_id: Annotated[int | None, Query(ge=1, le=MAX_ID, description="Only what this person owes.")] = None,
    initiative_id: Annotated[int | None, Query(ge=1, le=MAX_ID, description="Only this initiative's.")] = None,
) -> WorkRead:
    """What is due across the portfolio, by person and initiative (admins and boards), most overdue first."""
    return work.everyones_work(
        session=session, actor=actor, today=date.today(), person_id=person_id, initiative_id=initiative_id
    )
