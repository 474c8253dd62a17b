"""The benefits register: adding, reading, changing, profiling, withdrawing and deleting benefits."""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col, func, select

from benefits import audit, cause_models, cost_centres, owners
from benefits.actors import Actor
from benefits.authz import Action, allowed, require
from benefits.columns import utc_now
from benefits.errors import Conflict, Forbidden, InvalidInput, NotFound, Problem
from benefits.initiatives import check_version, get_initiative
from benefits.listing import MANY_IDS, Page, page_of
from benefits.models import (
    ApprovedBaseline,
    Benefit,
    BenefitCreate,
    BenefitRead,
    BenefitUpdate,
    CashConfirmation,
    GateRead,
    Initiative,
    ProfileEntry,
    ProfileEntryIn,
    RedeploymentConfirmation,
)
from benefits.models.baseline import BaselinePeriodRead, BaselineRead
from benefits.models.demand import BenefitSegment, DemandSegment
from benefits.periods import Period, PeriodError, parse_period_for
from benefits.stages import (
    STAGE_ORDER,
    Category,
    GateFacts,
    MeasuredAs,
    RealisationRoute,
    Stage,
    is_money,
    profile_size,
    unmet_requirements,
)

ENTITY = "benefit"
EDITABLE = tuple(name for name in BenefitUpdate.model_fields if name != "reason")
# What finance may change on any benefit: how, and where, its value is taken.
ROUTE_FIELDS = frozenset({"route", "cost_centre", "redeployment"})


def _loaded() -> list[Any]:
    return [*_always_loaded(), *_baselines_loaded(), selectinload(Benefit.initiative)]  # type: ignore[arg-type]


def _always_loaded() -> list[Any]:
    return [
        selectinload(Benefit.profile),  # type: ignore[arg-type]
        selectinload(Benefit.cash_confirmations),  # type: ignore[arg-type]
        selectinload(Benefit.redeployment_confirmations),  # type: ignore[arg-type]
    ]


def _baselines_loaded() -> list[Any]:
    return [
        selectinload(Benefit.baseline_versions),  # type: ignore[arg-type]
        selectinload(Benefit.baseline_rows),  # type: ignore[arg-type]
    ]


def loaded_relations() -> list[Any]:
    """The loader options that bring a benefit's profile, confirmations and initiative with it."""
    return _loaded()


def get_benefit(*, session: Session, benefit_id: int, for_update: bool = False) -> Benefit:
    """One benefit with its profile, confirmations and initiative loaded, or NotFound.

    `for_update` locks the row until the transaction ends (on PostgreSQL), so a change decided on what was
    read cannot interleave with another writer's; it also re-reads the row after waiting for the lock.
    """
    statement = select(Benefit).where(Benefit.id == benefit_id).options(*_loaded())
    if for_update:
        statement = statement.with_for_update(of=Benefit).execution_options(populate_existing=True)
    benefit = session.exec(statement).first()
    if benefit is None:
        raise NotFound(f"There is no benefit {benefit_id}.")
    return benefit


Confirmation = CashConfirmation | RedeploymentConfirmation


def held(entries: Sequence[Confirmation]) -> Decimal:
    """What stands confirmed: the sum of the entries, reversals (negative) included."""
    return sum((entry.amount for entry in entries), Decimal(0))


def standing(entries: Sequence[Confirmation]) -> list[Confirmation]:
    """The confirmations that stand: neither reversals nor reversed."""
    reversed_ids = {entry.corrects_id for entry in entries if entry.corrects_id is not None}
    return [entry for entry in entries if entry.corrects_id is None and entry.id not in reversed_ids]


