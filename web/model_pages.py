"""An initiative's cause-and-effect model: the map of its chain, and the editor that checks as its author types."""

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup
from pydantic import ValidationError

from api.deps import ResourceId, SessionDep, undone_on_refusal
from benefits import cause_models, demand, formatting, initiatives, measures, register, switching
from benefits.actors import Actor
from benefits.authz import Action, allowed, require
from benefits.cause_models import StoredModel
from benefits.errors import DomainError, InvalidModel, NotFound, Problem
from benefits.modelling.graph import Distribution, NodeKind
from benefits.models import Benefit
from benefits.models.cause_model import (
    EvaluationRead,
    EvaluationRequest,
    LinkIn,
    ModelIn,
    NodeIn,
    ScenarioCreate,
    ScenarioIn,
)
from benefits.models.measure import MeasureRead
from web import charts
from web.forms import PLAIN_WORDS, FormFields, about_the_form, field_errors, is_htmx
from web.map_svg import MapEdge, MapNode, lay_out, map_svg
from web.render import figure, money, render
from web.session import PageActor, check_csrf

# numpy and benefits.modelling.simulation are imported where a model is evaluated, so they load with the first
# model shown rather than when the service starts.

router = APIRouter(include_in_schema=False)

FIELDS = ["name", "kind", "label", "unit", "low", "value", "high", "distribution", "formula", "source"]
LABELS = {"name": "Name", "kind": "Kind", "label": "Label", "unit": "Unit", "low": "Low", "value": "Most likely",
          "high": "High", "distribution": "Distribution", "formula": "Formula",
          "source": "Source or evidence"}  # fmt: skip
NUMBERS = ("low", "value", "high")
BLANK_ROWS = 3  # rows offered for new nodes
MAX_ROWS = 2100  # a little over the most nodes a model holds; a form with more rows is refused, naming why
# Which input a problem is about, so that input is marked invalid; any other problem marks the node's name.
FORMULA_CODES = {"syntax_error", "number_too_large", "wrong_arguments", "too_long", "too_deep", "unknown_name",
                 "not_quantitative", "formula_missing", "formula_on_assumption", "division_by_zero", "not_a_number",
                 "overflow"}  # fmt: skip
VALUE_CODES = {"value_missing": "value", "value_outside_range": "value", "value_on_derived": "value",
               "value_on_qualitative": "value", "range_incomplete": "low", "range_invalid": "low"}  # fmt: skip


@dataclass
class Row:
    """One node's row of the editor: the text of each input, and what is wrong with it."""

    index: int
    values: dict[str, str]
    removed: bool = False
    problems: list[str] = field(default_factory=list)
    invalid: set[str] = field(default_factory=set)

    @property
    def empty(self) -> bool:
        """Whether nothing was typed in the row."""
        return (
            not self.removed
            and not self.problems
            and not any(self.values[name] for name in FIELDS if name != "distribution")
        )

    @property
    def first_invalid(self) -> str:
        """The first input with a problem, in the row's order, for a summary's link to land on."""
        return next((name for name in FIELDS if name in self.invalid), "name")

    def mark(self, problem: str, where: str) -> None:
        """Note a problem and the input it concerns."""
        self.problems.append(problem)
        self.invalid.add(where)


@dataclass
class Posted:
    """The editor's form read back: its rows and links as typed, and the model they make where they could be read."""

    rows: list[Row]
    links_text: str
    nodes: list[NodeIn]
    links: list[LinkIn]
    other: list[str] = field(default_factory=list)

    @property
    def readable(self) -> bool:
        """Whether every row and link could be read (only then is there a whole model to check or keep)."""
        return not self.other and not any(row.problems for row in self.rows)


def _text(value: float | None) -> str:
    """A number as typed back into its input: whole numbers without a point, others exactly."""
    if value is None:
        return ""
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)


def _row(index: int, node: dict[str, Any]) -> Row:
    values = {name: "" for name in FIELDS}
    for name in FIELDS:
        given = node.get(name)
        if name in NUMBERS:
            values[name] = _text(given)
        elif given is not None:
            values[name] = str(getattr(given, "value", given))
    return Row(index=index, values=values)


def _blank(index: int) -> Row:
    return Row(index=index, values={name: "" for name in FIELDS} | {"distribution": Distribution.triangular.value})


def _links_text(links: list[tuple[str, str]]) -> str:
    return "\n".join(f"{source} -> {target}" for source, target in links)


def _number(row: Row, name: str) -> float | None:
    typed = row.values[name].replace(",", "").replace("_", "")
    if not typed:
        return None
    try:
        number = float(typed)
    except ValueError:
        number = math.nan
    if not math.isfinite(number):
        row.mark(f"{LABELS[name]}: “{row.values[name]}” is not a number", name)
        return None
    return number


