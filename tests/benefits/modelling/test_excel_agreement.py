"""The Excel back end agrees with the evaluator: random formulas written to a workbook, recalculated by LibreOffice."""

import random
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.workbook.defined_name import DefinedName

from benefits.modelling.expressions import Binary, Call, EvaluationError, Expr, Name, Number, Unary, evaluate, to_excel
from tests.support.spreadsheet import recalculate

NAMES = ["alpha", "beta", "gamma"]
OPERATORS = ["+", "-", "*", "/", "<", ">", "<=", ">=", "=", "<>", "^"]


def _random_expression(rng: random.Random, depth: int) -> Expr:
    if depth == 0 or rng.random() < 0.25:
        if rng.random() < 0.5:
            return Name(rng.choice(NAMES))
        return Number(round(rng.uniform(-20, 20), rng.choice([0, 1, 2, 3])))
    shape = rng.random()
    if shape < 0.1:
        return Unary("-", _random_expression(rng, depth - 1))
    if shape < 0.6:
        operator = rng.choice(OPERATORS)
        if operator == "^":
            # Small whole exponents keep powers real and finite. 0^0 is left out: Excel has no value for it
            # (as the evaluator), LibreOffice gives 1.
            return Binary("^", _random_expression(rng, depth - 1), Number(float(rng.randint(1, 3))))
        return Binary(operator, _random_expression(rng, depth - 1), _random_expression(rng, depth - 1))
    function = rng.choice(["MIN", "MAX", "SUM", "IF", "ABS", "ROUND"])
    if function == "IF":
        return Call("IF", tuple(_random_expression(rng, depth - 1) for _ in range(3)))
    if function == "ABS":
        return Call("ABS", (_random_expression(rng, depth - 1),))
    if function == "ROUND":
        return Call("ROUND", (_random_expression(rng, depth - 1), Number(float(rng.randint(0, 2)))))
    return Call(function, tuple(_random_expression(rng, depth - 1) for _ in range(rng.randint(1, 3))))


def test_random_formulas_compute_the_same_in_libreoffice(libreoffice: str, tmp_path: Path) -> None:
    rng = random.Random(20261123)
    values = {"alpha": 3.25, "beta": -1.5, "gamma": 0.0}
    expressions = [_random_expression(rng, 4) for _ in range(300)]

    book = Workbook()
    inputs = book.active
    assert inputs is not None
    inputs.title = "Inputs"
    for row, name in enumerate(NAMES, start=1):
        inputs.cell(row=row, column=1, value=name)
        inputs.cell(row=row, column=2, value=values[name])
        book.defined_names[name] = DefinedName(name, attr_text=f"Inputs!$B${row}")
    formulas = book.create_sheet("Formulas")
    for row, expr in enumerate(expressions, start=1):
        formulas.cell(row=row, column=1, value=f"={to_excel(expr)}")
    source = tmp_path / "formulas.xlsx"
    book.save(source)

    computed = load_workbook(recalculate(source), data_only=True)["Formulas"]
    checked = errors = 0
    for row, expr in enumerate(expressions, start=1):
        cell = computed.cell(row=row, column=1).value
        try:
            expected = evaluate(expr, values)
        except EvaluationError:
            # Where the evaluator finds no value, the spreadsheet shows an error, not a number.
            assert not isinstance(cell, int | float), (to_excel(expr), cell)
            errors += 1
            continue
        assert isinstance(cell, int | float), (to_excel(expr), cell)
        assert cell == pytest.approx(expected, rel=1e-9, abs=1e-9), to_excel(expr)
        checked += 1
    assert checked >= 200 and errors >= 5, (checked, errors)
