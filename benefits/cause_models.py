"""An initiative's cause-and-effect model: reading, replacing whole (or keeping a draft), evaluating, templates."""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlmodel import Session, col, select

from benefits import audit
from benefits.actors import Actor
from benefits.authz import Action, require
from benefits.columns import QUANTITY_LIMIT, quantize, utc_now
from benefits.errors import Conflict, InvalidInput, InvalidModel, NotFound, Problem
from benefits.initiatives import check_version, get_initiative
from benefits.modelling.graph import CheckedModel, ModelSpec, NodeKind, NodeSpec, check
from benefits.modelling.templates import TEMPLATES
from benefits.models import Benefit, CauseModel, ModelDraft, ModelLink, ModelNode
from benefits.models.cause_model import (
    DraftRead,
    EvaluationRead,
    EvaluationRequest,
    LinkIn,
    LinkRead,
    ModelIn,
    ModelRead,
    NodeIn,
    NodeRead,
    NodeSummaryRead,
    ScenarioIn,
    SensitivityRead,
    SwingRead,
    TemplateRead,
)

# The functions that evaluate a model import benefits.modelling.simulation where they use it: with it come numpy and
# the expression parser, which load with the first model evaluated rather than when the service starts.
ENTITY = "model"
# Benefits valued by a node take its P10/P50/P90 from this many samples with this seed, so they are repeatable.
VALUATION_SAMPLES = 10_000
VALUATION_SEED = 1
# One evaluation draws at most this many values (samples x quantitative nodes), to bound its time and memory.
MAX_SAMPLE_CELLS = 2_000_000
MAX_SCENARIOS = 100  # as many as a whole model sent to the API may carry


@dataclass
class StoredModel:
    """An initiative's model as stored."""

    record: CauseModel | None
    nodes: list[ModelNode]
    links: list[ModelLink]
    draft: ModelDraft | None

    @property
    def version(self) -> int:
        """The model's version, for its ETag (0 before it is first saved)."""
        return self.record.version if self.record else 0


@dataclass(frozen=True)
class KeptAsDraft:
    """A model sent with problems: kept as the initiative's draft and not applied; the model in use is unchanged.

    A result, not an error: the draft must be kept, so the request's unit of work commits it.
    """

    refusal: InvalidModel

    @property
    def problems(self) -> list[Problem]:
        """Every problem the draft has, each naming its node where it has one."""
        return self.refusal.problems


def get_model(*, session: Session, initiative_id: int) -> StoredModel:
    """An initiative's model (empty if none was saved yet)."""
    get_initiative(session=session, initiative_id=initiative_id)
    nodes = session.exec(
        select(ModelNode).where(ModelNode.initiative_id == initiative_id).order_by(col(ModelNode.position))
    ).all()
    links = session.exec(
        select(ModelLink).where(ModelLink.initiative_id == initiative_id).order_by(col(ModelLink.id))
    ).all()
    return StoredModel(
        record=session.get(CauseModel, initiative_id),
        nodes=list(nodes),
        links=list(links),
        draft=session.get(ModelDraft, initiative_id),
    )


def _spec(nodes: list[NodeIn] | list[ModelNode], links: list[LinkIn] | list[ModelLink]) -> ModelSpec:
    return ModelSpec(
        nodes=tuple(
            NodeSpec(
                name=node.name,
                kind=NodeKind(node.kind),
                label=node.label,
                unit=node.unit,
                value=node.value,
                low=node.low,
                high=node.high,
                distribution=node.distribution,
                formula=node.formula or None,
                source=node.source,
            )
            for node in nodes
        ),
        links=tuple((link.source, link.target) for link in links),
    )


def checked_model(stored: StoredModel) -> CheckedModel:
    """The stored model ready to evaluate (a stored model always checks; only drafts have problems)."""
    checked = check(_spec(stored.nodes, stored.links))
    if isinstance(checked, list):
        raise InvalidModel("The stored model has errors.", checked)
    return checked