def _read_row(row: Row) -> NodeIn | None:
    typed = row.values
    if not typed["name"]:
        if any(typed[name] for name in FIELDS if name not in ("kind", "distribution")):
            row.mark("give the node a name (or clear the row)", "name")
        return None
    if not typed["kind"]:
        row.mark("choose the node's kind", "kind")
        return None
    numbers = {name: _number(row, name) for name in NUMBERS}
    try:
        node = NodeIn(
            name=typed["name"], kind=typed["kind"], label=typed["label"], unit=typed["unit"],
            distribution=typed["distribution"] or Distribution.triangular, formula=typed["formula"] or None,
            source=typed["source"], **numbers,
        )  # fmt: skip
    except ValidationError as error:
        for item in error.errors(include_url=False):
            where = str(item["loc"][0]) if item["loc"] else "name"
            row.mark(f"{LABELS.get(where, where)}: {item['msg']}", where)
        return None
    return None if row.problems else node


def _read_links(text: str, other: list[str]) -> list[LinkIn]:
    links = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        source, arrow, target = (part.strip() for part in line.partition("->"))
        if not arrow or not source or not target:
            other.append(f"Links, line {number}: write each link as source -> target")
            continue
        try:
            links.append(LinkIn(source=source, target=target))
        except ValidationError:
            other.append(f"Links, line {number}: a node's name has 1 to 60 characters")
    return links


def read_form(form: dict[str, str]) -> Posted:
    """The rows and links typed into the editor, each unreadable one marked with its reason."""
    rows, nodes = [], []
    for index in range(MAX_ROWS):
        if f"name_{index}" not in form:
            break
        row = Row(index=index, values={name: form.get(f"{name}_{index}", "").strip() for name in FIELDS},
                  removed=bool(form.get(f"remove_{index}")))  # fmt: skip
        rows.append(row)
        node = None if row.removed else _read_row(row)
        if node is not None:
            nodes.append(node)
    links_text = form.get("links", "")
    other: list[str] = []
    if f"name_{MAX_ROWS}" in form:  # rows past the last read are not dropped in silence
        other.append(f"The form has more than {MAX_ROWS:,} rows; a model holds fewer nodes than that.")
    links = _read_links(links_text, other)
    return Posted(rows=rows, links_text=links_text, nodes=nodes, links=links, other=other)


def _place_problems(rows: list[Row], problems: list[Problem]) -> list[str]:
    """Each problem beside the row of the node it names; those naming no row are returned to show with the links."""
    named: dict[str, list[Row]] = {}
    for row in rows:
        if row.values["name"] and not row.removed:
            named.setdefault(row.values["name"], []).append(row)
    elsewhere = []
    for problem in problems:
        found = named.get(problem.node or "", [])
        if problem.code == "name_repeated":
            found = found[1:] or found  # the later row is the one that repeats the name
        if not found:
            elsewhere.append(f"{problem.node}: {problem.detail}" if problem.node else problem.detail)
        for row in found:
            formula = problem.code in FORMULA_CODES or problem.detail.startswith("formula")
            row.mark(problem.detail, "formula" if formula else VALUE_CODES.get(problem.code, "name"))
    return elsewhere


def _stand_in(row: Row) -> NodeIn | None:
    """A node standing in for a row that could not be read, so the rows that refer to it are not blamed too."""
    kind = row.values["kind"] if row.values["kind"] in {kind.value for kind in NodeKind} else NodeKind.assumption
    try:
        # A plain 1: neither the row's own (perhaps broken) formula nor a zero another formula might divide by.
        return NodeIn(name=row.values["name"], kind=kind, value=1.0 if kind == NodeKind.assumption else None,
                      formula="1" if kind == NodeKind.derived else None)  # fmt: skip
    except ValidationError:
        return None


def _check_typed(posted: Posted, stored: StoredModel) -> None:
    """The model as typed, checked by the domain and kept nowhere; each problem put beside the row it names."""
    unreadable = [row for row in posted.rows if row.problems and row.values["name"] and not row.removed]
    stand_ins = [node for node in map(_stand_in, unreadable) if node is not None]
    scenarios = cause_models.model_view(stored).scenarios
    typed = ModelIn.model_construct(nodes=[*posted.nodes, *stand_ins], links=posted.links, scenarios=scenarios)
    # A row that could not be read already says why; what the check finds of its stand-in is not news.
    stood_in = {row.values["name"] for row in unreadable}
    problems = [problem for problem in cause_models.problems_of(fields=typed)
                if problem.node not in stood_in or problem.code == "name_repeated"]  # fmt: skip
    posted.other.extend(_place_problems([row for row in posted.rows if not row.problems], problems))


def _fields(posted: Posted, stored: StoredModel) -> ModelIn | None:
    """The model the form makes, keeping the stored scenarios (the editor does not change them)."""
    scenarios = cause_models.model_view(stored).scenarios
    try:
        return ModelIn(nodes=posted.nodes, links=posted.links, scenarios=scenarios)
    except ValidationError as error:
        posted.other.extend(item["msg"] for item in error.errors(include_url=False))
        return None


def _values_now(stored: StoredModel) -> dict[str, float]:
    """Each quantitative node's value at most-likely assumptions, for the model in use."""
    from benefits.modelling.simulation import deterministic

    if not stored.nodes:
        return {}
    try:
        return deterministic(cause_models.checked_model(stored))
    except InvalidModel:
        return {}


DEFAULT_SAMPLES, DEFAULT_SEED = 10_000, 1  # as the API's evaluation, and as a benefit's estimate is drawn
HISTOGRAM_BINS = 30
PERCENTILES = ("P10", "P50", "P90")


