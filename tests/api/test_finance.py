"""Cash versus capacity: by year, route, stage and cost centre; cash confirmed and at risk; budgets and flags."""

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session

from benefits import confirmations, finance, initiatives, ledger, pipeline, register
from benefits.errors import Conflict
from benefits.models import BenefitUpdate, CashConfirmationCreate, InitiativeUpdate, ProfileEntryIn
from benefits.models.finance import BudgetIn
from benefits.stages import Category, RealisationRoute, Stage
from tests.support.factories import TESTER, make_benefit, make_cost_centre, make_initiative

TODAY = date(2026, 11, 23)  # in 2026-27: that year has started, 2027-28 has not


def _profile(session: Session, benefit_id: int, rows: list[tuple[str, int | None, int | None]]) -> None:
    entries = [
        ProfileEntryIn(
            period=period,
            planned=Decimal(planned) if planned is not None else None,
            actual=Decimal(actual) if actual is not None else None,
        )
        for period, planned, actual in rows
    ]
    register.replace_profile(session=session, benefit_id=benefit_id, rows=entries, expected_version=None, actor=TESTER)


def test_the_summary_splits_routes_and_finds_risk_and_double_counting(session: Session, client: TestClient) -> None:
    initiative = make_initiative(session)
    make_cost_centre(session, code="CS1")
    assert initiative.id is not None
    first = make_benefit(
        session, initiative=initiative, title="A", category="financial", route="cash", cost_centre="CS1"
    )
    second = make_benefit(
        session, initiative=initiative, title="B", category="financial", route="cash", cost_centre="CS1"
    )
    make_benefit(session, initiative=initiative, stage=Stage.planned, title="C")
    undecided = make_benefit(session, initiative=initiative, title="D", category="financial")
    dis = make_benefit(session, initiative=initiative, title="E", category="financial", route="capacity",
                       is_disbenefit=True)  # fmt: skip
    _profile(session, first.id or 0, [("2026-27", 1000, None), ("2027-28", 2000, None)])
    _profile(session, second.id or 0, [("2026-27", 300, 250)])
    _profile(session, undecided.id or 0, [("2026-27", 70, None)])
    _profile(session, dis.id or 0, [("2026-27", 5, None)])
    confirmations.confirm_cash(
        session=session,
        benefit_id=first.id or 0,
        fields=CashConfirmationCreate(period="2026-27", amount=Decimal(600)),
        actor=TESTER,
    )
    session.commit()
    assert (
        client.put(
            "/api/v1/finance/budgets", json=[{"cost_centre": "CS1", "year": "2026-27", "amount": 1200}]
        ).status_code
        == 200
    )
    summary = finance.cash_capacity_summary(session=session, initiative_id=initiative.id, today=TODAY)
    years = {row.year: row for row in summary.years}
    # capacity: the factory's planned benefit has 2026-27 actual 45 and 2027-28 planned 100; the dis-benefit -5
    assert (years["2026-27"].cash, years["2026-27"].capacity, years["2026-27"].undecided) == (1250, 40, 70)
    assert (years["2027-28"].cash, years["2027-28"].capacity) == (2000, 100)
    assert years["2026-27"].cash_planned == 1300 and years["2026-27"].cash_confirmed == 600
    # 2026-27 has started: A planned 1,000 with 600 confirmed, B planned 300 with none; 2027-28 has not.
    assert years["2026-27"].cash_at_risk == 400 + 300
    assert years["2027-28"].cash_at_risk == 0
    centre = next(row for row in summary.by_cost_centre if row.cost_centre == "CS1" and row.year == "2026-27")
    assert (centre.budget, centre.benefits) == (1200, 2)
    assert {(flag.code, flag.year) for flag in summary.flags} == {
        ("over_budget", "2026-27"),
        ("possible_double_counting", "2026-27"),
    }
    stages = {(row.year, row.stage): row for row in summary.by_stage}
    assert stages[("2026-27", "planned")].capacity == 45
    assert stages[("2026-27", "opportunity")].cash == 1250

    weighted = finance.cash_capacity_summary(session=session, initiative_id=initiative.id, weighted=True, today=TODAY)
    assert {row.year: row for row in weighted.years}["2026-27"].cash == Decimal("0.1") * 1250
    limited = client.get("/api/v1/finance/cash-capacity", params={"initiative_id": initiative.id, "from": "2027-28"})
    assert [row["year"] for row in limited.json()["years"]] == ["2027-28"]
    assert client.get("/api/v1/finance/cash-capacity", params={"from": "2027"}).status_code == 422


