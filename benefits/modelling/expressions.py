"""The model's small Excel-like expression language: parsed once, then evaluated three ways.

`+ - * / ^`, unary minus, parentheses, comparisons (`= <> < > <= >=`), numbers, node names and the functions
MIN, MAX, IF, ROUND, SUM and ABS. Precedence follows Excel so the three back ends agree: unary minus binds
tighter than `^` (so `-2^2` is 4), and `^` associates to the left (so `2^3^2` is 64).
"""

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from lark import Lark, Token, Transformer, UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, v_args

_GRAMMAR = r"""
?start: comparison
?comparison: sum | sum COMPARE sum -> compare
?sum: product | sum ADD product -> binary
?product: power | product MUL power -> binary
?power: unary | power POW unary -> binary
?unary: atom | SIGN unary -> unary
?atom: NUMBER -> number
     | NAME "(" [comparison ("," comparison)*] ")" -> call
     | NAME -> name
     | "(" comparison ")"
COMPARE: "<=" | ">=" | "<>" | "=" | "<" | ">"
ADD: "+" | "-"
MUL: "*" | "/"
POW: "^"
SIGN: "+" | "-"
NUMBER: /(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/
NAME: /[A-Za-z_][A-Za-z0-9_]*/
%import common.WS
%ignore WS
"""

FUNCTIONS: dict[str, tuple[int, int | None]] = {
    "MIN": (1, None),
    "MAX": (1, None),
    "SUM": (1, None),
    "IF": (3, 3),
    "ROUND": (2, 2),
    "ABS": (1, 1),
}
# Names a node may not take: they are functions, Excel words, or look like cell references in a workbook.
_CELL = re.compile(r"^([A-Za-z]{1,3}[0-9]+|[Rr][0-9]*[Cc]?[0-9]*|[Cc][0-9]*)$")
_RESERVED = {"TRUE", "FALSE", *FUNCTIONS}
MAX_NAME = 60
# Deeper formulas are refused: every back end walks the tree recursively, and no real model needs more.
MAX_DEPTH = 120


class ExpressionError(ValueError):
    """A formula that cannot be read: what is wrong and, for syntax, the 1-based column."""

    def __init__(self, code: str, detail: str, column: int | None = None) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail
        self.column = column


class EvaluationError(ArithmeticError):
    """A formula that cannot be computed with these values, such as a division by zero."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


def name_problem(name: str) -> str | None:
    """Why a node name cannot be used (it must also serve as a workbook defined name), or None."""
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        return "a name starts with a letter or _ and has only letters, digits and _"
    if len(name) > MAX_NAME:
        return f"a name has at most {MAX_NAME} characters"
    if name.upper() in _RESERVED:
        return f"'{name}' is a reserved word"
    if _CELL.match(name):
        return f"'{name}' looks like a spreadsheet cell reference; add a word, e.g. '{name}_count'"
    return None


# The parsed form: plain tuples, so it is cheap to keep and to walk.
@dataclass(frozen=True)
class Number:
    """A literal number."""

    value: float


@dataclass(frozen=True)
class Name:
    """A reference to another node's value."""

    name: str


@dataclass(frozen=True)
class Unary:
    """`-x` or `+x`."""

    op: str
    operand: "Expr"


@dataclass(frozen=True)
class Binary:
    """An arithmetic operation or a comparison."""

    op: str
    left: "Expr"
    right: "Expr"


@dataclass(frozen=True)
class Call:
    """A function call."""

    function: str
    arguments: tuple["Expr", ...]


Expr = Number | Name | Unary | Binary | Call


@v_args(inline=True)
class _ToTree(Transformer[Token, Expr]):
    def number(self, token: Token) -> Number:
        value = float(token)
        if not math.isfinite(value) or abs(value) > 1e300:
            raise ExpressionError("number_too_large", f"{token} is too large a number", token.column)
        return Number(value)

    def name(self, token: Token) -> Name:
        return Name(str(token))

    def unary(self, sign: Token, operand: Expr) -> Expr:
        return Unary(str(sign), operand)

    def binary(self, left: Expr, op: Token, right: Expr) -> Binary:
        return Binary(str(op), left, right)

    def compare(self, left: Expr, op: Token, right: Expr) -> Binary:
        return Binary(str(op), left, right)

    def call(self, function: Token, *arguments: Expr | None) -> Call:
        name = str(function).upper()
        given = tuple(argument for argument in arguments if argument is not None)
        if name not in FUNCTIONS:
            raise ExpressionError(
                "unknown_function",
                f"{function} is not a function here; use {', '.join(sorted(FUNCTIONS))}",
                function.column,
            )
        least, most = FUNCTIONS[name]
        if len(given) < least or (most is not None and len(given) > most):
            wanted = str(least) if least == most else f"at least {least}"
            raise ExpressionError("wrong_arguments", f"{name} takes {wanted} argument(s), not {len(given)}", None)
        return Call(name, given)


