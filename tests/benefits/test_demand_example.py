"""The worked example's demand: its avoidable share, channel mix and cost to serve checked against a calculation in
plain Python over the same generated rows, and the redesign showing as special-cause improvement."""

from collections import defaultdict
from datetime import date
from decimal import Decimal

import pytest
from sqlmodel import Session, select

from benefits import audit, demand, example_demand, measures
from benefits.demand import DemandFilter
from benefits.demand_import import load_contacts, sheet_of
from benefits.example import load_example
from benefits.models import Initiative
from benefits.models.demand import ContactIn, DemandFigure
from benefits.models.measure import MeasureCreate
from benefits.xmr import Direction, PointType
from tests.support.factories import TESTER

AVOIDABLE = {"progress_chasing", "seeking_clarification", "repeat_contact", "misdirected", "could_self_serve"}


@pytest.fixture
def example(session: Session) -> int:
    """The worked example, loaded; its initiative's id."""
    load_example(session=session)
    initiative = session.exec(select(Initiative).where(Initiative.name == "Customer Access Programme")).one()
    return initiative.id or 0


def test_the_generator_is_reproducible_and_shaped_as_the_example_says() -> None:
    first, again = example_demand.generate(), example_demand.generate()
    assert first == again
    assert first != example_demand.generate(seed=1)
    assert len({row.service for row in first}) == 12 and len({row.channel for row in first}) == 6
    assert len({row.month for row in first}) == 36
    phone_a_year = sum(row.count for row in first if row.channel == "phone" and row.month.year == 2024)
    assert 500_000 < phone_a_year < 700_000  # the business case's "about 600,000 calls a year"


def test_the_avoidable_share_channel_mix_and_cost_to_serve_agree_with_a_plain_calculation(
    session: Session, example: int
) -> None:
    rows = example_demand.generate()
    total = sum(row.count for row in rows)
    avoidable = sum(row.count for row in rows if row.demand_type in AVOIDABLE)
    by_channel: dict[str, int] = defaultdict(int)
    for row in rows:
        by_channel[row.channel] += row.count
    summary = demand.summary(session=session, where=DemandFilter())
    assert summary.contacts == total
    assert summary.avoidable_contacts == avoidable
    assert summary.avoidable_share == Decimal(avoidable) / Decimal(total)
    assert {c.channel: c.share for c in summary.channels} == {
        channel: Decimal(count) / Decimal(total) for channel, count in by_channel.items()
    }
    minutes = sum(row.handling_minutes or 0 for row in rows)
    assert float(summary.handling_minutes) == pytest.approx(minutes, abs=0.01)
    # Only three channels have a published cost: over all channels the cost is not known, and says which are not.
    assert summary.cost_to_serve is None
    assert summary.uncosted_channels == ["app", "email", "post"]
    costed = DemandFilter(channels=("face_to_face", "phone", "web"))
    prices = {"face_to_face": Decimal("8.62"), "phone": Decimal("2.83"), "web": Decimal("0.15")}
    expected = sum((prices[row.channel] * row.count for row in rows if row.channel in prices), Decimal(0))
    assert demand.summary(session=session, where=costed).cost_to_serve == expected


def test_the_avoidable_share_by_service_and_month_agrees_with_a_plain_calculation(
    session: Session, example: int
) -> None:
    sums: dict[tuple[str, date], list[int]] = defaultdict(lambda: [0, 0])
    for row in example_demand.generate():
        pair = sums[(row.service, row.month)]
        pair[0] += row.count if row.demand_type in AVOIDABLE else 0
        pair[1] += row.count
    found = demand.avoidable_share_by_service(session=session, where=DemandFilter())
    assert {(service, month): [a, t] for service, month, a, t in found} == dict(sums)
    one = DemandFilter(services=("waste",), from_month=date(2026, 4, 15), to_month=date(2026, 6, 1))
    assert [(s, m) for s, m, _, _ in demand.avoidable_share_by_service(session=session, where=one)] == [
        ("waste", date(2026, 4, 1)),
        ("waste", date(2026, 5, 1)),
        ("waste", date(2026, 6, 1)),
    ]


def test_the_redesign_shows_as_special_cause_improvement_in_the_avoidable_share(session: Session, example: int) -> None:
    before = sum(1 for index in range(example_demand.MONTHS) if example_demand.month_of(index) < example_demand.GO_LIVE)
    series, drawn = demand.series_chart(
        session=session, figure=DemandFigure.avoidable_share, where=DemandFilter(), baseline_points=before
    )
    assert len(series) == 36
    after = [point for point in drawn.points if point.date >= example_demand.GO_LIVE]
    assert after and all(point.point_type is PointType.improvement for point in after)
    assert all(point.signal is None for point in drawn.points if point.date < example_demand.GO_LIVE)


