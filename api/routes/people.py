"""People: a directory every signed-in person reads, that only an admin changes."""

from fastapi import APIRouter, Response, status

from api.deps import SIGNED_IN, ActorDep, ExpectedVersion, PagingDep, ResourceId, SessionDep, etag
from api.methods import not_an_id
from api.problems import PROBLEM_RESPONSES
from api.schemas import PageRead, page_read
from benefits import people
from benefits.models import PersonCreate, PersonRead, PersonUpdate, Role

router = APIRouter(prefix="/api/v1/users", tags=["people"], responses=PROBLEM_RESPONSES, dependencies=SIGNED_IN)
not_an_id(router, "/me", ["PATCH"])


@router.post("", status_code=status.HTTP_201_CREATED, response_model=PersonRead)
def create_person(fields: PersonCreate, session: SessionDep, actor: ActorDep, response: Response) -> PersonRead:
    """Add a person or integration account (admin)."""
    person = people.create_person(session=session, fields=fields, actor=actor)
    response.headers["ETag"] = etag(person.version)
    response.headers["Location"] = f"{router.prefix}/{person.id}"
    return PersonRead.model_validate(person)


@router.get("", response_model=PageRead[PersonRead])
def list_people(session: SessionDep, paging: PagingDep, role: Role | None = None) -> PageRead[PersonRead]:
    """List people, optionally of one role."""
    page = people.list_people(session=session, limit=paging.limit, offset=paging.offset, role=role)
    return page_read(page, PersonRead.model_validate)


@router.get("/me", response_model=PersonRead)
def who_am_i(session: SessionDep, actor: ActorDep, response: Response) -> PersonRead:
    """The person the token stands for."""
    person = people.get_person(session=session, person_id=actor.person_id or 0)
    response.headers["ETag"] = etag(person.version)
    return PersonRead.model_validate(person)


@router.get("/{person_id}", response_model=PersonRead)
def get_person(person_id: ResourceId, session: SessionDep, response: Response) -> PersonRead:
    """Read one person."""
    person = people.get_person(session=session, person_id=person_id)
    response.headers["ETag"] = etag(person.version)
    return PersonRead.model_validate(person)


@router.patch("/{person_id}", response_model=PersonRead)
def update_person(
    person_id: ResourceId,
    changes: PersonUpdate,
    session: SessionDep,
    actor: ActorDep,
    expected: ExpectedVersion,
    response: Response,
) -> PersonRead:
    """Change a person's name, e-mail, role, active flag or password (admin)."""
    person = people.update_person(
        session=session, person_id=person_id, changes=changes, expected_version=expected, actor=actor
    )
    response.headers["ETag"] = etag(person.version)
    return PersonRead.model_validate(person)
