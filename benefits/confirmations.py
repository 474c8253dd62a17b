"""Finance's confirmations, an append-only ledger: cash taken out of a budget, and capacity redeployed.

Nothing here is ever changed or deleted. A mistaken confirmation is corrected by a reversing entry of the opposite
amount that names the entry it corrects and says why; a benefit's confirmed money is the sum of its entries.
A confirmation is checked against the benefit's profile: a period outside it, or an amount beyond the period's
forecast (its actual where recorded, its plan otherwise) less what already stands confirmed, is refused unless
finance gives an override reason, which is kept with the entry and shown wherever it is.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast

from sqlmodel import Session, col, select

from benefits import audit, register
from benefits.actors import Actor
from benefits.appraisal import penny
from benefits.authz import Action, require
from benefits.columns import utc_now
from benefits.errors import Conflict, InvalidInput, NotFound, Problem
from benefits.listing import Page, paginate
from benefits.models import Benefit, CashConfirmation, CashConfirmationCreate, RedeploymentConfirmation
from benefits.models.benefit import CashConfirmationRead, RedeploymentConfirmationRead
from benefits.periods import PeriodError, parse_period_for
from benefits.register import ENTITY, get_benefit
from benefits.stages import RealisationRoute

Entry = CashConfirmation | RedeploymentConfirmation


@dataclass(frozen=True)
class Kind:
    """One of the two ledgers: what it confirms, for which route, and who may write to it."""

    name: str
    model: type[CashConfirmation] | type[RedeploymentConfirmation]
    route: RealisationRoute
    action: Action
    confirmed: str  # the audit action of a confirmation
    reversed: str  # the audit action of a reversal
    what: str  # how the refusals speak of it
    which: str  # the benefits that take it


CASH = Kind(
    name="cash",
    model=CashConfirmation,
    route=RealisationRoute.cash,
    action=Action.confirm_cash,
    confirmed="cash_confirmed",
    reversed="cash_confirmation_reversed",
    what="cash taken out of the budget",
    which="cash-releasing benefit",
)
REDEPLOYMENT = Kind(
    name="redeployment",
    model=RedeploymentConfirmation,
    route=RealisationRoute.capacity,
    action=Action.confirm_redeployment,
    confirmed="redeployment_confirmed",
    reversed="redeployment_confirmation_reversed",
    what="capacity redeployed",
    which="capacity benefit",
)


def _entries(benefit: Benefit, kind: Kind) -> Sequence[Entry]:
    return benefit.cash_confirmations if kind is CASH else benefit.redeployment_confirmations


def _confirmed_in(benefit: Benefit, kind: Kind, period: str) -> Decimal:
    return sum((entry.amount for entry in _entries(benefit, kind) if entry.period == period), Decimal(0))


def _pounds(amount: Decimal) -> str:
    return f"£{penny(amount):,.2f}"


def _checks(benefit: Benefit, kind: Kind, period: str, amount: Decimal) -> list[Problem]:
    """What makes a confirmation doubtful: a period outside the profile, or more than its forecast allows."""
    entry = next((row for row in benefit.profile if row.period == period), None)
    if entry is None or (entry.planned is None and entry.actual is None):
        profiled = ", ".join(row.period for row in benefit.profile) or "none"
        return [
            Problem(
                "period_outside_profile",
                f"{period} is not in the benefit's profile (its periods: {profiled}); profile it first, "
                "or give an override reason.",
                "period",
            )
        ]
    forecast = entry.actual if entry.actual is not None else entry.planned or Decimal(0)
    already = _confirmed_in(benefit, kind, period)
    if already + amount > forecast:
        basis = "recorded as actual" if entry.actual is not None else "planned"
        room = max(forecast - already, Decimal(0))
        return [
            Problem(
                "confirmation_beyond_forecast",
                f"{_pounds(forecast)} is {basis} for {period} and {_pounds(already)} is already confirmed, so at "
                f"most {_pounds(room)} more can be; re-forecast first, or give an override reason.",
                "amount",
            )
        ]
    return []


def confirm(*, session: Session, benefit_id: int, fields: CashConfirmationCreate, actor: Actor, kind: Kind) -> Entry:
    """Record a confirmation for one period of a cash (or capacity) benefit, after checking it against the profile."""
    benefit = get_benefit(session=session, benefit_id=benefit_id, for_update=True)
    require(session=session, actor=actor, action=kind.action, initiative_id=benefit.initiative_id)
    if benefit.withdrawn:
        raise Conflict(
            "This benefit was withdrawn; it takes no more confirmations.",
            [Problem("benefit_withdrawn", benefit.withdrawn_reason or "Withdrawn.")],
        )
    if benefit.route != kind.route:
        raise Conflict(
            f"Only a {kind.which} takes confirmations of {kind.what}.",
            [
                Problem(
                    f"not_{kind.route.value}",
                    f"The benefit's route is {benefit.route}; confirm on a "
                    f"{kind.route.value} benefit, or have finance change the route first.",
                    "route",
                )
            ],
        )
    try:
        period = parse_period_for(fields.period.strip(), benefit.initiative.granularity)
    except PeriodError as error:
        raise InvalidInput(str(error), [Problem(error.code, str(error), "period")]) from error
    if fields.amount <= 0:
        raise InvalidInput(
            "A confirmation is a positive amount; to correct one, reverse it.",
            [Problem("amount_not_positive", f"Give the amount of {kind.what}.", "amount")],
        )
    override = (fields.override_reason or "").strip() or None
    doubts = _checks(benefit, kind, period.label, fields.amount)
    if doubts and override is None:
        raise Conflict("The confirmation does not match the benefit's profile.", doubts, code="confirmation_refused")
    extra: dict[str, Any] = {"redeployment": benefit.redeployment or ""} if kind is REDEPLOYMENT else {}
    entry = kind.model(
        benefit_id=benefit_id,
        period=period.label,
        amount=fields.amount,
        confirmed_by=actor.name,
        note=fields.note,
        override_reason=override,  # kept whenever given: what finance wrote is never dropped
        **extra,
    )
    session.add(entry)
    benefit.updated_at = utc_now()  # the benefit's gate changes, so its ETag must too
    session.flush()
    assert entry.id is not None
    audit.record(
        session=session,
        actor=actor,
        action=kind.confirmed,
        entity=ENTITY,
        entity_id=benefit_id,
        initiative_id=benefit.initiative_id,
        after={"period": period.label, "amount": fields.amount, "cost_centre": benefit.cost_centre, **extra},
        context={
            "confirmation_id": entry.id,
            "override_reason": entry.override_reason,
            "doubts": [problem.code for problem in doubts],
        },
        reason=fields.note or None,
    )
    session.expire(benefit, ["cash_confirmations", "redeployment_confirmations"])
    return entry


def confirm_cash(*, session: Session, benefit_id: int, fields: CashConfirmationCreate, actor: Actor) -> Entry:
    """Record finance's confirmation that a cash-releasing benefit's budget went down for a period."""
    return confirm(session=session, benefit_id=benefit_id, fields=fields, actor=actor, kind=CASH)


def confirm_redeployment(*, session: Session, benefit_id: int, fields: CashConfirmationCreate, actor: Actor) -> Entry:
    """Record finance's confirmation that a capacity benefit's released resource went where it says, for a period."""
    return confirm(session=session, benefit_id=benefit_id, fields=fields, actor=actor, kind=REDEPLOYMENT)


def reverse(*, session: Session, confirmation_id: int, reason: str, actor: Actor, kind: Kind) -> Entry:
    """Correct a confirmation with a reversing entry that names it and says why; the original stays."""
    original = cast(Entry | None, session.get(kind.model, confirmation_id))
    if original is None:
        raise NotFound(f"There is no {kind.name} confirmation {confirmation_id}.")
    benefit = get_benefit(session=session, benefit_id=original.benefit_id, for_update=True)
    require(session=session, actor=actor, action=kind.action, initiative_id=benefit.initiative_id)
    if original.corrects_id is not None:
        raise Conflict(
            "This entry is itself a reversal; confirm the amount again instead.",
            [Problem("reversal_not_reversible", f"It reverses entry {original.corrects_id}.", "confirmation_id")],
        )
    already = cast(
        Entry | None, session.exec(select(kind.model).where(col(kind.model.corrects_id) == confirmation_id)).first()
    )
    if already is not None:
        raise Conflict(
            "This confirmation has already been reversed.",
            [
                Problem(
                    "already_reversed",
                    f"Entry {already.id} reversed it on {already.confirmed_at:%Y-%m-%d}.",
                    "confirmation_id",
                )
            ],
        )
    why = reason.strip()
    if not why:
        raise InvalidInput(
            "Say why the confirmation is reversed.", [Problem("reason_required", "Give a reason.", "reason")]
        )
    extra: dict[str, Any] = {"redeployment": getattr(original, "redeployment", "")} if kind is REDEPLOYMENT else {}
    entry = kind.model(
        benefit_id=original.benefit_id,
        period=original.period,
        amount=-original.amount,
        confirmed_by=actor.name,
        note=why,
        corrects_id=confirmation_id,
        **extra,
    )
    session.add(entry)
    benefit.updated_at = utc_now()
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        action=kind.reversed,
        entity=ENTITY,
        entity_id=original.benefit_id,
        initiative_id=benefit.initiative_id,
        before={"period": original.period, "amount": original.amount},
        after={"period": original.period, "amount": Decimal(0)},
        context={"confirmation_id": entry.id, "corrects_id": confirmation_id},
        reason=why,
    )
    session.expire(benefit, ["cash_confirmations", "redeployment_confirmations"])
    benefit = get_benefit(session=session, benefit_id=original.benefit_id)
    register.step_back_until_confirmed(
        session=session, benefit=benefit, actor=actor, reason=f"Confirmation {confirmation_id} reversed: {why}"
    )
    return entry


def reverse_cash(*, session: Session, confirmation_id: int, reason: str, actor: Actor) -> Entry:
    """Reverse a cash confirmation, with the reason."""
    return reverse(session=session, confirmation_id=confirmation_id, reason=reason, actor=actor, kind=CASH)


def reverse_redeployment(*, session: Session, confirmation_id: int, reason: str, actor: Actor) -> Entry:
    """Reverse a redeployment confirmation, with the reason."""
    return reverse(session=session, confirmation_id=confirmation_id, reason=reason, actor=actor, kind=REDEPLOYMENT)


def _page(*, session: Session, benefit_id: int, kind: Kind, limit: int, offset: int) -> Page[Entry]:
    get_benefit(session=session, benefit_id=benefit_id)
    model = kind.model
    statement = select(model).where(model.benefit_id == benefit_id).order_by(col(model.id))
    return paginate(session=session, statement=statement, limit=limit, offset=offset)


def views(*, session: Session, entries: Sequence[Entry], kind: Kind) -> list[CashConfirmationRead]:
    """Entries as the API returns them, each with the entry that reversed it, where one did."""
    model = kind.model
    ids = [entry.id for entry in entries if entry.id is not None]
    reversals = (
        dict(session.exec(select(model.corrects_id, model.id).where(col(model.corrects_id).in_(ids))).all())
        if ids
        else {}
    )
    read = CashConfirmationRead if kind is CASH else RedeploymentConfirmationRead
    return [read.model_validate(entry, update={"reversed_by_id": reversals.get(entry.id)}) for entry in entries]


def list_cash_confirmations(
    *, session: Session, benefit_id: int, limit: int = 500, offset: int = 0
) -> Page[CashConfirmationRead]:
    """A page of a benefit's cash confirmations and reversals, oldest first."""
    page = _page(session=session, benefit_id=benefit_id, kind=CASH, limit=limit, offset=offset)
    return Page(
        items=views(session=session, entries=page.items, kind=CASH), total=page.total, limit=limit, offset=offset
    )


def list_redeployment_confirmations(
    *, session: Session, benefit_id: int, limit: int = 500, offset: int = 0
) -> Page[CashConfirmationRead]:
    """A page of a benefit's redeployment confirmations and reversals, oldest first."""
    page = _page(session=session, benefit_id=benefit_id, kind=REDEPLOYMENT, limit=limit, offset=offset)
    return Page(
        items=views(session=session, entries=page.items, kind=REDEPLOYMENT),
        total=page.total,
        limit=limit,
        offset=offset,
    )
