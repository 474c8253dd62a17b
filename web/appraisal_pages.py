"""The appraisal page (the Green Book figures by year, a cash-flow chart and switching values), the costs page, and
the portfolio's RAG thresholds."""

from decimal import Decimal, InvalidOperation
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from api.deps import ResourceId, SessionDep, undone_on_refusal
from benefits import appraisal, costs, initiatives, status, switching
from benefits.actors import Actor
from benefits.authz import Action, allowed, require
from benefits.errors import DomainError
from benefits.models.cost import CostKind, CostLineCreate
from benefits.models.status import StatusThresholds
from web.charts import cash_flow_svg, describe_cash_flow
from web.forms import FormFields, about_the_form, redirect_done, typed_amount
from web.render import problems_text, render, typed
from web.session import PageActor, check_csrf

router = APIRouter(include_in_schema=False)

COST_ROWS = 4  # period rows offered on the form for a new cost line
COST_FIELDS = ("title", "kind", "cost_centre", "optimism_bias")
# Said in the form's words rather than the validator's: the uplift is asked for as a percentage.
PLAIN = {
    "title": "Give the cost line a title (up to 200 characters).",
    "kind": "Choose capital or revenue.",
    "cost_centre": "A cost centre is a code of up to 40 characters.",
    "optimism_bias": "Give the uplift as a percentage from 0 to 500, e.g. 24.",
    "amount": "Give the amount in pounds, e.g. 25000.",
}


@router.get("/initiatives/{initiative_id}/appraisal", response_class=HTMLResponse)
def appraisal_page(
    initiative_id: ResourceId, request: Request, session: SessionDep, actor: PageActor, weighted: bool = False
) -> Response:
    """The appraisal: economic and financial cases by year, a chart of the cash flows, and switching values."""
    initiative = initiatives.get_initiative(session=session, initiative_id=initiative_id)
    result = appraisal.appraise(session=session, initiative_id=initiative_id, weighted=weighted)
    switching_values, switching_error = None, None
    try:
        switching_values = switching.switching_values(session=session, initiative_id=initiative_id)
    except DomainError as error:  # a model with errors has no switching values, but the appraisal still stands
        switching_error = problems_text(error)
    years = [row.period for row in result.periods]
    benefits = [float(row.benefits) for row in result.periods]
    costs_by_year = [float(row.costs) for row in result.periods]
    cumulative = [float(row.cumulative) for row in result.periods]
    summary = describe_cash_flow(years, benefits=benefits, costs=costs_by_year, cumulative=cumulative)
    chart = cash_flow_svg(years, benefits=benefits, costs=costs_by_year, cumulative=cumulative, description=summary,
                          title=f"Benefits, costs and cumulative discounted net of {initiative.name}")  # fmt: skip
    return render(request, "appraisal.html", {
        "actor": actor, "initiative": initiative, "appraisal": result, "chart": chart, "summary": summary,
        "switching": switching_values, "switching_error": switching_error,
    })  # fmt: skip


def _costs_page(
    request: Request, session: Any, actor: Actor, initiative_id: int, errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None, status_code: int = 200, added: str = "",
) -> HTMLResponse:  # fmt: skip
    table = costs.cost_table(session=session, initiative_id=initiative_id)
    # The line just added, named as it is stored (the address only says which).
    subject = next((f"“{item.line.title}”" for item in table.lines if str(item.line.id) == added), "")
    return render(request, "costs.html", {
        "actor": actor, "initiative": initiatives.get_initiative(session=session, initiative_id=initiative_id),
        "table": table, "done_subject": subject,
        "appraisal": appraisal.appraise(session=session, initiative_id=initiative_id),
        "may_edit": allowed(session=session, actor=actor, action=Action.edit_initiative, initiative_id=initiative_id),
        "kinds": [kind.value for kind in CostKind], "rows": range(COST_ROWS), "errors": errors or {},
        "values": values or {"kind": CostKind.revenue.value, "optimism_bias": "0"},
    }, status_code=status_code)  # fmt: skip


@router.get("/initiatives/{initiative_id}/costs", response_class=HTMLResponse)
def costs_page(
    initiative_id: ResourceId, request: Request, session: SessionDep, actor: PageActor, line: str = ""
) -> Response:
    """An initiative's cost lines by year with their totals, and a form to add one.

    After one is added, `?done=cost_added&line={id}` says so, naming it.
    """
    return _costs_page(request, session, actor, initiative_id, added=line[:20])


def _amount(text: str) -> Decimal | str:
    """Pounds as people type them (£25,000); left as typed when it is not a number, so validation names it."""
    try:
        return typed_amount(text)
    except InvalidOperation:
        return text


def _cost_fields(form: dict[str, str]) -> tuple[dict[str, Any], list[int], dict[str, str]]:
    """The posted cost line as the domain takes it, which form row each profile row came from, and rows half filled."""
    sent = {name: form.get(name, "").strip() for name in COST_FIELDS}
    uplift = _amount(sent["optimism_bias"] or "0")
    fields: dict[str, Any] = {
        "title": sent["title"], "kind": sent["kind"], "cost_centre": sent["cost_centre"] or None,
        "optimism_bias": uplift / 100 if isinstance(uplift, Decimal) and uplift.is_finite() else uplift,
        "profile": [],
    }  # fmt: skip
    rows: list[int] = []
    half: dict[str, str] = {}
    for index in range(COST_ROWS):
        period, amount = form.get(f"period_{index}", "").strip(), form.get(f"amount_{index}", "").strip()
        if not period and not amount:
            continue
        if not period:
            half[f"period_{index}"] = "Give the year this amount falls in, e.g. 2026-27."
        elif not amount:
            half[f"amount_{index}"] = "Give the amount for this year."
        else:
            rows.append(index)
            fields["profile"].append({"period": period, "amount": _amount(amount)})
    return fields, rows, half


