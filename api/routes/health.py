"""Liveness and readiness for load balancers."""

import sqlalchemy as sa
from fastapi import APIRouter

from api.deps import SessionDep

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz(session: SessionDep) -> dict[str, str]:
    """Answer ok when the service and its database respond."""
    session.execute(sa.text("SELECT 1"))
    return {"status": "ok"}
