"""Finance speed: the portfolio cash-versus-capacity summary and one initiative's appraisal, on both databases."""

import random
import time
from datetime import date

import pytest
import sqlalchemy as sa
from sqlmodel import Session, col

from benefits import ledger, migrate
from benefits.appraisal import appraise
from benefits.columns import utc_now
from benefits.db import make_engine
from benefits.finance import cash_capacity_summary
from benefits.models import Benefit, Initiative, ProfileEntry
from tests.benchmarks.timing import best_of
from tests.conftest import FreshDatabase

INITIATIVES = 1_000
BENEFITS = 20_000
YEARS = 10
SUMMARY_TARGET = 0.300
SUMMARY_RATIO = 3.0
APPRAISAL_TARGET = 0.050
APPRAISAL_BENEFITS = 200


def _seed(engine: sa.Engine) -> int:
    """1,000 initiatives with 20,000 benefits and ten-year profiles, written in bulk; returns a 200-benefit one."""
    rng = random.Random(1)
    now = utc_now()
    with engine.begin() as connection:
        connection.execute(
            sa.insert(Initiative.__table__),  # type: ignore[attr-defined]
            [
                {"name": f"Initiative {i}", "description": "", "fy_start_month": 4, "granularity": "year",
                 "version": 1, "created_at": now, "updated_at": now, "base_year": "2026-27"}
                for i in range(INITIATIVES)
            ],
        )  # fmt: skip
        ids = [row[0] for row in connection.execute(sa.select(col(Initiative.id)).order_by(col(Initiative.id)))]
        big = int(ids[0] or 0)
        owners = [big] * APPRAISAL_BENEFITS + [
            ids[1 + i % (INITIATIVES - 1)] for i in range(BENEFITS - APPRAISAL_BENEFITS)
        ]
        routes = ["cash", "capacity", "undecided"]
        stages = ["opportunity", "scoped", "planned", "delivered"]
        connection.execute(
            sa.insert(Benefit.__table__),  # type: ignore[attr-defined]
            [
                {"initiative_id": owner, "title": f"Benefit {n}", "description": "", "category": "financial",
                 "quantified": True, "is_disbenefit": n % 17 == 0, "route": routes[n % 3],
                 "cost_centre": f"CC{n % 50}", "stage": stages[n % 4], "furthest_stage": stages[n % 4],
                 "withdrawn": False, "evidence": "", "version": 1, "created_at": now, "updated_at": now}
                for n, owner in enumerate(owners)
            ],
        )  # fmt: skip
        benefit_ids = [row[0] for row in connection.execute(sa.select(col(Benefit.id)))]
        rows = []
        for benefit_id in benefit_ids:
            for year in range(YEARS):
                start = 2026 + year
                actual = rng.randint(0, 9_000) * 10_000 if year < 1 else None  # one year of actuals
                planned = rng.randint(0, 10_000) * 10_000  # stored as whole ten-thousandths
                period = f"{start}-{(start + 1) % 100:02d}"
                rows.append(
                    {"benefit_id": benefit_id, "period": period, "sort_key": start * 10, "planned": planned,
                     "actual": actual}
                )  # fmt: skip
        connection.execute(sa.insert(ProfileEntry.__table__), rows)  # type: ignore[attr-defined]
        # Bulk rows bypass the ORM, so the finance ledger is built once from them, as the migration would.
        ledger.refresh(connection=connection, benefit_ids=None)
    return big


# The floor: one hand-written aggregate over the table the summary reads.
HAND_WRITTEN = sa.text("SELECT route, year, SUM(value) FROM ledger_entry GROUP BY route, year")
# For scale: the same totals straight from the profiles, which is what the summary would cost without the ledger.
FROM_PROFILES = sa.text(
    "SELECT b.route, substr(p.period, 1, 7) AS year, "
    "SUM(CASE WHEN b.is_disbenefit THEN -1 ELSE 1 END * COALESCE(p.actual, p.planned)) "
    "FROM benefit b JOIN profile_entry p ON p.benefit_id = b.id "
    "WHERE b.category = 'financial' AND NOT b.withdrawn GROUP BY b.route, substr(p.period, 1, 7)"
)


@pytest.mark.bench
def test_portfolio_summary_and_appraisal_speed(fresh_databases: FreshDatabase, database_kind: str) -> None:
    url = fresh_databases.url()
    migrate.upgrade(url)
    engine = make_engine(url)
    started = time.perf_counter()
    big = _seed(engine)
    seeded = time.perf_counter() - started
    with Session(engine) as session:
        summary = best_of(5, lambda: cash_capacity_summary(session=session, today=date(2026, 11, 23)))
        floor = best_of(5, lambda: session.execute(HAND_WRITTEN).all())
        joined = best_of(5, lambda: session.execute(FROM_PROFILES).all())
        appraisal = best_of(7, lambda: appraise(session=session, initiative_id=big))
        years = cash_capacity_summary(session=session, today=date(2026, 11, 23)).years
    engine.dispose()
    print(
        f"\n{database_kind}: {INITIATIVES:,} initiatives, {BENEFITS:,} benefits, {YEARS}-year profiles (seeded in "
        f"{seeded:.1f} s): summary {summary * 1000:.0f} ms (target < {SUMMARY_TARGET * 1000:.0f} ms), one hand-written "
        f"aggregate over the ledger {floor * 1000:.0f} ms, ratio {summary / floor:.2f} (target <= {SUMMARY_RATIO}), "
        f"the same aggregate joined from the profiles {joined * 1000:.0f} ms; appraisal of a "
        f"{APPRAISAL_BENEFITS}-benefit initiative {appraisal * 1000:.1f} ms (target < {APPRAISAL_TARGET * 1000:.0f} ms)"
    )
    assert len(years) == YEARS
    assert summary < SUMMARY_TARGET
    assert summary / floor <= SUMMARY_RATIO
    assert appraisal < APPRAISAL_TARGET
