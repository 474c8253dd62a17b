"""The finance ledger: every period of every live financial benefit, with its route, stage and cost centre beside it.

The cash-versus-capacity summary reads this one narrow table instead of joining each profile row to its benefit,
which is what keeps a portfolio summary fast. The ledger is derived data: whenever a flush writes a benefit, a
profile entry, an approved baseline, a cash or redeployment confirmation or an initiative, the entries of the
benefits concerned are rebuilt from their sources in the same transaction. Writes that bypass the ORM's flush
(bulk Core inserts or updates of those tables) must call `refresh` themselves, as the benchmark's bulk loader does.
"""

import json
from collections.abc import Callable, Collection
from itertools import chain
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import UOWTransaction
from sqlmodel import Session, col, func

from benefits.models import (
    ApprovedBaseline,
    Benefit,
    CashConfirmation,
    Initiative,
    LedgerEntry,
    ProfileEntry,
    RedeploymentConfirmation,
)
from benefits.stages import MONEY_UNITS, Category, RealisationRoute

_TOUCHED_BENEFITS = "ledger_benefits"
_TOUCHED_INITIATIVES = "ledger_initiatives"
_SOURCES = (ProfileEntry, ApprovedBaseline, CashConfirmation, RedeploymentConfirmation)
LEDGER: sa.Table = LedgerEntry.__table__  # type: ignore[attr-defined]


def _sort_key(label: Any) -> Any:
    """`2026-27` -> 20260, `2026-27 Q3` -> 20263, as ProfileEntry.sort_key, computed in SQL."""
    quarter = sa.case((func.length(label) > 7, sa.cast(func.substr(label, 10, 1), sa.Integer)), else_=0)
    return sa.cast(func.substr(label, 1, 4), sa.Integer) * 10 + quarter


def counted_as_money() -> Any:
    """A benefit whose unit is money (unset means GBP): only these are summed as money."""
    return sa.or_(col(Benefit.unit).is_(None), func.upper(col(Benefit.unit)).in_(MONEY_UNITS))


Among = Callable[[Any], Any]  # a column -> the condition that its value is one of the benefits concerned


def _among(dialect: sa.Dialect, benefit_ids: Collection[int]) -> Among:
    """A test that a column holds one of these benefit ids, the ids bound as one value (an array, or JSON on SQLite).

    One value however many ids: the statement's text stays short (the driver's work on an IN list of thousands
    was most of a large import's ledger time) and no batching is needed to stay within bound-parameter limits.
    """
    ordered = sorted(benefit_ids)
    if dialect.name == "postgresql":
        array = sa.bindparam("benefit_ids", ordered, type_=postgresql.ARRAY(sa.Integer))
        return lambda column: column == sa.any_(array)
    listed = sa.func.json_each(sa.bindparam("benefit_ids", json.dumps(ordered))).table_valued("value")
    return lambda column: column.in_(sa.select(listed.c.value))


def _entries(among: Among | None) -> sa.Select[Any]:
    """The ledger entries of the benefits `among` admits (all benefits when None), computed from their sources."""

    def keys(model: Any, sort_key: Any) -> Any:
        statement = sa.select(model.benefit_id, model.period, sort_key)
        return statement if among is None else statement.where(among(model.benefit_id))

    # Only the baseline in force counts: earlier versions are kept, but the ledger compares with the current one.
    in_force = (col(Benefit.id) == col(ApprovedBaseline.benefit_id)) & (
        col(Benefit.baseline_version) == col(ApprovedBaseline.version)
    )
    approved_keys = sa.select(
        col(ApprovedBaseline.benefit_id), col(ApprovedBaseline.period), col(ApprovedBaseline.sort_key)
    ).join(Benefit, in_force)
    if among is not None:
        approved_keys = approved_keys.where(among(col(ApprovedBaseline.benefit_id)))
    periods = sa.union(
        keys(ProfileEntry, ProfileEntry.sort_key),
        approved_keys,
        keys(CashConfirmation, _sort_key(CashConfirmation.period)),
        keys(RedeploymentConfirmation, _sort_key(RedeploymentConfirmation.period)),
    ).subquery("periods")
    raw = sa.BigInteger

    def confirmed_by_period(model: Any, name: str) -> Any:
        return (
            sa.select(
                col(model.benefit_id),
                col(model.period),
                func.sum(sa.type_coerce(model.amount, raw)).label("amount"),
            )
            .group_by(col(model.benefit_id), col(model.period))
            .subquery(name)
        )

    confirmed = confirmed_by_period(CashConfirmation, "confirmed")
    redeployed = confirmed_by_period(RedeploymentConfirmation, "redeployed")
    sign = sa.case((col(Benefit.is_disbenefit), -1), else_=1)
    planned = sa.type_coerce(ProfileEntry.planned, raw)
    actual = sa.type_coerce(ProfileEntry.actual, raw)
    key = sa.type_coerce(periods.c.sort_key, sa.Integer)
    year = key // 10
    quarter = key % 10
    route = sa.type_coerce(col(Benefit.route), sa.String)
    return (
        sa.select(
            periods.c.benefit_id,
            col(Benefit.initiative_id),
            periods.c.period,
            year,
            # Quarter n of a year that starts in month m starts in month m + 3(n - 1).
            year * 12 + col(Initiative.fy_start_month) - 1 + sa.case((quarter > 0, (quarter - 1) * 3), else_=0),
            func.coalesce(route, RealisationRoute.undecided.value),
            sa.type_coerce(col(Benefit.stage), sa.String),
            sa.case((route == RealisationRoute.cash.value, col(Benefit.cost_centre)), else_=None),
            sign * func.coalesce(actual, planned, 0),
            sign * func.coalesce(planned, 0),
            sign * sa.type_coerce(ApprovedBaseline.planned, raw),
            func.coalesce(confirmed.c.amount, 0),
            func.coalesce(redeployed.c.amount, 0),
            sa.case((func.row_number().over(partition_by=(periods.c.benefit_id, year), order_by=key) == 1, 1), else_=0),
        )
        .select_from(periods)
        .join(Benefit, col(Benefit.id) == periods.c.benefit_id)
        .join(Initiative, col(Initiative.id) == col(Benefit.initiative_id))
        .outerjoin(
            ProfileEntry,
            (col(ProfileEntry.benefit_id) == periods.c.benefit_id) & (col(ProfileEntry.period) == periods.c.period),
        )
        .outerjoin(
            ApprovedBaseline,
            (col(ApprovedBaseline.benefit_id) == periods.c.benefit_id)
            & (col(ApprovedBaseline.period) == periods.c.period)
            & (col(ApprovedBaseline.version) == col(Benefit.baseline_version)),
        )
        .outerjoin(
            confirmed, (confirmed.c.benefit_id == periods.c.benefit_id) & (confirmed.c.period == periods.c.period)
        )
        .outerjoin(
            redeployed, (redeployed.c.benefit_id == periods.c.benefit_id) & (redeployed.c.period == periods.c.period)
        )
        .where(col(Benefit.category) == Category.financial, col(Benefit.withdrawn).is_(False), counted_as_money())
    )