@lru_cache(maxsize=1)
def _parser() -> Lark:
    return Lark(_GRAMMAR, parser="lalr", maybe_placeholders=True)


@lru_cache(maxsize=4096)
def parse(formula: str) -> Expr:
    """The parsed form of a formula, or ExpressionError naming what is wrong and where."""
    if len(formula) > 2000:
        raise ExpressionError("too_long", "a formula has at most 2,000 characters")
    try:
        tree = _parser().parse(formula)
        expr = _ToTree().transform(tree)
    except ExpressionError:
        raise
    except RecursionError:
        raise ExpressionError("too_deep", f"a formula nests at most {MAX_DEPTH} levels deep") from None
    except UnexpectedEOF:
        raise ExpressionError("syntax_error", "the formula ends too soon", len(formula) + 1) from None
    except UnexpectedCharacters as error:
        character = formula[error.pos_in_stream or 0]
        raise ExpressionError(
            "syntax_error", f"unexpected '{character}' at column {error.column}", error.column
        ) from None
    except UnexpectedInput as error:
        column = getattr(error, "column", None)
        token = getattr(error, "token", "")
        if getattr(token, "type", "") == "$END":
            raise ExpressionError("syntax_error", "the formula ends too soon", len(formula) + 1) from None
        where = f" at column {column}" if isinstance(column, int) and column > 0 else ""
        shown = f"'{token}'" if token else "the end"
        raise ExpressionError("syntax_error", f"unexpected {shown}{where}", column) from None
    except Exception as error:  # lark wraps errors raised in the transformer
        inner = getattr(error, "orig_exc", None)
        if isinstance(inner, ExpressionError):
            raise inner from None
        if isinstance(inner, RecursionError):
            raise ExpressionError("too_deep", f"a formula nests at most {MAX_DEPTH} levels deep") from None
        raise
    if _depth(expr) > MAX_DEPTH:
        raise ExpressionError("too_deep", f"a formula nests at most {MAX_DEPTH} levels deep")
    return expr


def _depth(expr: Expr) -> int:
    """How deep the tree goes, counted without recursion."""
    deepest, stack = 0, [(expr, 1)]
    while stack:
        node, level = stack.pop()
        deepest = max(deepest, level)
        if isinstance(node, Unary):
            stack.append((node.operand, level + 1))
        elif isinstance(node, Binary):
            stack.extend([(node.left, level + 1), (node.right, level + 1)])
        elif isinstance(node, Call):
            stack.extend((argument, level + 1) for argument in node.arguments)
    return deepest


def names_in(expr: Expr) -> set[str]:
    """The node names a parsed formula refers to."""
    if isinstance(expr, Name):
        return {expr.name}
    if isinstance(expr, Unary):
        return names_in(expr.operand)
    if isinstance(expr, Binary):
        return names_in(expr.left) | names_in(expr.right)
    if isinstance(expr, Call):
        return set().union(*(names_in(argument) for argument in expr.arguments))
    return set()


# ---- scalar evaluation -------------------------------------------------------------------------


def _round_half_away(value: float, digits: float) -> float:
    # Excel rounds half away from zero, and treats 2.675 as the decimal it was typed as; the tiny
    # relative nudge does that for values a binary float holds just under the half.
    digits = max(-15, min(15, int(digits)))  # beyond 15 digits either way rounding changes nothing or all
    if digits < 0 and abs(value) < 0.5 * 10.0**-digits:
        return 0.0
    factor = 10.0**digits
    if abs(value) * factor >= 1e15:  # no digits left to round away
        return value
    scaled = abs(value) * factor * (1 + 4 * np.finfo(float).eps)
    return math.copysign(math.floor(scaled + 0.5) / factor, value)


