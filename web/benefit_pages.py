"""The benefit page: details, gate checklist, edits to its fields and its profile, its baselines and its ledgers.

Every form here ends on this page saying what it did (`?done=`, `_done.html`; post/redirect/get), or shows the
page again, answered 422 (409 for a rule the benefit's state breaks), with the refusal beside what was typed.
"""

import re
from contextlib import suppress
from decimal import Decimal, InvalidOperation
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from api.deps import ResourceId, SessionDep, undone_on_refusal
from api.problems import status_for
from benefits import baselines, confirmations, finance, measures, owners, pipeline, register
from benefits.actors import Actor
from benefits.authz import Action, allowed, require
from benefits.demand import Tagged
from benefits.errors import DomainError, NotFound
from benefits.models import BenefitRead, BenefitUpdate, ProfileEntryIn
from benefits.models.baseline import (
    BaselineRead,
    RebaselineCreate,
    RebaselineDecline,
    RebaselineRequestCreate,
    RequestStatus,
)
from benefits.models.benefit import ReversalCreate
from benefits.stages import STAGE_ORDER, RealisationRoute, Stage, counts_as_money
from web.charts import describe_profile, profile_svg
from web.demand_list_pages import Picked, segments_context, tag_segments
from web.forms import FormFields, about_the_form, field_errors, problem_fields, redirect_done, typed_amount
from web.initiative_forms import benefit_forms
from web.render import problems_text, render, typed
from web.session import PageActor, check_csrf

router = APIRouter(include_in_schema=False)

EDITABLE = ["owner", "category", "unit", "route", "cost_centre", "redeployment", "estimate_low", "estimate_likely",
            "estimate_high", "baseline_value", "baseline_date", "target_value", "target_date", "confidence",
            "evidence"]  # fmt: skip
LABELS = {
    "owner": "Owner", "category": "Category", "unit": "Unit", "route": "Realisation route",
    "cost_centre": "Cost centre (cash)", "redeployment": "Redeployed to (capacity)", "estimate_low": "Estimate: low",
    "estimate_likely": "Estimate: most likely", "estimate_high": "Estimate: high", "baseline_value": "Baseline",
    "baseline_date": "Baseline date", "target_value": "Target", "target_date": "Target date",
    "confidence": "Confidence", "evidence": "Evidence notes",
}  # fmt: skip
CHOICES = {
    "category": ["", "financial", "non_financial"],
    "route": ["", "cash", "capacity", "undecided"],
    "confidence": ["", "low", "medium", "high"],
}
DATES = {"baseline_date", "target_date"}
# Amounts are read as people type them: £38,000 or 30,000.
AMOUNTS = {"estimate_low", "estimate_likely", "estimate_high", "baseline_value", "target_value"}
PROFILE_ROWS = 3  # blank rows offered for new periods


def _benefit_page(
    request: Request, session: Any, actor: Actor, benefit_id: int, errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None, status_code: int = 200,
) -> HTMLResponse:  # fmt: skip
    benefit = register.get_benefit(session=session, benefit_id=benefit_id)
    view = register.benefit_view(benefit)
    current_rank = Stage(view.stage).rank
    current = {name: getattr(view, name) for name in EDITABLE}
    shown = {name: typed(value) for name, value in current.items()}
    may = {
        name: allowed(session=session, actor=actor, action=action, initiative_id=view.initiative_id)
        for name, action in MAY.items()
    }
    redeployed = confirmations.list_redeployment_confirmations(session=session, benefit_id=view.id).items
    return render(request, "benefit.html", {
        "people_names": owners.people_names(session=session) if may["edit"] else [],
        "actor": actor, "benefit": view, "fields": EDITABLE, "labels": LABELS, "choices": CHOICES, "dates": DATES,
        "values": shown | (values or {}), "errors": errors or {}, "blank_rows": range(PROFILE_ROWS),
        "may_edit": may["edit"], "may": may,
        "history": pipeline.benefit_history(session=session, benefit_id=view.id).items,
        "confirmations": confirmations.list_cash_confirmations(session=session, benefit_id=view.id).items,
        "cash_held": register.held(benefit.cash_confirmations),
        "redeployments": redeployed, "redeployed_held": register.held(benefit.redeployment_confirmations),
        "shows_capacity": view.route == RealisationRoute.capacity or bool(redeployed),
        "requests": baselines.list_requests(session=session, benefit_id=view.id).items,
        "baseline_periods": _baseline_periods(view.baselines, view.baseline_version),
        "measures": measures.tracking(session=session, benefit_id=view.id), **_profile_chart(session, view),
        **benefit_forms(session, benefit, values or {}),
        "earlier_stages": [stage.value for stage in STAGE_ORDER if stage.rank < current_rank],
        **segments_context(session, Tagged.benefits, view.id, chosen=(values or {}).get("segments"),
                           error=(errors or {}).get("segments")),
    }, status_code=status_code)  # fmt: skip