def shown(value: float, unit: str) -> str:
    """A model value with its unit, rounded half-up for people: £89,123 a year, 9,000 hours a year, 0.15 share."""
    if unit.upper().startswith("GBP"):
        rest = unit[3:].strip()
        # Pence matter in a cost per contact (£2.83); in larger sums they are noise.
        pounds = money(value) if abs(value) >= 100 else formatting.money(value, pence=True)
        return pounds + (f" {rest}" if rest else "")
    if abs(value) >= 100:
        number = formatting.quantity(value, places=0)
    elif abs(value) >= 1 or value == 0:
        number = figure(value)
    else:
        number = formatting.significant(value, 2)
    return number + (f" {unit}" if unit else "")


def with_unit(value: float, unit: str) -> str:
    """A value as `shown`, but a share as a percentage to a tenth (19.5%), so a scenario's 0.195 is not read as 0.2."""
    if unit.strip().lower() == "share":
        return formatting.percent(value, places=1)
    return shown(value, unit)


def bare(value: float, unit: str) -> str:
    """A value for a table whose row names its unit: pounds keep their £ and shares read as percentages."""
    if unit.upper().startswith("GBP"):
        return shown(value, "GBP")
    return with_unit(value, unit if unit.strip().lower() == "share" else "")


@dataclass
class Results:
    """The Monte Carlo evaluation the page shows (what was asked, as typed), or why there is none."""

    asked: dict[str, str]
    outputs: list[tuple[str, str]]
    errors: dict[str, str] = field(default_factory=dict)
    refused: list[str] = field(default_factory=list)
    evaluation: EvaluationRead | None = None
    output: str = ""
    nodes: list[dict[str, Any]] = field(default_factory=list)
    histogram: Markup | None = None
    histogram_rows: list[tuple[str, str, int]] = field(default_factory=list)
    tornado: Markup | None = None
    tornado_rows: list[dict[str, str]] = field(default_factory=list)
    links: list[tuple[str, str, str]] = field(default_factory=list)
    scenarios: list[str] = field(default_factory=list)
    threshold: str = ""
    output_unit: str = ""
    switching_rows: list[dict[str, Any]] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        """Whether what was asked could not be evaluated."""
        return bool(self.errors or self.refused)


def _asked(query: Mapping[str, str]) -> dict[str, str]:
    return {"output": query.get("output", "").strip(), "samples": query.get("samples", str(DEFAULT_SAMPLES)).strip(),
            "seed": query.get("seed", str(DEFAULT_SEED)).strip(), "scenario": query.get("scenario", "").strip(),
            "threshold": query.get("threshold", "").strip()}  # fmt: skip


NUMBER_HINT = "type a number as you would write it, such as 45,000, £2.83 or 12.5%"


def typed_number(text: str) -> float | None:
    """A number as people type it (45,000, £45,000, 12.5% meaning 0.125); None when blank; ValueError if not one."""
    cleaned = text.strip().replace(",", "").replace("£", "").replace("_", "").replace(" ", "")
    if not cleaned:
        return None
    share = cleaned.endswith("%")
    try:
        number = Decimal(cleaned.removesuffix("%"))
    except InvalidOperation:
        raise ValueError(text) from None
    if not number.is_finite():
        raise ValueError(text)
    return float(number / 100 if share else number)


def change_from(value: float, base: float) -> str:
    """How far a value lies from a base, as a signed percentage of it (a dash when the base is zero)."""
    if base == 0:
        return formatting.NOTHING
    change = (value - base) / abs(base)
    said = formatting.percent(change, places=1)
    return said if said.startswith("-") or said == "0%" else "+" + said


def _request(results: Results) -> EvaluationRequest | None:
    """What was asked, read as the API reads it; each input that cannot be taken is named in `errors`."""
    numbers: dict[str, int] = {}
    for name, words in (("samples", "Samples"), ("seed", "Seed")):
        typed = results.asked[name].replace(",", "").replace("_", "")
        try:
            numbers[name] = int(typed)
        except ValueError:
            results.errors[name] = f"{words}: “{results.asked[name]}” is not a whole number"
    threshold = 0.0
    try:
        threshold = typed_number(results.asked["threshold"]) or 0.0
    except ValueError:
        results.errors["threshold"] = f"Break-even: “{results.asked['threshold']}” is not a number; {NUMBER_HINT}"
    if results.errors:
        return None
    try:
        return EvaluationRequest(output=results.asked["output"] or None, scenario=results.asked["scenario"] or None,
                                 threshold=threshold, **numbers)  # fmt: skip
    except ValidationError as error:
        for name, message in field_errors(error).items():
            results.errors[name] = f"{name.capitalize()}: {message}"
        return None