def gate_facts(benefit: Benefit) -> GateFacts:
    """What the stage gates look at, read off a loaded benefit."""
    return GateFacts(
        owner=benefit.owner,
        category=Category(benefit.category) if benefit.category else None,
        quantified=benefit.quantified,
        description=benefit.description,
        model_node=benefit.model_node,
        estimate_low=benefit.estimate_low,
        estimate_likely=benefit.estimate_likely,
        estimate_high=benefit.estimate_high,
        baseline_value=benefit.baseline_value,
        baseline_date=benefit.baseline_date,
        target_value=benefit.target_value,
        target_date=benefit.target_date,
        route=RealisationRoute(benefit.route) if benefit.route else None,
        cost_centre=benefit.cost_centre,
        redeployment=benefit.redeployment,
        planned_periods=sum(1 for entry in benefit.profile if entry.planned is not None),
        actual_periods=sum(1 for entry in benefit.profile if entry.actual is not None),
        evidence=benefit.evidence,
        cash_confirmations=len(standing(benefit.cash_confirmations)),
        is_disbenefit=benefit.is_disbenefit,
        redeployment_confirmations=len(standing(benefit.redeployment_confirmations)),
    )


def key_figures(benefit: Benefit) -> dict[str, Any]:
    """The figures kept with every stage move, so a board sees what the benefit looked like then."""
    planned = [entry.planned for entry in benefit.profile]
    actual = [entry.actual for entry in benefit.profile]
    return {
        "estimate_low": benefit.estimate_low,
        "estimate_likely": benefit.estimate_likely,
        "estimate_high": benefit.estimate_high,
        "baseline_value": benefit.baseline_value,
        "target_value": benefit.target_value,
        "route": benefit.route,
        "cash_confirmed_total": held(benefit.cash_confirmations) if benefit.cash_confirmations else None,
        "redeployed_total": held(benefit.redeployment_confirmations) if benefit.redeployment_confirmations else None,
        "baseline_version": benefit.baseline_version,
        "planned_total": profile_size(planned, benefit.measured_as),
        "actual_total": profile_size(actual, benefit.measured_as),
    }


def baseline_views(benefit: Benefit) -> list[BaselineRead]:
    """Every baseline the benefit has had approved, oldest first, each with its periods and size."""
    rows: dict[int, list[ApprovedBaseline]] = defaultdict(list)
    for row in benefit.baseline_rows:
        rows[row.version].append(row)
    return [
        BaselineRead(
            version=version.version,
            kind=version.kind,
            reason=version.reason,
            approved_by=version.approved_by,
            approved_at=version.approved_at,
            total=profile_size([row.planned for row in rows[version.version]], benefit.measured_as),
            periods=[BaselinePeriodRead(period=row.period, planned=row.planned) for row in rows[version.version]],
        )
        for version in benefit.baseline_versions
    ]


def benefit_view(benefit: Benefit) -> BenefitRead:
    """A loaded benefit as read by clients: fields, profile, and what its next stage still needs."""
    stage = Stage(benefit.stage)
    next_stage = None if benefit.withdrawn else stage.next
    missing = unmet_requirements(gate_facts(benefit), next_stage) if next_stage else []
    return BenefitRead.model_validate(
        benefit,
        update={
            # Validated from the rows in the one call below, not entry by entry (the register's reads are
            # mostly profile periods, and a call per period costs more than the period).
            "profile": benefit.profile,
            "baselines": baseline_views(benefit),
            "gate": GateRead.model_validate(
                {"next_stage": next_stage, "missing": [problem.__dict__ for problem in missing]}
            ),
        },
    )


def snapshot(benefit: Benefit) -> dict[str, Any]:
    """A benefit's editable fields, as the trail keeps them."""
    return _snapshot(benefit)


def _snapshot(benefit: Benefit) -> dict[str, Any]:
    return {name: getattr(benefit, name) for name in EDITABLE}


