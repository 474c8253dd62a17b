"""API tokens: anyone manages their own, an admin anyone's; and signing in and out with a password."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, status
from fastapi.responses import JSONResponse

from api.deps import MAX_ID, SIGNED_IN, ActorDep, PagingDep, ResourceId, SessionDep, UnitsOfWorkDep, bearer_token
from api.problems import PROBLEM_RESPONSES
from api.refusal_problems import refusal_problem
from api.schemas import PageRead, page_read
from benefits import people
from benefits.models import ApiTokenCreate, ApiTokenCreated, ApiTokenRead, SignIn

router = APIRouter(prefix="/api/v1/tokens", tags=["tokens"], responses=PROBLEM_RESPONSES, dependencies=SIGNED_IN)
auth_router = APIRouter(prefix="/api/v1/auth", tags=["tokens"], responses=PROBLEM_RESPONSES)


def _created(issued: people.IssuedToken) -> ApiTokenCreated:
    listed = ApiTokenRead.model_validate(issued.record, from_attributes=True)
    return ApiTokenCreated(**listed.model_dump(), token=issued.token)


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ApiTokenCreated)
def create_token(fields: ApiTokenCreate, session: SessionDep, actor: ActorDep) -> ApiTokenCreated:
    """Make a token (for yourself, or as an admin for anyone); the token is in this answer only."""
    return _created(people.create_token(session=session, fields=fields, actor=actor))


@router.get("", response_model=PageRead[ApiTokenRead])
def list_tokens(
    session: SessionDep,
    actor: ActorDep,
    paging: PagingDep,
    person_id: Annotated[int | None, Query(ge=1, le=MAX_ID, description="Whose tokens (admin).")] = None,
) -> PageRead[ApiTokenRead]:
    """List tokens, never the tokens themselves: your own, or (admin) anyone's."""
    page = people.list_tokens(
        session=session, actor=actor, person_id=person_id, limit=paging.limit, offset=paging.offset
    )
    return page_read(page, lambda record: ApiTokenRead.model_validate(record, from_attributes=True))


@router.delete("/{token_id}", response_model=ApiTokenRead)
def revoke_token(token_id: ResourceId, session: SessionDep, actor: ActorDep) -> ApiTokenRead:
    """Revoke a token for good: your own, or (admin) anyone's."""
    record = people.revoke_token(session=session, token_id=token_id, actor=actor)
    return ApiTokenRead.model_validate(record, from_attributes=True)


@auth_router.post(
    "/token",
    status_code=status.HTTP_201_CREATED,
    response_model=ApiTokenCreated,
    responses={429: PROBLEM_RESPONSES[422] | {"description": "Too many failed sign-ins"}},
)
def sign_in(
    credentials: SignIn, request: Request, session: SessionDep, units: UnitsOfWorkDep
) -> ApiTokenCreated | JSONResponse:
    """Sign in with name or e-mail and password; answered with a token that expires. With passwords kept here
    switched off (BENEFITS_LOCAL_PASSWORDS=false), only the break-glass admin may: others get a 403."""
    with units.standing() as refusing:  # a refusal is kept in the audit trail
        refused = people.local_password_refusal(session=refusing, login=credentials.login)
    if refused is not None:
        return refusal_problem(request, refused)
    limits = people.sign_in_limits()
    address = request.client.host if request.client else "unknown"
    # The attempt is counted in a unit of work of its own, so parallel guesses see it, and the slow password
    # check then runs with no transaction open.
    with units.standing() as counting:
        pending = people.start_sign_in(session=counting, login=credentials.login, address=address, limits=limits)
    if pending.throttled is not None:
        return refusal_problem(request, pending.throttled, headers={"Retry-After": str(pending.throttled.retry_after)})
    password = credentials.password.get_secret_value()
    matched = people.password_matches(pending, password)
    # A wrong password raises Unauthenticated: the request's unit of work then has nothing to keep, as the
    # attempt already stands as failed.
    issued = people.finish_sign_in(
        session=session,
        pending=pending,
        password=password,
        matched=matched,
        expires_in_days=credentials.expires_in_days,
    )
    return _created(issued)


@auth_router.delete("/token", status_code=status.HTTP_204_NO_CONTENT)
def sign_out(token: Annotated[str, Depends(bearer_token)], session: SessionDep, actor: ActorDep) -> None:
    """Sign out: revoke the token this request carries."""
    people.sign_out(session=session, token=token, actor=actor)
