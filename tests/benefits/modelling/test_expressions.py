"""The expression language: parsing, errors with positions, and three back ends that agree."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benefits.modelling.expressions import (
    Binary,
    Call,
    EvaluationError,
    Expr,
    ExpressionError,
    Name,
    Number,
    Unary,
    evaluate,
    evaluate_vector,
    name_problem,
    names_in,
    parse,
    to_excel,
    to_text,
)

VALUES = {"calls": 600_000.0, "share": 0.3, "minutes": 4.5, "rate": 0.47}


@pytest.mark.parametrize(
    ("formula", "expected"),
    [
        ("1 + 2 * 3", 7),
        ("(1 + 2) * 3", 9),
        ("-2^2", 4),  # as Excel: negation before powers
        ("2^3^2", 64),  # as Excel: powers associate to the left
        ("10 - 4 - 3", 3),
        ("12 / 3 / 2", 2),
        ("calls * share * minutes / 60", 13_500),
        ("IF(share > 0.25, 1, 2)", 1),
        ("IF(share >= 0.3, 1, 2) + IF(share <> 0.3, 10, 20)", 21),
        ("MIN(3, 1, 2) + MAX(3, 1, 2) + SUM(1, 2, 3) + ABS(-4)", 14),
        ("ROUND(2.675, 2)", 2.68),
        ("ROUND(-2.5, 0)", -3),
        ("round(1234.5678, -2)", 1200),
        ("1.5e3 + .5", 1500.5),
    ],
)
def test_formulas_evaluate_as_excel_would(formula: str, expected: float) -> None:
    assert evaluate(parse(formula), VALUES) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(
    ("formula", "code", "column"),
    [
        ("1 +* 2", "syntax_error", 4),
        ("(calls + 1", "syntax_error", 11),
        ("calls share", "syntax_error", 7),
        ("calls $ 2", "syntax_error", 7),
        ("LOG(2)", "unknown_function", 1),
        ("IF(1, 2)", "wrong_arguments", None),
        ("", "syntax_error", 1),
    ],
)
def test_syntax_errors_say_what_and_where(formula: str, code: str, column: int | None) -> None:
    with pytest.raises(ExpressionError) as error:
        parse(formula)
    assert error.value.code == code
    assert error.value.column == column


def test_impossible_values_are_errors_in_scalar_and_nan_in_vectors() -> None:
    for formula in ["1 / (share - 0.3)", "(share - 1) ^ 0.5", "0 ^ -1"]:
        with pytest.raises(EvaluationError):
            evaluate(parse(formula), VALUES)
        vector = evaluate_vector(parse(formula), VALUES, 3)
        assert np.isnan(vector).all()


@pytest.mark.parametrize("name", ["calls", "failure_share", "FTE_released", "_x", "year_2026_27"])
def test_good_names(name: str) -> None:
    assert name_problem(name) is None


@pytest.mark.parametrize("name", ["A1", "fte1", "XFD1048576", "R1C1", "r", "C", "TRUE", "sum", "1st", "a-b", "a" * 61])
def test_names_that_cannot_be_workbook_names_are_refused(name: str) -> None:
    assert name_problem(name)


def test_names_in_a_formula() -> None:
    assert names_in(parse("IF(calls > 0, calls * share, minutes)")) == {"calls", "share", "minutes"}


# ---- the three back ends agree on random well-formed expressions ------------------------------

NAMES = ["alpha", "beta", "gamma"]
leaves = st.one_of(
    st.builds(Number, st.floats(min_value=-50, max_value=50, allow_nan=False).map(lambda x: round(x, 3))),
    st.builds(Name, st.sampled_from(NAMES)),
)


def _extend(children: st.SearchStrategy[Expr]) -> st.SearchStrategy[Expr]:
    return st.one_of(
        st.builds(Unary, st.sampled_from(["-", "+"]), children),
        st.builds(Binary, st.sampled_from(["+", "-", "*", "/", "<", ">=", "=", "<>"]), children, children),
        st.builds(Call, st.sampled_from(["MIN", "MAX", "SUM"]), st.lists(children, min_size=1, max_size=3).map(tuple)),
        st.builds(lambda a, b, c: Call("IF", (a, b, c)), children, children, children),
        st.builds(lambda a: Call("ABS", (a,)), children),
        st.builds(lambda a, n: Call("ROUND", (a, Number(float(n)))), children, st.integers(0, 3)),
    )


expressions = st.recursive(leaves, _extend, max_leaves=8)
variables = st.fixed_dictionaries(
    {name: st.floats(min_value=-100, max_value=100, allow_nan=False).map(lambda x: round(x, 2)) for name in NAMES}
)


def _scalar(expr: Expr, values: dict[str, float]) -> float | None:
    try:
        result = evaluate(expr, values)
    except EvaluationError:
        return None
    return result if math.isfinite(result) else None


@given(expressions, variables)
@settings(max_examples=400, deadline=None)
def test_the_printed_formula_reads_back_to_the_same_expression(expr: Expr, values: dict[str, float]) -> None:
    again = parse(to_text(expr))
    assert _scalar(again, values) == _scalar(expr, values) or (
        _scalar(again, values) is not None
        and _scalar(expr, values) is not None
        and _scalar(again, values) == pytest.approx(_scalar(expr, values), rel=1e-12, abs=1e-12)
    )


@given(expressions, st.lists(variables, min_size=1, max_size=8))
@settings(max_examples=300, deadline=None)
def test_vectorised_evaluation_matches_the_scalar_one_sample_by_sample(
    expr: Expr, samples: list[dict[str, float]]
) -> None:
    arrays = {name: np.array([sample[name] for sample in samples]) for name in NAMES}
    vector = evaluate_vector(expr, arrays, len(samples))
    for index, sample in enumerate(samples):
        expected = _scalar(expr, sample)
        if expected is None:
            assert not np.isfinite(vector[index])
        else:
            assert vector[index] == pytest.approx(expected, rel=1e-9, abs=1e-9)


def test_excel_text_keeps_comparisons_numeric_but_an_if_condition() -> None:
    assert to_excel(parse("IF(share > 0.25, calls, 0) + (share = 0.3)")) == "IF(share>0.25,calls,0)+N(share=0.3)"
    assert to_excel(parse("(1 < 2) < 3")) == "N(N(1<2)<3)"
    assert to_text(parse("(1 < 2) < 3")) == "(1<2)<3"
    assert to_excel(parse("a_b - (c_d - e_f)"), name_for=str.upper) == "A_B-(C_D-E_F)"
