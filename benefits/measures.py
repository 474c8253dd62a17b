"""Measures: adding and changing them, recording observations (one at a time, in bulk or as CSV), and their charts."""

import csv
import datetime as dt
import io
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from statistics import fmean
from typing import Any

import sqlalchemy as sa
from pydantic import ValidationError
from pydantic_core import ErrorDetails
from sqlmodel import Session, col, func, select

from benefits import audit, cause_models, formatting, owners, register
from benefits.actors import Actor
from benefits.authz import Action, require
from benefits.errors import Conflict, InvalidInput, NotFound, Problem
from benefits.initiatives import check_version, get_initiative
from benefits.listing import Page, paginate
from benefits.models import Benefit, ProfileEntryIn
from benefits.models.measure import (
    MAX_OBSERVATIONS_PER_CALL,
    ActualsFromMeasure,
    AssumptionFromMeasure,
    AssumptionUpdated,
    ChartPointRead,
    ChartRead,
    Measure,
    MeasureBenefit,
    MeasureCreate,
    MeasureRead,
    MeasureUpdate,
    Observation,
    ObservationIn,
    ObservationRead,
    ObservationsRecorded,
    PhaseRead,
)
from benefits.periods import Period, period_of
from benefits.stages import MeasuredAs
from benefits.xmr import Assurance, Direction, XmrChart, assurance, xmr_chart

ENTITY = "measure"
EDITABLE = (
    "name",
    "owner",
    "owner_id",
    "unit",
    "direction",
    "model_node",
    "description",
    "cadence",
    "target",
    "baseline_points",
    "screen_outliers",
)


def get_measure(*, session: Session, measure_id: int) -> Measure:
    """One measure, or NotFound."""
    measure = session.get(Measure, measure_id)
    if measure is None:
        raise NotFound(f"There is no measure {measure_id}.")
    return measure


def benefit_ids_of(*, session: Session, measure_ids: Sequence[int]) -> dict[int, list[int]]:
    """The benefits each measure evidences."""
    found: dict[int, list[int]] = {measure_id: [] for measure_id in measure_ids}
    rows = session.exec(
        select(MeasureBenefit)
        .where(col(MeasureBenefit.measure_id).in_(measure_ids))
        .order_by(col(MeasureBenefit.benefit_id))
    ).all()
    for row in rows:
        found[row.measure_id].append(row.benefit_id)
    return found


def tracking(*, session: Session, benefit_id: int) -> list[Measure]:
    """The measures that evidence a benefit, oldest first."""
    return list(session.exec(
        select(Measure)
        .join(MeasureBenefit, col(MeasureBenefit.measure_id) == col(Measure.id))
        .where(MeasureBenefit.benefit_id == benefit_id)
        .order_by(col(Measure.id))
    ).all())  # fmt: skip


def measure_names_by_benefit(*, session: Session, benefit_ids: Sequence[int]) -> dict[int, list[str]]:
    """The names of the measures that evidence each benefit."""
    found: dict[int, list[str]] = {}
    ids = list(benefit_ids)
    for start in range(0, len(ids), 1000):  # in batches: a database bounds the parameters of one statement
        rows = session.exec(
            select(MeasureBenefit.benefit_id, Measure.name)
            .join(Measure, col(Measure.id) == col(MeasureBenefit.measure_id))
            .where(col(MeasureBenefit.benefit_id).in_(ids[start : start + 1000]))
            .order_by(col(Measure.id))
        ).all()
        for benefit_id, name in rows:
            found.setdefault(benefit_id, []).append(name)
    return found


def _observation_facts(*, session: Session, measure_ids: Sequence[int]) -> dict[int, tuple[int, dt.date | None]]:
    rows = session.exec(
        select(Observation.measure_id, func.count(), func.max(Observation.observed_on))
        .where(col(Observation.measure_id).in_(measure_ids))
        .group_by(col(Observation.measure_id))
    ).all()
    facts: dict[int, tuple[int, dt.date | None]] = {measure_id: (0, None) for measure_id in measure_ids}
    for measure_id, count, last in rows:
        facts[measure_id] = (int(count), last)
    return facts


