"""Liveness and readiness for load balancers and orchestrators."""

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.engine import Engine

from benefits.db import get_engine, readiness

router = APIRouter(tags=["health"])


class Alive(BaseModel):
    """The process answers."""

    status: str


class Ready(BaseModel):
    """Whether the database can serve, and if not, why."""

    status: str
    database: str
    migration: str | None
    head: str | None
    problems: list[str] = []


@router.get("/healthz")
def healthz() -> Alive:
    """Answer ok while the process is alive; the database is not touched, so an outage does not restart workers."""
    return Alive(status="ok")


@router.get(
    "/readyz",
    response_model=Ready,
    responses={503: {"model": Ready, "description": "The database is unreachable or behind"}},
)
def readyz(engine: Annotated[Engine, Depends(get_engine)]) -> JSONResponse:
    """Answer ready when the database is reachable and its migrations are at head; otherwise 503 naming what is not."""
    state = readiness(engine=engine)
    body = Ready(
        status="not ready" if state.problems else "ready",
        database="reachable" if state.reachable else "unreachable",
        migration=state.revision,
        head=state.head,
        problems=state.problems,
    )
    return JSONResponse(body.model_dump(), status_code=503 if state.problems else 200)
