"""Moving benefits through the four stages, finance confirmations, and the history of each benefit."""

from sqlmodel import Session, col, select

from benefits import audit
from benefits.actors import Actor
from benefits.authz import Action, require
from benefits.columns import utc_now
from benefits.errors import Conflict, GateNotMet, InvalidInput, Problem
from benefits.initiatives import check_version
from benefits.listing import Page, paginate
from benefits.models import ApprovedBaseline, AuditEvent, Benefit, CashConfirmation, CashConfirmationCreate
from benefits.periods import PeriodError, parse_period_for
from benefits.register import ENTITY, gate_facts, get_benefit, key_figures
from benefits.stages import RealisationRoute, Stage, unmet_requirements


def move_stage(
    *,
    session: Session,
    benefit_id: int,
    to: Stage,
    reason: str | None,
    actor: Actor,
    expected_version: frozenset[int] | None = None,
) -> Benefit:
    """Move a benefit one stage forward if its gate is met, or back any number of stages with a reason."""
    benefit = get_benefit(session=session, benefit_id=benefit_id, for_update=True)
    require(session=session, actor=actor, action=Action.edit_initiative, initiative_id=benefit.initiative_id)
    check_version(current=benefit.version, expected=expected_version, what="benefit")
    current = Stage(benefit.stage)
    if benefit.withdrawn:
        raise Conflict(
            "This benefit was withdrawn; it can no longer move.",
            [Problem("benefit_withdrawn", benefit.withdrawn_reason or "Withdrawn.")],
        )
    if to == current:
        raise Conflict(f"The benefit is already {to.value}.", [Problem("same_stage", f"Already {to.value}.", "to")])
    reason = (reason or "").strip() or None
    if to.rank > current.rank:
        if to.rank > current.rank + 1:
            step = current.next
            assert step is not None
            raise Conflict(
                f"Stages are not skipped: move from {current.value} to {step.value} first.",
                [Problem("stage_skipped", f"The next stage is {step.value}.", "to")],
            )
        problems = unmet_requirements(gate_facts(benefit), to)
        if problems:
            raise GateNotMet(f"The benefit does not yet meet the bar for {to.value}.", problems)
    elif reason is None:
        raise InvalidInput(
            "A move back needs a reason.",
            [Problem("reason_required", "Say why the benefit moves back.", "reason")],
        )
    benefit.stage, benefit.updated_at = to, utc_now()
    if to.rank > Stage(benefit.furthest_stage).rank:
        benefit.furthest_stage = to
    if to is Stage.planned and to.rank > current.rank:
        # Approval happens on the way up; moving back from delivered keeps the approved baseline.
        _approve_baseline(session=session, benefit=benefit)
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        action="stage_moved",
        entity=ENTITY,
        entity_id=benefit_id,
        initiative_id=benefit.initiative_id,
        before={"stage": current},
        after={"stage": to},
        context={"figures": key_figures(benefit)},
        reason=reason,
    )
    return benefit


def _approve_baseline(*, session: Session, benefit: Benefit) -> None:
    """Freeze the profile's planned values as the approved baseline; re-forecasts never change it."""
    for row in session.exec(select(ApprovedBaseline).where(ApprovedBaseline.benefit_id == benefit.id)).all():
        session.delete(row)
    session.flush()
    for entry in benefit.profile:
        session.add(
            ApprovedBaseline(
                benefit_id=benefit.id or 0, period=entry.period, sort_key=entry.sort_key, planned=entry.planned
            )
        )
    session.flush()


def confirm_cash(
    *, session: Session, benefit_id: int, fields: CashConfirmationCreate, actor: Actor
) -> CashConfirmation:
    """Record finance's confirmation that a cash-releasing benefit's budget went down for a period."""
    benefit = get_benefit(session=session, benefit_id=benefit_id, for_update=True)
    require(session=session, actor=actor, action=Action.confirm_cash, initiative_id=benefit.initiative_id)
    if benefit.withdrawn:
        raise Conflict(
            "This benefit was withdrawn; it takes no more confirmations.",
            [Problem("benefit_withdrawn", benefit.withdrawn_reason or "Withdrawn.")],
        )
    if benefit.route != RealisationRoute.cash:
        raise Conflict(
            "Only a cash-releasing benefit takes finance confirmations.",
            [Problem("not_cash", "Set the route to cash first.", "route")],
        )
    try:
        period = parse_period_for(fields.period.strip(), benefit.initiative.granularity)
    except PeriodError as error:
        raise InvalidInput(str(error), [Problem("period_invalid", str(error), "period")]) from error
    if fields.amount <= 0:
        raise InvalidInput(
            "A confirmed budget reduction is a positive amount.",
            [Problem("amount_not_positive", "Give the amount taken out of the budget.", "amount")],
        )
    confirmation = CashConfirmation(
        benefit_id=benefit_id,
        period=period.label,
        amount=fields.amount,
        confirmed_by=actor.name,
        note=fields.note,
    )
    benefit.cash_confirmations.append(confirmation)
    benefit.updated_at = utc_now()  # the benefit's gate changes, so its ETag must too
    session.flush()
    assert confirmation.id is not None
    audit.record(
        session=session,
        actor=actor,
        action="cash_confirmed",
        entity=ENTITY,
        entity_id=benefit_id,
        initiative_id=benefit.initiative_id,
        after={"period": period.label, "amount": fields.amount, "cost_centre": benefit.cost_centre},
        context={"confirmation_id": confirmation.id},
        reason=fields.note or None,
    )
    return confirmation


def list_cash_confirmations(
    *, session: Session, benefit_id: int, limit: int = 500, offset: int = 0
) -> Page[CashConfirmation]:
    """A page of a benefit's finance confirmations, oldest first."""
    get_benefit(session=session, benefit_id=benefit_id)
    statement = (
        select(CashConfirmation).where(CashConfirmation.benefit_id == benefit_id).order_by(col(CashConfirmation.id))
    )
    return paginate(session=session, statement=statement, limit=limit, offset=offset)


def benefit_history(*, session: Session, benefit_id: int, limit: int = 500, offset: int = 0) -> Page[AuditEvent]:
    """A page of a benefit's moves and changes, oldest first."""
    get_benefit(session=session, benefit_id=benefit_id)
    statement = audit.events_about(ENTITY, benefit_id)
    return paginate(session=session, statement=statement, limit=limit, offset=offset)
