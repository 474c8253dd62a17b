"""Portfolio speed: a page of 50 of 5,000 initiatives rendered in under 150 ms, and the whole portfolio's totals
within twice one hand-written aggregate over the finance ledger, on both databases."""

import time
from collections import defaultdict
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlmodel import Session, col

from api.app import create_app
from api.deps import get_session
from benefits import ledger, migrate, portfolio
from benefits.appraisal import appraise
from benefits.columns import SCALE, utc_now
from benefits.db import make_engine
from benefits.models import Benefit, Initiative, Role
from benefits.portfolio import OverviewQuery
from tests.benchmarks.timing import best_of
from tests.conftest import FreshDatabase
from tests.support.factories import make_person, make_token

INITIATIVES = 5_000
BENEFITS_EACH = 20
YEARS = 10
PAGE_TARGET = 0.150
TOTALS_RATIO = 2.0
TODAY = date(2026, 11, 23)


def _seed(engine: sa.Engine) -> None:
    """5,000 initiatives of 20 benefits with ten-year profiles: initiatives and benefits in bulk, profiles in one
    statement computed by the database, then the ledger built once from them."""
    now = utc_now()
    routes = ["cash", "capacity", "undecided"]
    stages = ["opportunity", "scoped", "planned", "delivered"]
    with engine.begin() as connection:
        connection.execute(
            sa.insert(Initiative.__table__),  # type: ignore[attr-defined]
            [
                {"name": f"Initiative {i:05d}", "description": "", "owner": f"Owner {i % 40}", "fy_start_month": 4,
                 "granularity": "year", "version": 1, "created_at": now, "updated_at": now, "base_year": "2026-27"}
                for i in range(INITIATIVES)
            ],
        )  # fmt: skip
        ids = [row[0] for row in connection.execute(sa.select(col(Initiative.id)).order_by(col(Initiative.id)))]
        connection.execute(
            sa.insert(Benefit.__table__),  # type: ignore[attr-defined]
            [
                {"initiative_id": owner, "title": f"Benefit {n}", "description": "", "category": "financial",
                 "quantified": True, "is_disbenefit": n % 17 == 0, "route": routes[n % 3], "unit": "GBP",
                 "cost_centre": f"CC{n % 50}", "stage": stages[n % 4], "furthest_stage": stages[n % 4],
                 "measured_as": "change", "withdrawn": False, "evidence": "", "version": 1, "created_at": now,
                 "updated_at": now}
                for n, owner in enumerate(owner for owner in ids for _ in range(BENEFITS_EACH))
            ],
        )  # fmt: skip
        # Ten years a benefit, planned values spread by arithmetic on the ids, actuals for the first year only.
        years = sa.union_all(
            *[sa.select(sa.literal(year).label("n"),
                        sa.literal(f"{2026 + year}-{(2027 + year) % 100:02d}").label("period"))
              for year in range(YEARS)]
        ).subquery("years")  # fmt: skip
        planned = ((col(Benefit.id) * 7919 + years.c.n * 104729) % 10001) * 10000
        actual = sa.case((years.c.n == 0, ((col(Benefit.id) * 31 + 17) % 9001) * 10000), else_=None)
        rows = sa.select(col(Benefit.id), years.c.period, (2026 + years.c.n) * 10, planned, actual).select_from(
            Benefit
        ).join(years, sa.true())  # fmt: skip
        connection.execute(
            sa.insert(sa.table("profile_entry", *[sa.column(name) for name in
                                                  ("benefit_id", "period", "sort_key", "planned", "actual")]))
            .from_select(["benefit_id", "period", "sort_key", "planned", "actual"], rows)
        )  # fmt: skip
        # Bulk rows bypass the ORM, so the finance ledger is built once from them, as the migration would.
        ledger.refresh(connection=connection, benefit_ids=None)
    if engine.dialect.name == "postgresql":
        # What autovacuum does within a minute of a load this size: without statistics the planner scans whole
        # tables where an index finds one initiative's rows.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(sa.text("ANALYZE"))


# The floor: one hand-written aggregate over the ledger that holds every figure the totals need.
HAND_WRITTEN = sa.text(
    "SELECT stage, route, year, SUM(value), "
    "SUM(CASE WHEN route = 'cash' AND starts_month <= :month AND planned > confirmed THEN planned - confirmed "
    "ELSE 0 END) FROM ledger_entry GROUP BY stage, route, year"
)


