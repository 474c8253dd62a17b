"""Creating, reading, changing and deleting initiatives; all their queries live here."""

from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from benefits import audit, owners
from benefits.actors import Actor
from benefits.authz import Action, require
from benefits.errors import Conflict, Forbidden, InvalidInput, NotFound, Problem, StaleVersion
from benefits.listing import Page
from benefits.models import (
    Benefit,
    Initiative,
    InitiativeCreate,
    InitiativeMember,
    InitiativeUpdate,
    ProfileEntry,
    Role,
)

ENTITY = "initiative"


def _snapshot(initiative: Initiative) -> dict[str, Any]:
    return initiative.model_dump(include=set(InitiativeUpdate.model_fields))


def _check_dates(initiative: Initiative) -> None:
    if initiative.start_date and initiative.end_date and initiative.end_date < initiative.start_date:
        raise InvalidInput(
            "The end date is before the start date.",
            [Problem("end_before_start", "The end date must not be before the start date.", "end_date")],
        )


def check_version(*, current: int, expected: frozenset[int] | None, what: str) -> None:
    """Refuse a change made from a stale read (`expected`: the versions the caller's If-Match names)."""
    if expected is not None and current not in expected:
        seen = ", ".join(str(version) for version in sorted(expected)) or "none"
        raise StaleVersion(f"The {what} is at version {current}; you changed version {seen}. Reload and retry.")


def get_initiative(*, session: Session, initiative_id: int) -> Initiative:
    """One initiative, or NotFound."""
    initiative = session.get(Initiative, initiative_id)
    if initiative is None:
        raise NotFound(f"There is no initiative {initiative_id}.")
    return initiative


class InitiativeName(NamedTuple):
    """An initiative's id and name, for a list to choose from."""

    id: int
    name: str


def initiative_names(*, session: Session) -> list[InitiativeName]:
    """Every initiative's id and name, by name: all of them, however many (a choice must offer each)."""
    rows = session.execute(sa.select(col(Initiative.id), col(Initiative.name)).order_by(col(Initiative.name)))
    return [InitiativeName(int(initiative_id), name) for initiative_id, name in rows]


def list_initiatives(
    *, session: Session, limit: int, offset: int, owner: str | None = None, search: str | None = None
) -> Page[Initiative]:
    """A page of initiatives by id, filtered by owner and by a word in the name."""
    conditions = []
    if owner is not None:
        conditions.append(col(Initiative.owner) == owner)
    if search:
        conditions.append(func.lower(col(Initiative.name)).contains(search.lower(), autoescape=True))
    total = session.exec(select(func.count()).select_from(Initiative).where(*conditions)).one()
    items = session.exec(
        select(Initiative).where(*conditions).order_by(col(Initiative.id)).limit(limit).offset(offset)
    ).all()
    return Page(items=list(items), total=total, limit=limit, offset=offset)


def create_initiative(*, session: Session, fields: InitiativeCreate, actor: Actor) -> Initiative:
    """Add an initiative and record who did; a programme manager owns what they create."""
    require(session=session, actor=actor, action=Action.create_initiative)
    initiative = Initiative.model_validate(fields)
    if initiative.owner_id is None:
        _, initiative.owner_id = owners.named_pair(session=session, named=initiative.owner, field="owner")
    if actor.role is not Role.admin:
        if initiative.owner_id not in (None, actor.person_id):
            raise Forbidden(
                "Only an admin creates an initiative for someone else.",
                [Problem("owner_not_self", "Leave owner_id out, or give your own id.", "owner_id")],
            )
        initiative.owner_id = actor.person_id
    initiative.owner, initiative.owner_id = owners.id_pair(
        session=session, person_id=initiative.owner_id, field="owner_id"
    )
    initiative.sponsor, initiative.sponsor_id = owners.chosen(
        session=session,
        named=initiative.sponsor,
        person_id=initiative.sponsor_id,
        name_field="sponsor",
        id_field="sponsor_id",
    )
    _check_dates(initiative)
    session.add(initiative)
    session.flush()
    assert initiative.id is not None
    audit.record(
        session=session,
        actor=actor,
        action="created",
        entity=ENTITY,
        entity_id=initiative.id,
        initiative_id=initiative.id,
        after=_snapshot(initiative),
    )
    return initiative