def model_view(stored: StoredModel) -> ModelRead:
    """The model as clients read it."""
    record = stored.record
    draft = None
    if stored.draft is not None:
        draft = DraftRead.model_validate(stored.draft, from_attributes=True)
    return ModelRead(
        nodes=[NodeRead.model_validate(node, from_attributes=True) for node in stored.nodes],
        links=[LinkRead(source=link.source, target=link.target) for link in stored.links],
        scenarios=[ScenarioIn.model_validate(scenario) for scenario in (record.scenarios if record else [])],
        version=stored.version,
        draft=draft,
    )


def _scenario_problems(scenarios: list[ScenarioIn], checked: CheckedModel) -> list[Problem]:
    assumptions = {node.name for node in checked.assumptions}
    problems, seen = [], set()
    for scenario in scenarios:
        if scenario.name in seen:
            problems.append(Problem("scenario_repeated", f"two scenarios are called {scenario.name}"))
        seen.add(scenario.name)
        for name in scenario.overrides:
            if name not in assumptions:
                problems.append(
                    Problem("unknown_assumption", f"scenario {scenario.name} overrides {name}, not an assumption",
                            node=name)
                )  # fmt: skip
    return problems


def problems_of(*, fields: ModelIn) -> list[Problem]:
    """Every problem of a model as written, found without keeping anything (to show them as its author types).

    The same checks as `replace_model` makes, except that a node some benefit is valued by is not looked up.
    """
    from benefits.modelling.simulation import deterministic

    checked = check(_spec(fields.nodes, fields.links))
    if isinstance(checked, list):
        return checked
    problems = _scenario_problems(fields.scenarios, checked)
    if not problems:
        try:
            deterministic(checked)
        except InvalidModel as error:
            problems = error.problems
    return problems


def _linked_benefits(session: Session, initiative_id: int) -> list[Benefit]:
    # Withdrawn benefits keep the estimate they ended with, and do not hold on to their node.
    return list(
        session.exec(
            select(Benefit)
            .where(
                Benefit.initiative_id == initiative_id,
                col(Benefit.model_node).is_not(None),
                col(Benefit.withdrawn).is_(False),
            )
            .order_by(col(Benefit.id))
            .with_for_update(of=Benefit)
        ).all()
    )


def _valuation_problems(benefits: list[Benefit], checked: CheckedModel) -> list[Problem]:
    problems = []
    for benefit in benefits:
        node = checked.nodes.get(benefit.model_node or "")
        if node is None or not node.kind.quantitative:
            problems.append(
                Problem(
                    "node_in_use",
                    f"benefit {benefit.id} ({benefit.title}) is valued by this node; unlink it first",
                    node=benefit.model_node,
                )
            )
    return problems


def _as_dicts(problems: list[Problem]) -> list[dict[str, Any]]:
    return [{"node": p.node, "code": p.code, "detail": p.detail} for p in problems]


def replace_model(
    *,
    session: Session,
    initiative_id: int,
    fields: ModelIn,
    expected_version: frozenset[int] | None,
    actor: Actor,
) -> StoredModel | KeptAsDraft:
    """Replace the whole model, or, when it has problems, keep it as the draft and say so, listing every problem.

    Nothing but the draft (and its line in the trail) is written when the model has problems.
    """
    from benefits.modelling.simulation import deterministic

    require(session=session, actor=actor, action=Action.edit_initiative, initiative_id=initiative_id)
    stored = get_model(session=session, initiative_id=initiative_id)
    check_version(current=stored.version, expected=expected_version, what="model")
    checked = check(_spec(fields.nodes, fields.links))
    linked = _linked_benefits(session, initiative_id)
    valuations: dict[str, tuple[Decimal, Decimal, Decimal]] = {}
    if isinstance(checked, list):
        problems = checked
    else:
        problems = _scenario_problems(fields.scenarios, checked) + _valuation_problems(linked, checked)
        if not problems:
            # Everything that could fail is computed before any row changes, so nothing is half-applied.
            try:
                deterministic(checked)
                valuations = valuations_of(checked, sorted({benefit.model_node or "" for benefit in linked}))
            except InvalidModel as error:
                problems = error.problems
    if problems:
        _keep_draft(
            session=session, initiative_id=initiative_id, stored=stored, fields=fields, problems=problems, actor=actor
        )
        return KeptAsDraft(
            InvalidModel(f"The model has {len(problems)} problem(s); it is kept as a draft, not applied.", problems)
        )
    assert not isinstance(checked, list)
    before = model_view(stored).model_dump(mode="json", include={"nodes", "links", "scenarios"}, by_alias=True)
    for row in [*stored.nodes, *stored.links]:
        session.delete(row)
    session.flush()
    for position, node in enumerate(fields.nodes):
        session.add(ModelNode(initiative_id=initiative_id, position=position, **node.model_dump()))
    for link in fields.links:
        session.add(ModelLink(initiative_id=initiative_id, source=link.source, target=link.target))
    record = stored.record or CauseModel(initiative_id=initiative_id)
    record.scenarios = [scenario.model_dump() for scenario in fields.scenarios]
    record.updated_at = utc_now()
    if stored.draft is not None:
        session.delete(stored.draft)
    session.add(record)
    session.flush()
    stored = get_model(session=session, initiative_id=initiative_id)
    after = model_view(stored).model_dump(mode="json", include={"nodes", "links", "scenarios"}, by_alias=True)
    audit.record(
        session=session,
        actor=actor,
        action="model_replaced",
        entity=ENTITY,
        entity_id=initiative_id,
        initiative_id=initiative_id,
        before=before,
        after=after,
    )
    _revalue(session=session, benefits=linked, valuations=valuations, actor=actor)
    return stored


