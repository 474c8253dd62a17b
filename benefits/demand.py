"""Demand: the reference lists contacts are counted by, and what the counts say (volumes, avoidable share,
handling time, channel mix and cost to serve), each also a monthly series with its XmR chart.

The avoidable share is NI14's: avoidable contacts over all contacts. Counts are read from `contact_month`, the
monthly sums each load keeps, so a year of daily rows is read as some thirty times fewer.
"""

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from benefits import audit, cause_models, measures, register
from benefits.actors import Actor
from benefits.authz import Action, require
from benefits.columns import QUANTITY_LIMIT, SCALE, quantize
from benefits.errors import Conflict, InvalidInput, NotFound, Problem
from benefits.listing import Page
from benefits.models import AuditEvent, Benefit, Measure
from benefits.models.demand import (
    BenefitSegment,
    ChannelCost,
    ChannelCostIn,
    ChannelCostRead,
    ChannelCostsRead,
    ChannelFigures,
    ContactCount,
    ContactMonth,
    ContactRead,
    DemandAssumption,
    DemandAssumptionIn,
    DemandAssumptionRead,
    DemandChannel,
    DemandFigure,
    DemandMeasure,
    DemandSegment,
    DemandSeries,
    DemandService,
    DemandSummary,
    DemandType,
    DemandTypeCreate,
    DemandTypeUpdate,
    MeasureSegment,
    ReferenceCost,
    ReferenceCreate,
    ReferenceRead,
    ReferenceUpdate,
    SeriesPoint,
)
from benefits.models.measure import ChartPointRead, ChartRead, ObservationIn, ObservationsRecorded, PhaseRead
from benefits.xmr import Direction, XmrChart, xmr_chart

AVOIDABLE_SHARE_DEFINITION = (
    "Avoidable share (NI14, 'reducing avoidable contact'): avoidable contacts divided by all contacts, where an "
    "avoidable contact is one of low or no value to the customer (demand types marked avoidable: progress "
    "chasing, seeking clarification, repeat contact, misdirected, could have been self-served)."
)
REFERENCE_COSTS_FILE = Path(__file__).resolve().parent / "data" / "cost_per_contact_references.json"


class ReferenceList(StrEnum):
    """The reference lists contacts are counted by, as their paths name them."""

    services = "services"
    channels = "channels"
    demand_types = "demand-types"
    segments = "segments"


Reference = DemandService | DemandChannel | DemandType | DemandSegment
TABLES: dict[ReferenceList, type[Reference]] = {
    ReferenceList.services: DemandService,
    ReferenceList.channels: DemandChannel,
    ReferenceList.demand_types: DemandType,
    ReferenceList.segments: DemandSegment,
}
ONE = {
    ReferenceList.services: "service",
    ReferenceList.channels: "channel",
    ReferenceList.demand_types: "demand type",
    ReferenceList.segments: "segment",
}
# The lists a demand filter (a bound assumption's, a demand-fed measure's) names entries of.
FILTERED = (ReferenceList.services, ReferenceList.channels, ReferenceList.segments)
ENTITY = {
    ReferenceList.services: "demand_service",
    ReferenceList.channels: "demand_channel",
    ReferenceList.demand_types: "demand_type",
    ReferenceList.segments: "demand_segment",
}


def how_to_add(kind: ReferenceList) -> str:
    """What to do when a name is not on a list: add it there first."""
    return f"add it under /api/v1/demand/{kind.value} (or `benefits demand add {kind.value} CODE NAME`) first"


def reference_view(entry: Reference) -> ReferenceRead:
    """An entry of a reference list as clients read it."""
    avoidable = entry.avoidable if isinstance(entry, DemandType) else None
    return ReferenceRead(id=entry.id or 0, code=entry.code, name=entry.name, avoidable=avoidable)


def _snapshot(entry: Reference) -> dict[str, Any]:
    return reference_view(entry).model_dump(exclude={"id"}, exclude_none=True)


def list_references(*, session: Session, kind: ReferenceList) -> list[Reference]:
    """Every entry of a reference list, by name."""
    table: Any = TABLES[kind]
    return list(session.exec(select(table).order_by(col(table.name))).all())


def get_reference(*, session: Session, kind: ReferenceList, code: str) -> Reference:
    """One entry of a reference list by its code (any case), or NotFound."""
    table: Any = TABLES[kind]
    found = session.exec(select(table).where(table.code == code.strip().lower())).first()
    if found is None:
        raise NotFound(f"There is no {ONE[kind]} {code.strip()}; {how_to_add(kind)}.")
    return found


def create_reference(
    *, session: Session, kind: ReferenceList, fields: ReferenceCreate | DemandTypeCreate, actor: Actor
) -> Reference:
    """Add an entry to a reference list; its code and its name must both be new to the list."""
    require(session=session, actor=actor, action=Action.manage_demand)
    table = TABLES[kind]
    _refuse_taken(session=session, kind=kind, code=fields.code, name=fields.name)
    values: dict[str, Any] = {"code": fields.code, "name": fields.name}
    if kind is ReferenceList.demand_types:
        values["avoidable"] = bool(getattr(fields, "avoidable", False))
    entry = table(**values)
    session.add(entry)
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        action="created",
        entity=ENTITY[kind],
        entity_id=entry.id or 0,
        after=_snapshot(entry),
    )
    return entry


def _refuse_taken(
    *, session: Session, kind: ReferenceList, code: str | None, name: str, other: int | None = None
) -> None:
    table: Any = TABLES[kind]
    problems = []
    if code is not None and session.exec(select(table.id).where(table.code == code)).first() is not None:
        problems.append(Problem("code_taken", f"The {ONE[kind]} {code} is already on the list.", "code"))
    same_name = session.exec(select(table.id).where(sa.func.lower(table.name) == name.lower())).first()
    if same_name is not None and same_name != other:
        problems.append(Problem("name_taken", f"A {ONE[kind]} is already called {name}: change that one.", "name"))
    if problems:
        raise Conflict(problems[0].detail, problems)