def _consistency_problems(benefit: Benefit, *, check_unit: bool = True) -> list[Problem]:
    """Rules that hold at every stage: financial means money, a route only for them, low <= likely <= high."""
    problems = []
    if check_unit and benefit.category == Category.financial and not is_money(benefit.unit):
        problems.append(
            Problem(
                "unit_not_money",
                f"A financial benefit is valued in money (GBP), not '{benefit.unit}'; "
                "count other units as a non-financial benefit.",
                "unit",
            )
        )
    if benefit.category == Category.financial and benefit.measured_as == MeasuredAs.level:
        problems.append(
            Problem(
                "level_not_money",
                "A financial benefit is money each period, a change summed over the years; "
                "keep a level (such as a satisfaction rate) as a non-financial benefit.",
                "measured_as",
            )
        )
    if benefit.measured_as != MeasuredAs.level:
        for name in ("estimate_low", "estimate_likely", "estimate_high", "target_value"):
            value = getattr(benefit, name)
            if value is not None and value < 0:
                problems.append(Problem("negative_value", _NEGATIVE, name))
    if benefit.measured_as != MeasuredAs.level and "profile" not in sa.inspect(benefit).unloaded:
        for index, entry in enumerate(benefit.profile):
            if entry.planned is not None and entry.planned < 0:
                problems.append(Problem("negative_value", _NEGATIVE, f"profile[{index}].planned"))
    if benefit.category != Category.financial and benefit.route is not None:
        problems.append(
            Problem("route_not_financial", "Only a financial benefit has a realisation route; clear it.", "route")
        )
    low, likely, high = benefit.estimate_low, benefit.estimate_likely, benefit.estimate_high
    if low is not None and likely is not None and low > likely:
        problems.append(Problem("estimate_order", "The low estimate is above the most likely.", "estimate_low"))
    if likely is not None and high is not None and likely > high:
        problems.append(Problem("estimate_order", "The most likely estimate is above the high.", "estimate_high"))
    if low is not None and high is not None and low > high:
        problems.append(Problem("estimate_order", "The low estimate is above the high.", "estimate_low"))
    return problems


ESTIMATE_FIELDS = ("estimate_low", "estimate_likely", "estimate_high")
_NEGATIVE = (
    "A benefit's values are sizes, never below zero: enter a harm as a dis-benefit (is_disbenefit) with a positive "
    "size, and a worsening as an actual."
)


def _value_from_model(*, session: Session, benefit: Benefit, sent: set[str]) -> None:
    """A benefit valued by a model node takes the node's P10/P50/P90; its estimate is then not typed."""
    if benefit.model_node is None:
        return
    typed = sorted(sent & set(ESTIMATE_FIELDS))
    if typed:
        raise InvalidInput(
            "This benefit is valued by the model; change the model, or unlink the node first.",
            [Problem("estimate_from_model", f"{name} comes from {benefit.model_node}.", name) for name in typed],
        )
    if "model_node" in sent:
        low, likely, high = cause_models.value_from_model(
            session=session, initiative_id=benefit.initiative_id, node=benefit.model_node
        )
        benefit.estimate_low, benefit.estimate_likely, benefit.estimate_high = low, likely, high


def _settle(benefit: Benefit, *, check_unit: bool = True) -> None:
    """Fill the route of a financial benefit, then refuse anything inconsistent.

    The money rule is checked when the unit or category is written, so a benefit stored before the rule can
    still have its route decided; the finance ledger and the appraisal count only money whatever happens.
    """
    if benefit.category == Category.financial and benefit.route is None:
        benefit.route = RealisationRoute.undecided
    problems = _consistency_problems(benefit, check_unit=check_unit)
    if problems:
        raise InvalidInput("The benefit's values are inconsistent.", problems)


def check_benefit(benefit: Benefit, *, check_unit: bool = True, stage_bar: bool = True) -> None:
    """The rules a stored benefit always meets: consistent values and, past opportunity, its stage's bar."""
    _settle(benefit, check_unit=check_unit)
    if stage_bar:
        _keep_stage_bar(benefit)


def _keep_stage_bar(benefit: Benefit) -> None:
    # A benefit must go on meeting the bar of the stage it stands at; to fall below it, move it back with a reason.
    stage = Stage(benefit.stage)
    problems = unmet_requirements(gate_facts(benefit), stage)
    if problems:
        raise Conflict(
            f"The change would leave this {stage.value} benefit short of its stage's bar; "
            "move it back to an earlier stage first, with a reason.",
            problems,
            code="stage_bar_broken",
        )


# What only finance's confirmations can give: a benefit short of nothing else steps back rather than refusing them.
CONFIRMATION_GATES = frozenset({"finance_confirmation_missing", "redeployment_confirmation_missing"})