def _power(base: float, exponent: float) -> float:
    if base == 0 and exponent <= 0:
        raise EvaluationError("not_a_number", "0 raised to a power of 0 or less has no value")
    if base < 0 and not float(exponent).is_integer():
        raise EvaluationError("not_a_number", "a negative number raised to a fractional power has no real value")
    result = base**exponent
    if isinstance(result, complex) or math.isinf(result):
        raise EvaluationError("overflow", "the power is too large")
    return float(result)


_COMPARE: dict[str, Callable[[float, float], bool]] = {
    "=": lambda a, b: a == b,
    "<>": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    ">": lambda a, b: a > b,
    "<=": lambda a, b: a <= b,
    ">=": lambda a, b: a >= b,
}


def evaluate(expr: Expr, values: Mapping[str, float]) -> float:
    """The formula's value for one set of node values; EvaluationError for a division by zero, an overflow and
    the like (where a spreadsheet shows an error and the vectorised evaluator NaN)."""
    try:
        result = _evaluate(expr, values)
    except (OverflowError, ZeroDivisionError, ValueError) as error:
        raise EvaluationError("overflow", "a value is too large to compute") from error
    if not math.isfinite(result):
        raise EvaluationError("overflow", "a value is too large to compute")
    return result


def _evaluate(expr: Expr, values: Mapping[str, float]) -> float:
    if isinstance(expr, Number):
        return expr.value
    if isinstance(expr, Name):
        return values[expr.name]
    if isinstance(expr, Unary):
        operand = _checked(expr.operand, values)
        return -operand if expr.op == "-" else operand
    if isinstance(expr, Binary):
        left, right = _checked(expr.left, values), _checked(expr.right, values)
        if expr.op in _COMPARE:
            return 1.0 if _COMPARE[expr.op](left, right) else 0.0
        if expr.op == "+":
            return left + right
        if expr.op == "-":
            return left - right
        if expr.op == "*":
            return left * right
        if expr.op == "/":
            if right == 0:
                raise EvaluationError("division_by_zero", "division by zero")
            return left / right
        return _power(left, right)
    arguments = expr.arguments
    if expr.function == "IF":
        condition = _checked(arguments[0], values)
        return _checked(arguments[1] if condition != 0 else arguments[2], values)
    computed = [_checked(argument, values) for argument in arguments]
    if expr.function == "MIN":
        return min(computed)
    if expr.function == "MAX":
        return max(computed)
    if expr.function == "SUM":
        return math.fsum(computed)
    if expr.function == "ABS":
        return abs(computed[0])
    return _round_half_away(computed[0], computed[1])


def _checked(expr: Expr, values: Mapping[str, float]) -> float:
    # Every intermediate value must be finite, so an overflow is an error wherever it happens (as in Excel).
    result = _evaluate(expr, values)
    if not math.isfinite(result):
        raise EvaluationError("overflow", "a value is too large to compute")
    return result


# ---- vectorised evaluation ---------------------------------------------------------------------

Vector = np.ndarray[Any, np.dtype[np.float64]]


