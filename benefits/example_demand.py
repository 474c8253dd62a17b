"""The worked example's demand: three years of monthly contacts for a dozen services over six channels, generated.

Generated, not observed: a seeded generator makes the same counts on every load, shaped as the example's council
describes itself (some 560,000 phone calls a year against the business case's first estimate of about 600,000,
three in ten contacts avoidable before the redesign). The redesign goes live in April 2026: from then each
service's avoidable demand falls by a third, and some phone and face-to-face contact moves to the web.

The example's model takes its demand assumptions from these counts (`BOUND_ASSUMPTIONS`), and its measure "Share of
avoidable contact" is their avoidable share month by month (`FED_MEASURES`), which steps down at the go-live.
"""

from dataclasses import dataclass
from datetime import date

import numpy as np
from sqlmodel import Session

from benefits import demand
from benefits.actors import Actor
from benefits.demand import DemandFilter, ReferenceList
from benefits.demand_import import ContactSheet, load_contacts
from benefits.models.demand import (
    ChannelCostIn,
    ContactsLoaded,
    DemandAssumptionIn,
    DemandAssumptionRead,
    DemandFigure,
    Grain,
    ReferenceCreate,
)
from benefits.models.measure import ObservationsRecorded

SEED = 20261207
FIRST_MONTH = date(2023, 11, 1)
MONTHS = 36  # to October 2026, the example's last observed month
GO_LIVE = date(2026, 4, 1)

# Code, name, contacts a month across every channel (a district council's front office).
SERVICES = [
    ("council_tax", "Council tax", 21_000),
    ("benefits", "Housing benefit and council tax support", 14_000),
    ("waste", "Waste and recycling", 16_000),
    ("bulky_waste", "Bulky waste collection", 3_500),
    ("parking", "Parking permits and fines", 6_000),
    ("planning", "Planning applications", 4_500),
    ("building_control", "Building control", 1_500),
    ("housing", "Housing options and homelessness", 7_000),
    ("licensing", "Licensing", 2_000),
    ("environmental_health", "Environmental health", 3_000),
    ("business_rates", "Business rates", 2_500),
    ("street_cleansing", "Street cleansing and fly-tipping", 4_000),
]
# Each channel's share of contact before the redesign, and after it (channel shift to the web and the app).
CHANNEL_MIX = {
    "face_to_face": (0.16, 0.11),
    "phone": (0.55, 0.47),
    "web": (0.17, 0.28),
    "email": (0.06, 0.06),
    "post": (0.04, 0.03),
    "app": (0.02, 0.05),
}
# Handling minutes per contact where an officer handles it; self-service channels have none counted.
MINUTES = {"face_to_face": 11.0, "phone": 6.0, "email": 9.0, "post": 12.0}
# The avoidable kinds' shares of avoidable contact (NI14's categories).
AVOIDABLE_KINDS = {
    "progress_chasing": 0.34,
    "seeking_clarification": 0.24,
    "repeat_contact": 0.2,
    "misdirected": 0.1,
    "could_self_serve": 0.12,
}
AVOIDABLE_BEFORE = 0.30
AVOIDABLE_AFTER = 0.20
# The three published costs per contact the example's about text cites (Socitm Channel Value Benchmarking).
COSTS = {"face_to_face": "8.62", "phone": "2.83", "web": "0.15"}
COST_SOURCE = "Published cost per contact (Socitm Insight, Channel Value Benchmarking), as the business case cites"

# The services the programme touches: every service this front office counts. They are named rather than left
# open, so a service put on the list later is not counted into the business case's figures.
PROGRAMME_SERVICES = [code for code, _, _ in SERVICES]

# The model's demand assumptions, bound to the counts. Each is taken over the 12 months before the go-live (April
# 2025 to March 2026): the last whole year, one full seasonal cycle, of the service as it ran before the redesign.
# That is the baseline the benefits are valued against and the figure a finance officer signs; the months since
# the go-live show what the redesign did, and belong to the measures, not to the baseline. Phone only, because the
# model counts calls and multiplies those calls by the avoidable share.
# Left typed: minutes per call and cost per contact (the counts give minutes and cost to serve in total, no figure
# per contact to bind), the share still avoidable after the redesign (a forecast, checked against the measure) and
# the transactions and visits moved to the web (forecasts of the shift, not counted demand).
BOUND_ASSUMPTIONS = [
    # Calls to the contact centre a year: the phone contacts of the programme's services in that year.
    DemandAssumptionIn(
        assumption="phone_calls_a_year",
        figure=DemandFigure.contacts,
        services=PROGRAMME_SERVICES,
        channels=["phone"],
        months=12,
        until=GO_LIVE,
    ),
    # The share of those calls that is avoidable (failure demand): NI14's avoidable share of the same calls.
    DemandAssumptionIn(
        assumption="failure_demand_share",
        figure=DemandFigure.avoidable_share,
        services=PROGRAMME_SERVICES,
        channels=["phone"],
        months=12,
        until=GO_LIVE,
    ),
]