portfolios = st.lists(
    st.tuples(
        st.sampled_from(["cash", "capacity", "undecided", "non_financial"]),
        st.booleans(),
        st.lists(
            st.tuples(st.integers(2025, 2031), st.integers(0, 5000), st.one_of(st.none(), st.integers(0, 5000))),
            max_size=4,
            unique_by=lambda row: row[0],
        ),
    ),
    min_size=1,
    max_size=6,
)


@given(portfolios)
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_cash_plus_capacity_plus_undecided_equals_the_financial_benefits_each_year(
    session: Session, portfolio: list
) -> None:
    initiative = make_initiative(session, name="Random")
    expected: dict[str, Decimal] = {}
    for route, disbenefit, rows in portfolio:
        fields: dict[str, Any] = {"category": "non_financial" if route == "non_financial" else "financial"}
        if route in ("cash", "capacity"):
            fields["route"] = route
        benefit = make_benefit(session, initiative=initiative, title=route, is_disbenefit=disbenefit, **fields)
        _profile(
            session,
            benefit.id or 0,
            [(f"{year}-{(year + 1) % 100:02d}", planned, actual) for year, planned, actual in rows],
        )
        if route == "non_financial":
            continue
        for year, planned, actual in rows:
            label = f"{year}-{(year + 1) % 100:02d}"
            value = Decimal(actual if actual is not None else planned) * (-1 if disbenefit else 1)
            expected[label] = expected.get(label, Decimal(0)) + value
    summary = finance.cash_capacity_summary(session=session, initiative_id=initiative.id, today=TODAY)
    found = {row.year: row.cash + row.capacity + row.undecided for row in summary.years}
    assert {year: value for year, value in found.items() if value} == {
        year: value for year, value in expected.items() if value
    }


def test_the_worked_example_reconciles_year_by_year(session: Session) -> None:
    from sqlmodel import select

    from benefits.example import load_example
    from benefits.models import Benefit, Initiative

    load_example(session=session)
    initiative = session.exec(select(Initiative).where(Initiative.name == "Customer Access Programme")).one()
    expected: dict[str, Decimal] = {}
    for benefit in register.list_benefits(session=session, initiative_id=initiative.id or 0, limit=500, offset=0).items:
        if benefit.category != "financial" or benefit.withdrawn:
            continue
        for entry in benefit.profile:
            value = entry.actual if entry.actual is not None else entry.planned
            if value is not None:
                signed = -value if benefit.is_disbenefit else value
                expected[entry.period] = expected.get(entry.period, Decimal(0)) + signed
    summary = finance.cash_capacity_summary(session=session, initiative_id=initiative.id, today=TODAY)
    assert {row.year: row.cash + row.capacity + row.undecided for row in summary.years} == expected
    assert sum(row.cash_at_risk for row in summary.years) > 0
    assert session.exec(select(Benefit).where(Benefit.route == "cash")).first() is not None


def test_filters_are_checked_and_reversed_then_withdrawn_cash_left_out(session: Session, client: TestClient) -> None:
    assert client.get("/api/v1/finance/cash-capacity", params={"from": "2030-31", "to": "2026-27"}).status_code == 422
    assert client.get("/api/v1/finance/cash-capacity", params={"from": "2030-32"}).status_code == 422
    assert client.get("/api/v1/finance/cash-capacity", params={"initiative_id": 999999}).status_code == 404
    initiative = make_initiative(session)
    make_cost_centre(session, code="CS9")
    gone = make_benefit(session, initiative=initiative, category="financial", route="cash", cost_centre="CS9")
    _profile(session, gone.id or 0, [("2026-27", 10, None)])
    confirmations.confirm_cash(
        session=session, benefit_id=gone.id or 0, fields=CashConfirmationCreate(period="2026-27", amount=Decimal(10)),
        actor=TESTER,
    )  # fmt: skip
    with pytest.raises(Conflict, match="confirmed cash"):
        register.withdraw_benefit(session=session, benefit_id=gone.id or 0, reason="x", expected_version=None,
                                  actor=TESTER)  # fmt: skip
    [entry] = confirmations.list_cash_confirmations(session=session, benefit_id=gone.id or 0).items
    confirmations.reverse_cash(session=session, confirmation_id=entry.id, reason="Not taken", actor=TESTER)
    register.withdraw_benefit(session=session, benefit_id=gone.id or 0, reason="x", expected_version=None, actor=TESTER)
    summary = finance.cash_capacity_summary(session=session, initiative_id=initiative.id, today=TODAY)
    assert summary.years == [] and summary.by_cost_centre == []


