"""Cost lines of an initiative: adding, reading, changing and deleting them, with their profiles."""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from benefits import audit, cost_centres, listing
from benefits.actors import Actor
from benefits.authz import Action, require
from benefits.columns import quantize
from benefits.errors import InvalidInput, NotFound, Problem
from benefits.initiatives import check_version, get_initiative
from benefits.listing import Page, paginate
from benefits.models import Initiative
from benefits.models.cost import (
    CostAmount,
    CostAmountIn,
    CostAmountRead,
    CostLine,
    CostLineCreate,
    CostLineRead,
    CostLineUpdate,
)
from benefits.periods import Granularity, PeriodError, parse_period_for

ENTITY = "cost_line"


def uplifted(amount: Decimal, optimism_bias: Decimal) -> Decimal:
    """An amount with its optimism-bias uplift."""
    return amount * (1 + optimism_bias)


def get_cost(*, session: Session, cost_id: int) -> CostLine:
    """One cost line, or NotFound."""
    cost = session.get(CostLine, cost_id)
    if cost is None:
        raise NotFound(f"There is no cost line {cost_id}.")
    return cost


def amounts_of(*, session: Session, cost_ids: Sequence[int]) -> dict[int, list[CostAmount]]:
    """The amounts of each cost line, in period order."""
    rows = session.exec(
        select(CostAmount).where(col(CostAmount.cost_line_id).in_(cost_ids)).order_by(col(CostAmount.sort_key))
    ).all()
    found: dict[int, list[CostAmount]] = {cost_id: [] for cost_id in cost_ids}
    for row in rows:
        found[row.cost_line_id].append(row)
    return found


def cost_view(cost: CostLine, amounts: list[CostAmount]) -> CostLineRead:
    """A cost line as clients read it."""
    profile = [
        CostAmountRead(
            period=row.period, amount=row.amount, uplifted=quantize(uplifted(row.amount, cost.optimism_bias))
        )
        for row in amounts
    ]
    total = sum((row.amount for row in amounts), Decimal(0))
    return CostLineRead(
        id=cost.id or 0,
        initiative_id=cost.initiative_id,
        title=cost.title,
        kind=cost.kind,
        cost_centre=cost.cost_centre,
        optimism_bias=cost.optimism_bias,
        version=cost.version,
        profile=profile,
        total=total,
        uplifted_total=quantize(uplifted(total, cost.optimism_bias)),
    )


def list_costs(
    *, session: Session, initiative_id: int, limit: int = 500, offset: int = 0
) -> Page[tuple[CostLine, list[CostAmount]]]:
    """A page of an initiative's cost lines with their amounts, oldest first."""
    get_initiative(session=session, initiative_id=initiative_id)
    statement = select(CostLine).where(CostLine.initiative_id == initiative_id).order_by(col(CostLine.id))
    page = paginate(session=session, statement=statement, limit=limit, offset=offset)
    amounts = amounts_of(session=session, cost_ids=[line.id or 0 for line in page.items])
    return Page(
        items=[(line, amounts[line.id or 0]) for line in page.items],
        total=page.total,
        limit=page.limit,
        offset=page.offset,
    )


def all_costs(*, session: Session, initiative_id: int) -> list[tuple[CostLine, list[CostAmount]]]:
    """Every cost line of an initiative with its amounts."""
    return costs_of(session=session, initiative_ids=[initiative_id])


def costs_of(*, session: Session, initiative_ids: Sequence[int]) -> list[tuple[CostLine, list[CostAmount]]]:
    """Every cost line of the initiatives, each with its amounts (two queries however many initiatives)."""
    wanted = set(initiative_ids)
    if not wanted:
        return []
    which = col(CostLine.initiative_id).in_(wanted) if len(wanted) <= listing.MANY_IDS else sa.true()
    lines = [line for line in session.exec(select(CostLine).where(which).order_by(col(CostLine.id))).all()
             if line.initiative_id in wanted]  # fmt: skip
    amounts: dict[int, list[CostAmount]] = {line.id or 0: [] for line in lines}
    rows = session.exec(
        select(CostAmount)
        .join(CostLine, col(CostLine.id) == col(CostAmount.cost_line_id))
        .where(which)
        .order_by(col(CostAmount.sort_key))
    ).all()
    for row in rows:
        if row.cost_line_id in amounts:
            amounts[row.cost_line_id].append(row)
    return [(line, amounts[line.id or 0]) for line in lines]


def _parsed(rows: Sequence[CostAmountIn], granularity: Granularity) -> list[CostAmount]:
    problems, parsed, seen = [], [], set()
    for index, row in enumerate(rows):
        try:
            period = parse_period_for(row.period.strip(), granularity)
        except PeriodError as error:
            problems.append(Problem(error.code, str(error), f"profile[{index}].period"))
            continue
        if period.label in seen:
            problems.append(Problem("period_repeated", f"{period.label} appears twice.", f"profile[{index}].period"))
            continue
        seen.add(period.label)
        sort_key = period.start_year * 10 + (period.quarter or 0)
        parsed.append(CostAmount(cost_line_id=0, period=period.label, sort_key=sort_key, amount=row.amount))
    if problems:
        raise InvalidInput("The cost profile has rows that cannot be used.", problems)
    return parsed


def _snapshot(cost: CostLine, amounts: list[CostAmount]) -> dict[str, Any]:
    return {
        "title": cost.title,
        "kind": cost.kind,
        "cost_centre": cost.cost_centre,
        "optimism_bias": cost.optimism_bias,
        "profile": {row.period: row.amount for row in amounts},
    }