def update_initiative(
    *,
    session: Session,
    initiative_id: int,
    changes: InitiativeUpdate,
    expected_version: frozenset[int] | None,
    actor: Actor,
) -> Initiative:
    """Change the fields sent, if the caller saw the current version; record before and after."""
    initiative = get_initiative(session=session, initiative_id=initiative_id)
    require(session=session, actor=actor, action=Action.edit_initiative, initiative_id=initiative_id)
    check_version(current=initiative.version, expected=expected_version, what="initiative")
    sent = changes.model_dump(exclude_unset=True)
    owners.fill(session=session, sent=sent, name_field="owner", id_field="owner_id")
    owners.fill(session=session, sent=sent, name_field="sponsor", id_field="sponsor_id")
    if (
        "owner_id" in sent
        and sent["owner_id"] != initiative.owner_id
        and actor.role is not Role.admin
        and actor.person_id != initiative.owner_id
    ):
        raise Forbidden(
            "Only the owner or an admin hands an initiative to someone else.",
            [Problem("owner_change_refused", "You do not own this initiative.", "owner_id")],
        )
    for name in ("name", "description", "fy_start_month", "granularity"):
        if name in sent and sent[name] is None:
            raise InvalidInput(f"{name} cannot be emptied.", [Problem("required", f"{name} cannot be null.", name)])
    before = _snapshot(initiative)
    for name, value in sent.items():
        setattr(initiative, name, value)
    _check_dates(initiative)
    if "granularity" in sent and sent["granularity"] != before["granularity"]:
        _refuse_granularity_change(session=session, initiative_id=initiative_id)
    audit.record_update(
        session=session,
        actor=actor,
        row=initiative,
        entity=ENTITY,
        entity_id=initiative_id,
        initiative_id=initiative_id,
        before=before,
        after=_snapshot(initiative),
    )
    return initiative


def _refuse_granularity_change(*, session: Session, initiative_id: int) -> None:
    # Profiles are written in the initiative's periods; changing them under existing profiles would orphan them.
    has_profiles = session.exec(
        select(func.count())
        .select_from(ProfileEntry)
        .join(Benefit, col(ProfileEntry.benefit_id) == col(Benefit.id))
        .where(Benefit.initiative_id == initiative_id)
    ).one()
    if has_profiles:
        raise Conflict(
            "Benefits already have profiles in this initiative's periods; clear them before changing granularity.",
            [Problem("granularity_in_use", "Profiles exist in the current periods.", "granularity")],
        )


def delete_initiative(
    *, session: Session, initiative_id: int, expected_version: frozenset[int] | None, actor: Actor
) -> None:
    """Delete an initiative whose benefits are all still opportunities; otherwise history would be lost."""
    initiative = get_initiative(session=session, initiative_id=initiative_id)
    require(session=session, actor=actor, action=Action.edit_initiative, initiative_id=initiative_id)
    check_version(current=initiative.version, expected=expected_version, what="initiative")
    from benefits import register  # imported here: the register imports this module

    # Lock the benefits, so none can move on between this check and the delete (PostgreSQL re-reads them).
    benefits = session.exec(
        select(Benefit)
        .where(Benefit.initiative_id == initiative_id)
        .options(*register.loaded_relations())
        .order_by(col(Benefit.id))
        .with_for_update(of=Benefit)
        .execution_options(populate_existing=True)
    ).all()
    from benefits.models import Measure, Observation, Review

    records = session.exec(select(Review.id).where(Review.initiative_id == initiative_id)).first() or session.exec(
        select(Observation.id).join(Measure, col(Measure.id) == col(Observation.measure_id))
        .where(Measure.initiative_id == initiative_id)
    ).first()  # fmt: skip
    if records is not None:
        raise Conflict(
            "This initiative has board reviews or measured observations; they are its record, so it is kept.",
            [Problem("delete_refused", "board reviews and observations are never deleted", None)],
        )
    kept = [benefit for benefit in benefits if register.deletion_refusal(benefit) is not None]
    if kept:
        raise Conflict(
            f"{len(kept)} of this initiative's benefits have left the opportunity stage or hold confirmed cash; "
            "withdraw them instead so their history stays whole.",
            [Problem("delete_refused", register.deletion_refusal(b) or "", f"benefits[{b.id}]") for b in kept],
        )
    for benefit in benefits:
        register.record_deletion(session=session, benefit=benefit, actor=actor)
    members = session.exec(
        select(InitiativeMember.person_id).where(InitiativeMember.initiative_id == initiative_id)
    ).all()
    audit.record(
        session=session,
        actor=actor,
        action="deleted",
        entity=ENTITY,
        entity_id=initiative_id,
        initiative_id=initiative_id,
        before=_snapshot(initiative) | {"members": sorted(members)},
    )
    session.delete(initiative)
    session.flush()
