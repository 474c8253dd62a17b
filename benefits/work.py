"""What is due, and who owes it: computed from the record each time it is asked, never typed or stored.

An item is due once its date has passed: an actual for a started period (a cadence of its measure after the
period starts, or the period's end, plus the grace), cash and capacity to confirm for a started period, a
board's action past its date, a measure's next observation, a benefit with no owner, and an initiative past its
end with benefits still live. Each item names the person who owes it and the page where it is done; doing it
removes the item.
"""

import calendar
import hashlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel
from pydantic import Field as PydanticField
from sqlmodel import Session, col

from benefits import finance
from benefits.actors import Actor
from benefits.authz import Action, require
from benefits.models import (
    Benefit,
    Initiative,
    Measure,
    MeasureBenefit,
    Observation,
    Person,
    ProfileEntry,
    Review,
    Role,
)
from benefits.models.demand import ContactMonth, DemandChannel, DemandMeasure, DemandSegment, DemandService
from benefits.models.measure import Cadence
from benefits.owners import Directory
from benefits.periods import PeriodError, first_day, last_day, parse_period
from benefits.settings import get_settings
from benefits.stages import Stage

TRACKED = (Stage.planned.value, Stage.delivered.value)  # stages whose profile is a commitment to track


class WorkKind(StrEnum):
    """What kind of thing is due."""

    actual = "actual"  # record the actual of a started period
    cash = "cash"  # confirm the cash a budget gave up for a period
    capacity = "capacity"  # confirm where a period's released capacity went
    action = "action"  # a board's action past its date
    observation = "observation"  # a measure's next observation
    owner = "owner"  # a benefit nobody owns
    handover = "handover"  # an initiative past its end date with benefits still live


class WorkItem(BaseModel):
    """One thing due: what, for whom, since when, and the page where it is done."""

    key: str = PydanticField(description="Stable while the item is due: its kind, subject and period.")
    kind: WorkKind
    what: str = PydanticField(description="What is due, in a sentence.")
    person_id: int | None = PydanticField(description="Who owes it; null when nobody can be named.")
    person: str | None
    initiative_id: int | None
    initiative: str | None
    benefit_id: int | None = None
    measure_id: int | None = None
    review_id: int | None = None
    period: str | None = None
    due_on: date
    days_overdue: int = PydanticField(description="Days since it fell due; 0 on the day.")
    link: str = PydanticField(description="The page where it is done.")


class WorkRead(BaseModel):
    """What is due, most overdue first."""

    items: list[WorkItem]
    total: int
    grace_days: int = PydanticField(description="Days after a period's end (or a cadence) before its actual is due.")


@dataclass(frozen=True)
class _Initiative:
    id: int
    name: str
    owner_id: int | None
    start_month: int
    end_date: date | None


def _later(day: date, cadence: Cadence, times: int = 1) -> date:
    """`times` cadences after `day` (a month after 31 January is the last day of February; two, 31 March)."""
    if cadence is Cadence.weekly:
        return day + timedelta(days=7 * times)
    months = {Cadence.monthly: 1, Cadence.quarterly: 3, Cadence.yearly: 12}[cadence] * times
    year, month = divmod(day.month - 1 + months, 12)
    year, month = day.year + year, month + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def due_work(
    *,
    session: Session,
    today: date,
    grace_days: int,
    person_id: int | None = None,
    initiative_id: int | None = None,
) -> list[WorkItem]:
    """Everything due on `today` (for one person, or one initiative, when given), most overdue first."""
    initiatives = _initiatives(session=session, initiative_id=initiative_id)
    roles = dict(_people(session))  # the active people
    # For one person, only what could fall to them is read: what they own, and all of the initiatives they own
    # (whose benefits and measures nobody else owns, or whose owners have gone, fall to them).
    whose = None if person_id is None else (person_id, [i.id for i in initiatives.values() if i.owner_id == person_id])
    items: list[WorkItem] = []
    items += _benefit_work(session=session, initiatives=initiatives, today=today, grace=grace_days, whose=whose)
    if person_id is None or roles.get(person_id) is Role.finance:
        finance_people = [person for person, role in roles.items() if role is Role.finance]
        items += _money_work(session=session, initiatives=initiatives, today=today, finance_people=finance_people)
    items += _measure_work(session=session, initiatives=initiatives, today=today, grace=grace_days, whose=whose)
    items += _action_work(session=session, initiatives=initiatives, today=today, whole=initiative_id is None)
    items += _handover_work(session=session, initiatives=initiatives, today=today)
    items = [_handed_on(item, initiatives, roles) for item in items]
    if person_id is not None:
        items = [item for item in items if item.person_id == person_id]
    names = dict(_names(session, {item.person_id for item in items if item.person_id is not None}))
    named = [item.model_copy(update={"person": names.get(item.person_id or 0)}) for item in items]
    return sorted(named, key=lambda item: (-item.days_overdue, item.initiative or "", item.key))


