"""Checking a model as written, without keeping it: every problem, each naming its node."""

from benefits.cause_models import problems_of
from benefits.models.cause_model import LinkIn, ModelIn, NodeIn, ScenarioIn

CALLS = NodeIn(name="calls", kind="assumption", value=1000, low=800, high=1200)
SHARE = NodeIn(name="share", kind="assumption", value=0.3)


def test_a_sound_model_has_no_problems() -> None:
    derived = NodeIn(name="avoided", kind="derived", formula="calls * share")
    assert problems_of(fields=ModelIn(nodes=[CALLS, SHARE, derived])) == []


def test_a_bad_formula_names_its_node() -> None:
    derived = NodeIn(name="avoided", kind="derived", formula="calls * * share")
    problems = problems_of(fields=ModelIn(nodes=[CALLS, SHARE, derived]))
    assert [(p.node, p.code) for p in problems] == [("avoided", "syntax_error")]


def test_every_problem_is_found_at_once() -> None:
    nodes = [
        NodeIn(name="calls", kind="assumption"),
        NodeIn(name="avoided", kind="derived", formula="calls * missing"),
        NodeIn(name="aim", kind="objective"),
    ]
    problems = problems_of(fields=ModelIn(nodes=nodes, links=[LinkIn(source="avoided", target="nowhere")]))
    assert {(p.node, p.code) for p in problems} == {
        ("calls", "value_missing"),
        ("avoided", "unknown_name"),
        ("nowhere", "unknown_node"),
    }


def test_division_by_zero_at_most_likely_values_is_a_problem() -> None:
    zero = NodeIn(name="zero", kind="assumption", value=0)
    derived = NodeIn(name="per_zero", kind="derived", formula="calls / zero")
    problems = problems_of(fields=ModelIn(nodes=[CALLS, zero, derived]))
    assert [(p.node, p.code) for p in problems] == [("per_zero", "division_by_zero")]


def test_a_scenario_must_override_an_assumption() -> None:
    scenario = ScenarioIn(name="low", overrides={"nothing": 1})
    problems = problems_of(fields=ModelIn(nodes=[CALLS], scenarios=[scenario]))
    assert [(p.node, p.code) for p in problems] == [("nothing", "unknown_assumption")]