def measure_views(*, session: Session, measures: Sequence[Measure]) -> list[MeasureRead]:
    """Measures as clients read them, with their benefits and how many observations they hold."""
    ids = [measure.id or 0 for measure in measures]
    benefits = benefit_ids_of(session=session, measure_ids=ids)
    facts = _observation_facts(session=session, measure_ids=ids)
    return [
        MeasureRead(
            **measure.model_dump(exclude={"rephase"}),
            rephase=[dt.date.fromisoformat(day) for day in measure.rephase],
            benefit_ids=benefits[measure.id or 0],
            observations=facts[measure.id or 0][0],
            last_observed=facts[measure.id or 0][1],
        )
        for measure in measures
    ]


def measure_view(*, session: Session, measure: Measure) -> MeasureRead:
    """One measure as clients read it."""
    return measure_views(session=session, measures=[measure])[0]


def list_measures(
    *, session: Session, initiative_id: int | None = None, limit: int = 500, offset: int = 0
) -> Page[Measure]:
    """A page of measures, oldest first, of one initiative or all."""
    statement = select(Measure).order_by(col(Measure.id))
    if initiative_id is not None:
        get_initiative(session=session, initiative_id=initiative_id)
        statement = statement.where(Measure.initiative_id == initiative_id)
    return paginate(session=session, statement=statement, limit=limit, offset=offset)


def _check_links(*, session: Session, initiative_id: int, model_node: str | None, benefit_ids: Sequence[int]) -> None:
    """The node must be a quantitative node of the initiative's model; the benefits must be the initiative's."""
    problems = []
    if model_node is not None:
        model = cause_models.get_model(session=session, initiative_id=initiative_id)
        node = next((node for node in model.nodes if node.name == model_node), None)
        if node is None:
            problems.append(Problem("unknown_node", f"{model_node} is not a node of this initiative's model.",
                                    "model_node"))  # fmt: skip
    found = set(
        session.exec(
            select(Benefit.id).where(col(Benefit.id).in_(benefit_ids), Benefit.initiative_id == initiative_id)
        ).all()
    )
    for index, benefit_id in enumerate(benefit_ids):
        if benefit_id not in found:
            problems.append(
                Problem("unknown_benefit", f"Benefit {benefit_id} is not in this initiative.", f"benefit_ids[{index}]")
            )
    if len(set(benefit_ids)) != len(benefit_ids):  # what was sent, named with whatever else is wrong
        problems.append(Problem("benefit_repeated", "A benefit is listed twice.", "benefit_ids"))
        raise InvalidInput("The measure's links cannot be made.", problems)
    if problems:
        # The node and the benefits named must be there now: what is stored decides, so a conflict.
        raise Conflict("The measure's links cannot be made.", problems)


def _replace_benefits(*, session: Session, measure_id: int, benefit_ids: Sequence[int]) -> None:
    for row in session.exec(select(MeasureBenefit).where(MeasureBenefit.measure_id == measure_id)).all():
        session.delete(row)
    session.flush()
    for benefit_id in benefit_ids:
        session.add(MeasureBenefit(measure_id=measure_id, benefit_id=benefit_id))
    session.flush()


def _snapshot(measure: Measure, benefit_ids: Sequence[int]) -> dict[str, Any]:
    return {
        **{name: getattr(measure, name) for name in EDITABLE},
        "rephase": list(measure.rephase),
        "benefit_ids": sorted(benefit_ids),
    }


