"""Factories: plain functions with defaults that make domain objects through the domain's own functions."""

from datetime import date
from decimal import Decimal
from typing import Any

from pydantic import SecretStr
from sqlmodel import Session

from benefits import confirmations, cost_centres, initiatives, people, pipeline, register
from benefits.actors import Actor
from benefits.errors import NotFound
from benefits.models import (
    ApiTokenCreate,
    Benefit,
    BenefitCreate,
    CashConfirmationCreate,
    CostCentre,
    Initiative,
    InitiativeCreate,
    Person,
    PersonCreate,
    ProfileEntryIn,
    Role,
)
from benefits.models.finance import CostCentreCreate, CostCentreUpdate
from benefits.stages import STAGE_ORDER, Stage

TESTER = Actor(name="tester", role=Role.admin)
_people_made = 0

READY_FOR_PLANNED: dict[str, Any] = {
    "owner": "Alex Owner",
    "category": "financial",
    "estimate_low": Decimal("80"),
    "estimate_likely": Decimal("100"),
    "estimate_high": Decimal("130"),
    "baseline_value": Decimal("0"),
    "baseline_date": date(2026, 3, 31),
    "target_value": Decimal("100"),
    "target_date": date(2028, 3, 31),
    "route": "capacity",
    "redeployment": "Casework",
}


def make_person(
    session: Session, *, role: Role = Role.admin, name: str | None = None, password: str | None = None
) -> Person:
    """A person of the role, with a unique name unless one is given."""
    global _people_made
    _people_made += 1
    fields = PersonCreate(
        name=name or f"{role.value} {_people_made}",
        role=role,
        password=SecretStr(password) if password else None,
    )
    return people.create_person(session=session, fields=fields, actor=TESTER)


def make_token(session: Session, *, person: Person, expires_in_days: int | None = None) -> str:
    """A fresh API token for the person."""
    assert person.id is not None
    issued = people.create_token(
        session=session,
        fields=ApiTokenCreate(person_id=person.id, name="test", expires_in_days=expires_in_days),
        actor=TESTER,
    )
    return issued.token


def actor_of(person: Person) -> Actor:
    """The actor a person's token stands for."""
    return Actor(name=person.name, role=Role(person.role), person_id=person.id)


def make_owner(session: Session, name: str) -> Person:
    """The person a typed owner names: found by name or e-mail, or made as a named officer without a sign-in."""
    found = people.find_person(session=session, login=name)
    if found is not None:
        return found
    return people.create_person(session=session, fields=PersonCreate(name=name, role=Role.viewer), actor=TESTER)


def make_initiative(session: Session, *, name: str = "Front office", **fields: Any) -> Initiative:
    """An initiative with sensible defaults; an owner or sponsor named by text is made a person if need be."""
    for field in ("owner", "sponsor"):
        if fields.get(field):
            make_owner(session, fields[field])
    return initiatives.create_initiative(session=session, fields=InitiativeCreate(name=name, **fields), actor=TESTER)


def make_benefit(
    session: Session,
    *,
    initiative: Initiative,
    stage: Stage = Stage.opportunity,
    title: str = "Calls avoided",
    **fields: Any,
) -> Benefit:
    """A benefit moved through the gates to `stage`, with whatever those gates need filled in."""
    assert initiative.id is not None
    values = dict(READY_FOR_PLANNED) if stage.rank >= Stage.scoped.rank else {}
    if stage is Stage.delivered:
        values["evidence"] = "Call logs"
    values.update(fields)
    if values.get("owner"):
        make_owner(session, values["owner"])
    benefit = register.create_benefit(
        session=session,
        initiative_id=initiative.id,
        fields=BenefitCreate(title=title, **values),
        actor=TESTER,
    )
    assert benefit.id is not None
    if stage.rank >= Stage.planned.rank:
        rows = [ProfileEntryIn(period="2026-27", planned=Decimal("50"), actual=Decimal("45"))]
        rows.append(ProfileEntryIn(period="2027-28", planned=Decimal("100")))
        register.replace_profile(session=session, benefit_id=benefit.id, rows=rows, expected_version=None, actor=TESTER)
    for step in STAGE_ORDER[1 : stage.rank + 1]:
        if step is Stage.delivered and benefit.route == "capacity" and not benefit.is_disbenefit:
            # Finance confirms the first year's capacity went where the benefit says, as the gate asks.
            confirmations.confirm_redeployment(
                session=session,
                benefit_id=benefit.id,
                fields=CashConfirmationCreate(period="2026-27", amount=Decimal("45")),
                actor=TESTER,
            )
        pipeline.move_stage(session=session, benefit_id=benefit.id, to=step, reason=None, actor=TESTER)
    return register.get_benefit(session=session, benefit_id=benefit.id)


def make_cost_centre(
    session: Session, *, code: str = "CS100", name: str | None = None, active: bool = True
) -> CostCentre:
    """A cost centre on the list (the one listed under that code already, if any), made active or inactive."""
    try:
        centre = cost_centres.get_cost_centre(session=session, code=code)
    except NotFound:
        fields = CostCentreCreate(code=code, name=name or f"Cost centre {code.upper()}", budget_holder="Budget Holder")
        centre = cost_centres.create_cost_centre(session=session, fields=fields, actor=TESTER)
    if centre.active != active:
        centre = cost_centres.update_cost_centre(
            session=session, code=code, changes=CostCentreUpdate(active=active), expected_version=None, actor=TESTER
        )
    return centre