def update_reference(
    *, session: Session, kind: ReferenceList, code: str, changes: ReferenceUpdate | DemandTypeUpdate, actor: Actor
) -> Reference:
    """Rename an entry, or say whether a demand type is avoidable; the code stays, since loads match on it."""
    require(session=session, actor=actor, action=Action.manage_demand)
    entry = get_reference(session=session, kind=kind, code=code)
    sent = changes.model_dump(exclude_unset=True)
    problems = [Problem("required", f"{name} cannot be null.", name) for name, value in sent.items() if value is None]
    if problems:
        raise InvalidInput(problems[0].detail, problems)
    before = _snapshot(entry)
    if "name" in sent:
        _refuse_taken(session=session, kind=kind, code=None, name=sent["name"], other=entry.id)
        entry.name = sent["name"]
    if "avoidable" in sent and isinstance(entry, DemandType):
        entry.avoidable = sent["avoidable"]
    old, new = audit.changed_fields(before, _snapshot(entry))
    if new:
        session.flush()
        audit.record(
            session=session,
            actor=actor,
            action="updated",
            entity=ENTITY[kind],
            entity_id=entry.id or 0,
            before=old,
            after=new,
        )
    return entry


def delete_reference(*, session: Session, kind: ReferenceList, code: str, actor: Actor) -> None:
    """Take an entry off its list; refused while any contact count, segment tag, bound assumption or demand-fed
    measure names it (each would lose its meaning), saying what names it."""
    require(session=session, actor=actor, action=Action.manage_demand)
    entry = get_reference(session=session, kind=kind, code=code)
    column = {
        ReferenceList.services: ContactCount.service_id,
        ReferenceList.channels: ContactCount.channel_id,
        ReferenceList.demand_types: ContactCount.demand_type_id,
        ReferenceList.segments: ContactCount.segment_id,
    }[kind]
    if session.exec(select(ContactCount.id).where(column == entry.id).limit(1)).first() is not None:
        detail = (
            f"Contact counts name the {ONE[kind]} {entry.code}: rename it instead, or load the counts again under "
            "another before taking it off the list."
        )
        raise Conflict(detail, [Problem("reference_counted", detail, "code")])
    users = _named_by(session=session, kind=kind, entry=entry)
    if users:
        detail = (
            f"The {ONE[kind]} {entry.code} is named by {'; '.join(users)}: untag or re-bind each first (who gains, "
            f"the binding, the measure's feed), or rename the {ONE[kind]} instead of taking it off the list."
        )
        raise Conflict(detail, [Problem("reference_in_use", detail, "code")])
    session.delete(entry)
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        action="deleted",
        entity=ENTITY[kind],
        entity_id=entry.id or 0,
        before=_snapshot(entry),
    )


def taken_off(*, session: Session, kind: ReferenceList, code: str) -> bool:
    """Whether an entry was taken off its list and is still off it: what a page may say after a deletion."""
    code = code.strip().lower()
    table: Any = TABLES[kind]
    if session.exec(select(table.id).where(table.code == code)).first() is not None:
        return False
    latest = session.exec(
        select(AuditEvent.before)
        .where(AuditEvent.entity == ENTITY[kind], AuditEvent.action == "deleted")
        .order_by(col(AuditEvent.id).desc())
        .limit(50)
    ).all()
    return any((before or {}).get("code") == code for before in latest)


def _named_by(*, session: Session, kind: ReferenceList, entry: Reference) -> list[str]:
    """What names an entry besides the counts, in words: the benefits and measures a segment tags, and the assumptions
    bound to demand and the demand-fed measures whose filters name it (they would lose their meaning with it)."""
    found = []
    if kind is ReferenceList.segments:
        for owner, link, column, words in (
            (Benefit, BenefitSegment, BenefitSegment.benefit_id, "who gains from benefit"),
            (Measure, MeasureSegment, MeasureSegment.measure_id, "the segments of measure"),
        ):
            named: Any = owner
            rows = session.exec(
                select(named.id, named.title if owner is Benefit else named.name)
                .join(link, col(column) == col(named.id))
                .where(link.segment_id == entry.id)
                .order_by(col(named.id))
            ).all()
            found += [f"{words} {number} ({title})" for number, title in rows]
    if kind not in FILTERED:
        return found
    for binding in session.exec(select(DemandAssumption).order_by(col(DemandAssumption.id))).all():
        if entry.code in getattr(binding, kind.value):
            found.append(f"the binding of assumption {binding.assumption} (initiative {binding.initiative_id})")
    for feed in session.exec(select(DemandMeasure).order_by(col(DemandMeasure.measure_id))).all():
        if entry.code in getattr(feed, kind.value):
            found.append(f"the demand feed of measure {feed.measure_id}")
    return found


@dataclass
class Lookup:
    """A reference list's entries by code and by name, both in lower case, for matching what a file says."""

    kind: ReferenceList
    ids: dict[str, int] = field(default_factory=dict)
    codes: dict[int, str] = field(default_factory=dict)
    avoidable: set[int] = field(default_factory=set)

    def find(self, written: str) -> int | None:
        """The id of the entry a file names by its code or its name, in any case; None when it names none."""
        return self.ids.get(written.strip().lower())