def _where(location: str | None, rows: list[int]) -> str:
    """The form field a validation location or a domain problem's field names: `profile[1].amount` is `amount_3`."""
    if not location:
        return "form"
    parts = location.replace("[", ".").replace("]", "").split(".")
    if parts[0] == "profile" and len(parts) >= 3 and parts[1].isdigit() and int(parts[1]) < len(rows):
        return f"{parts[2]}_{rows[int(parts[1])]}"
    return parts[0] if parts[0] in COST_FIELDS else "form"


def _plain(where: str, message: str) -> str:
    row_field = where.split("_")[0] if where.startswith(("amount_", "period_")) else where
    return PLAIN.get(row_field, message)


@router.post("/initiatives/{initiative_id}/costs", response_class=HTMLResponse)
def add_cost(
    initiative_id: ResourceId, request: Request, session: SessionDep, actor: PageActor, form: FormFields
) -> Response:
    """Add a cost line with its amounts by year; anything wrong is said next to its field and nothing is saved."""
    check_csrf(request, form.get("csrf", ""))
    # Who may add comes before what was typed: a forbidden form is refused whatever it holds.
    require(session=session, actor=actor, action=Action.edit_initiative, initiative_id=initiative_id)
    fields, rows, errors = _cost_fields(form)
    values = {name: value for name, value in form.items() if name != "csrf"}
    try:
        checked = CostLineCreate.model_validate(fields)
    except ValidationError as error:
        for item in error.errors(include_url=False):
            where = _where(".".join(str(part) for part in item["loc"]), rows)
            errors.setdefault(where, _plain(where, item["msg"]))
        return _costs_page(request, session, actor, initiative_id, errors, values, status_code=422)
    if errors:
        return _costs_page(request, session, actor, initiative_id, errors, values, status_code=422)
    try:
        with undone_on_refusal(session):
            line, _ = costs.create_cost(session=session, initiative_id=initiative_id, fields=checked, actor=actor)
    except DomainError as error:
        for problem in about_the_form(error).problems:
            errors.setdefault(_where(problem.field, rows), problem.detail)
        if not error.problems:
            errors["form"] = error.detail
        return _costs_page(request, session, actor, initiative_id, errors, values, status_code=422)
    return redirect_done(f"/initiatives/{initiative_id}/costs#cost-{line.id}", "cost_added", line=str(line.id))


THRESHOLDS = "/finance/status-thresholds"
THRESHOLD_FIELDS = ("on_track_within", "at_risk_within")


def _thresholds_page(
    request: Request, session: Any, actor: Actor, *, sent: dict[str, str] | None = None,
    errors: dict[str, str] | None = None, notice: str | None = None, status_code: int = 200,
) -> HTMLResponse:  # fmt: skip
    thresholds, version = status.status_thresholds(session=session)
    shown = sent or {
        **{name: f"{typed(getattr(thresholds, name) * 100)}%" for name in THRESHOLD_FIELDS}, "version": str(version)
    }  # fmt: skip
    return render(request, "status_thresholds.html", {
        "actor": actor, "sent": shown, "errors": errors or {}, "notice": notice,
        "may_set": allowed(session=session, actor=actor, action=Action.set_appraisal),
    }, status_code=status_code)  # fmt: skip


@router.get(THRESHOLDS, response_class=HTMLResponse)
def thresholds_page(request: Request, session: SessionDep, actor: PageActor, saved: int | None = None) -> Response:
    """The portfolio's RAG thresholds: how far short of its approved baseline a benefit is on track, or at risk."""
    return _thresholds_page(request, session, actor, notice="Status thresholds saved." if saved else None)


def _percent(text: str) -> Decimal:
    """A threshold as people type it, in per cent as the form asks: 5% and 5 are both five per cent (0.5 is half)."""
    return Decimal(text.replace("%", "").strip()) / 100


@router.post(THRESHOLDS, response_class=HTMLResponse)
def save_thresholds(request: Request, session: SessionDep, actor: PageActor, form: FormFields) -> Response:
    """Save the RAG thresholds (finance, admin); a threshold that cannot be read, or out of order, is named."""
    check_csrf(request, form.get("csrf", ""))
    require(session=session, actor=actor, action=Action.set_appraisal)
    sent = {name: form.get(name, "").strip() for name in (*THRESHOLD_FIELDS, "version")}
    errors: dict[str, str] = {}
    shares: dict[str, Decimal] = {}
    for name in THRESHOLD_FIELDS:
        try:
            shares[name] = _percent(sent[name])
        except InvalidOperation:
            errors[name] = f"“{sent[name]}” is not a percentage: write it as 5%."
    if not errors:
        try:
            fields = StatusThresholds.model_validate(shares)
        except ValidationError as error:
            for item in error.errors(include_url=False):
                name = str(item["loc"][0]) if item["loc"] else "at_risk_within"
                errors.setdefault(
                    name if name in THRESHOLD_FIELDS else "at_risk_within",
                    "A threshold is a percentage from 0% to 100%." if item["loc"]
                    else "At risk must reach further than on track: make it larger than the on-track threshold.",
                )  # fmt: skip
    if errors:
        return _thresholds_page(request, session, actor, sent=sent, errors=errors, status_code=422)
    expected = frozenset({int(sent["version"])}) if sent["version"].isdigit() else None
    try:
        with undone_on_refusal(session):
            status.save_thresholds(session=session, fields=fields, expected_version=expected, actor=actor)
    except DomainError as error:
        return _thresholds_page(request, session, actor, sent=sent,
                                errors={"form": problems_text(about_the_form(error))}, status_code=409)  # fmt: skip
    return RedirectResponse(f"{THRESHOLDS}?saved=1", status_code=303)