def _handed_on(item: WorkItem, initiatives: dict[int, _Initiative], active: dict[int, Role]) -> WorkItem:
    """An item owed by someone no longer active falls to the initiative's owner (if active), else to nobody."""
    if item.person_id is None or item.person_id in active:
        return item
    owner = initiatives[item.initiative_id].owner_id if item.initiative_id in initiatives else None
    return item.model_copy(update={"person_id": owner if owner in active else None})


Whose = tuple[int, list[int]] | None  # (a person, the initiatives they own), when only their work is wanted


def _mine(owner: Any, initiative: Any, whose: Whose) -> list[Any]:
    """The condition that keeps rows a person owns, or that belong to an initiative they own; none for everyone."""
    if whose is None:
        return []
    return [sa.or_(owner == whose[0], initiative.in_(whose[1]))]


def _initiatives(*, session: Session, initiative_id: int | None) -> dict[int, _Initiative]:
    statement = sa.select(
        col(Initiative.id),
        col(Initiative.name),
        col(Initiative.owner_id),
        col(Initiative.fy_start_month),
        col(Initiative.end_date),
    )
    if initiative_id is not None:
        statement = statement.where(col(Initiative.id) == initiative_id)
    return {row[0] or 0: _Initiative(row[0] or 0, row[1], row[2], row[3], row[4]) for row in session.execute(statement)}


def _people(session: Session) -> list[tuple[int, Role]]:
    rows = session.execute(sa.select(col(Person.id), col(Person.role)).where(col(Person.active).is_(True))).all()
    return [(person_id or 0, Role(role)) for person_id, role in rows]


def _names(session: Session, ids: Iterable[int]) -> list[tuple[int, str]]:
    wanted = sorted(set(ids))
    if not wanted:
        return []
    found = session.execute(sa.select(col(Person.id), col(Person.name)).where(col(Person.id).in_(wanted)))
    return [(person_id or 0, name) for person_id, name in found]


def _item(
    kind: WorkKind, subject: str, what: str, person_id: int | None, initiative: _Initiative | None, due_on: date,
    today: date, link: str, **about: object,
) -> WorkItem:  # fmt: skip
    return WorkItem(
        key=f"{kind.value}:{subject}",
        kind=kind,
        what=what,
        person_id=person_id,
        person=None,
        initiative_id=initiative.id if initiative else None,
        initiative=initiative.name if initiative else None,
        due_on=due_on,
        days_overdue=(today - due_on).days,
        link=link,
        **about,
    )