def test_quarters_roll_up_and_each_period_is_at_risk_once_it_has_started(session: Session) -> None:
    initiative = make_initiative(session, granularity="quarter")
    make_cost_centre(session, code="CS7")
    cash = make_benefit(session, initiative=initiative, category="financial", route="cash", cost_centre="CS7")
    quarters: list[tuple[str, int | None, int | None]] = [(f"2026-27 Q{n}", 100, None) for n in (1, 2, 3, 4)]
    quarters.append(("2027-28 Q1", 40, None))
    _profile(session, cash.id or 0, quarters)
    confirmations.confirm_cash(
        session=session,
        benefit_id=cash.id or 0,
        fields=CashConfirmationCreate(period="2026-27 Q1", amount=Decimal(150), override_reason="Q2's cut came early"),
        actor=TESTER,
    )
    summary = finance.cash_capacity_summary(session=session, initiative_id=initiative.id, today=TODAY)
    years = {row.year: row for row in summary.years}
    # On 23 November 2026 the quarters starting April, July and October have started; January's has not.
    # Q1 is confirmed (more than planned, which does not cover Q2); Q2 and Q3 are at risk.
    assert (years["2026-27"].cash, years["2026-27"].cash_confirmed, years["2026-27"].cash_at_risk) == (400, 150, 200)
    assert (years["2027-28"].cash, years["2027-28"].cash_at_risk) == (40, 0)
    on_new_year = finance.cash_capacity_summary(session=session, initiative_id=initiative.id, today=date(2027, 1, 1))
    assert on_new_year.years[0].cash_at_risk == 300

    # A year starting in January: 2026-27 Q4 then starts in October 2026, so it is at risk too.
    initiatives.update_initiative(
        session=session,
        initiative_id=initiative.id or 0,
        changes=InitiativeUpdate(fy_start_month=1),
        expected_version=None,
        actor=TESTER,
    )
    summary = finance.cash_capacity_summary(session=session, initiative_id=initiative.id, today=TODAY)
    assert summary.years[0].cash_at_risk == 300


def test_budgets_are_compared_with_what_the_whole_portfolio_claims(session: Session, client: TestClient) -> None:
    first, second = make_initiative(session, name="First"), make_initiative(session, name="Second")
    make_cost_centre(session, code="CS9")
    for initiative, planned in ((first, 700), (second, 600)):
        benefit = make_benefit(
            session, initiative=initiative, category="financial", route="cash", cost_centre="CS9", title="Cash"
        )
        _profile(session, benefit.id or 0, [("2027-28", planned, None)])
    finance.replace_budgets(
        session=session, budgets=[BudgetIn(cost_centre="CS9", year="2027-28", amount=Decimal(1000))], actor=TESTER
    )
    summary = finance.cash_capacity_summary(session=session, initiative_id=first.id, today=TODAY)
    (centre,) = summary.by_cost_centre
    # This initiative alone claims 700 of 1,000; with the other's 600 the budget is overdrawn by 300.
    assert (centre.cash_planned, centre.portfolio_cash_planned, centre.benefits) == (700, 1300, 2)
    assert {flag.code for flag in summary.flags} == {"over_budget", "possible_double_counting"}
    assert "1,300.00" in next(flag.detail for flag in summary.flags if flag.code == "over_budget")


def test_the_summary_sets_the_plan_beside_the_approved_baseline(session: Session) -> None:
    initiative = make_initiative(session)
    make_cost_centre(session, code="CS3")
    benefit = make_benefit(
        session, initiative=initiative, stage=Stage.planned, category="financial", route="cash", cost_centre="CS3"
    )
    before = {
        row.year: row for row in finance.cash_capacity_summary(session=session, initiative_id=initiative.id).years
    }
    _profile(session, benefit.id or 0, [("2026-27", 80, None), ("2027-28", 130, None), ("2028-29", 20, None)])
    after = {row.year: row for row in finance.cash_capacity_summary(session=session, initiative_id=initiative.id).years}
    # The factory's profile was approved at planned: 2026-27 planned 50 (actual 45), 2027-28 planned 100.
    assert {year: row.approved_baseline for year, row in before.items()} == {"2026-27": 50, "2027-28": 100}
    assert {year: (row.planned, row.approved_baseline) for year, row in after.items()} == {
        "2026-27": (80, 50),
        "2027-28": (130, 100),
        "2028-29": (20, 0),
    }


