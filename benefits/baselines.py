"""Approved baselines: numbered versions that are never replaced, re-baselining, and requests for it.

The first move to `planned` freezes the profile's planned values as baseline 1. Moving back and forward again
leaves it as it is. A re-baseline is its own act, with a reason, by finance, a board member or an admin: the
current plan becomes baseline N+1 and every earlier version is kept. A programme manager may request one; the
request stays open until one of those roles re-baselines (naming the request) or declines it with a reason.
"""

from sqlmodel import Session, col, select

from benefits import audit
from benefits.actors import Actor
from benefits.authz import Action, require
from benefits.columns import utc_now
from benefits.errors import Conflict, NotFound, Problem
from benefits.initiatives import check_version
from benefits.listing import Page, paginate
from benefits.models import ApprovedBaseline, BaselineVersion, Benefit, RebaselineRequest
from benefits.models.baseline import (
    BaselineKind,
    RebaselineCreate,
    RebaselineDecline,
    RebaselineRequestCreate,
    RequestStatus,
)
from benefits.register import ENTITY, get_benefit
from benefits.stages import profile_size


def _freeze(
    *, session: Session, benefit: Benefit, version: int, kind: BaselineKind, reason: str | None, actor: Actor
) -> BaselineVersion:
    """Keep the profile's planned values as baseline `version`, and make it the one in force."""
    assert benefit.id is not None
    stored = BaselineVersion(benefit_id=benefit.id, version=version, kind=kind, reason=reason, approved_by=actor.name)
    session.add(stored)
    for entry in benefit.profile:
        session.add(
            ApprovedBaseline(
                benefit_id=benefit.id,
                version=version,
                period=entry.period,
                sort_key=entry.sort_key,
                planned=entry.planned,
            )
        )
    benefit.baseline_version = version
    session.flush()
    session.expire(benefit, ["baseline_versions", "baseline_rows"])
    return stored


def approve_first(*, session: Session, benefit: Benefit, actor: Actor) -> BaselineVersion | None:
    """On a benefit's first move to planned, freeze baseline 1; later moves leave the approved baseline alone."""
    if benefit.baseline_version is not None:
        return None
    return _freeze(session=session, benefit=benefit, version=1, kind=BaselineKind.approval, reason=None, actor=actor)


def rebaseline(
    *,
    session: Session,
    benefit_id: int,
    fields: RebaselineCreate,
    expected_version: frozenset[int] | None,
    actor: Actor,
) -> Benefit:
    """Approve the benefit's current plan as baseline N+1, with the reason; every earlier baseline is kept."""
    benefit = get_benefit(session=session, benefit_id=benefit_id, for_update=True)
    require(session=session, actor=actor, action=Action.rebaseline, initiative_id=benefit.initiative_id)
    check_version(current=benefit.version, expected=expected_version, what="benefit")
    if benefit.withdrawn:
        raise Conflict(
            "This benefit was withdrawn; its baselines are kept as they are.",
            [Problem("benefit_withdrawn", benefit.withdrawn_reason or "Withdrawn.")],
        )
    if benefit.baseline_version is None:
        raise Conflict(
            "This benefit has no approved baseline yet: its first move to planned approves baseline 1.",
            [Problem("baseline_not_approved", "Move the benefit to planned first.", "stage")],
        )
    request = None
    if fields.request_id is not None:
        request = _open_request(session=session, request_id=fields.request_id, benefit_id=benefit_id)
    current = [row for row in benefit.baseline_rows if row.version == benefit.baseline_version]
    plan = {entry.period: entry.planned for entry in benefit.profile if entry.planned is not None}
    if not plan:
        raise Conflict(
            "There is no plan to approve: profile the planned values first.",
            [Problem("profile_missing", "Profile the planned values.", "profile")],
        )
    if plan == {row.period: row.planned for row in current if row.planned is not None}:
        raise Conflict(
            f"The plan is the same as baseline {benefit.baseline_version}; re-forecast the profile first.",
            [Problem("baseline_unchanged", "Nothing to re-baseline.", "profile")],
        )
    before = {
        "baseline_version": benefit.baseline_version,
        "baseline_total": profile_size([row.planned for row in current], benefit.measured_as),
    }
    stored = _freeze(
        session=session,
        benefit=benefit,
        version=benefit.baseline_version + 1,
        kind=BaselineKind.rebaseline,
        reason=fields.reason,
        actor=actor,
    )
    if request is not None:
        request.status, request.decided_by, request.decided_at = RequestStatus.approved, actor.name, utc_now()
        request.decision_reason, request.baseline_version = fields.reason, stored.version
    benefit.updated_at = utc_now()
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        action="rebaselined",
        entity=ENTITY,
        entity_id=benefit_id,
        initiative_id=benefit.initiative_id,
        before=before,
        after={
            "baseline_version": stored.version,
            "baseline_total": profile_size([entry.planned for entry in benefit.profile], benefit.measured_as),
        },
        context={"request_id": fields.request_id} if request is not None else None,
        reason=fields.reason,
    )
    return get_benefit(session=session, benefit_id=benefit_id)