def set_assumption(
    *, session: Session, initiative_id: int, name: str, value: float, actor: Actor, reason: str | None = None
) -> StoredModel:
    """Give one assumption a new most-likely value (within its range), and revalue the benefits it reaches."""
    from benefits.modelling.simulation import deterministic

    require(session=session, actor=actor, action=Action.edit_initiative, initiative_id=initiative_id)
    stored = get_model(session=session, initiative_id=initiative_id)
    node = next((node for node in stored.nodes if node.name == name), None)
    if node is None or node.kind != NodeKind.assumption:
        raise InvalidInput(
            f"{name} is not an assumption of this initiative's model.",
            [Problem("not_an_assumption", "name an assumption of the model", "assumption", node=name)],
        )
    if (node.low is not None and value < node.low) or (node.high is not None and value > node.high):
        bounds = f"{node.low if node.low is not None else '-'} to {node.high if node.high is not None else '-'}"
        raise Conflict(
            f"{value:g} is outside {name}'s range of {bounds}; widen the range first.",
            [Problem("outside_range", "the value must lie within the assumption's low and high", "value", node=name)],
        )
    before = node.value
    node.value = value
    session.flush()
    stored = get_model(session=session, initiative_id=initiative_id)
    checked = checked_model(stored)
    deterministic(checked)  # a value that breaks a formula (division by zero) is refused before anything is kept
    linked = _linked_benefits(session, initiative_id)
    valuations = valuations_of(checked, sorted({benefit.model_node or "" for benefit in linked}))
    record = stored.record or CauseModel(initiative_id=initiative_id)
    record.updated_at = utc_now()
    session.add(record)
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        action="assumption_set",
        entity=ENTITY,
        entity_id=initiative_id,
        initiative_id=initiative_id,
        before={name: before},
        after={name: value},
        reason=reason,
    )
    _revalue(session=session, benefits=linked, valuations=valuations, actor=actor)
    return get_model(session=session, initiative_id=initiative_id)


def _keep_draft(
    *,
    session: Session,
    initiative_id: int,
    stored: StoredModel,
    fields: ModelIn,
    problems: list[Problem],
    actor: Actor,
) -> None:
    draft = stored.draft or ModelDraft(initiative_id=initiative_id, model={}, problems=[], submitted_by="")
    draft.model = fields.model_dump(mode="json", by_alias=True)
    draft.problems = _as_dicts(problems)
    draft.submitted_at, draft.submitted_by = utc_now(), actor.name
    session.add(draft)
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        action="draft_kept",
        entity=ENTITY,
        entity_id=initiative_id,
        initiative_id=initiative_id,
        after={"problems": draft.problems},
    )


