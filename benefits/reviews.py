"""Board reviews: recording one with a snapshot of the register, variance against approved baselines, and what
changed since the board last met.

Variance and its status follow `benefits.status`: the forecast (actuals where recorded, planned otherwise, over
the baseline's periods) against the approved baseline's total, dis-benefits negative, a level's last level
against the baseline's last; the shortfall's share of the baseline gives on track, at risk or off track by the
portfolio's thresholds. Each benefit is compared with the baseline in force and with baseline 1, the original
approval.
"""

from collections import defaultdict
from decimal import Decimal
from typing import Any

from sqlmodel import Session, col, select

from benefits import audit, measures, owners, register, status
from benefits.actors import Actor
from benefits.authz import Action, allowed, require
from benefits.errors import Conflict, Forbidden, NotFound, Problem
from benefits.initiatives import get_initiative
from benefits.listing import Page, paginate
from benefits.models import AuditEvent, Benefit, Measure
from benefits.models.review import (
    ActionRead,
    ActionStatus,
    ActionUpdate,
    BenefitNoteRead,
    ChangesRead,
    Review,
    ReviewCreate,
    ReviewRead,
    RouteDecisionRead,
    SignalRead,
    StageMoveRead,
    ValueChangeRead,
    VarianceRead,
)
from benefits.models.status import StatusThresholds
from benefits.stages import MeasuredAs, profile_size

ENTITY = "review"


def variance_status(
    baseline: Decimal, forecast: Decimal, start: Decimal | None = None
) -> tuple[Decimal, float | None, str]:
    """Variance, its share of the baseline, and the status by the default thresholds (see `benefits.status`).

    `start` is a level's starting value: its shortfall is then a share of the promised improvement.
    """
    found = status.standing(baseline, forecast, start)
    return found.variance, None if found.share is None else float(found.share), found.rag.value


def _benefits_in(statement: Any, initiative_id: int | None) -> Any:
    return statement if initiative_id is None else statement.where(col(Benefit.initiative_id) == initiative_id)


def _signed_size(values: list[Decimal | None], *, benefit: Benefit) -> str | None:
    """A run of values as the snapshot keeps it: the size (total, or last level), negative for a dis-benefit."""
    size = profile_size(values, benefit.measured_as)
    return None if size is None else str(-size if benefit.is_disbenefit else size)


def snapshot(*, session: Session, initiative_id: int | None) -> dict[str, Any]:
    """The register as it stands: each benefit's stage, route and totals; each measure's signals."""
    benefits = session.exec(_benefits_in(select(Benefit), initiative_id).options(*register.loaded_relations())).all()
    register_rows = {}
    for benefit in benefits:
        register_rows[str(benefit.id)] = {
            "title": benefit.title,
            "stage": benefit.stage.value,
            "withdrawn": benefit.withdrawn,
            "withdrawn_reason": benefit.withdrawn_reason,
            "route": benefit.route.value if benefit.route else None,
            "cost_centre": benefit.cost_centre,
            "planned": _signed_size([entry.planned for entry in benefit.profile], benefit=benefit) or "0",
            **status.baseline_figures(benefit),
            "confirmed": str(register.held(benefit.cash_confirmations)),
            "redeployed": str(register.held(benefit.redeployment_confirmations)),
        }
    in_scope = select(Measure).order_by(col(Measure.id))
    if initiative_id is not None:
        in_scope = in_scope.where(Measure.initiative_id == initiative_id)
    measure_rows = session.exec(in_scope).all()
    signals = {}
    for measure in measure_rows:
        drawn = measures.chart(session=session, measure_id=measure.id or 0)
        signals[str(measure.id)] = {
            "name": measure.name,
            "signals": [
                {"date": point.date.isoformat(), "signal": point.signal, "point_type": point.point_type}
                for point in drawn.points
                if point.signal is not None
            ],
        }
    return {"benefits": register_rows, "measures": signals}


def get_review(*, session: Session, review_id: int) -> Review:
    """One review, or NotFound."""
    review = session.get(Review, review_id)
    if review is None:
        raise NotFound(f"There is no review {review_id}.")
    return review