def _results(session: Any, stored: StoredModel, query: Mapping[str, str], initiative_id: int) -> Results | None:
    """Every node's value and spread by Monte Carlo, with a histogram and tornado for the chosen output."""
    import numpy as np

    from benefits.modelling.simulation import simulate

    if not stored.nodes:
        return None
    units = {node.name: node.unit for node in stored.nodes}
    labels = {node.name: node.label or node.name for node in stored.nodes}
    quantitative = [node.name for node in stored.nodes if node.kind in (NodeKind.assumption, NodeKind.derived)]
    scenarios = {scenario.name: scenario.overrides for scenario in cause_models.model_view(stored).scenarios}
    results = Results(asked=_asked(query), outputs=[(name, labels[name]) for name in quantitative],
                      scenarios=list(scenarios))  # fmt: skip
    request = _request(results)
    if request is None:
        return results
    try:
        evaluation = cause_models.evaluate(session=session, initiative_id=initiative_id, request=request)
    except DomainError as error:
        results.refused = [error.detail] + [f"{p.node}: {p.detail}" if p.node else p.detail for p in error.problems]
        return results
    results.evaluation = evaluation
    for name, summary in evaluation.nodes.items():
        unit = units.get(name, "")
        results.nodes.append({"name": name, "label": labels.get(name, name)} | {
            key: shown(getattr(summary, key), unit) for key in ("value", "mean", "p10", "p50", "p90")})  # fmt: skip
    if evaluation.sensitivity is None:
        return results
    output = results.output = evaluation.sensitivity.output
    kept = {"samples": request.samples, "seed": request.seed, "scenario": request.scenario or "",
            "threshold": results.asked["threshold"]}  # fmt: skip
    base = f"/initiatives/{initiative_id}/model?{urlencode({k: v for k, v in kept.items() if v != ''})}&output="
    results.links = [(name, label, base + quote(name) + "#results") for name, label in results.outputs]
    unit, summary = units.get(output, ""), evaluation.nodes[output]

    def say(value: float) -> str:
        return shown(value, unit)

    overrides = scenarios.get(request.scenario or "", {})
    checked = cause_models.checked_model(stored)
    drawn = simulate(checked, samples=request.samples, seed=request.seed, overrides=overrides)[output]
    counts, edges = np.histogram(drawn, bins=HISTOGRAM_BINS)
    marks = list(zip(PERCENTILES, (summary.p10, summary.p50, summary.p90), strict=True))
    results.histogram = charts.histogram_svg(
        [float(edge) for edge in edges], [int(count) for count in counts], percentiles=marks, shown=say,
        title=f"Distribution of {output} ({labels.get(output, output)})",
        description=charts.describe_histogram(output, request.samples, marks, say),
        across=f"{labels.get(output, output)}{f' ({unit})' if unit else ''}",
    )  # fmt: skip
    results.histogram_rows = [(say(float(edges[i])), say(float(edges[i + 1])), int(count))
                              for i, count in enumerate(counts)]  # fmt: skip
    bars = evaluation.sensitivity.bars
    results.tornado = charts.tornado_svg(
        bars, centre=summary.value, shown=say, title=f"Tornado of {output}: which assumptions move it most",
        description=charts.describe_tornado(output, bars, say),
        across=f"{labels.get(output, output)}{f' ({unit})' if unit else ''}",
    )  # fmt: skip
    results.tornado_rows = [{
        "assumption": bar.assumption, "label": labels.get(bar.assumption, bar.assumption),
        "low": shown(bar.low, units.get(bar.assumption, "")), "high": shown(bar.high, units.get(bar.assumption, "")),
        "at_low": say(bar.output_at_low), "at_high": say(bar.output_at_high), "swing": say(bar.swing),
    } for bar in bars]  # fmt: skip
    results.threshold, results.output_unit = say(request.threshold or 0.0), unit
    nodes = {node.name: node for node in stored.nodes}
    for bar in bars:
        unit_of, likely = units.get(bar.assumption, ""), float(nodes[bar.assumption].value or 0)
        found = bar.switching_value
        results.switching_rows.append({
            "assumption": bar.assumption, "label": labels.get(bar.assumption, bar.assumption), "unit": unit_of,
            "low": bare(bar.low, unit_of), "likely": bare(likely, unit_of), "high": bare(bar.high, unit_of),
            "at_low": bare(bar.output_at_low, unit), "at_high": bare(bar.output_at_high, unit), "value": found,
            "switching": None if found is None else bare(found, unit_of),
            "change": None if found is None else change_from(found, likely),
        })  # fmt: skip
    return results


@dataclass
class NpvSwitching:
    """Where each ranged assumption turns the economic NPV to zero, as the page shows it, or why it cannot say."""

    npv: str = ""
    linked_benefits: int = 0
    rows: list[dict[str, Any]] = field(default_factory=list)
    refused: str = ""


def _npv_switching(session: Any, stored: StoredModel, initiative_id: int) -> NpvSwitching | None:
    """The economic NPV's switching values (as the API's switching-values endpoint gives them)."""
    if not stored.nodes:
        return None
    try:
        found = switching.switching_values(session=session, initiative_id=initiative_id)
    except DomainError as error:
        return NpvSwitching(refused=error.detail)
    labels = {node.name: node.label or node.name for node in stored.nodes}
    rows = [{
        "assumption": row.assumption, "label": labels.get(row.assumption, row.assumption), "unit": row.unit,
        "low": bare(row.low, row.unit), "likely": bare(row.most_likely, row.unit), "high": bare(row.high, row.unit),
        "at_low": money(row.npv_at_low) if row.npv_at_low is not None else "no value",
        "at_high": money(row.npv_at_high) if row.npv_at_high is not None else "no value",
        "value": row.switching_value,
        "switching": None if row.switching_value is None else bare(row.switching_value, row.unit),
        "change": None if row.switching_value is None else change_from(row.switching_value, row.most_likely),
    } for row in found.assumptions]  # fmt: skip
    return NpvSwitching(npv=money(found.npv), linked_benefits=found.linked_benefits, rows=rows)