def step_back_until_confirmed(*, session: Session, benefit: Benefit, actor: Actor, reason: str) -> Stage | None:
    """After finance corrects a confirmation or a route, a delivered benefit whose money is no longer confirmed goes
    back to planned, the move kept with the correction's reason; any other shortfall is refused as always."""
    stage = Stage(benefit.stage)
    problems = unmet_requirements(gate_facts(benefit), stage)
    if not problems:
        return None
    if {problem.code for problem in problems} - CONFIRMATION_GATES or stage is not Stage.delivered:
        _keep_stage_bar(benefit)
    benefit.stage, benefit.updated_at = Stage.planned, utc_now()
    session.flush()
    assert benefit.id is not None
    audit.record(
        session=session,
        actor=actor,
        action="stage_moved",
        entity=ENTITY,
        entity_id=benefit.id,
        initiative_id=benefit.initiative_id,
        before={"stage": stage},
        after={"stage": Stage.planned},
        context={"figures": key_figures(benefit), "because": [problem.code for problem in problems]},
        reason=reason,
    )
    return Stage.planned


def refuse_if_withdrawn(benefit: Benefit) -> None:
    """Refuse any change to a withdrawn benefit (409 `benefit_withdrawn`)."""
    if benefit.withdrawn:
        raise Conflict(
            "This benefit was withdrawn; it can no longer change.",
            [Problem("benefit_withdrawn", benefit.withdrawn_reason or "Withdrawn.")],
        )


def list_benefits(
    *,
    session: Session,
    initiative_id: int,
    limit: int,
    offset: int,
    stage: Stage | None = None,
    route: RealisationRoute | None = None,
    owner: str | None = None,
    category: Category | None = None,
    withdrawn: bool | None = None,
    segments: Sequence[str] = (),
) -> Page[Benefit]:
    """A page of an initiative's benefits by id, filtered by stage, route, owner, category, withdrawal and the
    customer segments they reach (any of those named)."""
    initiative = get_initiative(session=session, initiative_id=initiative_id)
    conditions: list[Any] = [Benefit.initiative_id == initiative_id]
    if segments:
        conditions.append(reaches(col(Benefit.id), segment_ids(session=session, codes=segments)))
    if stage is not None:
        conditions.append(col(Benefit.stage) == stage)
    if route is not None:
        conditions.append(col(Benefit.route) == route)
    if owner is not None:
        conditions.append(col(Benefit.owner) == owner)
    if category is not None:
        conditions.append(col(Benefit.category) == category)
    if withdrawn is not None:
        conditions.append(col(Benefit.withdrawn) == withdrawn)
    chosen = select(Benefit).where(*conditions).options(*_always_loaded()).order_by(col(Benefit.id))
    items = session.exec(chosen.limit(limit).offset(offset)).all()
    _load_page_relations(session=session, benefits=items, initiative=initiative)
    count = select(func.count()).select_from(Benefit).where(*conditions)
    return page_of(items, limit=limit, offset=offset, count=lambda: session.exec(count).one())


def _load_page_relations(*, session: Session, benefits: Sequence[Benefit], initiative: Initiative) -> None:
    """Give a page of one initiative's benefits their initiative and baselines with as few queries as can be.

    The initiative is loaded already, and only a benefit with a baseline approved has any baseline rows: most
    pages of a register have none, and two queries that would find nothing are not sent.
    """
    approved = []
    for benefit in benefits:
        set_committed_value(benefit, "initiative", initiative)
        if benefit.baseline_version is None:
            set_committed_value(benefit, "baseline_versions", [])
            set_committed_value(benefit, "baseline_rows", [])
        else:
            approved.append(benefit.id)
    # The same rows again (from the identity map), now with their baselines; a long page in parts, clear of the
    # databases' limits on bound parameters.
    for start in range(0, len(approved), MANY_IDS):
        chunk = approved[start : start + MANY_IDS]
        session.exec(select(Benefit).where(col(Benefit.id).in_(chunk)).options(*_baselines_loaded())).all()


