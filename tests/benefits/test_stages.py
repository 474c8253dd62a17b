"""The stage gates as pure rules."""

from dataclasses import replace
from datetime import date
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from benefits.stages import Category, GateFacts, RealisationRoute, Stage, unmet_requirements

EMPTY = GateFacts(
    owner=None,
    category=None,
    quantified=True,
    description="",
    model_node=None,
    estimate_low=None,
    estimate_likely=None,
    estimate_high=None,
    baseline_value=None,
    baseline_date=None,
    target_value=None,
    target_date=None,
    route=None,
    cost_centre=None,
    redeployment=None,
    planned_periods=0,
    actual_periods=0,
    evidence="",
    cash_confirmations=0,
)
COMPLETE = replace(
    EMPTY,
    owner="Owner",
    category=Category.financial,
    estimate_low=Decimal(1),
    estimate_likely=Decimal(2),
    estimate_high=Decimal(3),
    baseline_value=Decimal(0),
    baseline_date=date(2026, 3, 31),
    target_value=Decimal(2),
    target_date=date(2028, 3, 31),
    route=RealisationRoute.cash,
    cost_centre="CS100",
    planned_periods=5,
    actual_periods=1,
    evidence="Ledger",
    cash_confirmations=1,
)


def codes(facts: GateFacts, stage: Stage) -> list[str]:
    return [problem.code for problem in unmet_requirements(facts, stage)]


def test_opportunity_has_no_bar() -> None:
    assert codes(EMPTY, Stage.opportunity) == []


def test_each_bar_names_what_is_missing() -> None:
    assert codes(EMPTY, Stage.scoped) == ["owner_missing", "category_missing", "valuation_missing"]
    scoped = replace(EMPTY, owner="O", category=Category.financial, estimate_low=Decimal(1),
                     estimate_likely=Decimal(2), estimate_high=Decimal(3))  # fmt: skip
    assert codes(scoped, Stage.planned) == [
        "baseline_missing",
        "target_missing",
        "target_date_missing",
        "profile_missing",
        "route_undecided",
    ]
    assert codes(replace(COMPLETE, actual_periods=0, evidence=" ", cash_confirmations=0), Stage.delivered) == [
        "actuals_missing",
        "evidence_missing",
        "finance_confirmation_missing",
    ]
    assert codes(COMPLETE, Stage.delivered) == []


def test_a_decided_route_needs_its_destination() -> None:
    assert codes(replace(COMPLETE, cost_centre=""), Stage.planned) == ["cost_centre_missing"]
    capacity = replace(COMPLETE, route=RealisationRoute.capacity, cost_centre=None)
    assert codes(capacity, Stage.planned) == ["redeployment_missing"]
    # Delivered capacity also needs finance to confirm the time went where the benefit says; a dis-benefit does not.
    assert codes(replace(capacity, redeployment="Casework"), Stage.delivered) == ["redeployment_confirmation_missing"]
    redeployed = replace(capacity, redeployment="Casework", redeployment_confirmations=1)
    assert codes(redeployed, Stage.delivered) == []
    assert codes(replace(capacity, redeployment="Casework", is_disbenefit=True), Stage.delivered) == []
    assert codes(replace(COMPLETE, route=RealisationRoute.undecided), Stage.planned) == ["route_undecided"]


def test_non_financial_and_unquantified_benefits_have_the_bars_that_fit_them() -> None:
    non_financial = replace(COMPLETE, category=Category.non_financial, route=None, cash_confirmations=0)
    assert codes(non_financial, Stage.delivered) == []
    qualitative = replace(
        EMPTY, owner="O", category=Category.non_financial, quantified=False, description="", target_date=None
    )
    assert codes(qualitative, Stage.scoped) == ["valuation_missing"]
    described = replace(qualitative, description="Judged by the safeguarding board")
    assert codes(described, Stage.planned) == ["target_date_missing"]


facts_strategy = st.builds(
    GateFacts,
    owner=st.sampled_from([None, "", "Owner"]),
    category=st.sampled_from([None, *Category]),
    quantified=st.booleans(),
    description=st.sampled_from(["", "How it is judged"]),
    model_node=st.sampled_from([None, "capacity_value"]),
    estimate_low=st.sampled_from([None, Decimal(1)]),
    estimate_likely=st.sampled_from([None, Decimal(2)]),
    estimate_high=st.sampled_from([None, Decimal(3)]),
    baseline_value=st.sampled_from([None, Decimal(0)]),
    baseline_date=st.sampled_from([None, date(2026, 3, 31)]),
    target_value=st.sampled_from([None, Decimal(5)]),
    target_date=st.sampled_from([None, date(2028, 3, 31)]),
    route=st.sampled_from([None, *RealisationRoute]),
    cost_centre=st.sampled_from([None, "CS100"]),
    redeployment=st.sampled_from([None, "Casework"]),
    planned_periods=st.integers(0, 3),
    actual_periods=st.integers(0, 3),
    evidence=st.sampled_from(["", "Ledger"]),
    cash_confirmations=st.integers(0, 2),
)


@given(facts_strategy)
def test_every_problem_has_a_sentence_and_a_field(facts: GateFacts) -> None:
    for problem in unmet_requirements(facts, Stage.delivered):
        assert problem.detail.endswith(".")
        assert problem.field


def test_a_problem_of_an_earlier_bar_stops_a_later_move() -> None:
    # An owner removed after scoping still blocks the move to planned.
    assert codes(replace(COMPLETE, owner=" "), Stage.planned) == ["owner_missing"]


def test_unquantified_benefits_are_delivered_on_evidence_alone() -> None:
    qualitative = replace(
        EMPTY, owner="O", category=Category.non_financial, quantified=False, description="How", target_date=date.today()
    )
    assert codes(qualitative, Stage.delivered) == ["evidence_missing"]
    assert codes(replace(qualitative, evidence="Board minutes"), Stage.delivered) == []
