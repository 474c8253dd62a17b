"""An initiative's cause-and-effect model: the map of its chain, and the editor that checks as its author types."""

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import numpy as np
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup
from pydantic import ValidationError

from api.deps import ResourceId, SessionDep
from benefits import cause_models, initiatives, measures, register
from benefits.actors import Actor
from benefits.authz import Action, allowed, require
from benefits.cause_models import StoredModel
from benefits.errors import DomainError, InvalidModel, ModelKeptAsDraft, Problem
from benefits.modelling.graph import Distribution, NodeKind
from benefits.modelling.simulation import deterministic, simulate
from benefits.models import Benefit
from benefits.models.cause_model import EvaluationRead, EvaluationRequest, LinkIn, ModelIn, NodeIn
from benefits.models.measure import MeasureRead
from web import charts
from web.forms import FormFields, about_the_form, field_errors, is_htmx
from web.map_svg import MapEdge, MapNode, lay_out, map_svg
from web.render import figure, money, render
from web.session import PageActor, check_csrf

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
    """A model value with its unit, rounded for people: £89,123 a year, 9,000 hours a year, 0.15 share."""
    if unit.upper().startswith("GBP"):
        rest = unit[3:].strip()
        # Pence matter in a cost per contact (£2.83); in larger sums they are noise.
        pounds = money(value) if abs(value) >= 100 else f"{'-' if value < 0 else ''}£{abs(value):,.2f}"
        return pounds + (f" {rest}" if rest else "")
    if abs(value) >= 100:
        number = figure(round(value))
    elif abs(value) >= 1 or value == 0:
        number = figure(value)
    else:
        number = f"{value:.2g}"
    return number + (f" {unit}" if unit else "")


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

    @property
    def failed(self) -> bool:
        """Whether what was asked could not be evaluated."""
        return bool(self.errors or self.refused)


def _asked(query: Mapping[str, str]) -> dict[str, str]:
    return {"output": query.get("output", "").strip(), "samples": query.get("samples", str(DEFAULT_SAMPLES)).strip(),
            "seed": query.get("seed", str(DEFAULT_SEED)).strip()}  # fmt: skip


def _request(results: Results) -> EvaluationRequest | None:
    """What was asked, read as the API reads it; each input that cannot be taken is named in `errors`."""
    numbers: dict[str, int] = {}
    for name, words in (("samples", "Samples"), ("seed", "Seed")):
        typed = results.asked[name].replace(",", "").replace("_", "")
        try:
            numbers[name] = int(typed)
        except ValueError:
            results.errors[name] = f"{words}: “{results.asked[name]}” is not a whole number"
    if results.errors:
        return None
    try:
        return EvaluationRequest(output=results.asked["output"] or None, **numbers)
    except ValidationError as error:
        for name, message in field_errors(error).items():
            results.errors[name] = f"{name.capitalize()}: {message}"
        return None


def _results(session: Any, stored: StoredModel, query: Mapping[str, str], initiative_id: int) -> Results | None:
    """Every node's value and spread by Monte Carlo, with a histogram and tornado for the chosen output."""
    if not stored.nodes:
        return None
    units = {node.name: node.unit for node in stored.nodes}
    labels = {node.name: node.label or node.name for node in stored.nodes}
    quantitative = [node.name for node in stored.nodes if node.kind in (NodeKind.assumption, NodeKind.derived)]
    results = Results(asked=_asked(query), outputs=[(name, labels[name]) for name in quantitative])
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
    base = f"/initiatives/{initiative_id}/model?samples={request.samples}&seed={request.seed}&output="
    results.links = [(name, label, base + quote(name) + "#results") for name, label in results.outputs]
    unit, summary = units.get(output, ""), evaluation.nodes[output]

    def say(value: float) -> str:
        return shown(value, unit)

    drawn = simulate(cause_models.checked_model(stored), samples=request.samples, seed=request.seed)[output]
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
    return results


def _model_page(
    request: Request, session: Any, actor: Actor, initiative_id: int, *, posted: Posted | None = None,
    use_draft: bool = True, status_code: int = 200, saved: bool = False, query: Mapping[str, str] | None = None,
    added: str = "", template_refused: list[str] | None = None,
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
    return render(request, "model.html", _context(initiative, rows, links_text, other) | {
        "results": results, "templates": offered, "added": added_name, "template_refused": template_refused or [],
        "actor": actor, "may_edit": may_edit, "draft": draft, "has_draft": stored.draft is not None,
        "values_now": _values_now(stored), "saved": saved, "checked": posted is not None,
        "kinds": [kind.value for kind in NodeKind], "distributions": [d.value for d in Distribution],
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
        cause_models.replace_model(
            session=session, initiative_id=initiative_id, fields=fields, expected_version=None, actor=actor
        )
    except ModelKeptAsDraft as error:
        session.commit()  # keep the draft; the model itself is unchanged
        posted.other.extend(_place_problems(posted.rows, error.problems))
        return _model_page(request, session, actor, initiative_id, posted=posted, status_code=422)
    except DomainError as error:
        session.rollback()
        problems = about_the_form(error).problems or [Problem(error.code, error.detail)]
        posted.other.extend(_place_problems(posted.rows, problems))
        return _model_page(request, session, actor, initiative_id, posted=posted, status_code=422)
    session.commit()
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
        cause_models.add_template(
            session=session, initiative_id=initiative_id, template=template, expected_version=None, actor=actor
        )
    except DomainError as error:
        if isinstance(error, ModelKeptAsDraft):
            session.commit()  # keep the draft, as the API does; the model itself is unchanged
        else:
            session.rollback()
        reasons = [error.detail] + [f"{p.node}: {p.detail}" if p.node else p.detail for p in error.problems]
        return _model_page(request, session, actor, initiative_id, status_code=422, template_refused=reasons)
    session.commit()
    return RedirectResponse(f"/initiatives/{initiative_id}/model?added={quote(template)}", status_code=303)


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