def _benefit_work(
    *, session: Session, initiatives: dict[int, _Initiative], today: date, grace: int, whose: Whose
) -> list[WorkItem]:
    """Owners to name and actuals to record, for every live benefit of these initiatives."""
    if not initiatives:
        return []
    benefits = session.execute(
        sa.select(col(Benefit.id), col(Benefit.initiative_id), col(Benefit.title), col(Benefit.owner_id),
                  col(Benefit.stage), col(Benefit.quantified), col(Benefit.created_at))
        .where(col(Benefit.initiative_id).in_(list(initiatives)), col(Benefit.withdrawn).is_(False),
               *_mine(col(Benefit.owner_id), col(Benefit.initiative_id), whose))
    ).all()  # fmt: skip
    items: list[WorkItem] = []
    tracked: dict[int, tuple[int, str, int | None]] = {}
    for benefit_id, initiative_id, title, owner_id, stage, quantified, created_at in benefits:
        initiative = initiatives[initiative_id]
        if owner_id is None:
            items.append(_item(
                WorkKind.owner, f"benefit:{benefit_id}", f"Name an owner for “{title}”.", initiative.owner_id,
                initiative, created_at.date(), today, f"/benefits/{benefit_id}", benefit_id=benefit_id,
            ))  # fmt: skip
        if stage in TRACKED and quantified:
            tracked[benefit_id or 0] = (initiative_id, title, owner_id or initiative.owner_id)
    if not tracked:
        return items
    ids = sorted(tracked)
    cadences = _cadences(session, ids)
    started = (today.year + 1) * 10  # no period that starts after this year's end has started
    entries = session.execute(
        sa.select(col(ProfileEntry.benefit_id), col(ProfileEntry.period), col(ProfileEntry.actual))
        .where(col(ProfileEntry.benefit_id).in_(ids), col(ProfileEntry.sort_key) < started,
               col(ProfileEntry.planned).is_not(None), col(ProfileEntry.actual).is_(None))
    ).all()  # fmt: skip
    for benefit_id, label, _ in entries:
        initiative_id, title, owner_id = tracked[benefit_id]
        initiative = initiatives[initiative_id]
        try:
            period = parse_period(label)
        except PeriodError:
            continue  # a label an older version kept; the benefit's page names it
        begins = first_day(period, initiative.start_month)
        if begins > today:
            continue
        cadence = cadences.get(benefit_id)
        ready = _later(begins, cadence) if cadence else last_day(period, initiative.start_month)
        due = ready + timedelta(days=grace)
        if due <= today:
            items.append(_item(
                WorkKind.actual, f"benefit:{benefit_id}:{label}", f"Record the {label} actual of “{title}”.",
                owner_id, initiative, due, today, f"/benefits/{benefit_id}#profile",
                benefit_id=benefit_id, period=label,
            ))  # fmt: skip
    return items


def _money_work(
    *, session: Session, initiatives: dict[int, _Initiative], today: date, finance_people: list[int]
) -> list[WorkItem]:
    """Cash and capacity to confirm, as the finance page lists them, owed by each person in finance (or nobody)."""
    places = dict(
        session.execute(
            sa.select(col(Benefit.id), col(Benefit.initiative_id)).where(
                col(Benefit.initiative_id).in_(list(initiatives))
            )
        ).all()
    )
    items = []
    for kind, rows in (
        (WorkKind.cash, finance.cash_to_confirm(session=session, today=today)),
        (WorkKind.capacity, finance.capacity_to_confirm(session=session, today=today)),
    ):
        ledger = "cash" if kind is WorkKind.cash else "redeployment"
        for row in rows:
            initiative = initiatives.get(places.get(row.benefit_id, 0))
            if initiative is None:
                continue
            what = (f"Confirm the cash “{row.benefit}” took from its budget in {row.period}." if kind is WorkKind.cash
                    else f"Confirm where the capacity “{row.benefit}” released in {row.period} went.")  # fmt: skip
            try:
                begins = first_day(parse_period(row.period), initiative.start_month)
            except PeriodError:
                continue  # a label an older version kept; the finance page names it
            owed_by: list[int | None] = list(finance_people) or [None]  # with nobody in finance, by nobody named
            for person in owed_by:
                items.append(_item(
                    kind, f"benefit:{row.benefit_id}:{row.period}", what, person, initiative, begins, today,
                    f"/finance#{ledger}-{row.benefit_id}-{row.period}", benefit_id=row.benefit_id, period=row.period,
                ))  # fmt: skip
    return items