_COLUMNS = [
    "benefit_id",
    "initiative_id",
    "period",
    "year",
    "starts_month",
    "route",
    "stage",
    "cost_centre",
    "value",
    "planned",
    "approved",
    "confirmed",
    "redeployed",
    "first_of_year",
]


def refresh(*, connection: sa.Connection, benefit_ids: Collection[int] | None) -> None:
    """Rebuild the entries of these benefits (of every benefit when None) from their sources."""
    if benefit_ids is not None and not benefit_ids:
        return
    among = None if benefit_ids is None else _among(connection.dialect, benefit_ids)
    delete = sa.delete(LEDGER)
    if among is not None:
        delete = delete.where(among(LEDGER.c.benefit_id))
    connection.execute(delete)
    connection.execute(sa.insert(LEDGER).from_select(_COLUMNS, _entries(among)))


def rebuild(*, session: Session) -> None:
    """Rebuild the whole ledger, after rows were written in bulk without the ORM."""
    refresh(connection=session.connection(), benefit_ids=None)


def _identity(instance: object) -> int | None:
    identity = sa.inspect(instance).identity
    return int(identity[0]) if identity else None


@sa.event.listens_for(OrmSession, "after_flush")
def _note_touched(session: OrmSession, _context: UOWTransaction) -> None:
    """Note which benefits (and initiatives) this flush wrote; their entries are rebuilt once it ends."""
    benefits: set[int] = session.info.setdefault(_TOUCHED_BENEFITS, set())
    initiatives: set[int] = session.info.setdefault(_TOUCHED_INITIATIVES, set())
    for instance in chain(session.new, session.dirty, session.deleted):
        if isinstance(instance, Benefit):
            benefit_id = _identity(instance)
            if benefit_id is not None:
                benefits.add(benefit_id)
        elif isinstance(instance, _SOURCES):
            # The loaded value, so a deleted row's benefit is known without a load.
            benefit_id = sa.inspect(instance).dict.get("benefit_id")
            if benefit_id is not None:
                benefits.add(int(benefit_id))
        elif isinstance(instance, Initiative) and instance not in session.new:
            # Only the financial year's start month moves an initiative's periods; other edits leave them be.
            initiative_id = _identity(instance)
            if initiative_id is not None and sa.inspect(instance).attrs.fy_start_month.history.has_changes():
                initiatives.add(initiative_id)


@sa.event.listens_for(OrmSession, "after_flush_postexec")
def _keep_ledger(session: OrmSession, _context: UOWTransaction) -> None:
    """Rebuild the entries of the benefits the flush wrote, in the same transaction."""
    benefits: set[int] = session.info.pop(_TOUCHED_BENEFITS, set())
    initiatives: set[int] = session.info.pop(_TOUCHED_INITIATIVES, set())
    connection = session.connection()
    if initiatives:
        # A new financial-year start month moves when each of the initiative's periods starts.
        # Locked, so a concurrent change to one of them cannot rebuild the same entries at the same time.
        of_initiatives = sa.select(col(Benefit.id)).where(col(Benefit.initiative_id).in_(initiatives)).with_for_update()
        benefits |= {int(benefit_id) for benefit_id in connection.execute(of_initiatives).scalars() if benefit_id}
    refresh(connection=connection, benefit_ids=sorted(benefits))
