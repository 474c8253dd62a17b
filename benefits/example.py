"""Loading the worked example: a council's customer-access programme, driven through the domain's own rules."""

import json
import secrets
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import SecretStr
from sqlmodel import Session, select

from benefits import (
    cause_models,
    confirmations,
    cost_centres,
    costs,
    demand,
    example_demand,
    initiatives,
    measures,
    people,
    pipeline,
    register,
    reviews,
)
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
from benefits.models.finance import BudgetIn, CostCentreCreate
from benefits.models.measure import MeasureCreate, ObservationIn
from benefits.models.review import ReviewCreate
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


def _make_officers(*, session: Session, specs: list[dict[str, Any]]) -> None:
    """The named officers who own benefits and measures but do not sign in: people without a password."""
    for spec in specs:
        if people.find_person(session=session, login=spec["name"]) is None:
            people.create_person(session=session, fields=PersonCreate.model_validate(spec), actor=LOADER)


def _load_cost_centres(*, session: Session, specs: list[dict[str, Any]]) -> None:
    """Put the example's cost centres on the list, leaving any already there as they are."""
    listed = {centre.code for centre in cost_centres.all_cost_centres(session=session)}
    for item in specs:
        fields = CostCentreCreate.model_validate(item)
        if fields.code not in listed:
            cost_centres.create_cost_centre(session=session, fields=fields, actor=LOADER)


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
    _load_cost_centres(session=session, specs=spec.get("cost_centres", []))
    made = Credentials()
    admin = ensure_first_admin(session=session, name=admin_name, password=admin_password)
    if admin is not None:
        made.people.append(admin)
    actors = _make_people(session=session, specs=spec["people"], password=people_password, made=made)
    _make_officers(session=session, specs=spec.get("officers", []))
    manager = actors[spec["acting"]["programme_manager"]]
    finance = actors[spec["acting"]["finance"]]
    initiative = initiatives.create_initiative(session=session, fields=fields, actor=manager)
    assert initiative.id is not None
    members = [actors[name].person_id or 0 for name in spec["acting"]["members"]]
    people.set_initiative_members(session=session, initiative_id=initiative.id, person_ids=members, actor=manager)
    if "model" in spec:
        stored = cause_models.replace_model(
            session=session,
            initiative_id=initiative.id,
            fields=ModelIn.model_validate(spec["model"]),
            expected_version=None,
            actor=manager,
        )
        if isinstance(stored, cause_models.KeptAsDraft):
            raise stored.refusal  # an example whose model has problems must not load as a draft
    loaded = {
        item["fields"]["title"]: _load_benefit(
            session=session, initiative_id=initiative.id, item=item, manager=manager, finance=finance
        )
        for item in spec["benefits"]
    }
    for cost in spec.get("costs", []):
        costs.create_cost(
            session=session, initiative_id=initiative.id, fields=CostLineCreate.model_validate(cost), actor=manager
        )
    if spec.get("budgets"):
        budgets = [BudgetIn.model_validate(line) for line in spec["budgets"]]
        finance_module.replace_budgets(session=session, budgets=budgets, actor=finance)
    example_demand.prepare(session=session, actor=manager)
    _load_measures_and_reviews(
        session=session,
        initiative_id=initiative.id,
        spec=spec,
        loaded=loaded,
        actors={"manager": manager, "finance": finance, "board": actors[spec["acting"]["board"]]},
    )
    # After the October board the model's demand assumptions are bound to the counts: the model's history and the
    # benefits it values show the change from the business case's typed figures.
    example_demand.bind(session=session, initiative_id=initiative.id, actor=manager)
    return made