def record_review(*, session: Session, fields: ReviewCreate, actor: Actor) -> Review:
    """Record a board review and the register as it stands now."""
    if fields.initiative_id is not None:
        get_initiative(session=session, initiative_id=fields.initiative_id)
    require(session=session, actor=actor, action=Action.record_review, initiative_id=fields.initiative_id)
    agreed = _owned(session=session, actions=[item.model_dump(mode="json") for item in fields.actions])
    review = Review(
        **fields.model_dump(exclude={"actions"}),
        actions=agreed + _still_open(session=session, initiative_id=fields.initiative_id, agreed=agreed),
        snapshot=snapshot(session=session, initiative_id=fields.initiative_id),
        recorded_by=actor.name,
    )
    session.add(review)
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        action="recorded",
        entity=ENTITY,
        entity_id=review.id or 0,
        initiative_id=review.initiative_id,
        after=fields.model_dump(mode="json"),
    )
    return review


def _owned(*, session: Session, actions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each action with the person its owner names (by name or e-mail); Conflict naming every owner who is nobody."""
    directory = owners.Directory(session=session, typed=[str(item["owner"]) for item in actions])
    problems, owned = [], []
    for index, item in enumerate(actions):
        found = directory.pair(str(item["owner"]))
        if found is None:
            problems.append(owners.unknown(str(item["owner"]), f"actions[{index}].owner"))
            continue
        owned.append(item | {"owner": found[0], "owner_id": found[1]})
    if problems:
        raise Conflict("Each action's owner must be a person in the service.", problems)
    return owned


def _still_open(*, session: Session, initiative_id: int | None, agreed: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The previous review's open actions, carried into the next one of the same scope (unless agreed again)."""
    scope = col(Review.initiative_id).is_(None) if initiative_id is None else col(Review.initiative_id) == initiative_id
    last = session.exec(select(Review).where(scope).order_by(col(Review.id).desc())).first()
    if last is None:
        return []
    again = {item["action"] for item in agreed}
    return [
        item | {"carried_from": item.get("carried_from") or last.id}
        for item in last.actions
        if item.get("status", ActionStatus.open.value) == ActionStatus.open.value and item["action"] not in again
    ]


def set_action_status(*, session: Session, review_id: int, number: int, fields: ActionUpdate, actor: Actor) -> Review:
    """Mark one of a review's actions open, done or dropped; the change is kept in the trail."""
    review = session.get(Review, review_id, with_for_update=True)
    if review is None:
        raise NotFound(f"There is no review {review_id}.")
    if not 1 <= number <= len(review.actions):
        raise NotFound(f"Review {review_id} has no action {number}; it has {len(review.actions)}.")
    board = allowed(session=session, actor=actor, action=Action.record_review, initiative_id=review.initiative_id)
    if not board:
        if not may_mark(session=session, actor=actor, review=review, number=number):
            require(session=session, actor=actor, action=Action.record_review, initiative_id=review.initiative_id)
        if fields.status is ActionStatus.dropped:
            raise Forbidden(
                "Only the board drops an action; its owner marks it done (or open again).",
                [Problem("drop_refused", "Ask the board to drop it at its next review.", "status")],
            )
    actions = [dict(item) for item in review.actions]
    item = actions[number - 1]
    before = item.get("status", ActionStatus.open.value)
    item["status"] = fields.status.value
    review.actions = actions  # a new list, so the JSON column is seen to change
    _mark_carried(session=session, review=review, item=item)
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        action="action_updated",
        entity=ENTITY,
        entity_id=review_id,
        initiative_id=review.initiative_id,
        before={"action": item["action"], "status": before},
        after={"action": item["action"], "status": fields.status.value},
        reason=fields.note or None,
    )
    return review


def _mark_carried(*, session: Session, review: Review, item: dict[str, Any]) -> None:
    """Give the same status to the copies later reviews of the same scope carried of this action."""
    agreed = item.get("carried_from") or review.id
    scope = (
        col(Review.initiative_id).is_(None)
        if review.initiative_id is None
        else col(Review.initiative_id) == review.initiative_id
    )
    for later in session.exec(select(Review).where(scope, col(Review.id) > (review.id or 0))).all():
        copies = [dict(each) for each in later.actions]
        changed = False
        for each in copies:
            if each.get("carried_from") == agreed and each.get("action") == item["action"]:
                each["status"], changed = item["status"], True
        if changed:
            later.actions = copies