def _open_request(*, session: Session, request_id: int, benefit_id: int | None = None) -> RebaselineRequest:
    request = session.get(RebaselineRequest, request_id, with_for_update=True)
    if request is None or (benefit_id is not None and request.benefit_id != benefit_id):
        raise NotFound(f"There is no request {request_id} to re-baseline this benefit.")
    if request.status is not RequestStatus.open:
        raise Conflict(
            f"Request {request_id} was {request.status.value} already.",
            [Problem("request_decided", f"Decided by {request.decided_by}.", "request_id")],
        )
    return request


def request_rebaseline(
    *, session: Session, benefit_id: int, fields: RebaselineRequestCreate, actor: Actor
) -> RebaselineRequest:
    """Ask finance, the board or an admin to re-baseline a benefit, saying why the approved baseline no longer holds."""
    benefit = get_benefit(session=session, benefit_id=benefit_id, for_update=True)
    require(session=session, actor=actor, action=Action.request_rebaseline, initiative_id=benefit.initiative_id)
    if benefit.baseline_version is None:
        raise Conflict(
            "This benefit has no approved baseline yet: its first move to planned approves baseline 1.",
            [Problem("baseline_not_approved", "Move the benefit to planned first.", "stage")],
        )
    waiting = session.exec(
        select(RebaselineRequest).where(
            RebaselineRequest.benefit_id == benefit_id, RebaselineRequest.status == RequestStatus.open
        )
    ).first()
    if waiting is not None:
        raise Conflict(
            f"Request {waiting.id} to re-baseline this benefit is still open.",
            [Problem("request_open", f"Asked by {waiting.requested_by}; wait for its decision.", "reason")],
        )
    request = RebaselineRequest(benefit_id=benefit_id, reason=fields.reason, requested_by=actor.name)
    session.add(request)
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        action="rebaseline_requested",
        entity=ENTITY,
        entity_id=benefit_id,
        initiative_id=benefit.initiative_id,
        after={"request_id": request.id, "baseline_version": benefit.baseline_version},
        reason=fields.reason,
    )
    return request


def decline_request(*, session: Session, request_id: int, fields: RebaselineDecline, actor: Actor) -> RebaselineRequest:
    """Decline a request to re-baseline, with the reason; the approved baseline stays in force."""
    request = _open_request(session=session, request_id=request_id)
    benefit = get_benefit(session=session, benefit_id=request.benefit_id)
    require(session=session, actor=actor, action=Action.rebaseline, initiative_id=benefit.initiative_id)
    request.status, request.decided_by, request.decided_at = RequestStatus.declined, actor.name, utc_now()
    request.decision_reason = fields.reason
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        action="rebaseline_declined",
        entity=ENTITY,
        entity_id=request.benefit_id,
        initiative_id=benefit.initiative_id,
        after={"request_id": request.id},
        reason=fields.reason,
    )
    return request


def list_requests(
    *,
    session: Session,
    benefit_id: int | None = None,
    status: RequestStatus | None = None,
    limit: int = 500,
    offset: int = 0,
) -> Page[RebaselineRequest]:
    """Requests to re-baseline, oldest first: of one benefit, or of all; open ones, or any."""
    statement = select(RebaselineRequest).order_by(col(RebaselineRequest.id))
    if benefit_id is not None:
        get_benefit(session=session, benefit_id=benefit_id)
        statement = statement.where(RebaselineRequest.benefit_id == benefit_id)
    if status is not None:
        statement = statement.where(RebaselineRequest.status == status)
    return paginate(session=session, statement=statement, limit=limit, offset=offset)