@dataclass
class ScenarioForm:
    """The form that adds or edits a scenario: what was typed in each input, and what is wrong, by input."""

    name: str = ""
    replacing: str = ""
    overrides: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def first_invalid(self) -> str:
        """The id of the first input with a problem, for the summary's link to land on."""
        first = next(iter(self.errors), "name")
        return "scenario-name" if first == "name" else f"override-{first.removeprefix('override_')}"


SCENARIO_DONE = {"added": "Scenario “{}” added.", "saved": "Scenario “{}” saved.", "deleted": "Scenario “{}” deleted."}


def _scenario_form(form: Mapping[str, str], assumptions: list[str]) -> tuple[ScenarioForm, ScenarioIn | None]:
    """The scenario as typed, and the scenario it makes when every input can be read."""
    overrides_typed = {name: form.get(f"override_{name}", "").strip() for name in assumptions}
    typed = ScenarioForm(name=form.get("name", "").strip(), replacing=form.get("replacing", "").strip(),
                         overrides=overrides_typed)  # fmt: skip
    overrides: dict[str, float] = {}
    for name, text in typed.overrides.items():
        try:
            value = typed_number(text)
        except ValueError:
            typed.errors[f"override_{name}"] = f"Override of {name}: “{text}” is not a number; {NUMBER_HINT}."
            continue
        if value is not None:
            overrides[name] = value
    if not typed.name:
        typed.errors = {"name": "Name: give the scenario a name, such as “low take-up”."} | typed.errors
    if not overrides and not typed.errors:
        first = f"override_{assumptions[0]}" if assumptions else "name"
        typed.errors[first] = "Override at least one assumption: a scenario with none is the base case."
    if typed.errors:
        return typed, None
    try:
        # Checked as a client's scenario is: a name typed here meets the same rules as one sent to the API.
        return typed, ScenarioCreate(name=typed.name, overrides=overrides)
    except ValidationError as error:
        for item in error.errors(include_url=False):
            where = [str(part) for part in item["loc"]]
            if where[:1] == ["overrides"] and len(where) > 1:
                typed.errors[f"override_{where[1]}"] = f"Override of {where[1]}: {item['msg']}"
            else:
                said = PLAIN_WORDS.get(item["type"], str(item["msg"]).removeprefix("Value error, "))
                typed.errors.setdefault("name", f"Name: {said}")
        return typed, None


def typed_back(value: float, unit: str) -> str:
    """An override as typed back into its input, exactly as kept: 580,000, 2.83, or a share as 19.5%."""
    exact = Decimal(repr(value)) * (100 if unit.strip().lower() == "share" else 1)
    text = f"{exact:,f}"
    text = text.rstrip("0").rstrip(".") if "." in text else text
    return text + ("%" if unit.strip().lower() == "share" else "")


def _scenario_refused(typed: ScenarioForm, error: DomainError, assumptions: list[str]) -> None:
    """A domain refusal put beside the input it is about: the name, an override, or the overrides as a whole."""
    for problem in error.problems or [Problem(error.code, error.detail)]:
        if problem.field == "overrides" and problem.node in assumptions:
            where = f"override_{problem.node}"
        elif problem.field == "overrides" and assumptions:
            where = f"override_{assumptions[0]}"
        else:
            where = "name"
        words = "Name" if where == "name" else f"Override of {where.removeprefix('override_')}"
        typed.errors.setdefault(where, f"{words}: {problem.detail}.")


def _assumption_rows(stored: StoredModel) -> list[dict[str, str]]:
    """Each assumption as the scenario form offers it: its name, label, unit and base-case value."""
    return [{"name": node.name, "label": node.label or node.name, "unit": node.unit,
             "likely": bare(float(node.value or 0), node.unit),
             "range": f"{bare(node.low, node.unit)} to {bare(node.high, node.unit)}"
             if node.low is not None and node.high is not None else ""}
            for node in stored.nodes if node.kind is NodeKind.assumption]  # fmt: skip


def _scenario_rows(
    session: Any, stored: StoredModel, initiative_id: int, output: str
) -> tuple[dict[str, str], list[dict[str, Any]]]:
    """The chosen output and the economic NPV at the base case and under each scenario, the output's change too."""
    units = {node.name: node.unit for node in stored.nodes}
    unit = units.get(output, "")
    try:
        base, outcomes = cause_models.scenario_outcomes(session=session, initiative_id=initiative_id, output=output)
    except DomainError:
        return {}, []
    try:
        npv_base, npvs = switching.scenario_npvs(session=session, initiative_id=initiative_id)
    except DomainError:
        npv_base, npvs = None, {}
    rows = []
    for outcome in outcomes:
        overrides = [f"{name} {with_unit(value, units.get(name, ''))}"
                     for name, value in outcome.scenario.overrides.items()]  # fmt: skip
        rows.append({
            "name": outcome.scenario.name, "overrides": overrides, "value": outcome.value, "problem": outcome.problem,
            "shown": None if outcome.value is None else shown(outcome.value, unit),
            "change": None if outcome.value is None else change_from(outcome.value, base),
            "npv": money(npvs[outcome.scenario.name]) if npvs.get(outcome.scenario.name) is not None else "no value",
        })  # fmt: skip
    return {"value": shown(base, unit), "npv": money(npv_base) if npv_base is not None else ""}, rows


