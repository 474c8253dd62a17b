"""Dependencies shared by the routes (and, later, the web pages): the unit of work, the actor, paging, ETags."""

import re
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Header, Path, Query
from sqlmodel import Session

from benefits.audit import Actor
from benefits.db import get_engine

# Bound ids so no client can send one the database cannot hold.
MAX_ID = 2_147_483_647
ResourceId = Annotated[int, Path(ge=1, le=MAX_ID, description="The resource's id.")]


def get_session() -> Iterator[Session]:
    """One transaction per request: committed when the route succeeds, rolled back on any error."""
    with Session(get_engine(), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


# scope="function": commit before the response is sent, so a failed commit is reported, not hidden.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def current_actor() -> Actor:
    """Who is acting; anonymous until people and tokens authenticate requests."""
    return Actor(name="anonymous")


ActorDep = Annotated[Actor, Depends(current_actor)]


class Paging:
    """`limit` and `offset` query parameters of a list endpoint."""

    def __init__(
        self,
        limit: Annotated[int, Query(ge=1, le=500, description="Items per page.")] = 50,
        offset: Annotated[int, Query(ge=0, le=MAX_ID, description="Items to skip.")] = 0,
    ) -> None:
        self.limit = limit
        self.offset = offset


PagingDep = Annotated[Paging, Depends()]

_ETAG = re.compile(r'^"v(\d{1,9})"$')


def etag(version: int) -> str:
    """The strong entity tag of a resource at a version."""
    return f'"v{version}"'


def expected_version(
    if_match: Annotated[
        str | None, Header(description="The ETag you read; a stale one is refused with 412.", max_length=200)
    ] = None,
) -> int | None:
    """The version an If-Match header names; None when absent or `*`; 0 (never current) when unreadable."""
    if if_match is None or if_match.strip() == "*":
        return None
    first = if_match.split(",")[0].strip()
    match = _ETAG.match(first)
    return int(match.group(1)) if match else 0


ExpectedVersion = Annotated[int | None, Depends(expected_version)]
