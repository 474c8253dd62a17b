"""Who may do what: one rule per action, applied by the domain so every surface shares it."""

from enum import StrEnum

from sqlmodel import Session, select

from benefits.actors import Actor
from benefits.errors import Forbidden, NotFound
from benefits.models import Initiative, InitiativeMember, Role


class Action(StrEnum):
    """Things a person does that their role must allow; reading is open to every signed-in person."""

    create_initiative = "create_initiative"
    edit_initiative = "edit_initiative"  # the initiative, its register, profiles, stages and members
    decide_route = "decide_route"  # a benefit's realisation route, cost centre and redeployment
    confirm_cash = "confirm_cash"  # finance's confirmation that a budget went down, and reversing one
    confirm_redeployment = "confirm_redeployment"  # that released capacity went where planned, and reversing one
    decide_approved_route = "decide_approved_route"  # the route of a benefit past planned: finance's decision
    rebaseline = "rebaseline"  # approve a new baseline version, or decline a request for one
    request_rebaseline = "request_rebaseline"  # ask for a re-baseline, with a reason
    manage_people = "manage_people"  # people, and tokens of others
    read_audit = "read_audit"
    set_appraisal = "set_appraisal"  # the portfolio's stage weights and default discount schedule
    set_budgets = "set_budgets"  # cost-centre budgets by year
    manage_cost_centres = "manage_cost_centres"  # the list of cost centres budgets and claims name
    record_review = "record_review"  # a board review of an initiative (or, not for programme managers, the portfolio)
    read_all_work = "read_all_work"  # what is due across the portfolio, by person and initiative
    manage_demand = "manage_demand"  # the demand reference lists, contact counts and costs per contact


RULES: dict[Action, frozenset[Role]] = {
    Action.create_initiative: frozenset({Role.admin, Role.programme_manager}),
    Action.edit_initiative: frozenset({Role.admin, Role.programme_manager}),
    Action.decide_route: frozenset({Role.admin, Role.programme_manager, Role.finance}),
    Action.confirm_cash: frozenset({Role.admin, Role.finance}),
    Action.confirm_redeployment: frozenset({Role.admin, Role.finance}),
    Action.decide_approved_route: frozenset({Role.admin, Role.finance}),
    Action.rebaseline: frozenset({Role.admin, Role.finance, Role.board}),
    Action.request_rebaseline: frozenset({Role.admin, Role.programme_manager}),
    Action.manage_people: frozenset({Role.admin}),
    Action.read_audit: frozenset({Role.admin, Role.finance, Role.board}),
    Action.set_appraisal: frozenset({Role.admin, Role.finance}),
    Action.set_budgets: frozenset({Role.admin, Role.finance}),
    Action.manage_cost_centres: frozenset({Role.admin, Role.finance}),
    Action.record_review: frozenset({Role.admin, Role.board, Role.programme_manager}),
    Action.read_all_work: frozenset({Role.admin, Role.board}),
    Action.manage_demand: frozenset({Role.admin, Role.programme_manager, Role.finance}),
}

# A programme manager does these only in initiatives they own or are a member of.
SCOPED_FOR_PROGRAMME_MANAGERS = frozenset(
    {Action.edit_initiative, Action.decide_route, Action.record_review, Action.request_rebaseline}
)


def is_member(*, session: Session, person_id: int, initiative_id: int) -> bool:
    """Whether the person owns the initiative or is one of its members."""
    initiative = session.get(Initiative, initiative_id)
    if initiative is None:
        raise NotFound(f"There is no initiative {initiative_id}.")
    if initiative.owner_id == person_id:
        return True
    membership = session.exec(
        select(InitiativeMember).where(
            InitiativeMember.initiative_id == initiative_id, InitiativeMember.person_id == person_id
        )
    ).first()
    return membership is not None


def allowed(*, session: Session, actor: Actor, action: Action, initiative_id: int | None = None) -> bool:
    """Whether the actor may take the action (in the initiative, where it concerns one)."""
    if actor.role not in RULES[action]:
        return False
    if actor.role is Role.programme_manager and action in SCOPED_FOR_PROGRAMME_MANAGERS:
        if initiative_id is None or actor.person_id is None:
            return False
        return is_member(session=session, person_id=actor.person_id, initiative_id=initiative_id)
    return True


def require(*, session: Session, actor: Actor, action: Action, initiative_id: int | None = None) -> None:
    """Refuse with Forbidden unless the actor may take the action."""
    if not allowed(session=session, actor=actor, action=action, initiative_id=initiative_id):
        where = f" in initiative {initiative_id}" if initiative_id is not None else ""
        raise Forbidden(f"A {actor.role.value.replace('_', ' ')} may not {action.value.replace('_', ' ')}{where}.")
