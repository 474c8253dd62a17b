"""Scenarios kept one at a time beside the model: added, edited in place, refused with the field named, deleted."""

from decimal import Decimal

import pytest
from sqlmodel import Session

from benefits import audit, cause_models, costs, register, switching
from benefits.errors import Forbidden, InvalidInput, NotFound, StaleVersion
from benefits.models import Role
from benefits.models.benefit import ProfileEntryIn
from benefits.models.cause_model import ModelIn, NodeIn, ScenarioIn
from benefits.models.cost import CostAmountIn, CostKind, CostLineCreate
from tests.support.factories import TESTER, actor_of, make_benefit, make_initiative, make_person

MODEL = ModelIn(
    nodes=[
        NodeIn(name="calls", kind="assumption", unit="calls a year", value=1000, low=800, high=1200),
        NodeIn(name="share", kind="assumption", unit="share", value=0.3, low=0.2, high=0.4),
        NodeIn(name="cost", kind="assumption", unit="GBP", value=2.5),
        NodeIn(name="saving", kind="derived", unit="GBP a year", formula="calls * share * cost"),
        NodeIn(name="per_share", kind="derived", unit="GBP", formula="cost / share"),
    ],
    scenarios=[ScenarioIn(name="busy", overrides={"calls": 1100})],
)


def _initiative_with_model(session: Session) -> int:
    initiative = make_initiative(session)
    assert initiative.id is not None
    cause_models.replace_model(
        session=session, initiative_id=initiative.id, fields=MODEL, expected_version=None, actor=TESTER
    )
    return initiative.id


def _scenarios(session: Session, initiative_id: int) -> list[ScenarioIn]:
    return cause_models.model_view(cause_models.get_model(session=session, initiative_id=initiative_id)).scenarios


def test_a_scenario_is_added_then_edited_in_its_place_and_the_trail_keeps_both(session: Session) -> None:
    initiative_id = _initiative_with_model(session)
    version = cause_models.get_model(session=session, initiative_id=initiative_id).version
    quiet = ScenarioIn(name="quiet", overrides={"calls": 900, "share": 0.25})
    stored = cause_models.save_scenario(session=session, initiative_id=initiative_id, scenario=quiet, replacing=None,
                                        expected_version=frozenset({version}), actor=TESTER)  # fmt: skip
    assert stored.version == version + 1  # the model's ETag moves, so a whole-model PUT from before is refused
    assert [s.name for s in _scenarios(session, initiative_id)] == ["busy", "quiet"]
    assert [node.name for node in stored.nodes] == [node.name for node in MODEL.nodes]  # nodes untouched
    renamed = ScenarioIn(name="very busy", overrides={"calls": 1200})
    cause_models.save_scenario(session=session, initiative_id=initiative_id, scenario=renamed, replacing="busy",
                               expected_version=None, actor=TESTER)  # fmt: skip
    assert _scenarios(session, initiative_id) == [renamed, quiet]  # edited where it stood
    events = [e for e in audit.events_for(session=session, entity="model", entity_id=initiative_id)
              if e.action == "scenario_saved"]  # fmt: skip
    assert [(e.before, e.after) for e in events] == [
        (None, {"scenario": {"name": "quiet", "overrides": {"calls": 900, "share": 0.25}}}),
        ({"scenario": {"name": "busy", "overrides": {"calls": 1100}}},
         {"scenario": {"name": "very busy", "overrides": {"calls": 1200}}}),
    ]  # fmt: skip


def test_a_scenario_that_cannot_be_kept_is_refused_naming_the_field(session: Session) -> None:
    initiative_id = _initiative_with_model(session)

    def refused(scenario: ScenarioIn, replacing: str | None = None) -> list[tuple[str, str | None, str | None]]:
        with pytest.raises(InvalidInput) as error:
            cause_models.save_scenario(session=session, initiative_id=initiative_id, scenario=scenario,
                                       replacing=replacing, expected_version=None, actor=TESTER)  # fmt: skip
        return [(p.code, p.field, p.node) for p in error.value.problems]

    assert refused(ScenarioIn(name="BUSY")) == [("scenario_repeated", "name", None)]  # names differ by more than case
    assert refused(ScenarioIn(name="odd", overrides={"saving": 5})) == [("unknown_assumption", "overrides", "saving")]
    assert refused(ScenarioIn(name="none", overrides={"share": 0})) == [("division_by_zero", "overrides", "per_share")]
    assert _scenarios(session, initiative_id) == MODEL.scenarios  # nothing kept
    # Editing a scenario under its own name is no clash with itself.
    same = ScenarioIn(name="busy", overrides={"calls": 1150})
    cause_models.save_scenario(session=session, initiative_id=initiative_id, scenario=same, replacing="busy",
                               expected_version=None, actor=TESTER)  # fmt: skip
    assert _scenarios(session, initiative_id) == [same]
    with pytest.raises(StaleVersion):
        cause_models.save_scenario(session=session, initiative_id=initiative_id, scenario=same, replacing="busy",
                                   expected_version=frozenset({1}), actor=TESTER)  # fmt: skip
    with pytest.raises(NotFound):
        cause_models.save_scenario(session=session, initiative_id=initiative_id, scenario=same, replacing="gone",
                                   expected_version=None, actor=TESTER)  # fmt: skip