def _cadences(session: Session, benefit_ids: list[int]) -> dict[int, Cadence]:
    """Each benefit's most frequent measure cadence: its actual can be read once one has passed."""
    order = list(Cadence)
    found: dict[int, Cadence] = {}
    rows = session.execute(
        sa.select(col(MeasureBenefit.benefit_id), col(Measure.cadence))
        .join(Measure, col(Measure.id) == col(MeasureBenefit.measure_id))
        .where(col(MeasureBenefit.benefit_id).in_(benefit_ids))
    ).all()
    for benefit_id, cadence in rows:
        known = Cadence(cadence)
        if benefit_id not in found or order.index(known) < order.index(found[benefit_id]):
            found[benefit_id] = known
    return found


def _last_counted_months(*, session: Session) -> dict[int, int | None]:
    """Each measure fed from the counts, and the last month (year x 12 + month - 1) its filters have counts for."""
    codes: dict[str, dict[str, int]] = {}
    for name, table in (("services", DemandService), ("channels", DemandChannel), ("segments", DemandSegment)):
        listed = sa.select(col(table.code), col(table.id))
        codes[name] = {code: found for code, found in session.execute(listed) if found}
    columns = {"services": ContactMonth.service_id, "channels": ContactMonth.channel_id,
               "segments": ContactMonth.segment_id}  # fmt: skip
    last: dict[int, int | None] = {}
    for feed in session.execute(sa.select(DemandMeasure)).scalars():
        statement = sa.select(sa.func.max(ContactMonth.month))
        for name, column in columns.items():
            chosen: list[str] = getattr(feed, name)
            if chosen:  # none chosen: every one
                statement = statement.where(col(column).in_([codes[name].get(code, 0) for code in chosen]))
        last[feed.measure_id] = session.execute(statement).scalar()
    return last


def _measure_work(
    *, session: Session, initiatives: dict[int, _Initiative], today: date, grace: int, whose: Whose
) -> list[WorkItem]:
    """Measures whose next observation is due: a cadence after the last (or after the measure began), plus the grace."""
    if not initiatives:
        return []
    last = (
        sa.select(col(Observation.measure_id), sa.func.max(Observation.observed_on).label("last"))
        .group_by(col(Observation.measure_id))
        .subquery()
    )
    rows = session.execute(
        sa.select(col(Measure.id), col(Measure.initiative_id), col(Measure.name), col(Measure.owner_id),
                  col(Measure.cadence), col(Measure.created_at), last.c.last)
        .outerjoin(last, last.c.measure_id == col(Measure.id))
        .where(col(Measure.initiative_id).in_(list(initiatives)),
               *_mine(col(Measure.owner_id), col(Measure.initiative_id), whose))
    ).all()  # fmt: skip
    counted = _last_counted_months(session=session)
    items = []
    for measure_id, initiative_id, name, owner_id, cadence, created_at, observed in rows:
        initiative = initiatives[initiative_id]
        every = Cadence(cadence)
        # A measure fed from the counts is owed a refresh only once its services, channels and segments have been
        # counted for a month after its last observation.
        fed = measure_id in counted
        newest = counted.get(measure_id)
        if fed and (newest is None or (observed is not None and newest <= observed.year * 12 + observed.month - 1)):
            continue
        # An observation covers the cadence it is dated in, so it can be read once that has ended: the next one
        # is due two cadences after the last, and a new measure's first one cadence after it began.
        due = _later(observed, every, times=2) if observed is not None else _later(created_at.date(), every)
        due += timedelta(days=grace)
        if due <= today:
            what = (f"Record the next observation of “{name}” (the last was {observed:%d %B %Y})." if observed
                    else f"Record the first observation of “{name}”.")  # fmt: skip
            if fed:
                what = f"Refresh “{name}” from the contact counts: later months have been counted."
            items.append(_item(
                WorkKind.observation, f"measure:{measure_id}", what, owner_id or initiative.owner_id, initiative, due,
                today, f"/measures/{measure_id}#observations", measure_id=measure_id,
            ))  # fmt: skip
    return items