def moved_to(view: BenefitRead) -> str:
    """The benefit a move just moved and where it is now: “Title” to scoped (read back, never from the address)."""
    return f"“{view.title}” to {view.stage.value}"


def refused_move(
    request: Request, session: Any, actor: Actor, benefit_id: int, error: DomainError, *, to: str, reason: str
) -> HTMLResponse:
    """The benefit page again with a refused move said beside the move forms, the stage chosen and reason kept."""
    # The headline and every problem (a gate's missing items), each also said beside its field where it has one.
    said = " ".join([error.detail, *(problem.detail for problem in error.problems if problem.detail != error.detail)])
    errors = {"move": said, **{f"move_{name}": text for name, text in problem_fields(error).items()}}
    values = {"move_to": to, "move_reason": reason}
    return _benefit_page(request, session, actor, benefit_id, errors, values, status_code=status_for(error))


# What each control on the page needs; a control is shown only to those allowed it.
MAY = {
    "edit": Action.edit_initiative,
    "rebaseline": Action.rebaseline,
    "request_rebaseline": Action.request_rebaseline,
    "reverse_cash": Action.confirm_cash,
    "reverse_redeployment": Action.confirm_redeployment,
}


def _baseline_periods(
    versions: list[BaselineRead], in_force: int | None
) -> list[tuple[str, Decimal | None, Decimal | None]]:
    """Each period of baseline 1 and of the baseline in force: (period, baseline 1, in force)."""
    if not versions:
        return []
    first = {row.period: row.planned for row in versions[0].periods}
    chosen = next((version for version in versions if version.version == in_force), versions[-1])
    current = {row.period: row.planned for row in chosen.periods}
    # Labels such as 2026-27 and 2026-27 Q1 sort as the periods do.
    return [(period, first.get(period), current.get(period)) for period in sorted(first | current)]


def _profile_chart(session: Any, view: BenefitRead) -> dict[str, Any]:
    """The profile against its approved baseline: the rows, the chart, and the chart in words."""
    rows = finance.profile_against_baseline(session=session, benefit_id=view.id)
    money = counts_as_money(view.category, view.unit, view.measured_as)
    unit = "" if money else (view.unit or "")
    periods = [row.period for row in rows]
    baseline = [None if row.approved is None else float(row.approved) for row in rows]
    planned = [None if row.planned is None else float(row.planned) for row in rows]
    actual = [None if row.actual is None else float(row.actual) for row in rows]
    summary = describe_profile(periods, baseline=baseline, planned=planned, actual=actual, unit=unit, money=money)
    chart = profile_svg(periods, baseline=baseline, planned=planned, actual=actual, title=f"Profile of {view.title}",
                        description=summary, unit=unit, money=money)  # fmt: skip
    return {"comparison": rows, "profile_chart": chart, "profile_summary": summary, "money": money}


@router.get("/benefits/{benefit_id}", response_class=HTMLResponse)
def benefit_page(benefit_id: ResourceId, request: Request, session: SessionDep, actor: PageActor) -> Response:
    """A benefit: its fields, what its next stage still needs, its profile, baselines, ledgers and history.

    After a form on it, `?done=` says what was done (`_done.html`).
    """
    return _benefit_page(request, session, actor, benefit_id)