def create_measure(*, session: Session, fields: MeasureCreate, actor: Actor) -> Measure:
    """Add a measure to an initiative, linked to a model node and to the benefits it evidences."""
    get_initiative(session=session, initiative_id=fields.initiative_id)
    require(session=session, actor=actor, action=Action.edit_initiative, initiative_id=fields.initiative_id)
    _check_links(
        session=session,
        initiative_id=fields.initiative_id,
        model_node=fields.model_node,
        benefit_ids=fields.benefit_ids,
    )
    measure = Measure(
        **fields.model_dump(exclude={"benefit_ids", "rephase"}),
        rephase=sorted({day.isoformat() for day in fields.rephase}),
    )
    measure.owner, measure.owner_id = owners.chosen(
        session=session, named=measure.owner, person_id=measure.owner_id, name_field="owner", id_field="owner_id"
    )
    session.add(measure)
    session.flush()
    _replace_benefits(session=session, measure_id=measure.id or 0, benefit_ids=fields.benefit_ids)
    audit.record(
        session=session,
        actor=actor,
        action="created",
        entity=ENTITY,
        entity_id=measure.id or 0,
        initiative_id=measure.initiative_id,
        after=_snapshot(measure, fields.benefit_ids),
    )
    return measure


def update_measure(
    *, session: Session, measure_id: int, changes: MeasureUpdate, expected_version: frozenset[int] | None, actor: Actor
) -> Measure:
    """Change the fields sent; lists sent replace the whole list."""
    measure = get_measure(session=session, measure_id=measure_id)
    require(session=session, actor=actor, action=Action.edit_initiative, initiative_id=measure.initiative_id)
    check_version(current=measure.version, expected=expected_version, what="measure")
    sent = changes.model_dump(exclude_unset=True)
    reason = sent.pop("reason", None)
    for name in ("name", "direction", "screen_outliers", "unit", "description", "cadence"):
        if name in sent and sent[name] is None:
            raise InvalidInput(f"{name} cannot be null.", [Problem("required", f"{name} cannot be null.", name)])
    benefit_ids = benefit_ids_of(session=session, measure_ids=[measure_id])[measure_id]
    before = _snapshot(measure, benefit_ids)
    if "benefit_ids" in sent or "model_node" in sent:
        benefit_ids = (sent["benefit_ids"] or []) if "benefit_ids" in sent else benefit_ids
        node = sent.get("model_node", measure.model_node)
        _check_links(session=session, initiative_id=measure.initiative_id, model_node=node, benefit_ids=benefit_ids)
    owners.fill(session=session, sent=sent, name_field="owner", id_field="owner_id")
    for name in EDITABLE:
        if name in sent:
            setattr(measure, name, sent[name])
    if "rephase" in sent:
        measure.rephase = sorted({day.isoformat() for day in sent["rephase"] or []})
    if "benefit_ids" in sent:
        _replace_benefits(session=session, measure_id=measure_id, benefit_ids=benefit_ids)
    audit.record_update(
        session=session,
        actor=actor,
        row=measure,
        entity=ENTITY,
        entity_id=measure_id,
        initiative_id=measure.initiative_id,
        before=before,
        after=_snapshot(measure, benefit_ids),
        reason=reason,
    )
    return measure


def observations_of(*, session: Session, measure_id: int) -> list[Observation]:
    """A measure's observations, oldest first."""
    return list(
        session.exec(
            select(Observation).where(Observation.measure_id == measure_id).order_by(col(Observation.observed_on))
        ).all()
    )


def observation_view(observation: Observation) -> ObservationRead:
    """One observation as clients read it."""
    return ObservationRead(date=observation.observed_on, value=observation.value, note=observation.note)


