"""One initiative's appraisal, and a page of the portfolio, read only their own initiatives' rows: every statement
they run finds its rows through an index, never by scanning a table the whole portfolio fills (SQLite's plans)."""

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from benefits import appraisal, costs, listing, portfolio
from benefits.example import load_example
from benefits.models.cost import CostAmountIn, CostKind, CostLineCreate
from benefits.portfolio import OverviewQuery
from benefits.stages import Stage
from tests.support.factories import TESTER, make_benefit, make_cost_centre, make_initiative

# The tables that grow with the portfolio: a statement may look rows up in them, never read them through.
GROWING = ("initiative", "benefit", "profile_entry", "approved_baseline", "cost_line", "cost_amount", "ledger_entry",
           "measure", "observation", "person")  # fmt: skip
FULL_SCAN = re.compile(rf"^SCAN ({'|'.join(GROWING)})\b")


@contextmanager
def _statements(session: Session) -> Iterator[list[tuple[str, Any]]]:
    """The statements (and their parameters) the session runs inside the block."""
    seen: list[tuple[str, Any]] = []
    connection = session.connection()

    def note(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        seen.append((statement, parameters))

    sa.event.listen(connection, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        sa.event.remove(connection, "before_cursor_execute", note)


def _full_scans(session: Session, work: Callable[[], object]) -> list[str]:
    """Each table a statement of `work` reads from end to end, with the statement's start."""
    with _statements(session) as seen:
        work()
    assert seen
    raw = session.connection().connection.dbapi_connection
    assert raw is not None
    found = []
    for statement, parameters in seen:
        for _, _, _, detail in raw.execute("EXPLAIN QUERY PLAN " + statement, parameters).fetchall():
            if FULL_SCAN.match(detail):
                found.append(f"{detail}: {statement[:120]}")
    return found


@pytest.fixture
def portfolio_of_three(session: Session, database_kind: str) -> Session:
    """The worked example beside two initiatives with benefits, profiles and costs of their own."""
    if database_kind != "sqlite":
        pytest.skip("PostgreSQL's planner scans small tables whole by choice; SQLite's plans show the indexes used")
    load_example(session=session)
    make_cost_centre(session, code="CS9")
    for name in ("Second", "Third"):
        initiative = make_initiative(session, name=name, base_year="2026-27")
        assert initiative.id is not None
        make_benefit(session, initiative=initiative, stage=Stage.planned, category="financial", unit="GBP",
                     route="cash", cost_centre="CS9")  # fmt: skip
        costs.create_cost(session=session, initiative_id=initiative.id, actor=TESTER, fields=CostLineCreate(
            title="Build", kind=CostKind.capital, optimism_bias=Decimal("0.1"),
            profile=[CostAmountIn(period="2026-27", amount=Decimal(100))]))  # fmt: skip
    return session


def test_one_initiative_s_appraisal_reads_only_its_own_rows(portfolio_of_three: Session) -> None:
    session = portfolio_of_three
    third = next(i for i in portfolio.portfolio_overview(session=session) if i.name == "Third")
    assert _full_scans(session, lambda: appraisal.appraise(session=session, initiative_id=third.id)) == []
    assert (
        _full_scans(session, lambda: appraisal.appraise(session=session, initiative_id=third.id, weighted=True)) == []
    )


def test_a_page_of_the_portfolio_reads_only_its_own_initiatives_rows(portfolio_of_three: Session) -> None:
    session = portfolio_of_three
    # The initiatives themselves are counted and sorted whole: that is the page's one pass over the portfolio.
    # Everything read for the page's rows (benefits, profiles, ledger, costs, measures) goes through an index.
    query = OverviewQuery()
    scans = _full_scans(session, lambda: portfolio.overview_page(session=session, query=query, size=2))
    assert [scan for scan in scans if not scan.startswith(("SCAN initiative", "SCAN person"))] == []


def test_the_check_finds_a_statement_that_reads_every_initiative_s_rows(
    portfolio_of_three: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    session = portfolio_of_three
    monkeypatch.setattr(listing, "MANY_IDS", 1)  # past this many, appraisals are gathered for all and sifted
    some = [appraisal.get_initiative(session=session, initiative_id=key) for key in (1, 2)]
    scans = _full_scans(session, lambda: appraisal.appraise_many(session=session, initiatives=some))
    assert any(scan.startswith("SCAN benefit") for scan in scans), scans