def _load_measures_and_reviews(
    *, session: Session, initiative_id: int, spec: dict[str, Any], loaded: dict[str, int], actors: dict[str, Actor]
) -> None:
    """The measures and counted demand up to the first review, the first review, what moved and was counted after
    it, then the second review. A measure fed from demand takes its observations from the counts as they arrive."""
    reviews_spec = spec.get("reviews", [])
    first_held = date.fromisoformat(reviews_spec[0]["held_on"]) if reviews_spec else date.max
    manager, finance = actors["manager"], actors["finance"]
    example_demand.load_counts(session=session, actor=manager, through=first_held)
    later: list[tuple[int, list[ObservationIn]]] = []
    fed: list[int] = []
    for item in spec.get("measures", []):
        fields = dict(item["fields"])
        benefit_ids = [loaded[title] for title in fields.pop("benefits", [])]
        measure = measures.create_measure(
            session=session,
            fields=MeasureCreate.model_validate(fields | {"initiative_id": initiative_id, "benefit_ids": benefit_ids}),
            actor=manager,
        )
        if fields["name"] in example_demand.FED_MEASURES:
            example_demand.feed(session=session, measure_id=measure.id or 0, name=fields["name"], actor=manager)
            fed.append(measure.id or 0)
            continue
        rows = [ObservationIn.model_validate(row) for row in item["observations"]]
        early = [row for row in rows if row.date <= first_held]
        measures.record_observations(session=session, measure_id=measure.id or 0, rows=early, actor=manager)
        later.append((measure.id or 0, [row for row in rows if row.date > first_held]))
    if not reviews_spec:
        return
    board = actors["board"]
    held = [ReviewCreate.model_validate(review | {"initiative_id": initiative_id}) for review in reviews_spec]
    reviews.record_review(session=session, fields=held[0], actor=board)
    example_demand.load_counts(session=session, actor=manager, after=first_held)
    for measure_id in fed:
        demand.refresh_measure(session=session, measure_id=measure_id, actor=manager)
    for measure_id, rows in later:
        measures.record_observations(session=session, measure_id=measure_id, rows=rows, actor=manager)
    for item in spec["benefits"]:
        if "first_review" in item:
            _after_first_review(session=session, benefit_id=loaded[item["fields"]["title"]], item=item,
                                manager=manager, finance=finance)  # fmt: skip
    for review in held[1:]:
        reviews.record_review(session=session, fields=review, actor=board)


def _after_first_review(
    *, session: Session, benefit_id: int, item: dict[str, Any], manager: Actor, finance: Actor
) -> None:
    """What moved on a benefit between the two reviews: a re-forecast, money confirmed, stage moves."""
    moved = item["first_review"]
    if "profile" in moved:
        rows = [ProfileEntryIn.model_validate(row) for row in item["profile"]]
        register.replace_profile(session=session, benefit_id=benefit_id, rows=rows, expected_version=None,
                                 actor=manager, reason=moved["reforecast_reason"])  # fmt: skip
    _confirm(session=session, benefit_id=benefit_id, item=item, finance=finance, after_first_review=True)
    for stage in STAGE_ORDER[Stage(moved["stage"]).rank + 1 : Stage(item["stage"]).rank + 1]:
        pipeline.move_stage(session=session, benefit_id=benefit_id, to=stage, reason=moved.get("reason"), actor=manager)


# Finance's confirmations in the example: cash taken out of budgets, and capacity redeployed.
_CONFIRMING = {
    "cash_confirmations": confirmations.confirm_cash,
    "redeployment_confirmations": confirmations.confirm_redeployment,
}


def _confirm(
    *, session: Session, benefit_id: int, item: dict[str, Any], finance: Actor, after_first_review: bool
) -> None:
    """Finance confirms what the example says it confirmed, before or after the first review."""
    for key, confirm in _CONFIRMING.items():
        for spec in item.get(key, []):
            if bool(spec.get("after_first_review")) != after_first_review:
                continue
            fields = CashConfirmationCreate.model_validate({k: v for k, v in spec.items() if k != "after_first_review"})
            confirm(session=session, benefit_id=benefit_id, fields=fields, actor=finance)


def _load_benefit(*, session: Session, initiative_id: int, item: dict[str, Any], manager: Actor, finance: Actor) -> int:
    """A benefit as the first review saw it (or as it ends, when nothing moved after that review); its id."""
    benefit = register.create_benefit(
        session=session,
        initiative_id=initiative_id,
        fields=BenefitCreate.model_validate(item["fields"]),
        actor=manager,
    )
    assert benefit.id is not None
    first = item.get("first_review", {})
    profile = first.get("profile", item["profile"])
    if profile:
        rows = [ProfileEntryIn.model_validate(row) for row in profile]
        register.replace_profile(
            session=session, benefit_id=benefit.id, rows=rows, expected_version=None, actor=manager
        )
    _confirm(session=session, benefit_id=benefit.id, item=item, finance=finance, after_first_review=False)
    # Each stage is reached through its gate, so the example obeys the same rules as users do.
    for stage in STAGE_ORDER[1 : Stage(first.get("stage", item["stage"])).rank + 1]:
        pipeline.move_stage(session=session, benefit_id=benefit.id, to=stage, reason="Worked example", actor=manager)
    return benefit.id