def lookups(*, session: Session) -> dict[ReferenceList, Lookup]:
    """Every reference list as a lookup by code and name."""
    found = {}
    for kind, listed in TABLES.items():
        lookup = Lookup(kind=kind)
        table: Any = listed
        for entry in session.exec(select(table)).all():
            lookup.ids[entry.name.lower()] = entry.id or 0
            lookup.ids[entry.code] = entry.id or 0
            lookup.codes[entry.id or 0] = entry.code
            if isinstance(entry, DemandType) and entry.avoidable:
                lookup.avoidable.add(entry.id or 0)
        found[kind] = lookup
    return found


# --- Cost per contact ------------------------------------------------------------------------------------------


def reference_costs() -> list[dict[str, Any]]:
    """Published costs per contact, offered as read-only suggestions, each with its citation."""
    return list(json.loads(REFERENCE_COSTS_FILE.read_text(encoding="utf-8"))["figures"])


def set_channel_cost(*, session: Session, fields: ChannelCostIn, actor: Actor) -> ChannelCostRead:
    """Keep a channel's cost per contact from a date, with its source; the same channel and date is replaced."""
    require(session=session, actor=actor, action=Action.manage_demand)
    cost = quantize(Decimal(repr(fields.cost)))
    channel = get_reference(
        session=session,
        kind=ReferenceList.channels,
        code=_code_of(session=session, kind=ReferenceList.channels, written=fields.channel),
    )
    kept = session.exec(
        select(ChannelCost).where(ChannelCost.channel_id == channel.id, ChannelCost.valid_from == fields.valid_from)
    ).first()
    before = None
    if kept is None:
        kept = ChannelCost(channel_id=channel.id or 0, valid_from=fields.valid_from, cost=cost, source=fields.source)
        session.add(kept)
    else:
        before = {"cost": kept.cost, "source": kept.source}
        kept.cost, kept.source = cost, fields.source
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        action="cost_set",
        entity="channel_cost",
        entity_id=kept.id or 0,
        before=before,
        after={"channel": channel.code, "valid_from": fields.valid_from, "cost": cost, "source": fields.source},
    )
    return ChannelCostRead(channel=channel.code, valid_from=kept.valid_from, cost=kept.cost, source=kept.source)


def _code_of(*, session: Session, kind: ReferenceList, written: str) -> str:
    """The code of the entry named by its code or its name."""
    table: Any = TABLES[kind]
    lowered = written.strip().lower()
    entry = session.exec(
        select(table).where(sa.or_(table.code == lowered, sa.func.lower(table.name) == lowered))
    ).first()
    if entry is None:
        detail = f"There is no {ONE[kind]} {written.strip()}; {how_to_add(kind)}."
        raise Conflict(detail, [Problem(f"unknown_{ONE[kind]}", detail, ONE[kind])])
    return entry.code


def channel_costs(*, session: Session) -> list[tuple[str, ChannelCost]]:
    """Every cost per contact kept, by channel code then date."""
    rows = session.exec(
        select(DemandChannel.code, ChannelCost)
        .join(DemandChannel, col(DemandChannel.id) == col(ChannelCost.channel_id))
        .order_by(col(DemandChannel.code), col(ChannelCost.valid_from))
    ).all()
    return [(code, cost) for code, cost in rows]


@dataclass(frozen=True)
class KeptCost:
    """A cost per contact kept, with where it stands on a day: in force, replaced by a later one, or yet to start."""

    channel: str
    valid_from: dt.date
    cost: Decimal
    source: str
    standing: str  # "in force", "replaced" or "from a later date"


def cost_history(*, session: Session, on: dt.date) -> list[KeptCost]:
    """Every cost per contact kept, by channel then date, each said as in force on `on`, replaced, or still to come."""
    found = []
    kept = channel_costs(session=session)
    for code, cost in kept:
        if cost.valid_from > on:
            standing = "from a later date"
        else:
            later = [other for other, row in kept if other == code and on >= row.valid_from > cost.valid_from]
            standing = "replaced" if later else "in force"
        found.append(KeptCost(code, cost.valid_from, cost.cost, cost.source, standing))
    return found


# --- Analysis --------------------------------------------------------------------------------------------------


def month_key(day: dt.date) -> int:
    """The month a day falls in, as year x 12 + month - 1 (how counts and their monthly sums are keyed)."""
    return day.year * 12 + day.month - 1


