"""Loading the worked example: a council's customer-access programme, driven through the domain's own rules."""

import json
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import SecretStr
from sqlmodel import Session, select

from benefits import cause_models, costs, initiatives, people, pipeline, register
from benefits import finance as finance_module
from benefits.actors import Actor, system_actor
from benefits.models import (
    BenefitCreate,
    CashConfirmationCreate,
    Initiative,
    InitiativeCreate,
    Person,
    PersonCreate,
    ProfileEntryIn,
    Role,
)
from benefits.models.cause_model import ModelIn
from benefits.models.cost import CostLineCreate
from benefits.models.finance import BudgetIn
from benefits.stages import STAGE_ORDER, Stage

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
COUNCIL = EXAMPLES / "council_front_office.json"
LOADER = system_actor("example loader")


@dataclass
class Credentials:
    """People made by a load, with the passwords to print once (None where the operator chose it)."""

    people: list[tuple[Person, str | None]] = field(default_factory=list)


def ensure_first_admin(*, session: Session, name: str, password: str | None) -> tuple[Person, str | None] | None:
    """Make the first admin when there is none; return them with a generated password, or None if one exists."""
    if session.exec(select(Person).where(Person.role == Role.admin)).first() is not None:
        return None
    chosen = password or secrets.token_urlsafe(12)
    admin = people.create_person(
        session=session,
        fields=PersonCreate(name=name, role=Role.admin, password=SecretStr(chosen)),
        actor=LOADER,
    )
    return admin, None if password else chosen


def _make_people(
    *, session: Session, specs: list[dict[str, Any]], password: str | None, made: Credentials
) -> dict[str, Actor]:
    actors = {}
    for spec in specs:
        person = people.find_person(session=session, login=spec["name"])
        if person is None:
            chosen = password or secrets.token_urlsafe(12)
            person = people.create_person(
                session=session,
                fields=PersonCreate.model_validate(spec | {"password": SecretStr(chosen)}),
                actor=LOADER,
            )
            made.people.append((person, None if password else chosen))
        actors[spec["name"]] = Actor(name=person.name, role=Role(person.role), person_id=person.id)
    return actors


def load_example(
    *,
    session: Session,
    path: Path = COUNCIL,
    admin_name: str = "admin",
    admin_password: str | None = None,
    people_password: str | None = None,
) -> Credentials | None:
    """Load the example once, with a first admin and its people; None when it is loaded already."""
    spec: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    fields = InitiativeCreate.model_validate(spec["initiative"])
    if session.exec(select(Initiative).where(Initiative.name == fields.name)).first() is not None:
        return None
    made = Credentials()
    admin = ensure_first_admin(session=session, name=admin_name, password=admin_password)
    if admin is not None:
        made.people.append(admin)
    actors = _make_people(session=session, specs=spec["people"], password=people_password, made=made)
    manager = actors[spec["acting"]["programme_manager"]]
    finance = actors[spec["acting"]["finance"]]
    initiative = initiatives.create_initiative(session=session, fields=fields, actor=manager)
    assert initiative.id is not None
    members = [actors[name].person_id or 0 for name in spec["acting"]["members"]]
    people.set_initiative_members(session=session, initiative_id=initiative.id, person_ids=members, actor=manager)
    if "model" in spec:
        cause_models.replace_model(
            session=session,
            initiative_id=initiative.id,
            fields=ModelIn.model_validate(spec["model"]),
            expected_version=None,
            actor=manager,
        )
    for item in spec["benefits"]:
        _load_benefit(session=session, initiative_id=initiative.id, item=item, manager=manager, finance=finance)
    for cost in spec.get("costs", []):
        costs.create_cost(
            session=session, initiative_id=initiative.id, fields=CostLineCreate.model_validate(cost), actor=manager
        )
    if spec.get("budgets"):
        budgets = [BudgetIn.model_validate(line) for line in spec["budgets"]]
        finance_module.replace_budgets(session=session, budgets=budgets, actor=finance)
    return made


def _load_benefit(
    *, session: Session, initiative_id: int, item: dict[str, Any], manager: Actor, finance: Actor
) -> None:
    benefit = register.create_benefit(
        session=session,
        initiative_id=initiative_id,
        fields=BenefitCreate.model_validate(item["fields"]),
        actor=manager,
    )
    assert benefit.id is not None
    if item["profile"]:
        rows = [ProfileEntryIn.model_validate(row) for row in item["profile"]]
        register.replace_profile(
            session=session, benefit_id=benefit.id, rows=rows, expected_version=None, actor=manager
        )
    for confirmation in item.get("cash_confirmations", []):
        pipeline.confirm_cash(
            session=session,
            benefit_id=benefit.id,
            fields=CashConfirmationCreate.model_validate(confirmation),
            actor=finance,
        )
    # Each stage is reached through its gate, so the example obeys the same rules as users do.
    for stage in STAGE_ORDER[1 : Stage(item["stage"]).rank + 1]:
        pipeline.move_stage(session=session, benefit_id=benefit.id, to=stage, reason="Worked example", actor=manager)