def may_mark(*, session: Session, actor: Actor, review: Review, number: int) -> bool:
    """Whether the actor may mark the action: those who record the review's board, and the action's own owner."""
    owner = review.actions[number - 1].get("owner_id") if 1 <= number <= len(review.actions) else None
    return (owner is not None and owner == actor.person_id) or allowed(
        session=session, actor=actor, action=Action.record_review, initiative_id=review.initiative_id
    )


def list_reviews(
    *, session: Session, initiative_id: int | None = None, limit: int = 500, offset: int = 0
) -> Page[Review]:
    """Reviews, latest first; of one initiative when given."""
    statement = select(Review).order_by(col(Review.held_on).desc(), col(Review.id).desc())
    if initiative_id is not None:
        get_initiative(session=session, initiative_id=initiative_id)
        statement = statement.where(Review.initiative_id == initiative_id)
    return paginate(session=session, statement=statement, limit=limit, offset=offset)


def variances(
    review_snapshot: dict[str, Any], thresholds: StatusThresholds = status.DEFAULT_THRESHOLDS
) -> list[VarianceRead]:
    """Each live benefit with an approved baseline, against it, as the snapshot saw it."""
    found = []
    for benefit_id, row in review_snapshot.get("benefits", {}).items():
        now = status.standing_of(row, thresholds)
        first = status.standing_of(row, thresholds, original=True)
        if now is None or first is None:
            continue
        found.append(
            VarianceRead(
                benefit_id=int(benefit_id),
                title=row["title"],
                approved_baseline=Decimal(row["baseline"]),
                forecast=Decimal(row["forecast"]),
                variance=now.variance,
                variance_share=None if now.share is None else float(now.share),
                status=now.rag.value,
                measured_as=row.get("measured_as", MeasuredAs.change.value),
                baseline_version=row.get("baseline_version") or 1,
                original_baseline=Decimal(row.get("original_baseline") or row["baseline"]),
                original_variance=first.variance,
                original_variance_share=None if first.share is None else float(first.share),
                original_status=first.rag.value,
            )
        )
    return sorted(found, key=lambda item: item.benefit_id)


def review_read(*, session: Session, review: Review) -> ReviewRead:
    """A review as clients read it, its variances judged by the portfolio's RAG thresholds."""
    return review_view(review, status.status_thresholds(session=session)[0])


def review_view(review: Review, thresholds: StatusThresholds = status.DEFAULT_THRESHOLDS) -> ReviewRead:
    """A review as clients read it, its variances judged by `thresholds` (the portfolio's, when the caller has them)."""
    return ReviewRead(
        id=review.id or 0,
        initiative_id=review.initiative_id,
        held_on=review.held_on,
        title=review.title,
        attendees=review.attendees,
        decisions=review.decisions,
        actions=[ActionRead.model_validate(item | {"number": index}) for index, item in enumerate(review.actions, 1)],
        notes=review.notes,
        recorded_by=review.recorded_by,
        recorded_at=review.recorded_at,
        benefits=len(review.snapshot.get("benefits", {})),
        variances=variances(review.snapshot, thresholds),
    )


def previous_review(*, session: Session, review: Review) -> Review | None:
    """The review of the same scope recorded just before this one."""
    scope = (
        col(Review.initiative_id).is_(None)
        if review.initiative_id is None
        else col(Review.initiative_id) == review.initiative_id
    )
    # By recording order, since that is when each snapshot was taken (a review may be written up late).
    return session.exec(
        select(Review).where(scope, col(Review.id) < (review.id or 0)).order_by(col(Review.id).desc())
    ).first()


def changes(*, session: Session, review_id: int) -> ChangesRead:
    """What changed between the previous review of the same scope and this one."""
    review = get_review(session=session, review_id=review_id)
    before = previous_review(session=session, review=review)
    old = before.snapshot if before is not None else {"benefits": {}, "measures": {}}
    return compare(
        session=session,
        review=review,
        previous=before,
        old=old,
        new=review.snapshot,
    )