def _from_the_floor(rows: list[Any]) -> tuple[dict[str, Decimal], ...]:
    """The totals' money worked out by hand from the floor's rows (every initiative's year starts in April)."""
    by_stage: dict[str, Decimal] = defaultdict(Decimal)
    this_year: dict[str, Decimal] = defaultdict(Decimal)
    for stage, route, year, value, risk in rows:
        by_stage[stage] += Decimal(int(value)).scaleb(-SCALE)
        if int(year) == TODAY.year:
            this_year[route] += Decimal(int(value)).scaleb(-SCALE)
        this_year["at risk"] += Decimal(int(risk)).scaleb(-SCALE)
    return by_stage, this_year


@pytest.mark.bench
def test_a_page_of_the_portfolio_and_its_totals(fresh_databases: FreshDatabase, database_kind: str) -> None:
    url = fresh_databases.url()
    migrate.upgrade(url)
    engine = make_engine(url)
    started = time.perf_counter()
    _seed(engine)
    seeded = time.perf_counter() - started
    with Session(engine) as session:
        viewer = make_person(session, role=Role.viewer, name="Portfolio reader")
        token = make_token(session, person=viewer)
        session.commit()

    def sessions() -> Iterator[Session]:
        with Session(engine) as session:
            yield session
            session.commit()

    app = create_app()
    app.dependency_overrides[get_session] = sessions
    client = TestClient(app, cookies={"benefits_session": token})
    first = client.get("/")
    assert first.status_code == 200, first.text
    assert first.text.count('<th scope="row">') == portfolio.PAGE_SIZE and "1\u201350 of 5,000 shown" in first.text
    page = best_of(7, lambda: client.get("/"))
    later = best_of(5, lambda: client.get("/?page=77&sort=owner&order=desc"))
    by_npv = best_of(3, lambda: client.get("/?sort=economic_npv&order=desc"))
    by_cash = best_of(3, lambda: client.get("/?sort=cash_this_year&order=desc"))
    month = TODAY.year * 12 + TODAY.month - 1
    with Session(engine) as session:
        query = OverviewQuery()
        totals = best_of(5, lambda: portfolio.portfolio_totals(session=session, query=query, today=TODAY))
        floor = best_of(5, lambda: session.execute(HAND_WRITTEN, {"month": month}).all())
        found = portfolio.portfolio_totals(session=session, query=query, today=TODAY)
        by_stage, this_year = _from_the_floor(list(session.execute(HAND_WRITTEN, {"month": month})))
        some = session.execute(sa.select(col(Initiative.id)).order_by(col(Initiative.id).desc())).scalars().first()
        appraisal = best_of(7, lambda: appraise(session=session, initiative_id=some or 0))
    engine.dispose()
    print(
        f"\n{database_kind}: {INITIATIVES:,} initiatives, {INITIATIVES * BENEFITS_EACH:,} benefits, {YEARS}-year "
        f"profiles (seeded in {seeded:.1f} s)\n"
        f"  a page of {portfolio.PAGE_SIZE} rendered: {page * 1000:.0f} ms (target < {PAGE_TARGET * 1000:.0f} ms, "
        f"ratio {page / PAGE_TARGET:.2f} of it); page 77 by owner {later * 1000:.0f} ms\n"
        f"  sorted by a computed figure, one aggregate over the portfolio each (not asserted): by economic NPV "
        f"{by_npv * 1000:.0f} ms ({by_npv / floor:.2f} times the floor below), by cash this year "
        f"{by_cash * 1000:.0f} ms ({by_cash / floor:.2f} times)\n"
        f"  the portfolio's totals: {totals * 1000:.0f} ms; one hand-written aggregate over the ledger "
        f"{floor * 1000:.0f} ms; ratio {totals / floor:.2f} (target <= {TOTALS_RATIO})\n"
        f"  one initiative's appraisal among {INITIATIVES:,}: {appraisal * 1000:.1f} ms"
    )
    # The totals are the floor's figures, summed by hand.
    assert found.initiatives == INITIATIVES
    assert [step.value for step in found.funnel] == [by_stage[step.stage] for step in found.funnel]
    assert sum(step.benefits for step in found.funnel) == INITIATIVES * BENEFITS_EACH
    assert (found.cash_this_year, found.capacity_this_year, found.cash_at_risk) == (
        this_year["cash"],
        this_year["capacity"],
        this_year["at risk"],
    )
    assert page < PAGE_TARGET
    assert totals / floor <= TOTALS_RATIO