def record_observations(
    *, session: Session, measure_id: int, rows: Sequence[ObservationIn], actor: Actor, reason: str | None = None
) -> ObservationsRecorded:
    """Add or replace observations by date: all of them, or none when any row is bad."""
    measure = get_measure(session=session, measure_id=measure_id)
    require(session=session, actor=actor, action=Action.edit_initiative, initiative_id=measure.initiative_id)
    if len(rows) > MAX_OBSERVATIONS_PER_CALL:
        raise InvalidInput(
            f"At most {MAX_OBSERVATIONS_PER_CALL:,} observations at a time.",
            [Problem("too_many_rows", f"{len(rows):,} rows sent.", "observations")],
        )
    seen: dict[dt.date, int] = {}
    problems = []
    for index, row in enumerate(rows):
        if row.date in seen:
            problems.append(Problem("date_repeated", f"{row.date} is also row {seen[row.date]}.", f"[{index}].date"))
        seen[row.date] = index
    if problems:
        raise InvalidInput("Each date has one observation.", problems)
    existing = {row.observed_on: row for row in observations_of(session=session, measure_id=measure_id)}
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    added = changed = 0
    for row in rows:
        kept = existing.get(row.date)
        if kept is None:
            session.add(Observation(measure_id=measure_id, observed_on=row.date, value=row.value, note=row.note))
            after[row.date.isoformat()] = {"value": row.value, "note": row.note}
            added += 1
        elif kept.value != row.value or kept.note != row.note:
            before[row.date.isoformat()] = {"value": kept.value, "note": kept.note}
            after[row.date.isoformat()] = {"value": row.value, "note": row.note}
            kept.value, kept.note = row.value, row.note
            changed += 1
    if added or changed:
        # The measure's own version stays: observations are not fields of the measure, and have their own trail.
        session.flush()
        audit.record(
            session=session,
            actor=actor,
            action="observations_recorded",
            entity=ENTITY,
            entity_id=measure_id,
            initiative_id=measure.initiative_id,
            before=before,
            after=after,
            context={"added": added, "changed": changed},
            reason=reason,
        )
    return ObservationsRecorded(
        added=added, changed=changed, unchanged=len(rows) - added - changed, observations=len(existing) + added
    )


def parse_csv(text: str) -> list[ObservationIn]:
    """Observations from CSV with a header row naming `date` and `value` (and optionally `note`)."""
    try:
        return _parse_csv(text)
    except csv.Error as error:
        raise InvalidInput(
            f"The CSV cannot be read: {error}.",
            [Problem("csv_invalid", "save it as CSV (comma-separated, UTF-8), one observation a line", "body")],
        ) from error


def _parse_csv(text: str) -> list[ObservationIn]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [name.strip().lower() for name in reader.fieldnames or []]
    missing = [name for name in ("date", "value") if name not in header]
    if missing:
        raise InvalidInput(
            "The CSV needs a header row with date and value columns.",
            [Problem("column_missing", f"No '{name}' column.", name) for name in missing],
        )
    reader.fieldnames = header
    rows: list[ObservationIn] = []
    problems: list[Problem] = []
    for number, record in enumerate(reader, start=2):  # row 1 is the header
        if len(rows) + len(problems) >= MAX_OBSERVATIONS_PER_CALL:
            raise InvalidInput(
                f"At most {MAX_OBSERVATIONS_PER_CALL:,} observations at a time.",
                [Problem("too_many_rows", f"Row {number} is beyond the limit.", f"row {number}")],
            )
        if None in record:
            problems.append(Problem("row_too_long", "More cells than the header has names.", f"row {number}"))
            continue
        date_text = (record.get("date") or "").strip()
        value_text = (record.get("value") or "").strip()
        try:
            day = dt.date.fromisoformat(date_text)
        except ValueError:
            problems.append(Problem("date_invalid", f"'{date_text}' is not a date such as 2026-04-01.",
                                    f"row {number}, date"))  # fmt: skip
            continue
        try:
            value = Decimal(value_text)
        except InvalidOperation:
            problems.append(_csv_value_problem(number, value_text))
            continue
        try:
            rows.append(ObservationIn(date=day, value=value, note=(record.get("note") or "").strip()))
        except ValidationError as error:
            problems += [_csv_cell_problem(item, number, value_text) for item in error.errors(include_url=False)]
    if problems:
        raise InvalidInput("The CSV has rows that cannot be used; nothing was recorded.", problems)
    return rows


def _csv_value_problem(number: int, value_text: str) -> Problem:
    return Problem("value_invalid", f"'{value_text}' is not a number in range.", f"row {number}, value")