def _may_edit(session: Any, actor: Actor, benefit_id: int) -> None:
    """Refuse, before reading what was typed, someone who may not edit the benefit's initiative."""
    _may(session, actor, benefit_id, Action.edit_initiative)


def _may(session: Any, actor: Actor, benefit_id: int, action: Action) -> None:
    """Refuse, before reading what was typed, someone who may not take `action` on the benefit."""
    initiative_id = register.get_benefit(session=session, benefit_id=benefit_id).initiative_id
    require(session=session, actor=actor, action=action, initiative_id=initiative_id)


@router.post("/benefits/{benefit_id}/edit", response_class=HTMLResponse)
def edit(benefit_id: ResourceId, request: Request, session: SessionDep, actor: PageActor, form: FormFields) -> Response:
    """Change the fields filled in (a blank field stays as it is); errors show next to their fields."""
    check_csrf(request, str(form.get("csrf", "")))
    _may_edit(session, actor, benefit_id)
    sent = {name: str(form.get(name, "")).strip() for name in EDITABLE}
    changes: dict[str, Any] = {name: value for name, value in sent.items() if value != ""}
    for name in AMOUNTS & changes.keys():
        with suppress(InvalidOperation):  # otherwise left as typed, for the model to refuse beside the field
            changes[name] = typed_amount(changes[name])
    try:
        with undone_on_refusal(session):
            fields = BenefitUpdate.model_validate(changes | {"reason": str(form.get("reason", "")).strip() or None})
            register.update_benefit(session=session, benefit_id=benefit_id, changes=fields, expected_version=None,
                                    actor=actor)  # fmt: skip
    except ValidationError as error:
        return _refused_edit(request, session, actor, benefit_id, field_errors(error), sent)
    except DomainError as error:
        return _refused_edit(request, session, actor, benefit_id, problem_fields(error), sent)
    return redirect_done(f"/benefits/{benefit_id}#done", "details")


@router.post("/benefits/{benefit_id}/segments", response_class=HTMLResponse)
def tag_benefit(
    benefit_id: ResourceId, request: Request, session: SessionDep, actor: PageActor, form: FormFields, picked: Picked
) -> Response:
    """Say which customer segments gain from the benefit (the ticks replace those kept); kept in its history."""
    check_csrf(request, str(form.get("csrf", "")))
    _may_edit(session, actor, benefit_id)
    chosen = picked["segments"]
    refused, status = tag_segments(session, actor, Tagged.benefits, benefit_id, chosen)
    if refused is not None:
        errors = {"segments": refused}
        return _benefit_page(request, session, actor, benefit_id, errors, {"segments": chosen}, status_code=status)
    return redirect_done(f"/benefits/{benefit_id}#who-gains", "segments")


def _refused_edit(
    request: Request, session: Any, actor: Actor, benefit_id: int, errors: dict[str, str], sent: dict[str, str]
) -> HTMLResponse:
    return _benefit_page(request, session, actor, benefit_id, errors, sent, status_code=422)


@router.post("/benefits/{benefit_id}/profile", response_class=HTMLResponse)
def profile(
    benefit_id: ResourceId, request: Request, session: SessionDep, actor: PageActor, form: FormFields
) -> Response:
    """Replace the profile with the rows filled in (a row with no period is dropped)."""
    check_csrf(request, str(form.get("csrf", "")))
    _may_edit(session, actor, benefit_id)
    rows = []
    errors: dict[str, str] = {}
    for index in range(200):
        period = str(form.get(f"period_{index}", "")).strip()
        if f"period_{index}" not in form:
            break
        if not period:
            continue
        try:
            rows.append(ProfileEntryIn(
                period=period,
                planned=Decimal(str(form.get(f"planned_{index}"))) if form.get(f"planned_{index}") else None,
                actual=Decimal(str(form.get(f"actual_{index}"))) if form.get(f"actual_{index}") else None,
            ))  # fmt: skip
        except ValidationError as error:
            # The period's own words where it is the period that cannot be read; otherwise an amount.
            said = field_errors(error)
            errors["profile"] = f"Row {index + 1}: " + said.get("period", "the amounts must be numbers.")
        except ArithmeticError:
            errors["profile"] = f"Row {index + 1}: the amounts must be numbers."
    if not errors:
        try:
            with undone_on_refusal(session):
                register.replace_profile(session=session, benefit_id=benefit_id, rows=rows, expected_version=None,
                                         actor=actor)  # fmt: skip
        except DomainError as error:
            errors["profile"] = problems_text(about_the_form(error))
    if errors:
        return _benefit_page(request, session, actor, benefit_id, errors, status_code=422)
    return redirect_done(f"/benefits/{benefit_id}#done", "profiled")


