"""Moving benefits through the four stages, and the history of each benefit."""

from sqlmodel import Session

from benefits import audit, baselines
from benefits.actors import Actor
from benefits.authz import Action, require
from benefits.columns import utc_now
from benefits.errors import Conflict, GateNotMet, Problem
from benefits.initiatives import check_version
from benefits.listing import Page, paginate
from benefits.models import AuditEvent, Benefit
from benefits.register import ENTITY, gate_facts, get_benefit, key_figures
from benefits.stages import Stage, unmet_requirements


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
        # Whether a reason is needed depends on the stage the benefit is at now: a conflict, as a skip is.
        raise Conflict(
            "A move back needs a reason.",
            [Problem("reason_required", "Say why the benefit moves back.", "reason")],
        )
    benefit.stage, benefit.updated_at = to, utc_now()
    if to.rank > Stage(benefit.furthest_stage).rank:
        benefit.furthest_stage = to
    approved = None
    if to is Stage.planned and to.rank > current.rank:
        # The first approval freezes baseline 1; moving back and up again keeps the baseline approved then.
        approved = baselines.approve_first(session=session, benefit=benefit, actor=actor)
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
        context={"figures": key_figures(benefit)}
        | ({"baseline_approved": approved.version} if approved is not None else {}),
        reason=reason,
    )
    return get_benefit(session=session, benefit_id=benefit_id)


def benefit_history(*, session: Session, benefit_id: int, limit: int = 500, offset: int = 0) -> Page[AuditEvent]:
    """A page of a benefit's moves and changes, oldest first."""
    get_benefit(session=session, benefit_id=benefit_id)
    statement = audit.events_about(ENTITY, benefit_id)
    return paginate(session=session, statement=statement, limit=limit, offset=offset)
