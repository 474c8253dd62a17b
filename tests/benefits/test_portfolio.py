"""The portfolio overview agrees with the appraisal and the cash-versus-capacity summary it condenses."""

from datetime import date

from sqlmodel import Session

from benefits import appraisal, finance, portfolio
from benefits.example import load_example
from tests.support.factories import make_initiative

TODAY = date(2026, 11, 23)


def test_the_overview_condenses_the_appraisal_and_the_summary(session: Session) -> None:
    load_example(session=session)
    make_initiative(session, name="Empty")
    found = {item.name: item for item in portfolio.portfolio_overview(session=session, today=TODAY)}
    assert set(found) == {"Customer Access Programme", "Empty"}
    example = found["Customer Access Programme"]
    appraised = appraisal.appraise(session=session, initiative_id=example.id)
    assert (example.economic_npv, example.financial_npv) == (appraised.economic.npv, appraised.financial.npv)
    summary = finance.cash_capacity_summary(session=session, initiative_id=example.id, today=TODAY)
    this_year = next(year for year in summary.years if year.year == "2026-27")
    assert (example.year, example.cash_this_year, example.capacity_this_year) == (
        "2026-27",
        this_year.cash,
        this_year.capacity,
    )
    assert example.cash_at_risk == sum(year.cash_at_risk for year in summary.years)
    assert [step.benefits for step in example.funnel] == [2, 2, 3, 3]
    assert example.signals == 4  # every measure of the example ends on special-cause improvement
    empty = found["Empty"]
    assert (empty.economic_npv, empty.cash_this_year, [s.benefits for s in empty.funnel]) == (0, 0, [0, 0, 0, 0])