def segment_ids(*, session: Session, codes: Sequence[str], field: str = "segment") -> list[int]:
    """The ids of the customer segments named by code (any case); a code not on the list is refused by name."""
    # Imported here: the demand module reads measures, which read the register.
    from benefits.demand import ReferenceList, how_to_add

    wanted = {code.strip().lower() for code in codes}
    listed = select(DemandSegment.code, DemandSegment.id).where(col(DemandSegment.code).in_(wanted))
    found = {code: segment_id for code, segment_id in session.exec(listed).all() if segment_id is not None}
    problems = [
        Problem(
            "unknown_segment",
            f"There is no segment {code.strip()!r}; the segments are listed at GET /api/v1/demand/segments "
            f"(or `benefits demand list segments`); to filter by a new one, {how_to_add(ReferenceList.segments)}.",
            field,
        )
        for code in dict.fromkeys(code.strip().lower() for code in codes)
        if code not in found
    ]
    if problems:
        raise InvalidInput(problems[0].detail, problems)
    return sorted({found[code] for code in wanted})


def reaches(benefit_id: Any, segments: Sequence[int]) -> Any:
    """A condition: the benefit whose id is in `benefit_id` is tagged with any of these segments (an EXISTS on the
    tags, so a filter stays one query however many benefits match)."""
    return sa.exists().where(col(BenefitSegment.benefit_id) == benefit_id, col(BenefitSegment.segment_id).in_(segments))


def create_benefit(*, session: Session, initiative_id: int, fields: BenefitCreate, actor: Actor) -> Benefit:
    """Add a benefit to an initiative at the opportunity stage, and record who did."""
    get_initiative(session=session, initiative_id=initiative_id)
    require(session=session, actor=actor, action=Action.edit_initiative, initiative_id=initiative_id)
    benefit = Benefit.model_validate(fields, update={"initiative_id": initiative_id, "stage": Stage.opportunity})
    benefit.owner, benefit.owner_id = owners.chosen(
        session=session, named=benefit.owner, person_id=benefit.owner_id, name_field="owner", id_field="owner_id"
    )
    benefit.cost_centre = cost_centres.canonical_code(session=session, code=benefit.cost_centre)
    _value_from_model(session=session, benefit=benefit, sent=fields.model_fields_set)
    _settle(benefit)
    session.add(benefit)
    session.flush()
    assert benefit.id is not None
    audit.record(
        session=session,
        actor=actor,
        action="created",
        entity=ENTITY,
        entity_id=benefit.id,
        initiative_id=initiative_id,
        after=_snapshot(benefit) | {"stage": Stage.opportunity},
    )
    return get_benefit(session=session, benefit_id=benefit.id)


def update_benefit(
    *, session: Session, benefit_id: int, changes: BenefitUpdate, expected_version: frozenset[int] | None, actor: Actor
) -> Benefit:
    """Change the fields sent, if the caller saw the current version; keep before, after and the reason."""
    benefit = get_benefit(session=session, benefit_id=benefit_id, for_update=True)
    sent = changes.model_dump(exclude_unset=True)
    reason = sent.pop("reason", None)
    action = Action.decide_route if sent and set(sent) <= ROUTE_FIELDS else Action.edit_initiative
    require(session=session, actor=actor, action=action, initiative_id=benefit.initiative_id)
    check_version(current=benefit.version, expected=expected_version, what="benefit")
    refuse_if_withdrawn(benefit)
    for name in ("title", "quantified", "is_disbenefit", "description", "evidence"):
        if name in sent and sent[name] is None:
            raise InvalidInput(f"{name} cannot be null.", [Problem("required", f"{name} cannot be null.", name)])
    if "cost_centre" in sent:
        sent["cost_centre"] = cost_centres.canonical_code(
            session=session, code=sent["cost_centre"], allow_inactive=benefit.cost_centre
        )
    owners.fill(session=session, sent=sent, name_field="owner", id_field="owner_id")
    before = _snapshot(benefit)
    refuse_route_change(session=session, benefit=benefit, sent=sent, actor=actor)
    for name, value in sent.items():
        setattr(benefit, name, value)
    _value_from_model(session=session, benefit=benefit, sent=set(sent))
    _settle(benefit, check_unit=bool({"unit", "category"} & set(sent)))
    keep_money_where_confirmed(benefit, before)
    route_decision = bool(sent) and set(sent) <= ROUTE_FIELDS
    if not route_decision:
        _keep_stage_bar(benefit)
    audit.record_update(
        session=session,
        actor=actor,
        row=benefit,
        entity=ENTITY,
        entity_id=benefit_id,
        initiative_id=benefit.initiative_id,
        before=before,
        after=_snapshot(benefit),
        reason=reason,
    )
    if route_decision:
        # A new route is confirmed afresh: a delivered benefit goes back to planned until finance confirms it.
        step_back_until_confirmed(session=session, benefit=benefit, actor=actor, reason=reason or "Route changed")
    return benefit