def compare(
    *, session: Session, review: Review, previous: Review | None, old: dict[str, Any], new: dict[str, Any]
) -> ChangesRead:
    """The differences between two snapshots, with the reasons recorded for stage moves between them."""
    old_benefits, new_benefits = old.get("benefits", {}), new.get("benefits", {})
    added: list[BenefitNoteRead] = []
    withdrawn: list[BenefitNoteRead] = []
    moved: list[tuple[int, str, str, str]] = []
    reforecast: list[ValueChangeRead] = []
    routes: list[RouteDecisionRead] = []
    cash: list[ValueChangeRead] = []
    redeployed: list[ValueChangeRead] = []
    rebaselined: list[ValueChangeRead] = []
    for key, now in new_benefits.items():
        then = old_benefits.get(key)
        benefit_id = int(key)
        if then is None:
            added.append(BenefitNoteRead(benefit_id=benefit_id, title=now["title"], stage=now["stage"]))
        if now["withdrawn"] and not (then or {}).get("withdrawn"):
            withdrawn.append(BenefitNoteRead(benefit_id=benefit_id, title=now["title"], stage=now["stage"],
                                             detail=now["withdrawn_reason"]))  # fmt: skip
        if then is None:
            continue
        if then["stage"] != now["stage"]:
            moved.append((benefit_id, now["title"], then["stage"], now["stage"]))
        for field, bucket in (
            ("planned", reforecast),
            ("confirmed", cash),
            ("redeployed", redeployed),
            ("baseline", rebaselined),
        ):
            if then.get(field) is None or now.get(field) is None:
                continue
            if field == "baseline" and then.get("baseline_version") == now.get("baseline_version"):
                continue
            if Decimal(then[field]) != Decimal(now[field]):
                bucket.append(
                    ValueChangeRead(benefit_id=benefit_id, title=now["title"], old=Decimal(then[field]),
                                    new=Decimal(now[field]), difference=Decimal(now[field]) - Decimal(then[field]))
                )  # fmt: skip
        if then["route"] != now["route"]:
            routes.append(RouteDecisionRead(benefit_id=benefit_id, title=now["title"], old=then["route"],
                                            new=now["route"]))  # fmt: skip
    removed = [
        BenefitNoteRead(benefit_id=int(key), title=then["title"], stage=then["stage"], detail="deleted")
        for key, then in old_benefits.items()
        if key not in new_benefits
    ]
    since = previous.recorded_at if previous is not None else None
    moves = _stage_moves(session=session, benefit_ids=[m[0] for m in moved], since=since, until=review.recorded_at)
    stage_moves = [
        StageMoveRead(benefit_id=benefit_id, title=title, stage_before=before, stage_after=after,
                      moves=moves.get(benefit_id, []))
        for benefit_id, title, before, after in moved
    ]  # fmt: skip
    signals = []
    for key, measure in new.get("measures", {}).items():
        seen = {(s["date"], s["signal"]) for s in old.get("measures", {}).get(key, {}).get("signals", [])}
        for signal in measure["signals"]:
            if (signal["date"], signal["signal"]) not in seen:
                signals.append(SignalRead(measure_id=int(key), measure=measure["name"], **signal))
    return ChangesRead(
        review_id=review.id or 0,
        previous_review_id=previous.id if previous is not None else None,
        since=since,
        until=review.recorded_at,
        benefits_added=added,
        benefits_withdrawn=withdrawn,
        benefits_removed=removed,
        stage_moves=stage_moves,
        reforecasts=reforecast,
        routes_decided=routes,
        cash_confirmed=cash,
        redeployment_confirmed=redeployed,
        rebaselines=rebaselined,
        signals=signals,
    )


def _stage_moves(
    *, session: Session, benefit_ids: list[int], since: Any, until: Any
) -> dict[int, list[dict[str, Any]]]:
    """Each benefit's recorded stage moves in the window, with who, when and why."""
    if not benefit_ids:
        return {}
    statement = select(AuditEvent).where(
        AuditEvent.entity == "benefit",
        AuditEvent.action == "stage_moved",
        col(AuditEvent.entity_id).in_(benefit_ids),
        col(AuditEvent.at) <= until,
    )
    if since is not None:
        statement = statement.where(col(AuditEvent.at) > since)
    found: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for event in session.exec(statement.order_by(col(AuditEvent.id))).all():
        found[event.entity_id].append(
            {
                "from": (event.before or {}).get("stage"),
                "to": (event.after or {}).get("stage"),
                "by": event.actor,
                "at": event.at.isoformat(),
                "reason": event.reason,
            }
        )
    return found