def _action_work(*, session: Session, initiatives: dict[int, _Initiative], today: date, whole: bool) -> list[WorkItem]:
    """Open actions past their date, from the latest review of each scope (earlier open ones are carried into it)."""
    statement = sa.select(col(Review.id), col(Review.initiative_id), col(Review.held_on), col(Review.actions))
    reviews = session.execute(statement.order_by(col(Review.id))).all()
    latest: dict[int | None, tuple[int, date, Sequence[dict[str, object]]]] = {}
    for review_id, initiative_id, held_on, actions in reviews:
        if initiative_id in initiatives or (initiative_id is None and whole):
            latest[initiative_id] = (review_id or 0, held_on, actions or [])
    # Actions recorded before owners were people carry only a name: find the person it names, if any.
    directory = Directory(
        session=session,
        typed=[str(action.get("owner") or "") for _, _, actions in latest.values() for action in actions
               if action.get("owner_id") is None],
    )  # fmt: skip
    items = []
    for initiative_id, (review_id, held_on, actions) in latest.items():
        initiative = initiatives.get(initiative_id) if initiative_id is not None else None
        for number, action in enumerate(actions, start=1):
            due = action.get("due")
            if action.get("status", "open") != "open" or not isinstance(due, str):
                continue
            due_on = date.fromisoformat(due)
            if due_on >= today:
                continue
            owner = action.get("owner_id")
            if owner is None:
                found = directory.pair(str(action.get("owner") or ""))
                owner = found[1] if found else None
            # Keyed by the review that agreed it, not the latest that carries it: the same action, told once.
            agreed = action.get("carried_from") or review_id
            items.append(_item(
                WorkKind.action, f"review:{agreed}:{_fingerprint(str(action.get('action')))}",
                f"{action.get('action')} (from the review of {held_on.day} {held_on:%B %Y}).",
                owner if isinstance(owner, int) else None, initiative, due_on, today,
                f"/reviews/{review_id}#action-{number}", review_id=review_id,
            ))  # fmt: skip
    return items


def _fingerprint(text: str) -> str:
    """A short, stable name for an action's words (a carried action keeps them, not its number)."""
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def _handover_work(*, session: Session, initiatives: dict[int, _Initiative], today: date) -> list[WorkItem]:
    """Initiatives past their end date whose benefits are not all delivered or withdrawn: tracking goes on."""
    ended = [initiative for initiative in initiatives.values() if initiative.end_date and initiative.end_date < today]
    if not ended:
        return []
    live: dict[int, int] = defaultdict(int)
    for initiative_id, count in session.execute(
        sa.select(col(Benefit.initiative_id), sa.func.count())
        .where(col(Benefit.initiative_id).in_([initiative.id for initiative in ended]),
               col(Benefit.withdrawn).is_(False), col(Benefit.stage) != Stage.delivered.value)
        .group_by(col(Benefit.initiative_id))
    ).all():  # fmt: skip
        live[initiative_id] = count
    return [
        _item(
            WorkKind.handover,
            f"initiative:{initiative.id}",
            f"{initiative.name} ended on {initiative.end_date:%d %B %Y} with {live[initiative.id]} benefit(s) not yet "
            "delivered: make sure each has an owner who tracks it now.",
            initiative.owner_id,
            initiative,
            initiative.end_date or today,
            today,
            f"/initiatives/{initiative.id}",
        )
        for initiative in ended
        if live[initiative.id]
    ]


def my_work(*, session: Session, actor: Actor, today: date) -> WorkRead:
    """What is due from the signed-in person, most overdue first."""
    grace = get_settings().actuals_grace_days
    items = due_work(session=session, today=today, grace_days=grace, person_id=actor.person_id or -1)
    return WorkRead(items=items, total=len(items), grace_days=grace)


def everyones_work(
    *, session: Session, actor: Actor, today: date, person_id: int | None = None, initiative_id: int | None = None
) -> WorkRead:
    """What is due across the portfolio (admins and boards), optionally of one person or one initiative."""
    require(session=session, actor=actor, action=Action.read_all_work)
    grace = get_settings().actuals_grace_days
    items = due_work(session=session, today=today, grace_days=grace, person_id=person_id, initiative_id=initiative_id)
    return WorkRead(items=items, total=len(items), grace_days=grace)
