"""The managed list of cost centres: benefits, cost lines and budgets name one, matched without regard to case.

Codes are kept in capitals, so `cs200` and `CS200` are one cost centre and cannot slip past the budget and
double-counting checks. Finance and admins keep the list; a code never changes once claims are matched on it.
"""

import difflib
from collections.abc import Callable, Iterable
from typing import Any

from sqlmodel import Session, col, func, or_, select

from benefits import audit
from benefits.actors import Actor
from benefits.authz import Action, require
from benefits.errors import Conflict, InvalidInput, NotFound, Problem
from benefits.initiatives import check_version
from benefits.listing import Page, paginate
from benefits.models import CostCentre
from benefits.models.finance import CostCentreCreate, CostCentreUpdate
from benefits.workbooks.sheets import CentreRow, CentreSheet, ImportResult

ENTITY = "cost_centre"
HOW_TO_ADD = "finance or an admin adds it under /api/v1/cost-centres (or `benefits cost-centres add`)"
FIELDS = ("name", "budget_holder", "active")


def normalised(code: str) -> str:
    """A code as the list keeps it: without surrounding spaces, in capitals."""
    return code.strip().upper()


def _snapshot(centre: CostCentre) -> dict[str, Any]:
    return {"code": centre.code, "name": centre.name, "budget_holder": centre.budget_holder, "active": centre.active}


def _find(*, session: Session, code: str) -> CostCentre | None:
    return session.exec(select(CostCentre).where(CostCentre.code == normalised(code))).first()


def get_cost_centre(*, session: Session, code: str) -> CostCentre:
    """One cost centre by its code, whatever its case, or NotFound."""
    centre = _find(session=session, code=code)
    if centre is None:
        raise NotFound(f"There is no cost centre {code.strip()}; {HOW_TO_ADD}.")
    return centre


def list_cost_centres(
    *, session: Session, limit: int, offset: int, active: bool | None = None, q: str | None = None
) -> Page[CostCentre]:
    """A page of the cost centres by code, filtered by whether they are active and by a word in the code or name."""
    statement = select(CostCentre)
    if active is not None:
        statement = statement.where(CostCentre.active == active)
    if q and q.strip():
        word = q.strip().lower()
        statement = statement.where(
            or_(
                func.lower(col(CostCentre.code)).contains(word, autoescape=True),
                func.lower(col(CostCentre.name)).contains(word, autoescape=True),
            )
        )
    return paginate(session=session, statement=statement.order_by(col(CostCentre.code)), limit=limit, offset=offset)


def all_cost_centres(*, session: Session) -> list[CostCentre]:
    """Every cost centre, active or not, by code."""
    return list(session.exec(select(CostCentre).order_by(col(CostCentre.code))).all())


def create_cost_centre(*, session: Session, fields: CostCentreCreate, actor: Actor) -> CostCentre:
    """Add a cost centre to the list (finance, admin); its code is kept in capitals and must be new."""
    require(session=session, actor=actor, action=Action.manage_cost_centres)
    existing = _find(session=session, code=fields.code)
    if existing is not None:
        detail = f"{existing.code} is already on the list of cost centres ({existing.name}); change that one instead."
        raise Conflict(detail, [Problem("cost_centre_exists", detail, "code")])
    centre = CostCentre.model_validate(fields)
    centre.code = normalised(centre.code)
    session.add(centre)
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        action="created",
        entity=ENTITY,
        entity_id=centre.id or 0,
        after=_snapshot(centre),
    )
    return centre


def _apply(*, session: Session, centre: CostCentre, sent: dict[str, Any], actor: Actor, reason: str | None) -> bool:
    """Set the fields sent that differ, flush (so the version moves) and record them; whether any changed."""
    before = _snapshot(centre)
    for name, value in sent.items():
        if name in FIELDS and getattr(centre, name) != value:
            setattr(centre, name, value)
    old, new = audit.changed_fields(before, _snapshot(centre))
    if not new:
        return False
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        action="updated",
        entity=ENTITY,
        entity_id=centre.id or 0,
        before=old,
        after=new,
        reason=reason,
    )
    return True


def update_cost_centre(
    *,
    session: Session,
    code: str,
    changes: CostCentreUpdate,
    expected_version: frozenset[int] | None,
    actor: Actor,
) -> CostCentre:
    """Change a cost centre's name, budget holder or whether it is active (finance, admin); never its code."""
    centre = get_cost_centre(session=session, code=code)
    require(session=session, actor=actor, action=Action.manage_cost_centres)
    check_version(current=centre.version, expected=expected_version, what="cost centre")
    sent = changes.model_dump(exclude_unset=True)
    for name in ("name", "active"):
        if name in sent and sent[name] is None:
            raise InvalidInput(f"{name} cannot be emptied.", [Problem("required", f"{name} cannot be null.", name)])
    _apply(session=session, centre=centre, sent=sent, actor=actor, reason=None)
    return centre