def month_start(key: int) -> dt.date:
    """The first day of the month a key names."""
    return dt.date(key // 12, key % 12 + 1, 1)


@dataclass(frozen=True)
class DemandFilter:
    """Which counts a figure is over: services, channels and segments by code (none: all), and a span of months."""

    services: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    segments: tuple[str, ...] = ()
    from_month: dt.date | None = None
    to_month: dt.date | None = None


def _ids(*, session: Session, kind: ReferenceList, codes: Sequence[str], stored: bool = False) -> list[int]:
    """The ids of the entries named by code; an unknown one is NotFound for a filter, or a Conflict (`stored`) for
    what a change names, since what is on the list decides."""
    found = []
    problems = []
    table: Any = TABLES[kind]
    for code in codes:
        entry = session.exec(select(table.id).where(table.code == code.strip().lower())).first()
        if entry is None:
            detail = f"There is no {ONE[kind]} {code}; {how_to_add(kind)}."
            problems.append(Problem(f"unknown_{ONE[kind].replace(' ', '_')}", detail, kind.value))
        else:
            found.append(entry)
    if problems:
        raise (Conflict if stored else NotFound)(problems[0].detail, problems)
    return found


def _filtered(session: Session, statement: Any, where: DemandFilter) -> Any:
    table = ContactMonth.__table__  # type: ignore[attr-defined]
    for kind, codes, column in (
        (ReferenceList.services, where.services, table.c.service_id),
        (ReferenceList.channels, where.channels, table.c.channel_id),
        (ReferenceList.segments, where.segments, table.c.segment_id),
    ):
        if codes:
            statement = statement.where(column.in_(_ids(session=session, kind=kind, codes=codes)))
    if where.from_month is not None:
        statement = statement.where(table.c.month >= month_key(where.from_month))
    if where.to_month is not None:
        statement = statement.where(table.c.month <= month_key(where.to_month))
    return statement


@dataclass
class _Month:
    contacts: int = 0
    avoidable: int = 0
    minutes: int = 0  # ten-thousandths
    timed: int = 0
    channels: dict[int, int] = field(default_factory=lambda: defaultdict(int))


def _months(*, session: Session, where: DemandFilter) -> tuple[dict[int, _Month], dict[int, str]]:
    """The counts under the filter summed by month and channel, and the channels' codes by id."""
    table = ContactMonth.__table__  # type: ignore[attr-defined]
    kinds = DemandType.__table__  # type: ignore[attr-defined]
    statement = (
        sa.select(
            table.c.month,
            table.c.channel_id,
            kinds.c.avoidable,
            sa.func.sum(table.c.contacts),
            sa.func.sum(table.c.handling_minutes),
            sa.func.sum(table.c.timed_contacts),
        )
        .join(kinds, kinds.c.id == table.c.demand_type_id)
        .group_by(table.c.month, table.c.channel_id, kinds.c.avoidable)
    )
    months: dict[int, _Month] = defaultdict(_Month)
    for month, channel, avoidable, contacts, minutes, timed in session.execute(_filtered(session, statement, where)):
        figures = months[int(month)]
        figures.contacts += int(contacts)
        figures.avoidable += int(contacts) if avoidable else 0
        figures.minutes += int(minutes or 0)
        figures.timed += int(timed or 0)
        figures.channels[int(channel)] += int(contacts)
    codes = {entry.id or 0: entry.code for entry in session.exec(select(DemandChannel)).all()}
    return dict(sorted(months.items())), codes


def _costs_in_force(*, session: Session) -> dict[int, list[tuple[dt.date, Decimal]]]:
    kept: dict[int, list[tuple[dt.date, Decimal]]] = defaultdict(list)
    for cost in session.exec(select(ChannelCost).order_by(col(ChannelCost.valid_from))).all():
        kept[cost.channel_id].append((cost.valid_from, cost.cost))
    return kept


def _cost_on(costs: list[tuple[dt.date, Decimal]], day: dt.date) -> Decimal | None:
    """The cost in force on a day: the latest from that day or before."""
    found = None
    for valid_from, cost in costs:
        if valid_from > day:
            break
        found = cost
    return found


def _ratio(part: int | Decimal, whole: int | Decimal) -> Decimal | None:
    return Decimal(part) / Decimal(whole) if whole else None


def summary(*, session: Session, where: DemandFilter) -> DemandSummary:
    """Volumes, the avoidable share (NI14), handling time, channel mix and cost to serve of the counts filtered."""
    months, codes = _months(session=session, where=where)
    costs = _costs_in_force(session=session)
    channels: dict[int, int] = defaultdict(int)
    channel_cost: dict[int, Decimal] = defaultdict(Decimal)
    uncosted: set[int] = set()
    for key, figures in months.items():
        for channel, contacts in figures.channels.items():
            channels[channel] += contacts
            cost = _cost_on(costs.get(channel, []), month_start(key))
            if cost is None:
                if contacts:
                    uncosted.add(channel)
            else:
                channel_cost[channel] += cost * contacts
    total = sum(figures.contacts for figures in months.values())
    avoidable = sum(figures.avoidable for figures in months.values())
    minutes = Decimal(sum(figures.minutes for figures in months.values())).scaleb(-SCALE)
    timed = sum(figures.timed for figures in months.values())
    return DemandSummary(
        contacts=total,
        avoidable_contacts=avoidable,
        avoidable_share=_ratio(avoidable, total),
        definition=AVOIDABLE_SHARE_DEFINITION,
        handling_minutes=minutes,
        timed_contacts=timed,
        minutes_per_contact=_ratio(minutes, timed),
        channels=[
            ChannelFigures(
                channel=codes[channel],
                contacts=contacts,
                share=_ratio(contacts, total),
                cost=None if channel in uncosted else channel_cost.get(channel, Decimal(0)),
            )
            for channel, contacts in sorted(channels.items(), key=lambda item: codes[item[0]])
        ],
        cost_to_serve=None if uncosted else sum(channel_cost.values(), Decimal(0)),
        uncosted_channels=sorted(codes[channel] for channel in uncosted),
        first_month=month_start(min(months)) if months else None,
        last_month=month_start(max(months)) if months else None,
    )


def monthly_series(
    *, session: Session, figure: DemandFigure, where: DemandFilter, channel: str | None = None
) -> list[tuple[dt.date, Decimal]]:
    """A figure month by month (a month whose figure cannot be worked out, such as a share of nothing, is left out).

    `channel` with `contacts` gives that channel's share of all contacts (its part of the channel mix).
    """
    months, codes = _months(session=session, where=where)
    costs = _costs_in_force(session=session)
    wanted = None
    if channel is not None:
        wanted = next((key for key, code in codes.items() if code == channel.strip().lower()), None)
        if wanted is None:
            raise NotFound(f"There is no channel {channel}; {how_to_add(ReferenceList.channels)}.")
    series = []
    for key, figures in months.items():
        value: Decimal | None
        if wanted is not None:
            value = _ratio(figures.channels.get(wanted, 0), figures.contacts)
        elif figure is DemandFigure.contacts:
            value = Decimal(figures.contacts)
        elif figure is DemandFigure.avoidable_contacts:
            value = Decimal(figures.avoidable)
        elif figure is DemandFigure.avoidable_share:
            value = _ratio(figures.avoidable, figures.contacts)
        elif figure is DemandFigure.handling_minutes:
            value = Decimal(figures.minutes).scaleb(-SCALE)
        else:
            priced = [(_cost_on(costs.get(c, []), month_start(key)), n) for c, n in figures.channels.items() if n]
            value = None
            if all(cost is not None for cost, _ in priced):
                value = sum(((cost or Decimal(0)) * n for cost, n in priced), Decimal(0))
        if value is not None:
            series.append((month_start(key), value.quantize(Decimal(1).scaleb(-SCALE), rounding=ROUND_HALF_UP)))
    return series


DIRECTIONS = {
    DemandFigure.contacts: Direction.neutral,
    DemandFigure.avoidable_contacts: Direction.decrease,
    DemandFigure.avoidable_share: Direction.decrease,
    DemandFigure.handling_minutes: Direction.decrease,
    DemandFigure.cost_to_serve: Direction.decrease,
}


def avoidable_share_by_service(*, session: Session, where: DemandFilter) -> list[tuple[str, dt.date, int, int]]:
    """(service code, month, avoidable contacts, all contacts) for each service and month under the filter."""
    table = ContactMonth.__table__  # type: ignore[attr-defined]
    kinds = DemandType.__table__  # type: ignore[attr-defined]
    statement = (
        sa.select(
            table.c.service_id,
            table.c.month,
            sa.func.sum(sa.case((kinds.c.avoidable, table.c.contacts), else_=0)),
            sa.func.sum(table.c.contacts),
        )
        .join(kinds, kinds.c.id == table.c.demand_type_id)
        .group_by(table.c.service_id, table.c.month)
        .order_by(table.c.service_id, table.c.month)
    )
    codes = {entry.id or 0: entry.code for entry in session.exec(select(DemandService)).all()}
    return [
        (codes[service], month_start(int(month)), int(avoidable), int(total))
        for service, month, avoidable, total in session.execute(_filtered(session, statement, where))
    ]


def counts_by_service_channel_type(*, session: Session, where: DemandFilter) -> list[tuple[str, str, str, int]]:
    """(service code, channel code, demand type code, contacts) under the filter, summed over its months."""
    table = ContactMonth.__table__  # type: ignore[attr-defined]
    statement = sa.select(
        table.c.service_id, table.c.channel_id, table.c.demand_type_id, sa.func.sum(table.c.contacts)
    ).group_by(table.c.service_id, table.c.channel_id, table.c.demand_type_id)
    codes = {kind: lookup.codes for kind, lookup in lookups(session=session).items()}
    found = [
        (
            codes[ReferenceList.services][service],
            codes[ReferenceList.channels][channel],
            codes[ReferenceList.demand_types][kind],
            int(contacts),
        )
        for service, channel, kind, contacts in session.execute(_filtered(session, statement, where))
    ]
    return sorted(found)


# --- Demand-fed measures ---------------------------------------------------------------------------------------


def feed_measure(
    *, session: Session, measure_id: int, figure: DemandFigure, where: DemandFilter, actor: Actor
) -> ObservationsRecorded:
    """Make a measure demand-fed: its observations become the figure's monthly series, refreshed from the counts."""
    measure = measures.get_measure(session=session, measure_id=measure_id)
    require(session=session, actor=actor, action=Action.edit_initiative, initiative_id=measure.initiative_id)
    for kind, codes in (
        (ReferenceList.services, where.services),
        (ReferenceList.channels, where.channels),
        (ReferenceList.segments, where.segments),
    ):
        _ids(session=session, kind=kind, codes=codes, stored=True)
    feed = session.get(DemandMeasure, measure_id)
    if feed is None:
        feed = DemandMeasure(measure_id=measure_id, figure=figure)
        session.add(feed)
    feed.figure = figure
    feed.services, feed.channels, feed.segments = list(where.services), list(where.channels), list(where.segments)
    session.flush()
    return refresh_measure(session=session, measure_id=measure_id, actor=actor)


def measure_feed(*, session: Session, measure_id: int) -> DemandMeasure | None:
    """What feeds a measure from the contact counts (its figure and filters), or None when it is not demand-fed."""
    return session.get(DemandMeasure, measure_id)


def refresh_measure(*, session: Session, measure_id: int, actor: Actor) -> ObservationsRecorded:
    """Record a demand-fed measure's observations from the counts as they stand; months unchanged stay as they are."""
    feed = session.get(DemandMeasure, measure_id)
    if feed is None:
        raise NotFound(f"Measure {measure_id} is not fed from demand; feed it first.")
    gone = _unlisted(session=session, named=feed)
    if gone:
        detail = (
            f"The measure's feed names {', '.join(gone)}, no longer listed: feed it again from the services, channels "
            "and segments listed."
        )
        raise Conflict(detail, [Problem("reference_unlisted", detail, "figure")])
    where = DemandFilter(services=tuple(feed.services), channels=tuple(feed.channels), segments=tuple(feed.segments))
    series = monthly_series(session=session, figure=feed.figure, where=where)
    beyond = [month for month, value in series if abs(value) > QUANTITY_LIMIT]
    if beyond:
        detail = (
            f"The {feed.figure.value.replace('_', ' ')} of {beyond[0]:%B %Y} is beyond what a measure holds "
            f"(+/- {QUANTITY_LIMIT:,}): check the counts and the costs per contact."
        )
        raise Conflict(detail, [Problem("value_out_of_range", detail, "figure")])
    rows = [ObservationIn(date=month, value=value, note="From the contact counts") for month, value in series]
    return measures.record_observations(
        session=session,
        measure_id=measure_id,
        rows=rows,
        actor=actor,
        reason=f"Refreshed from the contact counts ({feed.figure.value})",
    )


def series_chart(
    *,
    session: Session,
    figure: DemandFigure,
    where: DemandFilter,
    rephase: Sequence[dt.date] = (),
    baseline_points: int | None = None,
) -> tuple[list[tuple[dt.date, Decimal]], XmrChart]:
    """A figure's monthly series and its XmR chart: limits from the first `baseline_points` months of each phase
    (all when None), phases split at the re-phase dates."""
    series = monthly_series(session=session, figure=figure, where=where)
    drawn = xmr_chart(
        [(month, float(value)) for month, value in series],
        direction=DIRECTIONS[figure],
        rephase=rephase,
        baseline_points=baseline_points,
    )
    return series, drawn


def series_view(
    *,
    session: Session,
    figure: DemandFigure,
    where: DemandFilter,
    rephase: Sequence[dt.date] = (),
    baseline_points: int | None = None,
) -> DemandSeries:
    """A figure's monthly series with its XmR chart and the chart in words."""
    _, drawn = series_chart(
        session=session, figure=figure, where=where, rephase=rephase, baseline_points=baseline_points
    )
    return DemandSeries(
        figure=figure,
        definition=AVOIDABLE_SHARE_DEFINITION if figure is DemandFigure.avoidable_share else None,
        points=[
            SeriesPoint(
                date=point.date,
                value=point.value,
                mean=point.mean,
                lpl=point.lpl,
                upl=point.upl,
                signal=point.signal,
                point_type=point.point_type,
            )
            for point in drawn.points
        ],
        summary=measures.describe(drawn, unit=UNITS[figure]),
    )


def costs_view(*, session: Session) -> ChannelCostsRead:
    """The costs per contact kept, with the published figures offered beside them."""
    return ChannelCostsRead(
        kept=[
            ChannelCostRead(channel=code, valid_from=cost.valid_from, cost=cost.cost, source=cost.source)
            for code, cost in channel_costs(session=session)
        ],
        suggestions=[ReferenceCost.model_validate(figure) for figure in reference_costs()],
    )


def list_contacts(*, session: Session, where: DemandFilter, limit: int, offset: int) -> Page[ContactRead]:
    """A page of the contact counts under the filter, by period, service, channel and type."""
    counts = ContactCount.__table__  # type: ignore[attr-defined]
    listed: dict[ReferenceList, Any] = dict(TABLES)
    tables = {kind: table.__table__ for kind, table in listed.items()}
    segment = tables[ReferenceList.segments]
    statement = (
        sa.select(
            counts.c.period_start,
            counts.c.grain,
            tables[ReferenceList.services].c.code,
            tables[ReferenceList.channels].c.code,
            tables[ReferenceList.demand_types].c.code,
            segment.c.code,
            counts.c.count,
            counts.c.handling_minutes,
        )
        .join(tables[ReferenceList.services], tables[ReferenceList.services].c.id == counts.c.service_id)
        .join(tables[ReferenceList.channels], tables[ReferenceList.channels].c.id == counts.c.channel_id)
        .join(tables[ReferenceList.demand_types], tables[ReferenceList.demand_types].c.id == counts.c.demand_type_id)
        .outerjoin(segment, segment.c.id == counts.c.segment_id)
    )
    for kind, codes, column in (
        (ReferenceList.services, where.services, counts.c.service_id),
        (ReferenceList.channels, where.channels, counts.c.channel_id),
        (ReferenceList.segments, where.segments, counts.c.segment_id),
    ):
        if codes:
            statement = statement.where(column.in_(_ids(session=session, kind=kind, codes=codes)))
    if where.from_month is not None:
        statement = statement.where(counts.c.period_start >= where.from_month.replace(day=1))
    if where.to_month is not None:
        statement = statement.where(counts.c.period_start < month_start(month_key(where.to_month) + 1))
    total = session.execute(sa.select(sa.func.count()).select_from(statement.subquery())).scalar_one()
    ordered = (
        statement.order_by(
            counts.c.period_start,
            counts.c.service_id,
            counts.c.channel_id,
            counts.c.demand_type_id,
            counts.c.segment_id,
        )
        .limit(limit)
        .offset(offset)
    )
    items = [
        ContactRead(
            period_start=day,
            grain=grain,
            service=service,
            channel=channel,
            demand_type=kind,
            segment=segment_code,
            count=count,
            handling_minutes=minutes,
        )
        for day, grain, service, channel, kind, segment_code, count, minutes in session.execute(ordered)
    ]
    return Page(items=items, total=int(total), limit=limit, offset=offset)


# --- Assumptions bound to demand -------------------------------------------------------------------------------

YEARLY = {
    DemandFigure.contacts,
    DemandFigure.avoidable_contacts,
    DemandFigure.handling_minutes,
    DemandFigure.cost_to_serve,
}
FIGURE_WORDS = {
    DemandFigure.contacts: "contacts a year",
    DemandFigure.avoidable_contacts: "avoidable contacts a year",
    DemandFigure.avoidable_share: "the avoidable share (NI14)",
    DemandFigure.handling_minutes: "handling minutes a year",
    DemandFigure.cost_to_serve: "cost to serve a year (GBP)",
}


# What a binding or a feed says when an entry it names has left its list (kept from before such entries stayed).
UNLISTED = "a service, channel or segment it names is no longer listed: change the binding"


def _unlisted(*, session: Session, named: DemandAssumption | DemandMeasure) -> list[str]:
    """The services, channels and segments a binding or a feed names that are no longer on their lists."""
    gone = []
    for kind in FILTERED:
        codes = list(getattr(named, kind.value))
        if codes:
            table: Any = TABLES[kind]
            listed = set(session.exec(select(table.code).where(col(table.code).in_(codes))).all())
            gone += [code for code in codes if code not in listed]
    return gone


def bound_value(*, session: Session, binding: DemandAssumption) -> tuple[float | None, str]:
    """A bound figure's value from the counts as they stand, and the months it is taken over, in words; no value,
    and `UNLISTED`, when an entry the binding names has left its list.

    Volumes, minutes and costs are a year's worth (their sum over the span x 12 / its months); the avoidable share
    is avoidable contacts over all contacts across the span.
    """
    if _unlisted(session=session, named=binding):
        return None, UNLISTED
    where = DemandFilter(
        services=tuple(binding.services), channels=tuple(binding.channels), segments=tuple(binding.segments)
    )
    wanted = DemandFigure.avoidable_contacts if binding.figure is DemandFigure.avoidable_share else binding.figure
    series = monthly_series(session=session, figure=wanted, where=where)
    totals = monthly_series(session=session, figure=DemandFigure.contacts, where=where)
    if binding.until is not None:
        cut = binding.until.replace(day=1) if binding.until.day == 1 else month_start(month_key(binding.until) + 1)
        series = [(month, value) for month, value in series if month < cut]
        totals = [(month, value) for month, value in totals if month < cut]
    months = [month for month, _ in totals][-binding.months :]
    if not months:
        return None, "no months counted"
    span = f"the {len(months)} months {months[0]:%B %Y} to {months[-1]:%B %Y}"
    inside = {month: value for month, value in series if month in set(months)}
    if binding.figure is DemandFigure.avoidable_share:
        whole = sum((value for month, value in totals if month in set(months)), Decimal(0))
        part = sum(inside.values(), Decimal(0))
        return (float(part / whole) if whole else None), span
    if binding.figure is DemandFigure.cost_to_serve and len(inside) < len(months):
        return None, span + " (a channel has no cost per contact kept for some of them)"
    return float(sum(inside.values(), Decimal(0)) * 12 / len(months)), span


def binding_view(*, session: Session, binding: DemandAssumption) -> DemandAssumptionRead:
    """A bound assumption with the value its figure now takes."""
    value, span = bound_value(session=session, binding=binding)
    return DemandAssumptionRead(
        assumption=binding.assumption,
        figure=binding.figure,
        services=binding.services,
        channels=binding.channels,
        segments=binding.segments,
        months=binding.months,
        until=binding.until,
        value=value,
        span=span,
    )


def bindings(*, session: Session, initiative_id: int) -> list[DemandAssumption]:
    """The initiative's assumptions bound to demand, by name."""
    return list(
        session.exec(
            select(DemandAssumption)
            .where(DemandAssumption.initiative_id == initiative_id)
            .order_by(col(DemandAssumption.assumption))
        ).all()
    )


@dataclass(frozen=True)
class BoundAssumption:
    """A bound assumption as a page lists it: its binding, and the assumption as the model now holds it."""

    binding: DemandAssumptionRead
    label: str
    unit: str
    value: float | None
    source: str


def bound_assumptions(*, session: Session, initiative_id: int) -> list[BoundAssumption]:
    """The initiative's assumptions bound to demand, each with its figure's value now and the model's value now."""
    nodes = {node.name: node for node in cause_models.get_model(session=session, initiative_id=initiative_id).nodes}
    found = []
    for binding in bindings(session=session, initiative_id=initiative_id):
        node = nodes.get(binding.assumption)
        found.append(
            BoundAssumption(
                binding=binding_view(session=session, binding=binding),
                label=(node.label if node is not None else "") or binding.assumption,
                unit=node.unit if node is not None else "",
                value=node.value if node is not None else None,
                source=node.source if node is not None else "",
            )
        )
    return found


def bind_assumption(
    *, session: Session, initiative_id: int, fields: DemandAssumptionIn, actor: Actor
) -> DemandAssumptionRead:
    """Bind a model assumption to a demand figure (or change its binding), and set it from the counts now."""
    require(session=session, actor=actor, action=Action.edit_initiative, initiative_id=initiative_id)
    where = DemandFilter(
        services=tuple(fields.services), channels=tuple(fields.channels), segments=tuple(fields.segments)
    )
    for kind, codes in (
        (ReferenceList.services, where.services),
        (ReferenceList.channels, where.channels),
        (ReferenceList.segments, where.segments),
    ):
        _ids(session=session, kind=kind, codes=codes, stored=True)
    binding = session.exec(
        select(DemandAssumption).where(
            DemandAssumption.initiative_id == initiative_id, DemandAssumption.assumption == fields.assumption
        )
    ).first()
    if binding is None:
        binding = DemandAssumption(initiative_id=initiative_id, assumption=fields.assumption, figure=fields.figure)
        session.add(binding)
    for name, value in fields.model_dump().items():
        setattr(binding, name, value)
    session.flush()
    _refresh(session=session, binding=binding, actor=actor)
    return binding_view(session=session, binding=binding)


def refresh_assumptions(*, session: Session, initiative_id: int, actor: Actor) -> list[DemandAssumptionRead]:
    """Set each bound assumption of the initiative from the counts as they stand; the model's history keeps each
    change with its source and who refreshed it, and the benefits the model values follow."""
    require(session=session, actor=actor, action=Action.edit_initiative, initiative_id=initiative_id)
    found = bindings(session=session, initiative_id=initiative_id)
    for binding in found:
        _refresh(session=session, binding=binding, actor=actor)
    return [binding_view(session=session, binding=binding) for binding in found]


def _refresh(*, session: Session, binding: DemandAssumption, actor: Actor) -> None:
    """Set the assumption to its figure's value, unless the counts give none or it already holds it."""
    value, span = bound_value(session=session, binding=binding)
    if span == UNLISTED:
        detail = f"{binding.assumption} cannot be set: {UNLISTED}."
        raise Conflict(detail, [Problem("reference_unlisted", detail, "assumption", node=binding.assumption)])
    if value is None:
        detail = f"{binding.assumption} cannot be set: {span}. Load the contact counts first."
        raise Conflict(detail, [Problem("no_counts", detail, "assumption", node=binding.assumption)])
    model = cause_models.get_model(session=session, initiative_id=binding.initiative_id)
    current = next((node.value for node in model.nodes if node.name == binding.assumption), None)
    if current is not None and abs(current - value) <= 1e-9 * max(1.0, abs(value)):
        return
    filters = (
        "; ".join(
            f"{label} {', '.join(codes)}"
            for label, codes in (
                ("services", binding.services),
                ("channels", binding.channels),
                ("segments", binding.segments),
            )
            if codes
        )
        or "every service and channel"
    )
    reason = f"From the contact counts: {FIGURE_WORDS[binding.figure]} over {span} ({filters})"
    cause_models.set_assumption(
        session=session,
        initiative_id=binding.initiative_id,
        name=binding.assumption,
        value=value,
        actor=actor,
        reason=reason,
    )


UNITS = {
    DemandFigure.contacts: "contacts",
    DemandFigure.avoidable_contacts: "contacts",
    DemandFigure.avoidable_share: "share",
    DemandFigure.handling_minutes: "minutes",
    DemandFigure.cost_to_serve: "GBP",
}


def series_chart_read(
    *, session: Session, figure: DemandFigure, where: DemandFilter, baseline_points: int | None = None
) -> ChartRead:
    """A figure's monthly XmR chart in the shape a measure's chart has, so the pages draw it the same way."""
    _, drawn = series_chart(session=session, figure=figure, where=where, baseline_points=baseline_points)
    phases = []
    for number, limits in enumerate(drawn.phases):
        members = [point for point in drawn.points if point.phase == number]
        phases.append(
            PhaseRead(
                starts=members[0].date,
                points=len(members),
                mean=limits.mean,
                mean_moving_range=limits.mean_moving_range,
                lpl=limits.lpl,
                upl=limits.upl,
                upper_range_limit=limits.upper_range_limit,
                screened_moving_ranges=limits.screened,
            )
        )
    return ChartRead(
        measure_id=0,
        direction=DIRECTIONS[figure],
        baseline_points=baseline_points,
        rephase=[],
        screen_outliers=False,
        trial=drawn.trial,
        phases=phases,
        points=[ChartPointRead(**point.__dict__) for point in drawn.points],
        summary=measures.describe(drawn, unit=UNITS[figure]),
    )


# --- Segments tagging benefits and measures --------------------------------------------------------------------


class Tagged(StrEnum):
    """What a segment tags: a benefit (who gains) or a measure."""

    benefits = "benefits"
    measures = "measures"


def _tag_table(target: Tagged) -> tuple[Any, Any]:
    """The link table and its column naming the benefit or measure."""
    if target is Tagged.benefits:
        return BenefitSegment, BenefitSegment.benefit_id
    return MeasureSegment, MeasureSegment.measure_id


def _initiative_of(*, session: Session, target: Tagged, target_id: int) -> int:
    kind: Any = Benefit if target is Tagged.benefits else Measure
    found = session.get(kind, target_id)
    if found is None:
        raise NotFound(f"There is no {target.value[:-1]} {target_id}.")
    return found.initiative_id


def segments_of(*, session: Session, target: Tagged, target_id: int) -> list[str]:
    """The codes of the segments a benefit or measure is tagged with, in order."""
    _initiative_of(session=session, target=target, target_id=target_id)
    table, column = _tag_table(target)
    return list(
        session.exec(
            select(DemandSegment.code)
            .join(table, col(table.segment_id) == col(DemandSegment.id))
            .where(column == target_id)
            .order_by(col(DemandSegment.code))
        ).all()
    )


def tag(*, session: Session, target: Tagged, target_id: int, segments: Sequence[str], actor: Actor) -> list[str]:
    """Tag a benefit or measure with customer segments (the list replaces the one kept), in its history."""
    initiative_id = _initiative_of(session=session, target=target, target_id=target_id)
    require(session=session, actor=actor, action=Action.edit_initiative, initiative_id=initiative_id)
    if target is Tagged.benefits:  # the register's own check, so the refusal reads as any change to it would
        register.refuse_if_withdrawn(register.get_benefit(session=session, benefit_id=target_id))
    if len(set(segments)) != len(segments):
        raise InvalidInput("A segment is listed twice.", [Problem("segment_repeated", "List each once.", "segments")])
    ids = _ids(session=session, kind=ReferenceList.segments, codes=segments, stored=True)
    before = segments_of(session=session, target=target, target_id=target_id)
    table, column = _tag_table(target)
    for row in session.exec(select(table).where(column == target_id)).all():
        session.delete(row)
    session.flush()
    owner = "benefit_id" if target is Tagged.benefits else "measure_id"
    for segment_id in ids:
        session.add(table(**{owner: target_id, "segment_id": segment_id}))
    session.flush()
    after = segments_of(session=session, target=target, target_id=target_id)
    if after != before:
        audit.record(
            session=session,
            actor=actor,
            action="segments_tagged",
            entity=target.value[:-1],
            entity_id=target_id,
            initiative_id=initiative_id,
            before={"segments": before},
            after={"segments": after},
        )
    return after


def tagged_with(*, session: Session, target: Tagged, segments: Sequence[str]) -> list[int]:
    """The benefits or measures tagged with any of the segments: what a register, dashboard or summary filters by."""
    ids = _ids(session=session, kind=ReferenceList.segments, codes=segments)
    table, column = _tag_table(target)
    return sorted(set(session.exec(select(column).where(col(table.segment_id).in_(ids))).all()))