def _refused_form(
    request: Request,
    session: Any,
    actor: Actor,
    benefit_id: int,
    prefix: str,
    error: ValidationError | DomainError,
    reason: str,
    *,
    shown: bool = True,
) -> HTMLResponse:
    """The page again with the refusal beside the form `prefix` names and the reason typed kept in it.

    A form no longer on the page (its request decided, its entry reversed meanwhile) has its refusal said above
    the list it was in, `{prefix}` cut to the list's name.
    """
    found = field_errors(error) if isinstance(error, ValidationError) else problem_fields(error)
    place = prefix if shown else prefix.split("_")[0] + "_list"
    # A domain refusal's headline goes above the form, and each problem beside its field (the rest with the headline).
    errors: dict[str, str] = {place: error.detail} if isinstance(error, DomainError) else {}
    for name, text in found.items():
        key = f"{place}_reason" if name == "reason" and shown else place
        if text not in errors.get(key, ""):
            errors[key] = f"{errors[key]} {text}" if key in errors else text
    return _benefit_page(request, session, actor, benefit_id, errors, {f"{prefix}_reason": reason}, status_code=422)


def _one_request(session: Any, benefit_id: int, request_id: int) -> bool:
    """Whether the benefit's request to re-baseline is still open; NotFound when the benefit has no such request."""
    asked = {item.id: item for item in baselines.list_requests(session=session, benefit_id=benefit_id).items}
    if request_id not in asked:
        raise NotFound(f"Benefit {benefit_id} has no request {request_id} to re-baseline.")
    return asked[request_id].status is RequestStatus.open


@router.post("/benefits/{benefit_id}/rebaseline", response_class=HTMLResponse)
def rebaseline(
    benefit_id: ResourceId, request: Request, session: SessionDep, actor: PageActor, form: FormFields
) -> Response:
    """Approve the current plan as the next baseline, with the reason; naming a request approves it."""
    check_csrf(request, str(form.get("csrf", "")))
    _may(session, actor, benefit_id, Action.rebaseline)
    request_id = str(form.get("request_id", "")).strip()
    named = re.fullmatch(r"[0-9]{1,9}", request_id) is not None
    shown = _one_request(session, benefit_id, int(request_id)) if named else True
    prefix = f"approve_{request_id}" if named else "rebaseline"
    reason = str(form.get("reason", ""))
    try:
        with undone_on_refusal(session):
            fields = RebaselineCreate.model_validate({"reason": reason, "request_id": request_id or None})
            baselines.rebaseline(
                session=session, benefit_id=benefit_id, fields=fields, expected_version=None, actor=actor
            )
    except (ValidationError, DomainError) as error:
        return _refused_form(request, session, actor, benefit_id, prefix, error, reason, shown=shown)
    return redirect_done(f"/benefits/{benefit_id}#done", "rebaselined")


@router.post("/benefits/{benefit_id}/rebaseline-requests", response_class=HTMLResponse)
def request_rebaseline(
    benefit_id: ResourceId, request: Request, session: SessionDep, actor: PageActor, form: FormFields
) -> Response:
    """Ask finance, the board or an admin to re-baseline, saying why the approved baseline no longer holds."""
    check_csrf(request, str(form.get("csrf", "")))
    _may(session, actor, benefit_id, Action.request_rebaseline)
    reason = str(form.get("reason", ""))
    try:
        with undone_on_refusal(session):
            fields = RebaselineRequestCreate.model_validate({"reason": reason})
            baselines.request_rebaseline(session=session, benefit_id=benefit_id, fields=fields, actor=actor)
    except (ValidationError, DomainError) as error:
        return _refused_form(request, session, actor, benefit_id, "request", error, reason)
    return redirect_done(f"/benefits/{benefit_id}#done", "rebaseline_requested")


