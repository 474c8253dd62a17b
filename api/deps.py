"""Dependencies shared by the routes (and, later, the web pages): the unit of work, the actor, paging, ETags."""

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, Path, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session

from benefits import people
from benefits.actors import Actor
from benefits.columns import MAX_ROW_ID as MAX_ID
from benefits.db import get_engine, reading_session
from benefits.errors import Unauthenticated

ResourceId = Annotated[int, Path(ge=1, le=MAX_ID, description="The resource's id.")]


# Requests that only read: their unit of work never takes SQLite's write lock, so they never queue behind a writer.
READING_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_session(request: Request) -> Iterator[Session]:
    """One transaction per request: committed when the route succeeds, rolled back on any error."""
    reads = request.method in READING_METHODS
    with reading_session(get_engine()) if reads else Session(get_engine(), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


# scope="function": commit before the response is sent, so a failed commit is reported, not hidden.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


@contextmanager
def undone_on_refusal(session: Session) -> Iterator[Session]:
    """A step the domain may refuse: on a refusal (or any error) only the step is undone, to a savepoint, and re-raised.

    A page that shows a refused form again keeps the request's unit of work, which then commits what came
    before the step and nothing of the step itself, not a change flushed before the domain said no.
    """
    savepoint = session.begin_nested()
    try:
        yield session
    except BaseException:
        if savepoint.is_active:
            savepoint.rollback()
        raise
    if savepoint.is_active:
        savepoint.commit()


class UnitsOfWork:
    """The request's unit of work, with a first step that stands on its own before the rest of the request runs.

    For work that other requests must see at once, whatever this one goes on to do: a sign-in attempt is counted
    (and the write lock SQLite's BEGIN IMMEDIATE takes is let go) before the slow password check.
    """

    def __init__(self, session: SessionDep) -> None:
        self._session = session

    @contextmanager
    def standing(self) -> Iterator[Session]:
        """A unit of work committed when the block ends (rolled back on any error); the request's own goes on after."""
        try:
            yield self._session
            self._session.commit()
        except BaseException:
            self._session.rollback()
            raise


UnitsOfWorkDep = Annotated[UnitsOfWork, Depends()]


bearer = HTTPBearer(auto_error=False, description="An API token: `Authorization: Bearer bnf_...`.")
BearerDep = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


# The dependencies below that touch no database are coroutines: FastAPI runs them on the event loop, not through
# the thread pool, where each would queue for a thread and the interpreter lock behind the requests in flight.


async def bearer_token(credentials: BearerDep) -> str:
    """The bearer token the request carries; Unauthenticated (401) without one."""
    if credentials is None or not credentials.credentials or len(credentials.credentials) > 200:
        raise Unauthenticated("Send an API token: Authorization: Bearer <token>.")
    return credentials.credentials


def current_actor(session: SessionDep, token: Annotated[str, Depends(bearer_token)]) -> Actor:
    """The person the request's bearer token stands for."""
    return people.actor_for_token(session=session, token=token)


ActorDep = Annotated[Actor, Depends(current_actor)]
# Every /api/v1 router but sign-in requires a valid token, even on reads.
SIGNED_IN = [Depends(current_actor)]


@dataclass(frozen=True)
class Paging:
    """`limit` and `offset` query parameters of a list endpoint."""

    limit: int
    offset: int


async def paging(
    limit: Annotated[int, Query(ge=1, le=500, description="Items per page (at most 500).")] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_ID, description="Items to skip.")] = 0,
) -> Paging:
    """The page a list request asks for."""
    return Paging(limit=limit, offset=offset)


PagingDep = Annotated[Paging, Depends(paging)]

_ETAG = re.compile(r'^"v(\d{1,9})"$')


def etag(version: int) -> str:
    """The strong entity tag of a resource at a version."""
    return f'"v{version}"'


async def expected_version(
    if_match: Annotated[
        str | None, Header(description="The ETag you read; a stale one is refused with 412.", max_length=200)
    ] = None,
) -> frozenset[int] | None:
    """The versions an If-Match header names; None when absent or `*` (tags not ours match nothing)."""
    if if_match is None or if_match.strip() == "*":
        return None
    tags = (_ETAG.match(tag.strip()) for tag in if_match.split(","))
    return frozenset(int(match.group(1)) for match in tags if match)


ExpectedVersion = Annotated[frozenset[int] | None, Depends(expected_version)]