def valuations_of(checked: CheckedModel, nodes: list[str]) -> dict[str, tuple[Decimal, Decimal, Decimal]]:
    """Each node's P10, P50 and P90 (from one simulation), as a benefit's low, likely and high estimate."""
    from benefits.modelling.simulation import deterministic, simulate, summarise

    if not nodes:
        return {}
    summaries = summarise(
        checked, simulate(checked, samples=VALUATION_SAMPLES, seed=VALUATION_SEED), deterministic(checked)
    )
    found, problems = {}, []
    for node in nodes:
        summary = summaries[node]
        estimate = [Decimal(repr(value)) for value in (summary.p10, summary.p50, summary.p90)]
        if any(abs(value) > QUANTITY_LIMIT for value in estimate):
            problems.append(
                Problem("valuation_too_large", "a benefit's estimate is at most 1e12 either way", node=node)
            )
            continue
        found[node] = (quantize(estimate[0]), quantize(estimate[1]), quantize(estimate[2]))
    if problems:
        raise InvalidModel("A node valuing a benefit is out of range.", problems)
    return found


def valuation(checked: CheckedModel, node: str) -> tuple[Decimal, Decimal, Decimal]:
    """A node's P10, P50 and P90, as a benefit's low, likely and high estimate."""
    return valuations_of(checked, [node])[node]


def value_from_model(*, session: Session, initiative_id: int, node: str) -> tuple[Decimal, Decimal, Decimal]:
    """The estimate a benefit valued by `node` takes; InvalidModel when the node has no value."""
    checked = checked_model(get_model(session=session, initiative_id=initiative_id))
    spec = checked.nodes.get(node)
    if spec is None or not spec.kind.quantitative:
        raise InvalidModel(
            f"{node} is not a node with a value in this initiative's model.",
            [Problem("unknown_node", "not a quantitative node of the model", field="model_node", node=node)],
        )
    return valuation(checked, node)


def _revalue(
    *, session: Session, benefits: list[Benefit], valuations: dict[str, tuple[Decimal, Decimal, Decimal]], actor: Actor
) -> None:
    for benefit in benefits:
        node = benefit.model_node or ""
        low, likely, high = valuations[node]
        before = {"estimate_low": benefit.estimate_low, "estimate_likely": benefit.estimate_likely,
                  "estimate_high": benefit.estimate_high}  # fmt: skip
        benefit.estimate_low, benefit.estimate_likely, benefit.estimate_high = low, likely, high
        audit.record_update(
            session=session,
            actor=actor,
            row=benefit,
            entity="benefit",
            entity_id=benefit.id or 0,
            initiative_id=benefit.initiative_id,
            before=before,
            after={"estimate_low": low, "estimate_likely": likely, "estimate_high": high},
            reason=f"The model changed: estimate from {node} (P10, P50, P90)",
        )


def evaluate(*, session: Session, initiative_id: int, request: EvaluationRequest) -> EvaluationRead:
    """The model at most-likely values and by Monte Carlo, with a tornado (and switching values) for an output."""
    from benefits.modelling.simulation import deterministic, simulate, summarise, switching_value, tornado

    stored = get_model(session=session, initiative_id=initiative_id)
    if not stored.nodes:
        raise NotFound("This initiative has no model yet.")
    checked = checked_model(stored)
    cells = request.samples * max(1, len(checked.order))
    if cells > MAX_SAMPLE_CELLS:
        raise InvalidInput(
            f"{request.samples:,} samples of {len(checked.order)} nodes is too much work for one request.",
            [Problem("too_many_samples", f"samples x nodes is at most {MAX_SAMPLE_CELLS:,}.", "samples")],
        )
    overrides: dict[str, float] = {}
    if request.scenario is not None:
        scenarios = {s["name"]: s["overrides"] for s in (stored.record.scenarios if stored.record else [])}
        if request.scenario not in scenarios:
            raise Conflict(
                f"There is no scenario called {request.scenario}.",
                [Problem("unknown_scenario", "no such scenario", field="scenario")],
            )
        overrides.update(scenarios[request.scenario])
    overrides.update(request.overrides)
    values = deterministic(checked, overrides)
    drawn = simulate(checked, samples=request.samples, seed=request.seed, overrides=overrides)
    nodes = {name: NodeSummaryRead(**summary.__dict__) for name, summary in summarise(checked, drawn, values).items()}
    derived = [name for name in checked.order if name in checked.formulas]
    output = request.output or (derived[-1] if derived else None)
    sensitivity = None
    if output is not None:
        bars = [
            SwingRead(
                **bar.__dict__,
                swing=bar.swing,
                switching_value=None
                if request.threshold is None
                else switching_value(
                    checked, assumption=bar.assumption, output=output, threshold=request.threshold, overrides=overrides
                ),
            )
            for bar in tornado(checked, output, overrides)
        ]
        sensitivity = SensitivityRead(output=output, threshold=request.threshold, bars=bars)
    return EvaluationRead(
        samples=request.samples, seed=request.seed, scenario=request.scenario, nodes=nodes, sensitivity=sensitivity
    )


