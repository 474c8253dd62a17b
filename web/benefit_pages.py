"""The benefit page: details, gate checklist, edits to its fields and its profile."""

from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from api.deps import ResourceId, SessionDep
from benefits import confirmations, finance, measures, pipeline, register
from benefits.actors import Actor
from benefits.authz import Action, allowed, require
from benefits.errors import DomainError
from benefits.models import BenefitRead, BenefitUpdate, ProfileEntryIn
from benefits.stages import counts_as_money
from web.charts import describe_profile, profile_svg
from web.forms import FormFields, about_the_form, field_errors, problem_fields
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
PROFILE_ROWS = 3  # blank rows offered for new periods


def _benefit_page(
    request: Request, session: Any, actor: Actor, view: BenefitRead, errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None, status_code: int = 200,
) -> HTMLResponse:  # fmt: skip
    current = {name: getattr(view, name) for name in EDITABLE}
    shown = {name: typed(value) for name, value in current.items()}
    return render(request, "benefit.html", {
        "actor": actor, "benefit": view, "fields": EDITABLE, "labels": LABELS, "choices": CHOICES, "dates": DATES,
        "values": shown | (values or {}), "errors": errors or {}, "blank_rows": range(PROFILE_ROWS),
        "may_edit": allowed(session=session, actor=actor, action=Action.edit_initiative,
                            initiative_id=view.initiative_id),
        "history": pipeline.benefit_history(session=session, benefit_id=view.id).items,
        "confirmations": confirmations.list_cash_confirmations(session=session, benefit_id=view.id).items,
        "measures": measures.tracking(session=session, benefit_id=view.id), **_profile_chart(session, view),
    }, status_code=status_code)  # fmt: skip


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
    """A benefit: its fields, what its next stage still needs, its profile and its history."""
    view = register.benefit_view(register.get_benefit(session=session, benefit_id=benefit_id))
    return _benefit_page(request, session, actor, view)


def _may_edit(session: Any, actor: Actor, benefit_id: int) -> None:
    """Refuse, before reading what was typed, someone who may not edit the benefit's initiative."""
    initiative_id = register.get_benefit(session=session, benefit_id=benefit_id).initiative_id
    require(session=session, actor=actor, action=Action.edit_initiative, initiative_id=initiative_id)


@router.post("/benefits/{benefit_id}/edit", response_class=HTMLResponse)
def edit(benefit_id: ResourceId, request: Request, session: SessionDep, actor: PageActor, form: FormFields) -> Response:
    """Change the fields filled in (a blank field stays as it is); errors show next to their fields."""
    check_csrf(request, str(form.get("csrf", "")))
    _may_edit(session, actor, benefit_id)
    sent = {name: str(form.get(name, "")).strip() for name in EDITABLE}
    changes = {name: value for name, value in sent.items() if value != ""}
    try:
        fields = BenefitUpdate.model_validate(changes | {"reason": str(form.get("reason", "")).strip() or None})
        register.update_benefit(session=session, benefit_id=benefit_id, changes=fields, expected_version=None,
                                actor=actor)  # fmt: skip
    except ValidationError as error:
        session.rollback()
        return _refused_edit(request, session, actor, benefit_id, field_errors(error), sent)
    except DomainError as error:
        session.rollback()
        return _refused_edit(request, session, actor, benefit_id, problem_fields(error), sent)
    session.commit()
    return RedirectResponse(f"/benefits/{benefit_id}", status_code=303)


def _refused_edit(
    request: Request, session: Any, actor: Actor, benefit_id: int, errors: dict[str, str], sent: dict[str, str]
) -> HTMLResponse:
    view = register.benefit_view(register.get_benefit(session=session, benefit_id=benefit_id))
    return _benefit_page(request, session, actor, view, errors, sent, status_code=422)


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
        except (ValidationError, ArithmeticError):
            errors["profile"] = f"Row {index + 1}: the amounts must be numbers."
    if not errors:
        try:
            register.replace_profile(session=session, benefit_id=benefit_id, rows=rows, expected_version=None,
                                     actor=actor)  # fmt: skip
        except DomainError as error:
            session.rollback()
            errors["profile"] = problems_text(about_the_form(error))
    if errors:
        view = register.benefit_view(register.get_benefit(session=session, benefit_id=benefit_id))
        return _benefit_page(request, session, actor, view, errors, status_code=422)
    session.commit()
    return RedirectResponse(f"/benefits/{benefit_id}#profile", status_code=303)