def _model_page(
    request: Request, session: Any, actor: Actor, initiative_id: int, *, posted: Posted | None = None,
    use_draft: bool = True, status_code: int = 200, saved: bool = False, query: Mapping[str, str] | None = None,
    added: str = "", template_refused: list[str] | None = None, scenario_form: ScenarioForm | None = None,
) -> HTMLResponse:  # fmt: skip
    initiative = initiatives.get_initiative(session=session, initiative_id=initiative_id)
    stored = cause_models.get_model(session=session, initiative_id=initiative_id)
    may_edit = allowed(session=session, actor=actor, action=Action.edit_initiative, initiative_id=initiative_id)
    draft = stored.draft if may_edit and use_draft else None
    other: list[str] = []
    if posted is not None:
        rows, links_text, other = posted.rows, posted.links_text, posted.other
    elif draft is not None:
        rows = [_row(index, node) for index, node in enumerate(draft.model.get("nodes", []))]
        links_text = _links_text([(link["from"], link["to"]) for link in draft.model.get("links", [])])
        problems = [Problem(p["code"], p["detail"], node=p["node"]) for p in draft.problems]
        other = _place_problems(rows, problems)
    else:
        rows = [_row(index, node.model_dump()) for index, node in enumerate(stored.nodes)]
        links_text = _links_text([(link.source, link.target) for link in stored.links])
    if may_edit:
        while rows and rows[-1].empty:  # blank rows sent back are offered again, not added to
            rows.pop()
        rows = rows + [_blank(len(rows) + offset) for offset in range(BLANK_ROWS)]
    results = _results(session, stored, query or {}, initiative_id)
    if results is not None and results.failed and status_code == 200:
        status_code = 422  # what was asked cannot be evaluated: the page says why
    offered = cause_models.templates()
    added_name = next((template.name for template in offered if template.key == added), "")
    output = results.output if results is not None else ""
    base_case, scenario_rows = _scenario_rows(session, stored, initiative_id, output) if output else ({}, [])
    done = request.query_params.get("scenario_done", "")
    scenario_done = SCENARIO_DONE[done].format(request.query_params.get("named", "")[:100]) \
        if done in SCENARIO_DONE else ""  # fmt: skip
    return render(request, "model.html", _context(initiative, rows, links_text, other) | {
        "results": results, "templates": offered, "added": added_name, "template_refused": template_refused or [],
        "output": output, "base_case": base_case, "scenario_rows": scenario_rows, "scenario_done": scenario_done,
        "scenario_form": scenario_form or ScenarioForm(), "assumptions": _assumption_rows(stored),
        "npv_switching": _npv_switching(session, stored, initiative_id),
        "actor": actor, "may_edit": may_edit, "draft": draft, "has_draft": stored.draft is not None,
        "values_now": _values_now(stored), "saved": saved, "checked": posted is not None,
        "kinds": [kind.value for kind in NodeKind], "distributions": [d.value for d in Distribution],
        "demand_bound": demand.bindings(session=session, initiative_id=initiative_id),  # names and figures only
        "demand_words": demand.FIGURE_WORDS,
    }, status_code=status_code)  # fmt: skip


def _context(initiative: Any, rows: list[Row], links_text: str, other: list[str]) -> dict[str, Any]:
    return {"initiative": initiative, "rows": rows, "links_text": links_text, "other": other, "labels": LABELS,
            "problem_count": sum(len(row.problems) for row in rows) + len(other)}  # fmt: skip


@router.get("/initiatives/{initiative_id}/model", response_class=HTMLResponse)
def model_page(
    initiative_id: ResourceId, request: Request, session: SessionDep, actor: PageActor, draft: bool = True
) -> Response:
    """The model's nodes and links: a form for those who may edit it (its draft, if one is kept), a table for others."""
    saved = request.query_params.get("saved") == "1"
    added = request.query_params.get("added", "")
    return _model_page(request, session, actor, initiative_id, use_draft=draft, saved=saved,
                       query=request.query_params, added=added)  # fmt: skip


def _posted(
    request: Request, session: Any, actor: Actor, initiative_id: int, form: dict[str, str]
) -> tuple[Posted, StoredModel]:
    """The editor's form, from someone who may edit the model, read beside the model as stored."""
    check_csrf(request, form.get("csrf", ""))
    require(session=session, actor=actor, action=Action.edit_initiative, initiative_id=initiative_id)
    return read_form(form), cause_models.get_model(session=session, initiative_id=initiative_id)


