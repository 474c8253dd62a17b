"""Checking and evaluating models: all problems at once, reproducible Monte Carlo, tornado and switching values."""

import numpy as np
import pytest
from scipy import stats

from benefits.errors import InvalidModel
from benefits.modelling.graph import CheckedModel, Distribution, ModelSpec, NodeKind, NodeSpec, check
from benefits.modelling.simulation import deterministic, simulate, summarise, switching_value, tornado

CALLS = ModelSpec(
    nodes=(
        NodeSpec("calls_a_year", NodeKind.assumption, value=600_000, low=500_000, high=700_000),
        NodeSpec("failure_share", NodeKind.assumption, value=0.3, low=0.2, high=0.45),
        NodeSpec("removed_share", NodeKind.assumption, value=0.5, low=0.3, high=0.6, distribution=Distribution.pert),
        NodeSpec("cost_per_call", NodeKind.assumption, value=2.83),
        NodeSpec("calls_removed", NodeKind.derived, formula="calls_a_year * failure_share * removed_share"),
        NodeSpec("capacity_value", NodeKind.derived, formula="calls_removed * cost_per_call"),
        NodeSpec("crm", NodeKind.enabler),
        NodeSpec("redesign", NodeKind.change),
        NodeSpec("fewer_calls", NodeKind.benefit),
        NodeSpec("better_service", NodeKind.objective),
    ),
    links=(
        ("crm", "redesign"),
        ("redesign", "failure_share"),
        ("redesign", "fewer_calls"),
        ("fewer_calls", "better_service"),
    ),
)


def checked(spec: ModelSpec) -> CheckedModel:
    model = check(spec)
    assert isinstance(model, CheckedModel), model
    return model


def test_a_model_with_a_cycle_an_unknown_name_and_a_syntax_error_reports_all_three() -> None:
    spec = ModelSpec(
        nodes=(
            NodeSpec("calls", NodeKind.derived, formula="hours * 2"),
            NodeSpec("hours", NodeKind.derived, formula="calls / 2"),
            NodeSpec("fte", NodeKind.derived, formula="hours / staff_hours"),
            NodeSpec("saving", NodeKind.derived, formula="fte * (30000"),
            NodeSpec("share", NodeKind.assumption, value=0.5, low=0.6, high=0.4),
        )
    )
    problems = check(spec)
    assert isinstance(problems, list)
    assert {(p.node, p.code) for p in problems} == {
        ("share", "range_invalid"),
        ("fte", "unknown_name"),
        ("saving", "syntax_error"),
        ("calls", "cycle"),
    }
    cycle = next(p for p in problems if p.code == "cycle")
    assert "calls" in cycle.detail and "hours" in cycle.detail


def test_qualitative_nodes_join_the_graph_but_have_no_values() -> None:
    model = checked(CALLS)
    assert "crm" not in model.order
    problems = check(ModelSpec(nodes=(*CALLS.nodes, NodeSpec("odd", NodeKind.derived, formula="crm + 1"))))
    assert isinstance(problems, list) and problems[0].code == "not_quantitative"
    looped = check(ModelSpec(nodes=CALLS.nodes, links=(*CALLS.links, ("better_service", "crm"))))
    assert isinstance(looped, list) and looped[0].code == "cycle"


def test_deterministic_values_follow_the_published_arithmetic() -> None:
    values = deterministic(checked(CALLS))
    assert values["calls_removed"] == pytest.approx(90_000)
    assert values["capacity_value"] == pytest.approx(254_700)
    assert deterministic(checked(CALLS), {"cost_per_call": 8.62})["capacity_value"] == pytest.approx(775_800)


def test_a_division_by_zero_names_its_node() -> None:
    spec = ModelSpec(
        nodes=(
            NodeSpec("staff", NodeKind.assumption, value=0),
            NodeSpec("calls_each", NodeKind.derived, formula="1000 / staff"),
        )
    )
    with pytest.raises(InvalidModel) as error:
        deterministic(checked(spec))
    assert [(p.node, p.code) for p in error.value.problems] == [("calls_each", "division_by_zero")]


def test_monte_carlo_with_a_seed_is_reproducible() -> None:
    model = checked(CALLS)
    first = simulate(model, samples=2_000, seed=7)
    again = simulate(model, samples=2_000, seed=7)
    other = simulate(model, samples=2_000, seed=8)
    assert np.array_equal(first["capacity_value"], again["capacity_value"])
    assert not np.array_equal(first["capacity_value"], other["capacity_value"])