def _replace_amounts(session: Session, cost: CostLine, amounts: list[CostAmount]) -> list[CostAmount]:
    for row in session.exec(select(CostAmount).where(CostAmount.cost_line_id == cost.id)).all():
        session.delete(row)
    session.flush()
    for row in amounts:
        row.cost_line_id = cost.id or 0
        session.add(row)
    session.flush()
    return amounts


def create_cost(
    *, session: Session, initiative_id: int, fields: CostLineCreate, actor: Actor
) -> tuple[CostLine, list[CostAmount]]:
    """Add a cost line with its profile."""
    initiative: Initiative = get_initiative(session=session, initiative_id=initiative_id)
    require(session=session, actor=actor, action=Action.edit_initiative, initiative_id=initiative_id)
    amounts = _parsed(fields.profile, initiative.granularity)
    cost = CostLine(
        initiative_id=initiative_id,
        title=fields.title,
        kind=fields.kind,
        cost_centre=cost_centres.canonical_code(session=session, code=fields.cost_centre),
        optimism_bias=fields.optimism_bias,
    )
    session.add(cost)
    session.flush()
    _replace_amounts(session, cost, amounts)
    audit.record(
        session=session,
        actor=actor,
        action="created",
        entity=ENTITY,
        entity_id=cost.id or 0,
        initiative_id=initiative_id,
        after=_snapshot(cost, amounts),
    )
    return cost, amounts


def update_cost(
    *, session: Session, cost_id: int, changes: CostLineUpdate, expected_version: frozenset[int] | None, actor: Actor
) -> tuple[CostLine, list[CostAmount]]:
    """Change a cost line; a profile sent replaces the whole profile."""
    cost = get_cost(session=session, cost_id=cost_id)
    require(session=session, actor=actor, action=Action.edit_initiative, initiative_id=cost.initiative_id)
    check_version(current=cost.version, expected=expected_version, what="cost line")
    sent = changes.model_dump(exclude_unset=True)
    for name in ("title", "kind", "optimism_bias", "profile"):
        if name in sent and sent[name] is None:
            raise InvalidInput(f"{name} cannot be null.", [Problem("required", f"{name} cannot be null.", name)])
    if "cost_centre" in sent:
        # A line may keep naming a cost centre made inactive since; a new choice must be active.
        sent["cost_centre"] = cost_centres.canonical_code(
            session=session, code=sent["cost_centre"], allow_inactive=cost.cost_centre
        )
    amounts = amounts_of(session=session, cost_ids=[cost_id])[cost_id]
    before = _snapshot(cost, amounts)
    for name in ("title", "kind", "cost_centre", "optimism_bias"):
        if name in sent:
            setattr(cost, name, sent[name])
    if changes.profile is not None:
        initiative = get_initiative(session=session, initiative_id=cost.initiative_id)
        amounts = _replace_amounts(session, cost, _parsed(changes.profile, initiative.granularity))
    audit.record_update(
        session=session,
        actor=actor,
        row=cost,
        entity=ENTITY,
        entity_id=cost_id,
        initiative_id=cost.initiative_id,
        before=before,
        after=_snapshot(cost, amounts),
    )
    return cost, amounts


def delete_cost(*, session: Session, cost_id: int, expected_version: frozenset[int] | None, actor: Actor) -> None:
    """Delete a cost line; its last state is kept in the trail."""
    cost = get_cost(session=session, cost_id=cost_id)
    require(session=session, actor=actor, action=Action.edit_initiative, initiative_id=cost.initiative_id)
    check_version(current=cost.version, expected=expected_version, what="cost line")
    amounts = amounts_of(session=session, cost_ids=[cost_id])[cost_id]
    audit.record(
        session=session,
        actor=actor,
        action="deleted",
        entity=ENTITY,
        entity_id=cost_id,
        initiative_id=cost.initiative_id,
        before=_snapshot(cost, amounts),
    )
    for row in amounts:
        session.delete(row)
    session.delete(cost)
    session.flush()


@dataclass(frozen=True)
class CostTableLine:
    """A cost line, with its amounts (before the uplift) keyed by period."""

    line: CostLineRead
    by_period: dict[str, Decimal]


@dataclass(frozen=True)
class CostTable:
    """An initiative's cost lines by period, with each period's totals before and after the optimism-bias uplift."""

    periods: list[str]
    lines: list[CostTableLine]
    by_period: dict[str, Decimal]
    uplifted_by_period: dict[str, Decimal]
    total: Decimal
    uplifted_total: Decimal


def cost_table(*, session: Session, initiative_id: int) -> CostTable:
    """Every cost line of an initiative, oldest first, laid out by period with the totals."""
    get_initiative(session=session, initiative_id=initiative_id)
    items = sorted(all_costs(session=session, initiative_id=initiative_id), key=lambda item: item[0].id or 0)
    order = {row.period: row.sort_key for _, amounts in items for row in amounts}
    periods = sorted(order, key=lambda label: order[label])
    by_period = {period: Decimal(0) for period in periods}
    uplifted_by_period = {period: Decimal(0) for period in periods}
    lines = []
    for cost, amounts in items:
        view = cost_view(cost, amounts)
        for row in view.profile:
            by_period[row.period] += row.amount
            uplifted_by_period[row.period] += row.uplifted
        lines.append(CostTableLine(line=view, by_period={row.period: row.amount for row in view.profile}))
    return CostTable(
        periods=periods,
        lines=lines,
        by_period=by_period,
        uplifted_by_period=uplifted_by_period,
        total=sum(by_period.values(), Decimal(0)),
        uplifted_total=sum(uplifted_by_period.values(), Decimal(0)),
    )