def _csv_cell_problem(item: ErrorDetails, number: int, value_text: str) -> Problem:
    """The refusal of one cell of a CSV row, naming the row and the column that holds it."""
    column = str(item["loc"][0]) if item["loc"] else "value"
    if column == "value":
        return _csv_value_problem(number, value_text)
    # A text check's reason reads on from the column's name: "The note holds a noncharacter (U+FFFF) ...".
    reason = str(item["msg"]).removeprefix("Value error, ")
    detail = f"The {column} {reason}." if item["type"] == "value_error" else f"The {column}: {reason}."
    return Problem(f"{column}_invalid", detail, f"row {number}, {column}")


def assumption_from_measure(
    *, session: Session, measure_id: int, fields: AssumptionFromMeasure, actor: Actor
) -> AssumptionUpdated:
    """Set a model assumption to the mean of the measure's last N points, so the model and the board agree."""
    measure = get_measure(session=session, measure_id=measure_id)
    name = fields.assumption or measure.model_node
    if not name:
        raise InvalidInput(
            "Name the assumption: this measure is not linked to a model node.",
            [Problem("assumption_missing", "name an assumption of the model", "assumption")],
        )
    observations = observations_of(session=session, measure_id=measure_id)
    if len(observations) < fields.last_points:
        raise InvalidInput(
            f"The measure has {len(observations)} observations, fewer than {fields.last_points}.",
            [Problem("too_few_points", f"at most {len(observations)} points", "last_points")],
        )
    latest = observations[-fields.last_points :]
    value = fmean(float(row.value) for row in latest)
    model = cause_models.get_model(session=session, initiative_id=measure.initiative_id)
    previous = next((node.value for node in model.nodes if node.name == name), None)
    why = fields.reason or (
        f"The mean of the last {fields.last_points} points of measure '{measure.name}' "
        f"({latest[0].observed_on.isoformat()} to {latest[-1].observed_on.isoformat()})"
    )
    stored = cause_models.set_assumption(
        session=session, initiative_id=measure.initiative_id, name=name, value=value, actor=actor, reason=why
    )
    return AssumptionUpdated(
        assumption=name, previous=previous, value=value, points=len(latest), model_version=stored.version
    )


def actuals_from_measure(*, session: Session, benefit_id: int, fields: ActualsFromMeasure, actor: Actor) -> Benefit:
    """Write a benefit's actuals per period from a linked measure: a change as the improvement on the benefit's
    baseline, a level as the period's mean level."""
    benefit = register.get_benefit(session=session, benefit_id=benefit_id, for_update=True)
    measure = get_measure(session=session, measure_id=fields.measure_id)
    if benefit_id not in benefit_ids_of(session=session, measure_ids=[fields.measure_id])[fields.measure_id]:
        raise Conflict(
            "The measure does not evidence this benefit; link them first.",
            [Problem("measure_not_linked", "link the measure to the benefit", "measure_id")],
        )
    level = benefit.measured_as == MeasuredAs.level
    if level and fields.aggregate == "sum":
        raise InvalidInput(
            "This benefit is kept as a level, and levels are never added up: use the mean.",
            [Problem("aggregate_not_for_levels", "send aggregate 'mean' for a level", "aggregate")],
        )
    if benefit.baseline_value is None and not level:
        raise InvalidInput(
            "The benefit has no baseline to measure improvement from.",
            [Problem("baseline_missing", "set the benefit's baseline value", "baseline_value")],
        )
    if "multiplier" not in fields.model_fields_set and (benefit.unit or "") != measure.unit:
        raise InvalidInput(
            f"The measure counts '{measure.unit}' and the benefit '{benefit.unit or 'GBP'}': say how to convert.",
            [Problem("multiplier_required", "send the multiplier from the measure's unit to the benefit's",
                     "multiplier")],
        )  # fmt: skip
    initiative = benefit.initiative
    by_period: dict[Period, list[Decimal]] = defaultdict(list)
    for row in observations_of(session=session, measure_id=fields.measure_id):
        if benefit.baseline_date is not None and row.observed_on <= benefit.baseline_date:
            continue  # the baseline's own time: no improvement to count yet
        period = period_of(row.observed_on, initiative.fy_start_month, initiative.granularity)
        by_period[period].append(row.value)
    better = Decimal(-1 if measure.direction is Direction.decrease else 1)
    # A dis-benefit's profile holds the size of the harm: less improvement is more harm.
    if benefit.is_disbenefit:
        better = -better
    baseline = benefit.baseline_value or Decimal(0)
    actuals: dict[str, Decimal] = {}
    for period, values in by_period.items():
        if level:
            # A level's actual is the period's level itself, as its profile plans levels.
            actuals[period.label] = sum(values, Decimal(0)) / len(values) * fields.multiplier
            continue
        if fields.aggregate == "sum":
            gain = sum((value - baseline for value in values), Decimal(0))
        else:
            gain = sum(values, Decimal(0)) / len(values) - baseline
        actuals[period.label] = gain * better * fields.multiplier
    rows = {entry.period: {"period": entry.period, "planned": entry.planned, "actual": entry.actual}
            for entry in benefit.profile}  # fmt: skip
    for label, actual in actuals.items():
        rows.setdefault(label, {"period": label, "planned": None})["actual"] = actual
    try:
        profile = [ProfileEntryIn.model_validate(row) for row in rows.values()]
    except ValidationError as error:
        raise InvalidInput(
            "A derived actual is out of range; check the multiplier.",
            [Problem("value_out_of_range", "actuals are at most 1e12 either way", "multiplier")],
        ) from error
    basis = "the period's mean level" if level else f"{fields.aggregate} against the baseline"
    why = fields.reason or f"Actuals derived from measure '{measure.name}' ({basis})"
    return register.replace_profile(
        session=session, benefit_id=benefit_id, rows=profile, expected_version=None, actor=actor, reason=why
    )