def refuse_route_change(*, session: Session, benefit: Benefit, sent: dict[str, Any], actor: Actor) -> None:
    """Past planned, how and where a benefit's value is taken is finance's decision, not the programme's."""
    changing = sorted(name for name in ROUTE_FIELDS & set(sent) if sent[name] != getattr(benefit, name))
    if not changing or Stage(benefit.stage).rank < Stage.planned.rank:
        return
    if not allowed(
        session=session, actor=actor, action=Action.decide_approved_route, initiative_id=benefit.initiative_id
    ):
        raise Forbidden(
            f"This benefit is {benefit.stage.value}: its {', '.join(changing)} can now be changed by finance or an "
            "admin only. Ask finance to change it, or move the benefit back to scoped with a reason first.",
            [
                Problem("route_is_finance_decision", "Finance decides the route of a planned benefit.", name)
                for name in changing
            ],
        )


def keep_money_where_confirmed(benefit: Benefit, before: dict[str, Any]) -> None:
    """Confirmed cash stays with its route and cost centre, confirmed redeployment with its route, until reversed."""
    problems = []
    cash = held(benefit.cash_confirmations)
    if cash > 0 and before["route"] == RealisationRoute.cash:
        for name in ("route", "cost_centre"):
            if getattr(benefit, name) != before[name]:
                problems.append(
                    Problem(
                        "confirmed_cash_held",
                        f"£{cash:,.2f} of cash is confirmed against "
                        f"{before['cost_centre']}; finance must reverse each confirmation, with a "
                        "reason, before the route or cost centre changes.",
                        name,
                    )
                )
    redeployed = held(benefit.redeployment_confirmations)
    if redeployed > 0 and before["route"] == RealisationRoute.capacity and benefit.route != RealisationRoute.capacity:
        problems.append(
            Problem(
                "confirmed_redeployment_held",
                f"£{redeployed:,.2f} of capacity is confirmed as "
                "redeployed; finance must reverse each confirmation, with a reason, before the "
                "route changes.",
                "route",
            )
        )
    if problems:
        raise Conflict(
            "Confirmed money cannot move until finance reverses its confirmations.",
            problems,
            code="confirmed_money_held",
        )


def _parse_profile(rows: Sequence[ProfileEntryIn], benefit: Benefit) -> list[tuple[Period, ProfileEntryIn]]:
    problems = []
    parsed: list[tuple[Period, ProfileEntryIn]] = []
    seen: dict[str, int] = {}
    for index, row in enumerate(rows):
        try:
            period = parse_period_for(row.period.strip(), benefit.initiative.granularity)
        except PeriodError as error:
            problems.append(Problem(error.code, str(error), f"profile[{index}].period"))
            continue
        if period.label in seen:
            problems.append(
                Problem(
                    "period_repeated",
                    f"{period.label} also appears at row {seen[period.label]}.",
                    f"profile[{index}].period",
                )
            )
            continue
        seen[period.label] = index
        if row.planned is not None and row.planned < 0 and benefit.measured_as != MeasuredAs.level:
            problems.append(Problem("negative_value", _NEGATIVE, f"profile[{index}].planned"))
            continue
        parsed.append((period, row))
    if problems:
        raise InvalidInput("The profile has rows that cannot be used.", problems)
    return parsed


def _profile_snapshot(benefit: Benefit) -> dict[str, Any]:
    return {entry.period: {"planned": entry.planned, "actual": entry.actual} for entry in benefit.profile}