def test_a_demand_fed_measure_follows_the_counts_with_its_history(session: Session, example: int) -> None:
    measure = measures.create_measure(
        session=session,
        fields=MeasureCreate(
            initiative_id=example,
            name="Avoidable share, counted",
            unit="share",
            direction=Direction.decrease,
            baseline_points=29,
        ),
        actor=TESTER,
    )
    fed = demand.feed_measure(
        session=session,
        measure_id=measure.id or 0,
        figure=DemandFigure.avoidable_share,
        where=DemandFilter(services=("council_tax",)),
        actor=TESTER,
    )
    assert fed.added == 36
    chart = measures.chart(session=session, measure_id=measure.id or 0)
    assert chart.points[-1].point_type == "special_cause_improvement"
    # A late correction of October's council-tax counts: the refresh changes that month only, and says so.
    load_contacts(
        session=session,
        sheet=sheet_of(
            [
                ContactIn(
                    period_start=date(2026, 10, 1),
                    service="council_tax",
                    channel="phone",
                    demand_type="progress_chasing",
                    count=9_000,
                )
            ]
        ),
        actor=TESTER,
        api=True,
    )
    again = demand.refresh_measure(session=session, measure_id=measure.id or 0, actor=TESTER)
    assert (again.added, again.changed, again.unchanged) == (0, 1, 35)
    events = audit.events_for(session=session, entity="measure", entity_id=measure.id or 0)
    assert events[-1].action == "observations_recorded"
    assert list(events[-1].after or {}) == ["2026-10-01"]
    assert "contact counts" in (events[-1].reason or "")


def test_a_bound_assumption_follows_the_counts_and_the_benefit_it_values_follows(
    session: Session, example: int
) -> None:
    from benefits import cause_models
    from benefits.models import Benefit
    from benefits.models.demand import DemandAssumptionIn

    year_before = [example_demand.month_of(index) for index in range(17, 29)]  # April 2025 to March 2026
    assert (year_before[0], year_before[-1]) == (date(2025, 4, 1), date(2026, 3, 1))
    phone = sum(row.count for row in example_demand.generate() if row.channel == "phone" and row.month in year_before)
    benefit = session.exec(select(Benefit).where(Benefit.title == "Avoidable phone contact removed")).one()
    valued_before = benefit.estimate_likely
    bound = demand.bind_assumption(
        session=session,
        initiative_id=example,
        fields=DemandAssumptionIn(
            assumption="phone_calls_a_year",
            figure=DemandFigure.contacts,
            channels=["phone"],
            months=12,
            until=example_demand.GO_LIVE,
        ),
        actor=TESTER,
    )
    assert bound.value == phone and "April 2025 to March 2026" in bound.span
    model = cause_models.get_model(session=session, initiative_id=example)
    assert next(node.value for node in model.nodes if node.name == "phone_calls_a_year") == phone
    set_events = [
        e
        for e in audit.events_for(session=session, entity=cause_models.ENTITY, entity_id=example)
        if e.action == "assumption_set"
    ]
    assert set_events[-1].after == {"phone_calls_a_year": phone}
    assert set_events[-1].actor == TESTER.name
    assert "From the contact counts: contacts a year" in (set_events[-1].reason or "")
    session.refresh(benefit)
    assert benefit.estimate_likely != valued_before
    revalued = audit.events_for(session=session, entity="benefit", entity_id=benefit.id or 0)[-1]
    assert "The model changed" in (revalued.reason or "")
    # March 2026's phone counts corrected upwards: refreshing moves the assumption, the benefit and both histories.
    extra = ContactIn(
        period_start=date(2026, 3, 1), service="parking", channel="phone", demand_type="value", count=12_000
    )
    kept = next(
        row.count
        for row in example_demand.generate()
        if (row.month, row.service, row.channel, row.demand_type) == (date(2026, 3, 1), "parking", "phone", "value")
    )
    load_contacts(session=session, sheet=sheet_of([extra]), actor=TESTER, api=True)
    valued_after_bind = benefit.estimate_likely
    assert valued_after_bind is not None
    refreshed = demand.refresh_assumptions(session=session, initiative_id=example, actor=TESTER)
    assert [row.value for row in refreshed] == [phone - kept + 12_000]
    session.refresh(benefit)
    assert (benefit.estimate_likely or 0) > valued_after_bind
    history = audit.events_for(session=session, entity=cause_models.ENTITY, entity_id=example)
    assert history[-1].before == {"phone_calls_a_year": phone}
    # Nothing changed since: a second refresh writes nothing to the model's history.
    demand.refresh_assumptions(session=session, initiative_id=example, actor=TESTER)
    assert len(audit.events_for(session=session, entity=cause_models.ENTITY, entity_id=example)) == len(history)