def test_the_ledger_always_equals_one_rebuilt_from_the_sources(session: Session) -> None:
    """Every way a benefit changes leaves the ledger as a full rebuild would."""
    from sqlalchemy import text

    def ledger_rows() -> list[tuple]:
        rows = session.execute(text("SELECT * FROM ledger_entry")).mappings().all()
        return sorted((tuple(v for k, v in sorted(row.items()) if k != "id") for row in rows), key=repr)

    initiative = make_initiative(session)
    for code in ("CS1", "CS2"):
        make_cost_centre(session, code=code)
    cash = make_benefit(session, initiative=initiative, stage=Stage.planned, category="financial", route="cash",
                        cost_centre="CS1")  # fmt: skip
    other = make_benefit(session, initiative=initiative, category="financial", is_disbenefit=True, title="Other")
    _profile(session, other.id or 0, [("2026-27", 10, None), ("2027-28", 20, 5)])
    made: list[Any] = []
    steps = [
        lambda: made.append(confirmations.confirm_cash(session=session, benefit_id=cash.id or 0,
                            fields=CashConfirmationCreate(period="2027-28", amount=Decimal(9)), actor=TESTER)),
        lambda: confirmations.reverse_cash(session=session, confirmation_id=made[0].id, reason="Keyed in error",
                                           actor=TESTER),
        lambda: register.update_benefit(session=session, benefit_id=cash.id or 0,
                                        changes=BenefitUpdate(cost_centre="CS2"), expected_version=None, actor=TESTER),
        lambda: register.update_benefit(session=session, benefit_id=other.id or 0,
                                        changes=BenefitUpdate(route=RealisationRoute.capacity, is_disbenefit=False),
                                        expected_version=None, actor=TESTER),
        lambda: pipeline.move_stage(session=session, benefit_id=cash.id or 0, to=Stage.scoped, reason="re-think",
                                    actor=TESTER),
        lambda: _profile(session, cash.id or 0, [("2028-29", 3, None)]),
        lambda: register.update_benefit(session=session, benefit_id=other.id or 0,
                                        changes=BenefitUpdate(category=Category.non_financial, route=None),
                                        expected_version=None, actor=TESTER),
        lambda: register.withdraw_benefit(session=session, benefit_id=cash.id or 0, reason="gone",
                                          expected_version=None, actor=TESTER),
    ]  # fmt: skip
    seen = []
    for step in steps:
        step()
        session.flush()
        kept = ledger_rows()
        ledger.rebuild(session=session)
        assert ledger_rows() == kept
        seen.append(len(kept))
    # The ledger really changed along the way, down to nothing once neither benefit counts as financial cash.
    assert seen[0] > 0 and seen[-1] == 0


def test_the_amount_offered_to_confirm_never_exceeds_what_the_forecast_allows(session: Session) -> None:
    initiative = make_initiative(session)
    make_cost_centre(session, code="CS8")
    cash = make_benefit(session, initiative=initiative, category="financial", route="cash", cost_centre="CS8")
    _profile(session, cash.id or 0, [("2026-27", 1000, 600)])  # the actual fell short of the plan
    waiting = next(item for item in finance.cash_to_confirm(session=session, today=TODAY) if item.benefit_id == cash.id)
    assert (waiting.at_risk, waiting.confirmable) == (1000, 600)
    with pytest.raises(Conflict):  # the whole amount at risk would need an override reason
        confirmations.confirm_cash(session=session, benefit_id=cash.id or 0, actor=TESTER,
                                   fields=CashConfirmationCreate(period="2026-27", amount=waiting.at_risk))  # fmt: skip
    confirmations.confirm_cash(session=session, benefit_id=cash.id or 0, actor=TESTER,
                               fields=CashConfirmationCreate(period="2026-27", amount=waiting.confirmable))  # fmt: skip
    after = next(item for item in finance.cash_to_confirm(session=session, today=TODAY) if item.benefit_id == cash.id)
    assert (after.at_risk, after.confirmable) == (400, 0)