def templates() -> list[TemplateRead]:
    """The model templates on offer."""
    return [TemplateRead.model_validate(template) for template in TEMPLATES.values()]


def add_template(
    *, session: Session, initiative_id: int, template: str, expected_version: frozenset[int] | None, actor: Actor
) -> StoredModel | KeptAsDraft:
    """Add a template's nodes and links to the model; names already in the model are refused, not overwritten."""
    require(session=session, actor=actor, action=Action.edit_initiative, initiative_id=initiative_id)
    if template not in TEMPLATES:
        raise NotFound(f"There is no template called {template}; see /api/v1/model-templates.")
    stored = get_model(session=session, initiative_id=initiative_id)
    adding = ModelIn.model_validate(TEMPLATES[template]["model"])
    existing = {node.name.lower() for node in stored.nodes}
    clashes = sorted(node.name for node in adding.nodes if node.name.lower() in existing)
    if clashes:
        raise Conflict(
            "The model already has nodes of these names; rename them first.",
            [Problem("name_taken", "already in the model", node=name) for name in clashes],
        )
    current = model_view(stored)
    merged = ModelIn(
        # Stored nodes stand as kept (an older version may have kept text the checks now refuse); only the
        # template's nodes are new, and the whole model is still checked as a model when it is replaced.
        nodes=[NodeIn.model_construct(**node.model_dump()) for node in current.nodes] + adding.nodes,
        links=[LinkIn(source=link.source, target=link.target) for link in current.links] + adding.links,
        scenarios=current.scenarios,
    )
    return replace_model(
        session=session, initiative_id=initiative_id, fields=merged, expected_version=expected_version, actor=actor
    )


def _scenario_refusals(scenario: ScenarioIn, others: list[ScenarioIn], checked: CheckedModel) -> list[Problem]:
    """What stops a scenario joining the others: a name already taken, an override of no assumption, no value."""
    from benefits.modelling.simulation import deterministic

    problems = []
    if any(other.name.casefold() == scenario.name.casefold() for other in others):
        problems.append(Problem("scenario_repeated", f"another scenario is called {scenario.name}", field="name"))
    assumptions = {node.name for node in checked.assumptions}
    problems += [
        Problem("unknown_assumption", f"{name} is not an assumption of the model", field="overrides", node=name)
        for name in scenario.overrides
        if name not in assumptions
    ]
    if not problems:
        try:
            deterministic(checked, scenario.overrides)
        except InvalidModel as error:  # such as a division by zero at the overridden values
            problems += [
                Problem(p.code, f"with these overrides {p.node} has no value: {p.detail}", "overrides", p.node)
                for p in error.problems
            ]
    return problems


def _stored_scenarios(stored: StoredModel) -> list[ScenarioIn]:
    return [ScenarioIn.model_validate(scenario) for scenario in (stored.record.scenarios if stored.record else [])]


def _keep_scenarios(
    *, session: Session, initiative_id: int, stored: StoredModel, scenarios: list[ScenarioIn], actor: Actor,
    action: str, before: ScenarioIn | None, after: ScenarioIn | None,
) -> StoredModel:  # fmt: skip
    """Store the scenarios (a new list, so the JSON column sees the change) and record what changed."""
    record = stored.record or CauseModel(initiative_id=initiative_id)
    record.scenarios = [scenario.model_dump() for scenario in scenarios]
    record.updated_at = utc_now()
    session.add(record)
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        action=action,
        entity=ENTITY,
        entity_id=initiative_id,
        initiative_id=initiative_id,
        before=None if before is None else {"scenario": before.model_dump()},
        after=None if after is None else {"scenario": after.model_dump()},
    )
    return get_model(session=session, initiative_id=initiative_id)


