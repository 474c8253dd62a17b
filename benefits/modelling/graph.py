"""A cause-and-effect model as plain values: its nodes and links, checked whole, in evaluation order."""

from dataclasses import dataclass, field
from enum import StrEnum
from graphlib import CycleError, TopologicalSorter
from typing import TYPE_CHECKING

from benefits.errors import Problem

if TYPE_CHECKING:
    from benefits.modelling.expressions import Expr


class NodeKind(StrEnum):
    """What a node is: a quantified input or formula, or a qualitative step of the benefits-dependency chain."""

    assumption = "assumption"
    derived = "derived"
    enabler = "enabler"
    change = "change"
    benefit = "benefit"
    objective = "objective"

    @property
    def quantitative(self) -> bool:
        """Whether the node has a value."""
        return self in (NodeKind.assumption, NodeKind.derived)


class Distribution(StrEnum):
    """How an assumption's range is sampled."""

    triangular = "triangular"
    pert = "pert"


@dataclass(frozen=True)
class NodeSpec:
    """One node as written by its author."""

    name: str
    kind: NodeKind
    label: str = ""
    unit: str = ""
    value: float | None = None
    low: float | None = None
    high: float | None = None
    distribution: Distribution = Distribution.triangular
    formula: str | None = None
    source: str = ""

    @property
    def ranged(self) -> bool:
        """Whether the assumption has a range to sample (and a low below its high)."""
        return self.low is not None and self.high is not None and self.high > self.low


@dataclass(frozen=True)
class ModelSpec:
    """The whole model: nodes, and explicit links (the qualitative chain, and any others the author draws)."""

    nodes: tuple[NodeSpec, ...]
    links: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class CheckedModel:
    """A model with no problems: its parsed formulas and the order in which values are computed."""

    spec: ModelSpec
    nodes: dict[str, NodeSpec]
    formulas: dict[str, "Expr"]
    order: tuple[str, ...]
    inputs: dict[str, frozenset[str]] = field(default_factory=dict)

    @property
    def assumptions(self) -> list[NodeSpec]:
        """The assumption nodes, in the author's order."""
        return [node for node in self.spec.nodes if node.kind is NodeKind.assumption]


def check(spec: ModelSpec) -> CheckedModel | list[Problem]:
    """The model ready to evaluate, or every problem found, each naming its node."""
    # The expression language brings its parser (lark) and numpy: they load with the first model checked, not when
    # the models' tables (which name NodeKind and Distribution) are imported at start-up.
    from benefits.modelling.expressions import ExpressionError, name_problem, names_in, parse

    problems: list[Problem] = []
    nodes: dict[str, NodeSpec] = {}
    for node in spec.nodes:
        wrong_name = name_problem(node.name)
        if wrong_name:
            problems.append(Problem("name_invalid", wrong_name, node=node.name))
        elif node.name.lower() in {name.lower() for name in nodes}:
            problems.append(Problem("name_repeated", f"another node is called {node.name}", node=node.name))
        else:
            nodes[node.name] = node
        problems.extend(_node_problems(node))
    formulas: dict[str, Expr] = {}
    edges: dict[str, set[str]] = {name: set() for name in nodes}
    for node in nodes.values():
        if node.kind is not NodeKind.derived or not node.formula:
            continue
        try:
            formulas[node.name] = parse(node.formula)
        except ExpressionError as error:
            where = f" (column {error.column})" if error.column and "column" not in error.detail else ""
            problems.append(Problem(error.code, f"formula: {error.detail}{where}", node=node.name))
            continue
        for name in sorted(names_in(formulas[node.name])):
            if name not in nodes:
                problems.append(
                    Problem("unknown_name", f"the formula uses {name}, which is not a node", node=node.name)
                )
            elif not nodes[name].kind.quantitative:
                problems.append(
                    Problem("not_quantitative", f"{name} is a {nodes[name].kind} node and has no value", node=node.name)
                )
            else:
                edges[node.name].add(name)
    for source, target in spec.links:
        for end in (source, target):
            if end not in nodes:
                problems.append(Problem("unknown_node", f"a link names {end}, which is not a node", node=end))
        if source in nodes and target in nodes:
            edges[target].add(source)
    order: tuple[str, ...] = ()
    try:
        order = tuple(TopologicalSorter(edges).static_order())
    except CycleError as error:
        cycle = list(dict.fromkeys(error.args[1]))
        problems.append(Problem("cycle", "these nodes depend on each other in a loop: " + " -> ".join(error.args[1])
                                , node=cycle[0]))  # fmt: skip
    if problems:
        return problems
    quantitative = tuple(name for name in order if nodes[name].kind.quantitative)
    inputs = {name: frozenset(names_in(expr)) for name, expr in formulas.items()}
    return CheckedModel(spec=spec, nodes=nodes, formulas=formulas, order=quantitative, inputs=inputs)


def _node_problems(node: NodeSpec) -> list[Problem]:
    problems = []
    if node.kind is NodeKind.assumption:
        if node.value is None:
            problems.append(Problem("value_missing", "an assumption needs a most-likely value", node=node.name))
        if (node.low is None) != (node.high is None):
            problems.append(Problem("range_incomplete", "give both a low and a high, or neither", node=node.name))
        elif node.low is not None and node.high is not None:
            if node.low > node.high:
                problems.append(Problem("range_invalid", "the low is above the high", node=node.name))
            elif node.value is not None and not node.low <= node.value <= node.high:
                problems.append(
                    Problem("value_outside_range", "the most-likely value is outside low-high", node=node.name)
                )
        if node.formula:
            problems.append(
                Problem("formula_on_assumption", "an assumption has a value, not a formula", node=node.name)
            )
    elif node.kind is NodeKind.derived:
        if not node.formula:
            problems.append(Problem("formula_missing", "a derived node needs a formula", node=node.name))
        if node.value is not None or node.low is not None or node.high is not None:
            problems.append(
                Problem("value_on_derived", "a derived node's value comes from its formula", node=node.name)
            )
    elif node.formula or node.value is not None or node.low is not None or node.high is not None:
        problems.append(
            Problem("value_on_qualitative", f"a {node.kind} node is qualitative: no value or formula", node=node.name)
        )
    return problems
