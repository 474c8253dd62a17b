"""The worked example's demand: its avoidable share, channel mix and cost to serve checked against a calculation in
plain Python over the same generated rows, and the redesign showing as special-cause improvement; the example's
model bound to the counts and its share of avoidable contact fed from them, checked the same way."""

import json
from collections import defaultdict
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pytest
from sqlmodel import Session, select

from benefits import audit, cause_models, demand, example_demand, measures
from benefits.demand import DemandFilter
from benefits.demand_import import load_contacts, sheet_of
from benefits.example import COUNCIL, load_example
from benefits.models import Benefit, Initiative, Measure
from benefits.models.demand import ContactIn, DemandFigure, DemandMeasure
from benefits.models.measure import MeasureCreate
from benefits.xmr import Direction, PointType, xmr_chart
from tests.support.factories import TESTER

AVOIDABLE = {"progress_chasing", "seeking_clarification", "repeat_contact", "misdirected", "could_self_serve"}
SPEC = json.loads(COUNCIL.read_text(encoding="utf-8"))
# The business case's typed figures, as the example's file gives them before they are bound to the counts.
TYPED = {node["name"]: node.get("value") for node in SPEC["model"]["nodes"]}
# The services the programme touches: all the front office counts. The year before the redesign went live.
PROGRAMME = {service for service, _, _ in example_demand.SERVICES}
YEAR_BEFORE_GO_LIVE = {date(2025, month, 1) for month in range(4, 13)} | {date(2026, month, 1) for month in range(1, 4)}


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
    assert 500_000 < phone_a_year < 700_000  # near the business case's first estimate, "about 600,000 calls a year"


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


def _phone_before_go_live(rows: list[example_demand.GeneratedCount]) -> tuple[int, int]:
    """The phone contacts of the programme's services April 2025 to March 2026, and the avoidable ones among them."""
    calls = [row for row in rows if row.channel == "phone" and row.month in YEAR_BEFORE_GO_LIVE]
    return sum(row.count for row in calls), sum(row.count for row in calls if row.demand_type in AVOIDABLE)


def _avoidable_phone_contact_removed(session: Session) -> Benefit:
    return session.exec(select(Benefit).where(Benefit.title == "Avoidable phone contact removed")).one()


def test_the_example_binds_its_demand_assumptions_to_the_year_before_go_live_with_their_history(
    session: Session, example: int
) -> None:
    calls, avoidable = _phone_before_go_live(example_demand.generate())
    bound = {binding.assumption: binding for binding in demand.bindings(session=session, initiative_id=example)}
    assert set(bound) == {"phone_calls_a_year", "failure_demand_share"}
    for binding in bound.values():
        assert (binding.channels, set(binding.services), binding.segments) == (["phone"], PROGRAMME, [])
        assert (binding.months, binding.until) == (12, date(2026, 4, 1))
    values = {node.name: node.value for node in cause_models.get_model(session=session, initiative_id=example).nodes}
    assert values["phone_calls_a_year"] == calls
    assert values["failure_demand_share"] == pytest.approx(avoidable / calls, rel=1e-12)

    # The model's history: each typed figure of the business case replaced by its counted figure, with the figure,
    # span and filters as its source, set by the programme manager who bound it.
    set_events = [
        event
        for event in audit.events_for(session=session, entity=cause_models.ENTITY, entity_id=example)
        if event.action == "assumption_set"
    ]
    assert [(event.before, event.after) for event in set_events] == [
        ({"phone_calls_a_year": TYPED["phone_calls_a_year"]}, {"phone_calls_a_year": calls}),
        (
            {"failure_demand_share": TYPED["failure_demand_share"]},
            {"failure_demand_share": pytest.approx(avoidable / calls, rel=1e-12)},
        ),
    ]
    assert {event.actor for event in set_events} == {SPEC["acting"]["programme_manager"]}
    words = ["From the contact counts: contacts a year", "From the contact counts: the avoidable share (NI14)"]
    for event, said in zip(set_events, words, strict=True):
        reason = event.reason or ""
        assert reason.startswith(f"{said} over the 12 months April 2025 to March 2026")
        assert "channels phone" in reason and all(service in reason for service in PROGRAMME)

    # The benefit the bound figures value: revalued at each binding, in its own history, to what it holds now.
    benefit = _avoidable_phone_contact_removed(session)
    revalued = [
        event
        for event in audit.events_for(session=session, entity="benefit", entity_id=benefit.id or 0)
        if (event.reason or "").startswith("The model changed")
    ]
    assert len(revalued) == 2 and all((event.id or 0) > (set_events[0].id or 0) for event in revalued)
    estimates = ("estimate_low", "estimate_likely", "estimate_high")
    assert revalued[0].before != revalued[-1].after
    assert revalued[-1].after == {name: pytest.approx(float(getattr(benefit, name))) for name in estimates}