def evaluate_vector(expr: Expr, values: Mapping[str, Vector | float], size: int) -> Vector:
    """The formula over arrays of samples in one pass; impossible results (x/0 and the like) are NaN."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        result = _vector(expr, values)
    return np.broadcast_to(np.asarray(result, dtype=np.float64), (size,))


def _vector(expr: Expr, values: Mapping[str, Vector | float]) -> Any:
    if isinstance(expr, Number):
        return expr.value
    if isinstance(expr, Name):
        return values[expr.name]
    if isinstance(expr, Unary):
        operand = _vector(expr.operand, values)
        return -operand if expr.op == "-" else operand
    if isinstance(expr, Binary):
        left, right = _vector(expr.left, values), _vector(expr.right, values)
        if expr.op in _COMPARE:
            # An impossible operand makes the comparison impossible too, as an error does in Excel.
            return np.where(np.isnan(left) | np.isnan(right), np.nan, _COMPARE[expr.op](left, right) * 1.0)
        if expr.op == "+":
            return left + right
        if expr.op == "-":
            return left - right
        if expr.op == "*":
            return left * right
        if expr.op == "/":
            return np.where(right == 0, np.nan, left / np.where(right == 0, 1.0, right))
        base, exponent = np.asarray(left, dtype=np.float64), np.asarray(right, dtype=np.float64)
        invalid = ((base == 0) & (exponent <= 0)) | ((base < 0) & (exponent != np.floor(exponent)))
        powered = np.power(np.where(invalid, 1.0, base), exponent)
        return np.where(invalid | np.isinf(powered), np.nan, powered)
    arguments = [_vector(argument, values) for argument in expr.arguments]
    if expr.function == "IF":
        condition = np.asarray(arguments[0])
        return np.where(np.isnan(condition), np.nan, np.where(condition != 0, arguments[1], arguments[2]))
    if expr.function == "MIN":
        return _reduce(np.minimum, arguments)
    if expr.function == "MAX":
        return _reduce(np.maximum, arguments)
    if expr.function == "SUM":
        return _reduce(np.add, arguments)
    if expr.function == "ABS":
        return np.abs(arguments[0])
    value, digits = np.asarray(arguments[0], dtype=np.float64), np.asarray(arguments[1], dtype=np.float64)
    factor = 10.0 ** np.clip(np.trunc(digits), -15, 15)
    scaled = np.abs(value) * factor * (1 + 4 * np.finfo(float).eps)
    rounded = np.copysign(np.floor(scaled + 0.5) / factor, value)
    return np.where(np.abs(value) * factor >= 1e15, value, rounded)


def _reduce(operation: Any, arguments: list[Any]) -> Any:
    result = arguments[0]
    for argument in arguments[1:]:
        result = operation(result, argument)
    return result


# ---- Excel formula text ------------------------------------------------------------------------

_PRECEDENCE = {"=": 1, "<>": 1, "<": 1, ">": 1, "<=": 1, ">=": 1, "+": 2, "-": 2, "*": 3, "/": 3, "^": 4}


def to_excel(expr: Expr, name_for: Callable[[str], str] = str) -> str:
    """The formula as Excel writes it (without the leading `=`), node names mapped by `name_for`.

    Excel keeps a comparison's result as TRUE/FALSE, which sorts above every number and which SUM, MIN and
    MAX skip in referenced cells; so each comparison but an IF's condition is wrapped in N() to make it 1 or 0,
    as the other back ends have it.
    """
    return _print(expr, name_for, excel=True, as_number=True)


def _number_text(value: float) -> str:
    value = float(value)
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value).upper()


def _print(expr: Expr, name_for: Callable[[str], str], *, excel: bool, as_number: bool) -> str:
    if isinstance(expr, Number):
        return _number_text(expr.value)
    if isinstance(expr, Name):
        return name_for(expr.name)
    if isinstance(expr, Unary):
        inner = _print(expr.operand, name_for, excel=excel, as_number=True)
        if isinstance(expr.operand, Binary) and not (excel and expr.operand.op in _COMPARE):
            inner = f"({inner})"
        return f"{expr.op}{inner}"
    if isinstance(expr, Binary):
        precedence = _PRECEDENCE[expr.op]
        left = _print(expr.left, name_for, excel=excel, as_number=True)
        right = _print(expr.right, name_for, excel=excel, as_number=True)
        comparing = expr.op in _COMPARE
        left_wrapped = excel and isinstance(expr.left, Binary) and expr.left.op in _COMPARE
        right_wrapped = excel and isinstance(expr.right, Binary) and expr.right.op in _COMPARE
        if (
            isinstance(expr.left, Binary)
            and not left_wrapped
            and (_PRECEDENCE[expr.left.op] < precedence or (comparing and expr.left.op in _COMPARE))
        ):
            left = f"({left})"
        # Left-associative: a right operand of equal precedence needs brackets ("a-(b-c)", "2^(3^2)").
        if isinstance(expr.right, Binary) and not right_wrapped and _PRECEDENCE[expr.right.op] <= precedence:
            right = f"({right})"
        text = f"{left}{expr.op}{right}"
        return f"N({text})" if excel and comparing and as_number else text
    printed = [
        _print(argument, name_for, excel=excel, as_number=not (expr.function == "IF" and index == 0))
        for index, argument in enumerate(expr.arguments)
    ]
    return f"{expr.function}({','.join(printed)})"


def to_text(expr: Expr) -> str:
    """The formula written back in the model's own language."""
    return _print(expr, str, excel=False, as_number=True)