# Measures whose observations are computed from the counts, by name: the share of avoidable contact is the
# avoidable share of the calls `failure_demand_share` is taken over, month by month, so its chart shows the redesign.
FED_MEASURES = {
    "Share of avoidable contact": (
        DemandFigure.avoidable_share,
        DemandFilter(services=tuple(PROGRAMME_SERVICES), channels=("phone",)),
    ),
}


@dataclass(frozen=True)
class GeneratedCount:
    """One generated count: a month, service, channel and demand type, its contacts and handling minutes."""

    month: date
    service: str
    channel: str
    demand_type: str
    count: int
    handling_minutes: float | None


def month_of(index: int) -> date:
    """The first day of the example's month `index` (0 for the first)."""
    key = FIRST_MONTH.year * 12 + FIRST_MONTH.month - 1 + index
    return date(key // 12, key % 12 + 1, 1)


def generate(seed: int = SEED) -> list[GeneratedCount]:
    """The example's monthly counts, the same for the same seed."""
    rng = np.random.default_rng(seed)
    counts = []
    for index in range(MONTHS):
        month = month_of(index)
        live = month >= GO_LIVE
        # A gentle seasonal swell: annual billing in March and April, garden waste in summer.
        season = 1.0 + 0.12 * np.cos(2 * np.pi * (month.month - 4) / 12)
        avoidable = AVOIDABLE_AFTER if live else AVOIDABLE_BEFORE
        for service, _, volume in SERVICES:
            for channel, (before, after) in CHANNEL_MIX.items():
                share = after if live else before
                for kind, part in (("value", 1 - avoidable), *((k, avoidable * p) for k, p in AVOIDABLE_KINDS.items())):
                    count = int(rng.poisson(volume * season * share * part))
                    minutes = None
                    if channel in MINUTES:
                        each = max(1.0, rng.normal(MINUTES[channel], 0.6))
                        minutes = round(count * each, 1)
                    counts.append(GeneratedCount(month, service, channel, kind, count, minutes))
    return counts


def prepare(*, session: Session, actor: Actor) -> None:
    """Put the example's services on the list and keep its costs per contact."""
    listed = {entry.code for entry in demand.list_references(session=session, kind=ReferenceList.services)}
    for code, name, _ in SERVICES:
        if code not in listed:
            fields = ReferenceCreate(code=code, name=name)
            demand.create_reference(session=session, kind=ReferenceList.services, fields=fields, actor=actor)
    for channel, cost in COSTS.items():
        fields_in = ChannelCostIn(channel=channel, valid_from=FIRST_MONTH, cost=float(cost), source=COST_SOURCE)
        demand.set_channel_cost(session=session, fields=fields_in, actor=actor)


def load_counts(
    *, session: Session, actor: Actor, after: date | None = None, through: date | None = None
) -> ContactsLoaded:
    """Load the generated counts of the months after `after` up to `through` (each end open when None), as a contact
    centre's export arrives: the months to one day first, the rest later."""
    wanted = [
        row for row in generate() if (after is None or row.month > after) and (through is None or row.month <= through)
    ]
    sheet = ContactSheet(
        rows=[
            (
                number,
                row.month,
                Grain.month,
                row.service,
                row.channel,
                row.demand_type,
                None,
                row.count,
                None if row.handling_minutes is None else round(row.handling_minutes * 10_000),
            )
            for number, row in enumerate(wanted, start=1)
        ],
        headings={},
    )
    return load_contacts(session=session, sheet=sheet, actor=actor)


def feed(*, session: Session, measure_id: int, name: str, actor: Actor) -> ObservationsRecorded:
    """Feed the example's measure of that name from the counts (see `FED_MEASURES`)."""
    figure, where = FED_MEASURES[name]
    return demand.feed_measure(session=session, measure_id=measure_id, figure=figure, where=where, actor=actor)


def bind(*, session: Session, initiative_id: int, actor: Actor) -> list[DemandAssumptionRead]:
    """Bind the example model's demand assumptions to the counts (see `BOUND_ASSUMPTIONS`), setting them now."""
    return [
        demand.bind_assumption(session=session, initiative_id=initiative_id, fields=fields, actor=actor)
        for fields in BOUND_ASSUMPTIONS
    ]