def test_a_viewer_keeps_no_scenario(session: Session) -> None:
    initiative_id = _initiative_with_model(session)
    viewer = actor_of(make_person(session, role=Role.viewer))
    with pytest.raises(Forbidden):
        cause_models.save_scenario(session=session, initiative_id=initiative_id, scenario=ScenarioIn(name="mine"),
                                   replacing=None, expected_version=None, actor=viewer)  # fmt: skip
    with pytest.raises(Forbidden):
        cause_models.delete_scenario(session=session, initiative_id=initiative_id, name="busy",
                                     expected_version=None, actor=viewer)  # fmt: skip


def test_a_scenario_deleted_is_gone_and_the_trail_says_what_it_was(session: Session) -> None:
    initiative_id = _initiative_with_model(session)
    cause_models.delete_scenario(session=session, initiative_id=initiative_id, name="busy", expected_version=None,
                                 actor=TESTER)  # fmt: skip
    assert _scenarios(session, initiative_id) == []
    [event] = [e for e in audit.events_for(session=session, entity="model", entity_id=initiative_id)
               if e.action == "scenario_deleted"]  # fmt: skip
    assert (event.before, event.after) == ({"scenario": {"name": "busy", "overrides": {"calls": 1100}}}, None)
    with pytest.raises(NotFound):
        cause_models.delete_scenario(session=session, initiative_id=initiative_id, name="busy",
                                     expected_version=None, actor=TESTER)  # fmt: skip


def test_each_scenarios_outcome_is_the_model_at_its_overrides(session: Session) -> None:
    initiative_id = _initiative_with_model(session)
    cheap = ScenarioIn(name="cheap", overrides={"cost": 2, "share": 0.2})
    cause_models.save_scenario(session=session, initiative_id=initiative_id, scenario=cheap, replacing=None,
                               expected_version=None, actor=TESTER)  # fmt: skip
    base, outcomes = cause_models.scenario_outcomes(session=session, initiative_id=initiative_id, output="saving")
    assert base == pytest.approx(1000 * 0.3 * 2.5)
    assert [(o.scenario.name, o.value) for o in outcomes] == [
        ("busy", pytest.approx(1100 * 0.3 * 2.5)),
        ("cheap", pytest.approx(1000 * 0.2 * 2)),
    ]


def test_each_scenarios_npv_scales_the_linked_benefits_planned_values(session: Session) -> None:
    initiative = make_initiative(session, base_year="2026-27")
    assert initiative.id is not None
    model = ModelIn(
        nodes=[
            NodeIn(name="calls", kind="assumption", value=1000, low=500, high=1500),
            NodeIn(name="saving_per_call", kind="assumption", value=2),
            NodeIn(name="saving", kind="derived", formula="calls * saving_per_call"),
        ],
        scenarios=[ScenarioIn(name="half", overrides={"calls": 500}),
                   ScenarioIn(name="dear", overrides={"calls": 1500, "saving_per_call": 3})],
    )  # fmt: skip
    cause_models.replace_model(session=session, initiative_id=initiative.id, fields=model, expected_version=None,
                               actor=TESTER)  # fmt: skip
    linked = make_benefit(session, initiative=initiative, category="financial", route="capacity", model_node="saving")
    assert linked.id is not None
    # Year 0: 2,000 delivered (a fact, never scaled) and nothing planned; year 1: 1,035 planned, 1,000 discounted.
    rows = [ProfileEntryIn(period="2026-27", planned=Decimal(2000), actual=Decimal(2000)),
            ProfileEntryIn(period="2027-28", planned=Decimal(1035))]  # fmt: skip
    register.replace_profile(session=session, benefit_id=linked.id, rows=rows, expected_version=None, actor=TESTER)
    cost = CostLineCreate(title="Build", kind=CostKind.capital, optimism_bias=Decimal(0),
                          profile=[CostAmountIn(period="2026-27", amount=Decimal(2500))])  # fmt: skip
    costs.create_cost(session=session, initiative_id=initiative.id, fields=cost, actor=TESTER)
    base, npvs = switching.scenario_npvs(session=session, initiative_id=initiative.id)
    # By hand: NPV = 2,000 + 1,000 x (saving / 2,000) - 2,500; saving is 1,000 at half and 4,500 when dear.
    assert float(base) == pytest.approx(500, abs=0.01)
    assert float(npvs["half"] or 0) == pytest.approx(2000 + 1000 * 1000 / 2000 - 2500, abs=0.01)
    assert float(npvs["dear"] or 0) == pytest.approx(2000 + 1000 * 4500 / 2000 - 2500, abs=0.01)
