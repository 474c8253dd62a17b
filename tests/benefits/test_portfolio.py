"""The portfolio overview agrees with the appraisal and the cash-versus-capacity summary it condenses."""

from datetime import date
from decimal import Decimal

import pytest
from sqlmodel import Session

from benefits import appraisal, finance, initiatives, listing, measures, portfolio
from benefits.example import load_example
from benefits.stages import Stage
from tests.support.factories import make_benefit, make_cost_centre, make_initiative

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
    # The batched count agrees with each measure's own chart, drawn one at a time.
    one_by_one = sum(
        1
        for measure in measures.list_measures(session=session, initiative_id=example.id).items
        if measures.chart(session=session, measure_id=measure.id or 0).points[-1].signal is not None
    )
    assert measures.signalling(session=session) == {example.id: one_by_one}
    empty = found["Empty"]
    assert (empty.economic_npv, empty.cash_this_year, [s.benefits for s in empty.funnel]) == (0, 0, [0, 0, 0, 0])


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("many", [500, 1], ids=["listed", "summed over all"])
def test_appraising_many_at_once_gives_each_initiative_its_own_appraisal(
    session: Session, many: int, weighted: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Both ways of gathering: initiatives named in the query, and (past MANY_IDS) all summed and sifted.
    monkeypatch.setattr(listing, "MANY_IDS", many)
    load_example(session=session)
    second = make_initiative(session, name="Second", base_year="2026-27")
    make_cost_centre(session, code="CS9")
    make_benefit(session, initiative=second, stage=Stage.planned, category="financial", unit="GBP", route="cash",
                 cost_centre="CS9")  # fmt: skip
    make_benefit(session, initiative=second, stage=Stage.delivered, title="Rework avoided", category="financial",
                 unit="GBP", route="capacity", redeployment="Casework")  # fmt: skip
    empty = make_initiative(session, name="Empty")
    everything = initiatives.list_initiatives(session=session, limit=100, offset=0).items
    together = appraisal.appraise_many(session=session, initiatives=everything, weighted=weighted)
    assert second.id is not None and empty.id is not None
    assert len(together) == 3
    for initiative in everything:
        assert initiative.id is not None
        alone = appraisal.appraise(session=session, initiative_id=initiative.id, weighted=weighted)
        assert together[initiative.id] == alone
    # The example's published economic NPV (the README's), and its stage-weighted one, whichever way gathered.
    example = next(i for i in everything if i.name == "Customer Access Programme")
    assert example.id is not None
    assert together[example.id].economic.npv == Decimal("1465714.59" if weighted else "1655565.34")
    assert together[second.id].economic.npv != 0  # the second initiative's benefits were counted, and only its own
    # Some initiatives asked about: the others' rows are left out, whichever way they are gathered.
    some = appraisal.appraise_many(session=session, initiatives=[second, empty], weighted=weighted)
    assert set(some) == {second.id, empty.id}
    assert (some[second.id], some[empty.id]) == (together[second.id], together[empty.id])