def _listed(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


def _unknown(typed: str, active_codes: Iterable[str], field: str) -> Problem:
    """The refusal of a code not on the list, suggesting the nearest active codes."""
    near = difflib.get_close_matches(normalised(typed), list(active_codes), n=3, cutoff=0.5)
    guess = f"; did you mean {_listed(near)}?" if near else "."
    detail = (
        f"{typed} is not on the list of cost centres{guess} Name a listed code, or ask finance or an admin to add "
        f"{normalised(typed)} under /api/v1/cost-centres (or `benefits cost-centres add`)."
    )
    return Problem("cost_centre_unknown", detail, field)


def _inactive(centre: CostCentre, field: str) -> Problem:
    detail = (
        f"{centre.code} ({centre.name}) is no longer active; name an active cost centre, "
        f"or ask finance or an admin to make {centre.code} active again."
    )
    return Problem("cost_centre_inactive", detail, field)


def _problem_for(
    typed: str,
    centre: CostCentre | None,
    active_codes: Callable[[], Iterable[str]],
    field: str,
    allow_inactive: str | None,
) -> Problem | None:
    if centre is None:
        return _unknown(typed, active_codes(), field)
    if not centre.active and (allow_inactive is None or normalised(allow_inactive) != centre.code):
        return _inactive(centre, field)
    return None


def _active_codes(session: Session) -> list[str]:
    return list(session.exec(select(CostCentre.code).where(col(CostCentre.active))).all())


def canonical_code(
    *, session: Session, code: str | None, field: str = "cost_centre", allow_inactive: str | None = None
) -> str | None:
    """The listed code a claim names (None when blank), or InvalidInput if it is unknown or inactive.

    `allow_inactive`: the code the record named before, which it may keep naming after the centre became inactive.
    """
    if code is None or not code.strip():
        return None
    centre = _find(session=session, code=code)
    problem = _problem_for(code.strip(), centre, lambda: _active_codes(session), field, allow_inactive)
    if problem is not None:
        raise InvalidInput(problem.detail, [problem])
    assert centre is not None
    return centre.code


class CodeChecker:
    """The whole list read once, to check many codes (a budget's lines) with one query."""

    def __init__(self, *, session: Session) -> None:
        self.centres = {centre.code: centre for centre in all_cost_centres(session=session)}

    def problem(self, code: str, *, field: str, allow_inactive: str | None = None) -> Problem | None:
        """Why the code cannot be named, or None when it can."""
        active = [centre.code for centre in self.centres.values() if centre.active]
        return _problem_for(code.strip(), self.centres.get(normalised(code)), lambda: active, field, allow_inactive)


def import_cost_centres(*, session: Session, sheet: CentreSheet, actor: Actor) -> ImportResult:
    """Apply the rows `read_cost_centres` read (finance, admin): every row applies, or none and each is named."""
    # The workbook is read before the session opens (a long read holds no transaction); only this step writes.
    require(session=session, actor=actor, action=Action.manage_cost_centres)
    rows, problems = sheet.rows, list(sheet.problems)
    centres = {centre.code: centre for centre in all_cost_centres(session=session)}
    new: list[CostCentreCreate] = []
    changed: list[tuple[CostCentre, CentreRow]] = []
    unchanged = 0
    for row in rows:
        centre = centres.get(row.code)
        if centre is None:
            if row.name is None:
                problems.append(Problem("required", "A new cost centre needs a name.", f"row {row.number}, Name"))
                continue
            new.append(
                CostCentreCreate(
                    code=row.code, name=row.name, budget_holder=row.budget_holder, active=row.active is not False
                )
            )
        elif any(value is not None and getattr(centre, name) != value for name, value in row.fields().items()):
            changed.append((centre, row))
        else:
            unchanged += 1
    if problems:
        raise InvalidInput(f"{len(problems):,} problem(s) in the workbook; nothing was imported.", problems)
    reason = "Imported from a workbook"
    for fields in new:
        centre = CostCentre.model_validate(fields)
        session.add(centre)
        session.flush()
        audit.record(
            session=session,
            actor=actor,
            action="created",
            entity=ENTITY,
            entity_id=centre.id or 0,
            after=_snapshot(centre),
            reason=reason,
        )
    for centre, row in changed:
        sent = {name: value for name, value in row.fields().items() if value is not None}
        _apply(session=session, centre=centre, sent=sent, actor=actor, reason=reason)
    return ImportResult(created=len(new), updated=len(changed), unchanged=unchanged)