@router.post("/initiatives/{initiative_id}/model", response_class=HTMLResponse)
def save_model(
    initiative_id: ResourceId, request: Request, session: SessionDep, actor: PageActor, form: FormFields
) -> Response:
    """Replace the model with the form's; one with problems is kept as the draft and shown with each beside its node."""
    posted, stored = _posted(request, session, actor, initiative_id, form)
    fields = _fields(posted, stored) if posted.readable else None
    if fields is None:  # nothing whole to keep: what could not be read is marked, and the rest checked
        _check_typed(posted, stored)
        return _model_page(request, session, actor, initiative_id, posted=posted, status_code=422)
    try:
        with undone_on_refusal(session):
            replaced = cause_models.replace_model(
                session=session, initiative_id=initiative_id, fields=fields, expected_version=None, actor=actor
            )
    except DomainError as error:
        problems = about_the_form(error).problems or [Problem(error.code, error.detail)]
        posted.other.extend(_place_problems(posted.rows, problems))
        return _model_page(request, session, actor, initiative_id, posted=posted, status_code=422)
    if isinstance(replaced, cause_models.KeptAsDraft):  # the draft stands; the model in use is unchanged
        posted.other.extend(_place_problems(posted.rows, replaced.problems))
        return _model_page(request, session, actor, initiative_id, posted=posted, status_code=422)
    return RedirectResponse(f"/initiatives/{initiative_id}/model?saved=1", status_code=303)


@router.post("/initiatives/{initiative_id}/model/check", response_class=HTMLResponse)
def check_model(
    initiative_id: ResourceId, request: Request, session: SessionDep, actor: PageActor, form: FormFields
) -> Response:
    """The model as typed, checked and not kept: an htmx request gets only the problems, each for its node's row."""
    posted, stored = _posted(request, session, actor, initiative_id, form)
    _check_typed(posted, stored)
    if not is_htmx(request):  # asked for as a page: the editor with the problems marked
        return _model_page(request, session, actor, initiative_id, posted=posted)
    initiative = initiatives.get_initiative(session=session, initiative_id=initiative_id)
    context = _context(initiative, posted.rows, posted.links_text, posted.other)
    return render(request, "model.html", context | {"actor": actor, "partial": True, "checked": True},
                  block="problems")  # fmt: skip


@router.post("/initiatives/{initiative_id}/model/template", response_class=HTMLResponse)
def apply_template(
    initiative_id: ResourceId, request: Request, session: SessionDep, actor: PageActor, form: FormFields
) -> Response:
    """Add a template's nodes and links to the model; a refusal is shown beside the templates, with its reasons."""
    check_csrf(request, form.get("csrf", ""))
    require(session=session, actor=actor, action=Action.edit_initiative, initiative_id=initiative_id)
    template = form.get("template", "")
    try:
        with undone_on_refusal(session):
            added = cause_models.add_template(
                session=session, initiative_id=initiative_id, template=template, expected_version=None, actor=actor
            )
    except DomainError as error:
        return _model_page(request, session, actor, initiative_id, status_code=422,
                           template_refused=_reasons(error))  # fmt: skip
    if isinstance(added, cause_models.KeptAsDraft):  # kept as the draft, as the API does; the model is unchanged
        return _model_page(request, session, actor, initiative_id, status_code=422,
                           template_refused=_reasons(added.refusal))  # fmt: skip
    return RedirectResponse(f"/initiatives/{initiative_id}/model?added={quote(template)}", status_code=303)


def _reasons(refusal: DomainError) -> list[str]:
    """A refused template's reasons: the refusal, then each problem with the node it names."""
    return [refusal.detail] + [f"{p.node}: {p.detail}" if p.node else p.detail for p in refusal.problems]


def _back_to_scenarios(initiative_id: int, output: str, done: str, name: str) -> RedirectResponse:
    """To the model page's scenarios, the chosen output kept, saying what was done (post/redirect/get)."""
    query = urlencode(({"output": output} if output else {}) | {"scenario_done": done, "named": name})
    return RedirectResponse(f"/initiatives/{initiative_id}/model?{query}#scenarios", status_code=303)


def _scenario_page(
    request: Request, session: Any, actor: Actor, initiative_id: int, typed: ScenarioForm, output: str,
    status_code: int = 200,
) -> HTMLResponse:  # fmt: skip
    initiative = initiatives.get_initiative(session=session, initiative_id=initiative_id)
    stored = cause_models.get_model(session=session, initiative_id=initiative_id)
    return render(request, "scenario.html", {
        "actor": actor, "initiative": initiative, "scenario_form": typed, "assumptions": _assumption_rows(stored),
        "output": output}, status_code=status_code)  # fmt: skip


@router.get("/initiatives/{initiative_id}/model/scenario", response_class=HTMLResponse)
def scenario_page(
    initiative_id: ResourceId, request: Request, session: SessionDep, actor: PageActor, name: str = "", output: str = ""
) -> Response:
    """The form that edits one scenario, filled with its overrides."""
    require(session=session, actor=actor, action=Action.edit_initiative, initiative_id=initiative_id)
    stored = cause_models.get_model(session=session, initiative_id=initiative_id)
    scenarios = cause_models.model_view(stored).scenarios
    scenario = next((scenario for scenario in scenarios if scenario.name == name), None)
    if scenario is None:
        raise NotFound(f"There is no scenario called {name[:100]}; the model page lists those there are.")
    units = {node.name: node.unit for node in stored.nodes}
    typed = ScenarioForm(name=scenario.name, replacing=scenario.name, overrides={
        key: typed_back(value, units.get(key, "")) for key, value in scenario.overrides.items()})  # fmt: skip
    return _scenario_page(request, session, actor, initiative_id, typed, output[:60])