def replace_profile(
    *,
    session: Session,
    benefit_id: int,
    rows: Sequence[ProfileEntryIn],
    expected_version: frozenset[int] | None,
    actor: Actor,
    reason: str | None = None,
) -> Benefit:
    """Make the profile exactly these periods' planned and actual values; keep before and after."""
    benefit = get_benefit(session=session, benefit_id=benefit_id, for_update=True)
    require(session=session, actor=actor, action=Action.edit_initiative, initiative_id=benefit.initiative_id)
    check_version(current=benefit.version, expected=expected_version, what="benefit")
    refuse_if_withdrawn(benefit)
    parsed = _parse_profile(rows, benefit)
    before = _profile_snapshot(benefit)
    existing = {entry.period: entry for entry in benefit.profile}
    wanted = {period.label for period, _ in parsed}
    for label, entry in existing.items():
        if label not in wanted:
            session.delete(entry)
    session.flush()
    for period, row in parsed:
        kept = existing.get(period.label)
        if kept is None:
            session.add(
                ProfileEntry(
                    benefit_id=benefit_id,
                    period=period.label,
                    sort_key=period.start_year * 10 + (period.quarter or 0),
                    planned=row.planned,
                    actual=row.actual,
                )
            )
        else:
            kept.planned, kept.actual = row.planned, row.actual
    session.flush()
    session.expire(benefit, ["profile"])
    benefit = get_benefit(session=session, benefit_id=benefit_id)
    _keep_stage_bar(benefit)
    after = _profile_snapshot(benefit)
    if audit.jsonable(after) != audit.jsonable(before):
        benefit.updated_at = utc_now()
        session.flush()
        audit.record(
            session=session,
            actor=actor,
            action="profile_replaced",
            entity=ENTITY,
            entity_id=benefit_id,
            initiative_id=benefit.initiative_id,
            before={"profile": before},
            after={"profile": after},
            reason=reason,
        )
    return benefit


def withdraw_benefit(
    *, session: Session, benefit_id: int, reason: str, expected_version: frozenset[int] | None, actor: Actor
) -> Benefit:
    """End a benefit for good, keeping it and its history; a reason is required."""
    benefit = get_benefit(session=session, benefit_id=benefit_id, for_update=True)
    require(session=session, actor=actor, action=Action.edit_initiative, initiative_id=benefit.initiative_id)
    check_version(current=benefit.version, expected=expected_version, what="benefit")
    refuse_if_withdrawn(benefit)
    if not reason.strip():
        raise InvalidInput(
            "Say why the benefit is withdrawn.", [Problem("reason_required", "Give a reason.", "reason")]
        )
    cash, redeployed = held(benefit.cash_confirmations), held(benefit.redeployment_confirmations)
    if cash > 0 or redeployed > 0:
        confirmed = "cash" if cash > 0 else "redeployed capacity"
        raise Conflict(
            f"This benefit holds confirmed {confirmed}; a withdrawn benefit's money would drop out of every total. "
            "Finance must reverse the confirmations, with a reason, first.",
            [Problem("confirmed_money_held", f"£{max(cash, redeployed):,.2f} confirmed.", "reason")],
            code="confirmed_money_held",
        )
    benefit.withdrawn, benefit.withdrawn_reason, benefit.updated_at = True, reason, utc_now()
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        action="withdrawn",
        entity=ENTITY,
        entity_id=benefit_id,
        initiative_id=benefit.initiative_id,
        before={"withdrawn": False},
        after={"withdrawn": True},
        context={"stage": benefit.stage, "figures": key_figures(benefit)},
        reason=reason,
    )
    return benefit


def delete_benefit(*, session: Session, benefit_id: int, expected_version: frozenset[int] | None, actor: Actor) -> None:
    """Delete a benefit that is still an opportunity; one that has moved on must be withdrawn instead."""
    benefit = get_benefit(session=session, benefit_id=benefit_id, for_update=True)
    require(session=session, actor=actor, action=Action.edit_initiative, initiative_id=benefit.initiative_id)
    check_version(current=benefit.version, expected=expected_version, what="benefit")
    refusal = deletion_refusal(benefit)
    if refusal is not None:
        raise Conflict(
            f"{refusal} Withdraw it instead, with a reason, so its history stays whole.",
            [Problem("delete_refused", refusal)],
        )
    record_deletion(session=session, benefit=benefit, actor=actor)
    session.delete(benefit)
    session.flush()