def chart(
    *,
    session: Session,
    measure_id: int,
    baseline_points: int | None = None,
    rephase: Sequence[dt.date] | None = None,
    screen_outliers: bool | None = None,
) -> ChartRead:
    """The measure's XmR chart; options not given come from the measure's own settings."""
    measure = get_measure(session=session, measure_id=measure_id)
    points = baseline_points if baseline_points is not None else measure.baseline_points
    phases = list(rephase) if rephase is not None else [dt.date.fromisoformat(day) for day in measure.rephase]
    screen = screen_outliers if screen_outliers is not None else measure.screen_outliers
    observations = observations_of(session=session, measure_id=measure_id)
    drawn = xmr_chart(
        [(row.observed_on, float(row.value)) for row in observations],
        direction=measure.direction,
        baseline_points=points,
        rephase=phases,
        screen_outliers=screen,
    )
    return ChartRead(
        measure_id=measure_id,
        direction=measure.direction,
        baseline_points=points,
        rephase=sorted(set(phases)),
        screen_outliers=screen,
        trial=drawn.trial,
        phases=_phases(drawn),
        points=[ChartPointRead(**point.__dict__) for point in drawn.points],
        summary=describe(drawn, unit=measure.unit),
        **_assurance_of(drawn, target=measure.target, direction=measure.direction, unit=measure.unit),
    )


def _assurance_of(drawn: XmrChart, *, target: Decimal | None, direction: Direction, unit: str) -> dict[str, Any]:
    """The chart's target, its assurance against the latest phase's limits, and that reading in words."""
    if target is None:
        return {"target": None, "assurance": None, "assurance_text": ""}
    goal = float(target)
    if not drawn.phases:
        return {"target": goal, "assurance": None, "assurance_text": ""}
    limits = drawn.phases[-1]
    reading = assurance(target=goal, lpl=limits.lpl, upl=limits.upl, direction=direction)
    return {
        "target": goal,
        "assurance": reading,
        "assurance_text": describe_assurance(reading, target=goal, lpl=limits.lpl, upl=limits.upl, unit=unit),
    }