@router.post("/benefits/{benefit_id}/rebaseline-requests/{request_id}/decline", response_class=HTMLResponse)
def decline_request(
    benefit_id: ResourceId,
    request_id: ResourceId,
    request: Request,
    session: SessionDep,
    actor: PageActor,
    form: FormFields,
) -> Response:
    """Decline a request to re-baseline, with the reason; the baseline in force stays."""
    check_csrf(request, str(form.get("csrf", "")))
    _may(session, actor, benefit_id, Action.rebaseline)
    shown = _one_request(session, benefit_id, request_id)
    reason = str(form.get("reason", ""))
    try:
        with undone_on_refusal(session):
            fields = RebaselineDecline.model_validate({"reason": reason})
            baselines.decline_request(session=session, request_id=request_id, fields=fields, actor=actor)
    except (ValidationError, DomainError) as error:
        return _refused_form(request, session, actor, benefit_id, f"decline_{request_id}", error, reason, shown=shown)
    return redirect_done(f"/benefits/{benefit_id}#done", "request_declined")


# Each ledger: who may write to it, its entries, and how one is reversed.
LEDGERS = {
    "cash": (Action.confirm_cash, confirmations.list_cash_confirmations, confirmations.reverse_cash),
    "redeployment": (
        Action.confirm_redeployment,
        confirmations.list_redeployment_confirmations,
        confirmations.reverse_redeployment,
    ),
}


def _reverse(
    kind: str,
    benefit_id: int,
    confirmation_id: int,
    request: Request,
    session: Any,
    actor: Actor,
    form: dict[str, str],
) -> Response:
    check_csrf(request, str(form.get("csrf", "")))
    action, entries, reverse = LEDGERS[kind]
    _may(session, actor, benefit_id, action)
    entry = next(
        (item for item in entries(session=session, benefit_id=benefit_id).items if item.id == confirmation_id), None
    )
    if entry is None:
        raise NotFound(f"Benefit {benefit_id} has no {kind} confirmation {confirmation_id}.")
    standing = entry.corrects_id is None and entry.reversed_by_id is None
    reason = str(form.get("reason", ""))
    try:
        with undone_on_refusal(session):
            fields = ReversalCreate.model_validate({"reason": reason})
            reverse(session=session, confirmation_id=confirmation_id, reason=fields.reason, actor=actor)
    except (ValidationError, DomainError) as error:
        return _refused_form(
            request, session, actor, benefit_id, f"{kind}_{confirmation_id}", error, reason, shown=standing
        )
    return redirect_done(f"/benefits/{benefit_id}#done", f"{kind}_reversed")


@router.post("/benefits/{benefit_id}/cash-confirmations/{confirmation_id}/reverse", response_class=HTMLResponse)
def reverse_cash(
    benefit_id: ResourceId,
    confirmation_id: ResourceId,
    request: Request,
    session: SessionDep,
    actor: PageActor,
    form: FormFields,
) -> Response:
    """Reverse a cash confirmation with the reason (finance, admins); the entry stays, corrected by a new one."""
    return _reverse("cash", benefit_id, confirmation_id, request, session, actor, form)


@router.post("/benefits/{benefit_id}/redeployment-confirmations/{confirmation_id}/reverse", response_class=HTMLResponse)
def reverse_redeployment(
    benefit_id: ResourceId,
    confirmation_id: ResourceId,
    request: Request,
    session: SessionDep,
    actor: PageActor,
    form: FormFields,
) -> Response:
    """Reverse a confirmation of redeployed capacity with the reason (finance, admins); the entry stays."""
    return _reverse("redeployment", benefit_id, confirmation_id, request, session, actor, form)
