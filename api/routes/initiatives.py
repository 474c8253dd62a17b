"""Initiatives and the benefits registered under them."""

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from api.deps import SIGNED_IN, ActorDep, ExpectedVersion, PagingDep, ResourceId, SessionDep, etag
from api.problems import PROBLEM_RESPONSES
from api.schemas import PageRead, page_read, written_json
from benefits import initiatives, people, register
from benefits.columns import ShortText
from benefits.models import (
    BenefitCreate,
    BenefitRead,
    InitiativeCreate,
    InitiativeRead,
    InitiativeUpdate,
    MembersUpdate,
)
from benefits.models.demand import ReferenceCode
from benefits.stages import Category, RealisationRoute, Stage

router = APIRouter(
    prefix="/api/v1/initiatives", tags=["initiatives"], responses=PROBLEM_RESPONSES, dependencies=SIGNED_IN
)

Filter = Annotated[ShortText | None, Query(max_length=200)]


@router.post("", status_code=status.HTTP_201_CREATED, response_model=InitiativeRead)
def create_initiative(
    fields: InitiativeCreate, session: SessionDep, actor: ActorDep, response: Response
) -> InitiativeRead:
    """Create an initiative."""
    initiative = initiatives.create_initiative(session=session, fields=fields, actor=actor)
    response.headers["ETag"] = etag(initiative.version)
    response.headers["Location"] = f"{router.prefix}/{initiative.id}"
    return InitiativeRead.model_validate(initiative)


@router.get("", response_model=PageRead[InitiativeRead])
def list_initiatives(
    session: SessionDep, paging: PagingDep, owner: Filter = None, q: Filter = None
) -> PageRead[InitiativeRead]:
    """List initiatives, filtered by owner or a word in the name."""
    page = initiatives.list_initiatives(
        session=session, limit=paging.limit, offset=paging.offset, owner=owner, search=q
    )
    return page_read(page, InitiativeRead.model_validate)


@router.get("/{initiative_id}", response_model=InitiativeRead)
def get_initiative(initiative_id: ResourceId, session: SessionDep, response: Response) -> InitiativeRead:
    """Read one initiative."""
    initiative = initiatives.get_initiative(session=session, initiative_id=initiative_id)
    response.headers["ETag"] = etag(initiative.version)
    return InitiativeRead.model_validate(initiative)


@router.patch("/{initiative_id}", response_model=InitiativeRead)
def update_initiative(
    initiative_id: ResourceId,
    changes: InitiativeUpdate,
    session: SessionDep,
    actor: ActorDep,
    expected: ExpectedVersion,
    response: Response,
) -> InitiativeRead:
    """Change an initiative's fields; send If-Match with the ETag you read."""
    initiative = initiatives.update_initiative(
        session=session, initiative_id=initiative_id, changes=changes, expected_version=expected, actor=actor
    )
    response.headers["ETag"] = etag(initiative.version)
    return InitiativeRead.model_validate(initiative)


@router.delete("/{initiative_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_initiative(
    initiative_id: ResourceId, session: SessionDep, actor: ActorDep, expected: ExpectedVersion
) -> None:
    """Delete an initiative whose benefits are all still opportunities."""
    initiatives.delete_initiative(session=session, initiative_id=initiative_id, expected_version=expected, actor=actor)


@router.post("/{initiative_id}/benefits", status_code=status.HTTP_201_CREATED, response_model=BenefitRead)
def create_benefit(
    initiative_id: ResourceId, fields: BenefitCreate, session: SessionDep, actor: ActorDep, response: Response
) -> BenefitRead:
    """Add a benefit to the register; it starts at the opportunity stage."""
    benefit = register.create_benefit(session=session, initiative_id=initiative_id, fields=fields, actor=actor)
    response.headers["ETag"] = etag(benefit.version)
    response.headers["Location"] = f"/api/v1/benefits/{benefit.id}"
    return register.benefit_view(benefit)


@router.get("/{initiative_id}/benefits", response_model=PageRead[BenefitRead])
def list_benefits(
    initiative_id: ResourceId,
    session: SessionDep,
    paging: PagingDep,
    stage: Stage | None = None,
    route: RealisationRoute | None = None,
    owner: Filter = None,
    category: Category | None = None,
    withdrawn: bool | None = None,
    segment: Annotated[
        list[ReferenceCode],
        Query(max_length=50, description="Customer segment codes: only benefits tagged with any of them (who gains)."),
    ] = [],  # noqa: B006
) -> Response:
    """List an initiative's benefits, filtered by stage, route, owner, category, withdrawal or who gains."""
    page = register.list_benefits(
        session=session,
        initiative_id=initiative_id,
        limit=paging.limit,
        offset=paging.offset,
        stage=stage,
        route=route,
        owner=owner,
        category=category,
        withdrawn=withdrawn,
        segments=segment,
    )
    return written_json(page_read(page, register.benefit_view))


@router.get("/{initiative_id}/members", response_model=MembersUpdate)
def initiative_members(initiative_id: ResourceId, session: SessionDep) -> MembersUpdate:
    """The people who may edit the initiative beside its owner."""
    return MembersUpdate(person_ids=people.initiative_members(session=session, initiative_id=initiative_id))


@router.put("/{initiative_id}/members", response_model=MembersUpdate)
def set_initiative_members(
    initiative_id: ResourceId, members: MembersUpdate, session: SessionDep, actor: ActorDep
) -> MembersUpdate:
    """Make exactly these people members of the initiative (its owner, or an admin)."""
    person_ids = people.set_initiative_members(
        session=session, initiative_id=initiative_id, person_ids=members.person_ids, actor=actor
    )
    return MembersUpdate(person_ids=person_ids)