def describe_assurance(reading: Assurance | None, *, target: float, lpl: float, upl: float, unit: str = "") -> str:
    """The Making Data Count assurance reading in words: will the process, as it runs, meet its target?"""
    number, suffix = _unit_placement(unit)
    shown = f"The target, {figure(target, number)}{suffix},"
    limits = f"the process limits ({figure(lpl, number)} to {figure(upl, number)}{suffix})"
    if reading is None:
        return f"{shown} cannot be read as met or missed: the measure has no better direction."
    if reading is Assurance.hit_and_miss:
        return (f"{shown} lies between {limits}: the process will sometimes meet it and sometimes not "
                "(hit and miss).")  # fmt: skip
    if reading is Assurance.consistently_fail:
        return (f"{shown} lies beyond {limits} on the better side: the process will consistently fail to meet "
                "it unless something changes.")  # fmt: skip
    return f"{shown} lies beyond {limits} on the worse side: the process will consistently meet it."


def signalling(*, session: Session) -> dict[int, int]:
    """How many of each initiative's measures end on a special-cause point (two queries, however many measures)."""
    every = session.exec(select(Measure).order_by(col(Measure.id))).all()
    values: dict[int, list[tuple[dt.date, float]]] = defaultdict(list)
    rows = session.execute(
        sa.select(col(Observation.measure_id), col(Observation.observed_on), col(Observation.value)).order_by(
            col(Observation.measure_id), col(Observation.observed_on)
        )
    )
    for measure_id, observed_on, value in rows:
        values[measure_id].append((observed_on, float(value)))
    found: dict[int, int] = defaultdict(int)
    for measure in every:
        if not values.get(measure.id or 0):
            continue
        drawn = xmr_chart(
            values[measure.id or 0],
            direction=measure.direction,
            baseline_points=measure.baseline_points,
            rephase=[dt.date.fromisoformat(day) for day in measure.rephase],
            screen_outliers=measure.screen_outliers,
        )
        if drawn.points and drawn.points[-1].signal is not None:
            found[measure.initiative_id] += 1
    return found


def _phases(drawn: XmrChart) -> list[PhaseRead]:
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
    return phases


SHARE = "share"  # the unit of a share of a whole (0 to 1), which reads as a percentage


def _unit_placement(unit: str) -> tuple[str, str]:
    """How a sentence of figures carries its unit: on each figure (a share's per cent sign), or once after them."""
    return (SHARE, "") if unit == SHARE else ("", f" {unit}" if unit else "")


def figure(value: float, unit: str = "") -> str:
    """A chart's figure as a person reads it, with its unit: thousands separated, fewer places the larger it is,
    rounded half-up (15.6 calls, 42,100 calls, 0.25 %); a share as a percentage to one place (19.8%)."""
    if unit == SHARE:
        return formatting.percent(value, 1)
    size = abs(value)
    return formatting.quantity(value, unit, places=0 if size >= 1000 else 1 if size >= 10 else 2, fixed=False)


def describe(drawn: XmrChart, *, unit: str = "") -> str:
    """The chart in words, for a screen reader and for the board pack."""
    if not drawn.points:
        return "No observations yet."
    last = drawn.points[-1]
    limits = drawn.phases[-1]
    number, suffix = _unit_placement(unit)
    phases = len(drawn.phases)
    words = [
        f"{len(drawn.points)} points in {phases} phase{'s' if phases > 1 else ''}.",
        f"{'The latest phase has its' if phases > 1 else 'The'} centre line at {figure(limits.mean, number)}{suffix}, "
        f"with natural process limits {figure(limits.lpl, number)} to {figure(limits.upl, number)}{suffix}.",
    ]
    if drawn.trial:
        words.append("Some limits rest on fewer than 12 points, so they are trial limits.")
    special = [point for point in drawn.points if point.signal is not None]
    if special:
        counts: dict[str, int] = {}
        for point in special:
            counts[point.point_type.value] = counts.get(point.point_type.value, 0) + 1
        described = ", ".join(f"{count} {kind.replace('_', ' ')}" for kind, count in sorted(counts.items()))
        words.append(f"Special-cause points: {described}.")
    else:
        words.append("Every point shows common-cause variation only.")
    words.append(f"The latest point, {last.date.isoformat()}, is {last.point_type.value.replace('_', ' ')}.")
    return " ".join(words)
