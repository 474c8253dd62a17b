"""The worked example loads once, obeys every gate, and covers what it promises."""

import json
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import Session, col, func, select

from benefits import cause_models, example_demand, measures, register, reviews
from benefits.example import COUNCIL, load_example
from benefits.modelling.simulation import deterministic
from benefits.models import Benefit, Initiative, Measure, Person, Review, Role
from benefits.periods import parse_period
from benefits.stages import Stage, unmet_requirements

README = Path(__file__).resolve().parents[2] / "README.md"
FED = {"Share of avoidable contact"}
# The programme's services: every service the example's front office counts.
PROGRAMME = {row.service for row in example_demand.generate()}


def _phone_year_before_go_live() -> tuple[int, int]:
    """The phone contacts and the avoidable ones among them, April 2025 to March 2026, summed from the generated
    rows."""
    year = {date(2025, month, 1) for month in range(4, 13)} | {date(2026, month, 1) for month in range(1, 4)}
    calls = [row for row in example_demand.generate() if row.channel == "phone" and row.month in year]
    assert {row.service for row in calls} == PROGRAMME
    return sum(row.count for row in calls), sum(row.count for row in calls if row.demand_type != "value")


def test_the_example_loads_once_and_covers_every_stage_and_route(session: Session) -> None:
    made = load_example(session=session)
    assert made is not None
    assert load_example(session=session) is None
    initiative = session.exec(select(Initiative)).one()
    assert initiative.id is not None
    assert session.exec(select(func.count()).select_from(Initiative)).one() == 1

    page = register.list_benefits(session=session, initiative_id=initiative.id, limit=100, offset=0)
    benefits = page.items
    assert len(benefits) >= 8
    assert set(Counter(b.stage for b in benefits)) == set(Stage)
    assert {"cash", "capacity"} <= {b.route for b in benefits}
    assert any(b.is_disbenefit for b in benefits)
    for benefit in benefits:
        # Every benefit meets the bar of the stage it stands at.
        assert unmet_requirements(register.gate_facts(benefit), Stage(benefit.stage)) == []
    profiled = [b for b in benefits if len(b.profile) == 5]
    assert profiled
    for benefit in profiled:
        years = [parse_period(entry.period).start_year for entry in benefit.profile]
        assert years == list(range(years[0], years[0] + 5))


def test_the_example_model_uses_the_published_unit_costs_and_values_its_benefits(session: Session) -> None:
    load_example(session=session)
    initiative = session.exec(select(Initiative)).one()
    assert initiative.id is not None
    checked = cause_models.checked_model(cause_models.get_model(session=session, initiative_id=initiative.id))
    values = deterministic(checked)
    # The counted calls of the year before go-live x the share of them avoidable less the 15% still avoidable after
    # the redesign (the typed forecast) x GBP 2.83 a call
    calls, avoidable = _phone_year_before_go_live()
    assert values["capacity_value"] == pytest.approx(calls * (avoidable / calls - 0.15) * 2.83)
    # The README's worked example gives the same bound figures and what they value.
    readme = " ".join(README.read_text(encoding="utf-8").split())
    typed = {node["name"]: node.get("value") for node in json.loads(COUNCIL.read_text())["model"]["nodes"]}
    assert f"({calls:,}, where the business case typed {typed['phone_calls_a_year']:,})" in readme
    assert f"({100 * avoidable / calls:.2f}%, typed {typed['failure_demand_share']:.0%})" in readme
    assert f"So the capacity released is £{values['capacity_value']:,.0f} a year at most-likely values" in readme
    # 120,000 transactions x (GBP 2.83 phone - GBP 0.15 web); 40,000 visits x (GBP 8.62 - GBP 0.15)
    assert values["phone_shift_saving"] == pytest.approx(120_000 * (2.83 - 0.15))
    assert values["face_to_face_shift_saving"] == pytest.approx(40_000 * (8.62 - 0.15))
    linked = {b.title: b for b in session.exec(select(Benefit)).all() if b.model_node}
    assert {b.model_node for b in linked.values()} == {
        "capacity_value",
        "phone_shift_saving",
        "face_to_face_shift_saving",
    }
    for benefit in linked.values():
        low, likely, high = cause_models.valuation(checked, benefit.model_node or "")
        assert (benefit.estimate_low, benefit.estimate_likely, benefit.estimate_high) == (low, likely, high)
        assert low < likely < high


def test_the_example_brings_a_first_admin_and_people_for_every_role(session: Session) -> None:
    made = load_example(session=session, admin_name="root", admin_password="chosen-by-operator")
    assert made is not None
    shown = {person.name: password for person, password in made.people}
    assert shown["root"] is None  # the operator chose it, so it is not printed
    assert all(password for name, password in shown.items() if name != "root")
    assert {Role(p.role) for p in session.exec(select(Person)).all()} == set(Role)
    initiative = session.exec(select(Initiative)).one()
    owner = session.get(Person, initiative.owner_id)
    assert owner is not None and owner.role == Role.programme_manager


def test_the_example_measures_show_the_shift_and_its_reviews_what_changed(session: Session) -> None:
    load_example(session=session)
    found = session.exec(select(Measure).order_by(col(Measure.id))).all()
    assert [m.name for m in found] == ["Calls a month", "Share of avoidable contact", "Customer satisfaction",
                                       "Abandoned calls"]  # fmt: skip
    for measure in found:
        chart = measures.chart(session=session, measure_id=measure.id or 0)
        # Limits from the months before the redesign: the 24 typed since April 2024, or the 29 counted.
        assert len(chart.points) >= 24 and chart.baseline_points == (29 if measure.name in FED else 24)
        # The seven months since the redesign went live in April 2026 are all special cause, and better.
        after = [point for point in chart.points if point.date >= date(2026, 4, 1)]
        assert len(after) == 7 and {point.point_type for point in after[-5:]} == {"special_cause_improvement"}
    held = session.exec(select(Review).order_by(col(Review.id))).all()
    assert [review.held_on for review in held] == [date(2026, 7, 15), date(2026, 10, 20)]
    changed = reviews.changes(session=session, review_id=held[1].id or 0)
    assert {(move.title, move.stage_after) for move in changed.stage_moves} == {
        ("Avoidable phone contact removed", "delivered"),
        ("Face-to-face visits shifted to the web", "delivered"),
        ("Abandoned calls held under 3%", "scoped"),
    }
    assert all(move.moves and move.moves[0]["reason"] for move in changed.stage_moves)
    assert [(row.title, row.difference) for row in changed.cash_confirmed] == [
        ("Face-to-face visits shifted to the web", 84700)
    ]
    assert [row.title for row in changed.reforecasts] == ["Library staff time given to assisted digital support"]
    assert {signal.measure for signal in changed.signals} == {m.name for m in found}
    statuses = {v.title: v.status for v in reviews.review_view(held[1]).variances}
    assert statuses["Longer call handling during the CRM roll-out"] == "off_track"  # 41,500 against 36,000