def save_scenario(
    *,
    session: Session,
    initiative_id: int,
    scenario: ScenarioIn,
    replacing: str | None,
    expected_version: frozenset[int] | None,
    actor: Actor,
) -> StoredModel:
    """Add a scenario, or replace the one called `replacing` in its place; the nodes and links are untouched."""
    require(session=session, actor=actor, action=Action.edit_initiative, initiative_id=initiative_id)
    stored = get_model(session=session, initiative_id=initiative_id)
    check_version(current=stored.version, expected=expected_version, what="model")
    if not stored.nodes:
        raise InvalidInput(
            "This initiative has no model yet; add its assumptions first.",
            [Problem("no_model", "a scenario overrides the model's assumptions", field="name")],
        )
    scenarios = _stored_scenarios(stored)
    names = [existing.name for existing in scenarios]
    if replacing is not None and replacing not in names:
        raise NotFound(f"There is no scenario called {replacing}.")
    if replacing is None and len(scenarios) >= MAX_SCENARIOS:
        raise InvalidInput(
            f"A model holds at most {MAX_SCENARIOS} scenarios; delete one first.",
            [Problem("too_many_scenarios", f"at most {MAX_SCENARIOS} scenarios", field="name")],
        )
    others = [existing for existing in scenarios if existing.name != replacing]
    problems = _scenario_refusals(scenario, others, checked_model(stored))
    if problems:
        raise InvalidInput(f"The scenario {scenario.name} cannot be kept as it is.", problems)
    before = None
    if replacing is None:
        scenarios.append(scenario)
    else:
        position = names.index(replacing)
        before, scenarios[position] = scenarios[position], scenario
    return _keep_scenarios(
        session=session, initiative_id=initiative_id, stored=stored, scenarios=scenarios, actor=actor,
        action="scenario_saved", before=before, after=scenario,
    )  # fmt: skip


def delete_scenario(
    *, session: Session, initiative_id: int, name: str, expected_version: frozenset[int] | None, actor: Actor
) -> StoredModel:
    """Delete one scenario; the trail keeps what it was."""
    require(session=session, actor=actor, action=Action.edit_initiative, initiative_id=initiative_id)
    stored = get_model(session=session, initiative_id=initiative_id)
    check_version(current=stored.version, expected=expected_version, what="model")
    scenarios = _stored_scenarios(stored)
    gone = next((scenario for scenario in scenarios if scenario.name == name), None)
    if gone is None:
        raise NotFound(f"There is no scenario called {name}.")
    kept = [scenario for scenario in scenarios if scenario is not gone]
    return _keep_scenarios(
        session=session, initiative_id=initiative_id, stored=stored, scenarios=kept, actor=actor,
        action="scenario_deleted", before=gone, after=None,
    )  # fmt: skip


@dataclass(frozen=True)
class ScenarioOutcome:
    """One scenario's value of an output at most-likely values with its overrides, or why it has none."""

    scenario: ScenarioIn
    value: float | None
    problem: str | None = None


def scenario_outcomes(*, session: Session, initiative_id: int, output: str) -> tuple[float, list[ScenarioOutcome]]:
    """The output at most-likely values (the base case), and under each stored scenario's overrides."""
    from benefits.modelling.simulation import deterministic

    stored = get_model(session=session, initiative_id=initiative_id)
    if not stored.nodes:
        raise NotFound("This initiative has no model yet.")
    checked = checked_model(stored)
    if output not in checked.order:
        raise InvalidModel(
            f"{output} is not a node with a value.", [Problem("unknown_output", "not a node with a value", node=output)]
        )
    base = deterministic(checked)[output]
    outcomes = []
    for scenario in _stored_scenarios(stored):
        try:
            outcomes.append(ScenarioOutcome(scenario, deterministic(checked, scenario.overrides)[output]))
        except InvalidModel as error:  # a scenario stored before the model changed under it
            said = "; ".join(problem.detail for problem in error.problems) or error.detail
            outcomes.append(ScenarioOutcome(scenario, None, said))
    return base, outcomes