def deletion_refusal(benefit: Benefit) -> str | None:
    """Why a benefit may not be deleted, or None: one that ever left opportunity, or holds cash, is kept."""
    if benefit.furthest_stage != Stage.opportunity:
        return f"This benefit has reached {benefit.furthest_stage}, so it cannot be deleted."
    if benefit.cash_confirmations or benefit.redeployment_confirmations:
        return "Finance has confirmed money against this benefit, so it cannot be deleted."
    return None


def record_deletion(*, session: Session, benefit: Benefit, actor: Actor) -> None:
    """Keep the deleted benefit's last state in its history."""
    assert benefit.id is not None
    audit.record(
        session=session,
        actor=actor,
        action="deleted",
        entity=ENTITY,
        entity_id=benefit.id,
        initiative_id=benefit.initiative_id,
        before=_snapshot(benefit) | {"profile": _profile_snapshot(benefit)},
    )


@dataclass(frozen=True)
class RegisterFilter:
    """Which benefits the register shows: a stage, a route ("none" for no route yet), an owner and a customer
    segment the benefit reaches (by code), each optional."""

    stage: Stage | None = None
    route: RealisationRoute | None = None
    no_route: bool = False
    owner: str | None = None
    segment: str | None = None

    @classmethod
    def parse(cls, *, stage: str = "", route: str = "", owner: str = "", segment: str = "") -> "RegisterFilter":
        """The filter from a page's query: blank means any; an unknown stage or route is refused by name."""
        problems = []
        if stage and stage not in {s.value for s in Stage}:
            problems.append(Problem("unknown_stage", f"there is no stage called {stage!r}", "stage"))
        if route and route != "none" and route not in {r.value for r in RealisationRoute}:
            problems.append(Problem("unknown_route", f"there is no realisation route called {route!r}", "route"))
        if problems:
            raise InvalidInput("The register cannot be filtered that way.", problems)
        return cls(
            stage=Stage(stage) if stage else None,
            route=RealisationRoute(route) if route and route != "none" else None,
            no_route=route == "none",
            owner=owner.strip() or None,
            segment=segment.strip().lower() or None,
        )

    def matches(self, benefit: BenefitRead, reaching: set[int] | None = None) -> bool:
        """Whether the benefit passes every part of the filter (`reaching`: the ids of those tagged with the
        segment asked for, when one is)."""
        return (
            (reaching is None or benefit.id in reaching)
            and (self.stage is None or benefit.stage == self.stage)
            and (self.route is None or benefit.route == self.route)
            and (not self.no_route or benefit.route is None)
            and (self.owner is None or (benefit.owner or "").casefold() == self.owner.casefold())
        )


@dataclass
class RegisterView:
    """An initiative's live benefits as its page shows them: by stage on the board, and as the filter keeps them."""

    board: dict[str, list[BenefitRead]]
    shown: list[BenefitRead]
    total: int
    owners: list[str]


def register_view(*, session: Session, initiative_id: int, chosen: RegisterFilter) -> RegisterView:
    """Every live benefit of the initiative by stage, those the filter keeps, and the owners to filter by; a segment
    not on the list is refused by name (`segment`)."""
    get_initiative(session=session, initiative_id=initiative_id)
    benefits = session.exec(
        select(Benefit)
        .where(Benefit.initiative_id == initiative_id, col(Benefit.withdrawn).is_(False))
        .options(*_loaded())
        .order_by(col(Benefit.id))
    ).all()
    views = [benefit_view(benefit) for benefit in benefits]
    reaching = None
    if chosen.segment is not None:
        tagged = select(Benefit.id).where(
            Benefit.initiative_id == initiative_id,
            reaches(col(Benefit.id), segment_ids(session=session, codes=[chosen.segment])),
        )
        reaching = {benefit_id for benefit_id in session.exec(tagged).all() if benefit_id is not None}
    return RegisterView(
        board={stage.value: [view for view in views if view.stage == stage] for stage in STAGE_ORDER},
        shown=[view for view in views if chosen.matches(view, reaching)],
        total=len(views),
        owners=sorted({view.owner for view in views if view.owner}),
    )