@router.post("/initiatives/{initiative_id}/model/scenarios", response_class=HTMLResponse)
def save_scenario(
    initiative_id: ResourceId, request: Request, session: SessionDep, actor: PageActor, form: FormFields
) -> Response:
    """Add a scenario, or save one edited; a refusal is shown beside the input it is about, everything typed kept."""
    check_csrf(request, form.get("csrf", ""))
    require(session=session, actor=actor, action=Action.edit_initiative, initiative_id=initiative_id)
    stored = cause_models.get_model(session=session, initiative_id=initiative_id)
    assumptions = [node.name for node in stored.nodes if node.kind is NodeKind.assumption]
    typed, scenario = _scenario_form(form, assumptions)
    output = form.get("output", "")[:60]
    if scenario is not None:
        try:
            with undone_on_refusal(session):
                cause_models.save_scenario(
                    session=session, initiative_id=initiative_id, scenario=scenario,
                    replacing=typed.replacing or None, expected_version=None, actor=actor,
                )  # fmt: skip
        except DomainError as error:
            _scenario_refused(typed, about_the_form(error), assumptions)
        else:
            return _back_to_scenarios(initiative_id, output, "saved" if typed.replacing else "added", scenario.name)
    if typed.replacing:
        return _scenario_page(request, session, actor, initiative_id, typed, output, status_code=422)
    query = {"output": output} if output else {}
    return _model_page(request, session, actor, initiative_id, status_code=422, query=query, scenario_form=typed)


@router.post("/initiatives/{initiative_id}/model/scenarios/delete", response_class=HTMLResponse)
def delete_scenario(
    initiative_id: ResourceId, request: Request, session: SessionDep, actor: PageActor, form: FormFields
) -> Response:
    """Delete one scenario (the trail keeps what it was)."""
    check_csrf(request, form.get("csrf", ""))
    name = form.get("name", "")
    cause_models.delete_scenario(session=session, initiative_id=initiative_id, name=name, expected_version=None,
                                 actor=actor)  # fmt: skip
    return _back_to_scenarios(initiative_id, form.get("output", "")[:60], "deleted", name)


def _chain(
    initiative_id: int, stored: StoredModel, benefits: list[Benefit], found: list[MeasureRead]
) -> tuple[list[MapNode], list[MapEdge]]:
    """The map's boxes and arrows: the model's nodes and links, formula inputs, measures and benefits."""
    nodes, edges = [], []
    for node in stored.nodes:
        kind = "model_benefit" if node.kind is NodeKind.benefit else node.kind.value
        href = f"/initiatives/{initiative_id}/model#node-{quote(node.name)}"
        nodes.append(MapNode(f"node:{node.name}", kind, node.label or node.name, href))
    linked = {(link.source, link.target) for link in stored.links}
    edges += [MapEdge(f"node:{source}", f"node:{target}") for source, target in sorted(linked)]
    inputs = cause_models.checked_model(stored).inputs if stored.nodes else {}
    for target, sources in sorted(inputs.items()):
        edges += [MapEdge(f"node:{source}", f"node:{target}", "input") for source in sorted(sources)
                  if (source, target) not in linked]  # fmt: skip
    for measure in found:
        nodes.append(MapNode(f"measure:{measure.id}", "measure", measure.name, f"/measures/{measure.id}"))
        if measure.model_node:
            edges.append(MapEdge(f"node:{measure.model_node}", f"measure:{measure.id}", "measures"))
        key = f"measure:{measure.id}"
        edges += [MapEdge(key, f"benefit:{benefit}", "evidences") for benefit in measure.benefit_ids]
    for benefit in benefits:
        nodes.append(MapNode(f"benefit:{benefit.id}", "benefit", benefit.title, f"/benefits/{benefit.id}"))
        if benefit.model_node:
            edges.append(MapEdge(f"node:{benefit.model_node}", f"benefit:{benefit.id}", "values"))
    return nodes, edges


@router.get("/initiatives/{initiative_id}/map", response_class=HTMLResponse)
def map_page(initiative_id: ResourceId, request: Request, session: SessionDep, actor: PageActor) -> Response:
    """The cause-and-effect map: enablers to objectives through the model, its measures and the benefits."""
    initiative = initiatives.get_initiative(session=session, initiative_id=initiative_id)
    stored = cause_models.get_model(session=session, initiative_id=initiative_id)
    benefits = register.list_benefits(session=session, initiative_id=initiative_id, limit=1000, offset=0,
                                      withdrawn=False).items  # fmt: skip
    listed = measures.list_measures(session=session, initiative_id=initiative_id, limit=500, offset=0).items
    found = measures.measure_views(session=session, measures=listed)
    layout = lay_out(*_chain(initiative_id, stored, benefits, found))
    description = (f"How {initiative.name}'s enablers lead through business changes, the model's assumptions and "
                   "derived values, and its measures, to benefits and objectives. The list below the map gives "
                   "the same chain in words.")  # fmt: skip
    svg = map_svg(layout, title=f"Cause-and-effect map of {initiative.name}", description=description)
    return render(request, "map.html", {"actor": actor, "initiative": initiative, "layout": layout, "svg": svg})