def test_the_example_share_of_avoidable_contact_is_fed_from_the_counts_and_shows_the_redesign(
    session: Session, example: int
) -> None:
    sums: dict[date, list[int]] = defaultdict(lambda: [0, 0])
    for row in example_demand.generate():
        if row.channel == "phone":
            sums[row.month][0] += row.count if row.demand_type in AVOIDABLE else 0
            sums[row.month][1] += row.count
    # Kept, as every observation is, to four places.
    share = {
        month: (Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001"), ROUND_HALF_UP)
        for month, (part, whole) in sorted(sums.items())
    }
    measure = session.exec(select(Measure).where(Measure.name == "Share of avoidable contact")).one()
    feed = session.get(DemandMeasure, measure.id)
    assert feed is not None and feed.figure == DemandFigure.avoidable_share
    assert (feed.channels, set(feed.services)) == (["phone"], PROGRAMME)
    observed = measures.observations_of(session=session, measure_id=measure.id or 0)
    assert {row.observed_on: row.value for row in observed} == share

    # Its XmR chart, limits from the 29 months before the go-live: every month since is special-cause improvement,
    # below the lower limit, and no month before lies outside the limits.
    chart = measures.chart(session=session, measure_id=measure.id or 0)
    assert chart.baseline_points == 29
    after = [point for point in chart.points if point.date >= date(2026, 4, 1)]
    assert len(after) == 7
    assert all(point.point_type == PointType.improvement and point.value < point.lpl for point in after)
    assert not [point for point in chart.points if point.date < date(2026, 4, 1) and point.signal == "outside_limits"]
    plain = xmr_chart([(month, float(value)) for month, value in share.items()], direction=Direction.decrease,
                      baseline_points=29)  # fmt: skip
    assert [(point.date, point.point_type) for point in plain.points] == [
        (point.date, point.point_type) for point in chart.points
    ]
    # The counts arrived as the reviews saw them: the months to July 2026 before the first board, the rest after it.
    recorded = [
        event
        for event in audit.events_for(session=session, entity="measure", entity_id=measure.id or 0)
        if event.action == "observations_recorded"
    ]
    assert [sorted(event.after or {})[-1] for event in recorded] == ["2026-07-01", "2026-10-01"]
    assert all("contact counts" in (event.reason or "") for event in recorded)


def test_a_bound_assumption_follows_the_counts_and_the_benefit_it_values_follows(
    session: Session, example: int
) -> None:
    calls, avoidable = _phone_before_go_live(example_demand.generate())
    benefit = _avoidable_phone_contact_removed(session)
    valued_when_bound = benefit.estimate_likely
    # March 2026's phone counts corrected upwards: refreshing moves the assumptions, the benefit and both histories.
    extra = ContactIn(
        period_start=date(2026, 3, 1), service="parking", channel="phone", demand_type="value", count=12_000
    )
    kept = next(
        row.count
        for row in example_demand.generate()
        if (row.month, row.service, row.channel, row.demand_type) == (date(2026, 3, 1), "parking", "phone", "value")
    )
    load_contacts(session=session, sheet=sheet_of([extra]), actor=TESTER, api=True)
    refreshed = {row.assumption: row.value for row in demand.refresh_assumptions(
        session=session, initiative_id=example, actor=TESTER)}  # fmt: skip
    corrected = calls - kept + 12_000
    assert refreshed == {
        "phone_calls_a_year": corrected,
        "failure_demand_share": pytest.approx(avoidable / corrected, rel=1e-12),
    }
    session.refresh(benefit)
    assert benefit.estimate_likely != valued_when_bound
    history = audit.events_for(session=session, entity=cause_models.ENTITY, entity_id=example)
    changes = {name: (event.actor, event.before[name], value) for event in history[-2:]
               for name, value in (event.after or {}).items() if event.before}  # fmt: skip
    assert changes == {
        "phone_calls_a_year": (TESTER.name, calls, corrected),
        "failure_demand_share": (
            TESTER.name,
            pytest.approx(avoidable / calls, rel=1e-12),
            pytest.approx(avoidable / corrected, rel=1e-12),
        ),
    }
    revalued = audit.events_for(session=session, entity="benefit", entity_id=benefit.id or 0)[-1]
    assert "The model changed" in (revalued.reason or "") and revalued.actor == TESTER.name
    # Nothing changed since: a second refresh writes nothing to the model's history.
    demand.refresh_assumptions(session=session, initiative_id=example, actor=TESTER)
    assert len(audit.events_for(session=session, entity=cause_models.ENTITY, entity_id=example)) == len(history)