@pytest.mark.parametrize("latin_hypercube", [True, False])
def test_a_linear_model_has_the_analytic_mean_within_one_percent(latin_hypercube: bool) -> None:
    spec = ModelSpec(
        nodes=(
            NodeSpec("visits", NodeKind.assumption, value=40_000, low=20_000, high=45_000),
            NodeSpec("web_share", NodeKind.assumption, value=0.5, low=0.2, high=0.9, distribution=Distribution.pert),
            NodeSpec("saving", NodeKind.derived, formula="8.47 * visits + 10000 * web_share - 500"),
        )
    )
    drawn = simulate(checked(spec), samples=20_000, seed=3, latin_hypercube=latin_hypercube)
    triangular_mean = (20_000 + 40_000 + 45_000) / 3
    pert_mean = (0.2 + 4 * 0.5 + 0.9) / 6
    analytic = 8.47 * triangular_mean + 10_000 * pert_mean - 500
    assert np.mean(drawn["saving"]) == pytest.approx(analytic, rel=0.01)


def test_sampled_inputs_follow_their_distributions() -> None:
    spec = ModelSpec(
        nodes=(
            NodeSpec("tri", NodeKind.assumption, value=3, low=1, high=10),
            NodeSpec("pert", NodeKind.assumption, value=3, low=1, high=10, distribution=Distribution.pert),
        )
    )
    drawn = simulate(checked(spec), samples=5_000, seed=11)
    triangular = stats.triang(c=(3 - 1) / 9, loc=1, scale=9)
    assert stats.kstest(drawn["tri"], triangular.cdf).pvalue > 0.01
    pert = stats.beta(1 + 4 * 2 / 9, 1 + 4 * 7 / 9, loc=1, scale=9)
    assert stats.kstest(drawn["pert"], pert.cdf).pvalue > 0.01


def test_percentiles_are_ordered_wherever_an_input_has_a_range() -> None:
    model = checked(CALLS)
    summary = summarise(model, simulate(model, samples=5_000, seed=1), deterministic(model))
    for name in ("calls_a_year", "failure_share", "removed_share", "calls_removed", "capacity_value"):
        assert summary[name].p10 < summary[name].p50 < summary[name].p90, name
    fixed = summary["cost_per_call"]
    assert fixed.p10 == fixed.p50 == fixed.p90 == fixed.mean == 2.83


def test_the_tornado_ranks_assumptions_by_swing_in_both_directions() -> None:
    bars = tornado(checked(CALLS), "capacity_value")
    assert [bar.assumption for bar in bars] == ["failure_share", "removed_share", "calls_a_year"]
    share = bars[0]
    assert share.output_at_low == pytest.approx(600_000 * 0.2 * 0.5 * 2.83)
    assert share.output_at_high == pytest.approx(600_000 * 0.45 * 0.5 * 2.83)
    spec = ModelSpec(
        nodes=(
            NodeSpec("price", NodeKind.assumption, value=5, low=4, high=6),
            NodeSpec("net", NodeKind.derived, formula="100 - 10 * price"),
        )
    )
    [falling] = tornado(checked(spec), "net")
    assert falling.output_at_low > falling.output_at_high


def test_switching_values_are_found_inside_the_range_or_not_at_all() -> None:
    model = checked(CALLS)
    # capacity_value = 600,000 x 0.3 x share x 2.83 crosses 200,000 where share = 200,000 / 509,400
    assert switching_value(
        model, assumption="removed_share", output="capacity_value", threshold=200_000
    ) == pytest.approx(200_000 / 509_400, rel=1e-9)
    assert switching_value(model, assumption="removed_share", output="capacity_value", threshold=1e9) is None
    assert switching_value(model, assumption="cost_per_call", output="capacity_value", threshold=0) is None


def test_overrides_hold_an_assumption_fixed_and_unknown_ones_are_refused() -> None:
    model = checked(CALLS)
    drawn = simulate(model, samples=500, seed=1, overrides={"failure_share": 0.4})
    assert np.all(drawn["failure_share"] == 0.4)
    with pytest.raises(InvalidModel):
        simulate(model, samples=10, seed=1, overrides={"calls_removed": 1})


def test_switching_values_inside_a_rise_and_fall_and_not_across_a_pole() -> None:
    hump = checked(
        ModelSpec(
            nodes=(
                NodeSpec("share", NodeKind.assumption, value=5, low=0, high=10),
                NodeSpec("output", NodeKind.derived, formula="share * (10 - share)"),
            )
        )
    )
    # 20 = x (10 - x) first at x = 5 - sqrt(5)
    assert switching_value(hump, assumption="share", output="output", threshold=20) == pytest.approx(5 - 5**0.5)
    pole = checked(
        ModelSpec(
            nodes=(
                NodeSpec("rate", NodeKind.assumption, value=1, low=-1, high=3),
                NodeSpec("output", NodeKind.derived, formula="IF(rate = 0, 0, 1 / rate)"),
            )
        )
    )
    assert switching_value(pole, assumption="rate", output="output", threshold=-0.5) is None
