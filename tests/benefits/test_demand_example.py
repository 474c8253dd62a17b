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
