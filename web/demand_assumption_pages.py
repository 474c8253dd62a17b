"""An initiative's assumptions fed by demand, as a page: each bound assumption with its figure, the counts it is
over, the value the figure now takes and the value the model holds; for the initiative's editors, binding (or
re-binding) an assumption to a demand figure, and refreshing every bound assumption from the counts.

No handler here commits or rolls back: binding and refreshing run in `undone_on_refusal`, so a refused one leaves
the model as it was, and the request's own unit of work ends every request.
"""

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from api.deps import ResourceId, SessionDep, undone_on_refusal
from api.problems import status_for
from benefits import cause_models, demand, formatting, initiatives
from benefits.actors import Actor
from benefits.authz import Action, allowed, require
from benefits.demand import FIGURE_WORDS, ReferenceList
from benefits.errors import DomainError
from benefits.modelling.graph import NodeKind
from benefits.models.demand import DemandAssumptionIn, DemandAssumptionRead, DemandFigure
from web.demand_list_pages import LISTED, Picked, on_pages, refusal_words, said_on_pages
from web.forms import FormFields, about_the_form, field_errors
from web.model_pages import with_unit
from web.render import render
from web.session import PageActor, check_csrf

router = APIRouter(include_in_schema=False)
FIELDS = ("assumption", "figure", "months", "until", *LISTED)
# What a field says when what was sent cannot be read, in the form's words.
UNREADABLE = {
    "assumption": "Choose one of the model's assumptions.",
    "figure": "Choose the demand figure the assumption takes.",
    "months": "Write a whole number of months from 1 to 120, such as 12.",
    "until": "Enter the day as YYYY-MM-DD (a go-live, say), or leave it blank for the latest months.",
}
FIGURE_CHOICES = [(figure.value, FIGURE_WORDS[figure]) for figure in DemandFigure]


def page_path(initiative_id: int) -> str:
    """The address of an initiative's demand page."""
    return f"/initiatives/{initiative_id}/demand"


def figure_value(figure: DemandFigure, value: float | None) -> str:
    """A bound figure's value with its unit: contacts or minutes a year, pounds a year, or a share of contacts."""
    if value is None:
        return formatting.NOTHING
    if figure is DemandFigure.avoidable_share:
        return f"{formatting.percent(value, 1)} of contacts"
    if figure is DemandFigure.cost_to_serve:
        return f"{formatting.money(value, pence=False)} a year"
    unit = "minutes" if figure is DemandFigure.handling_minutes else "contacts"
    return f"{formatting.quantity(value, places=0)} {unit} a year"


def over(binding: DemandAssumptionRead, names: dict[str, dict[str, str]]) -> str:
    """The counts a binding is over, in words: its services, channels and segments by name."""
    parts = []
    for kind in LISTED:
        codes = getattr(binding, kind)
        if len(codes) > 3 and set(codes) == set(names[kind]):  # named one by one, but as long as the list
            parts.append(f"all {len(codes)} {kind} now listed")
        elif codes:
            named = ", ".join(names[kind].get(code, code) for code in codes)
            parts.append(f"{kind if len(codes) > 1 else kind[:-1]} {named}")
    return "; ".join(parts) or "every service and channel"


def _sent_of(form: dict[str, str], picked: dict[str, list[str]]) -> dict[str, Any]:
    typed: dict[str, Any] = {name: form.get(name, "").strip() for name in ("assumption", "figure", "months", "until")}
    return typed | picked


def _bind_errors(error: ValidationError | DomainError) -> dict[str, str]:
    """A refused binding's errors by the form's fields; what names no field (an assumption's range) is the
    assumption's, with the refusal's headline in `form`."""
    if isinstance(error, ValidationError):
        return {name: UNREADABLE.get(name, text) for name, text in field_errors(error).items()}
    about_the_form(error)
    found: dict[str, str] = {"form": on_pages(error.detail)}
    for name, detail in said_on_pages(error).items():
        found.setdefault(name if name in FIELDS else "assumption", detail)
    return found


def _demand_page(
    request: Request, session: Any, actor: Actor, initiative_id: int, *, sent: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None, status_code: int = 200,
) -> HTMLResponse:  # fmt: skip
    initiative = initiatives.get_initiative(session=session, initiative_id=initiative_id)
    bound = demand.bound_assumptions(session=session, initiative_id=initiative_id)
    model = cause_models.get_model(session=session, initiative_id=initiative_id)
    lists = {kind.value: demand.list_references(session=session, kind=kind)
             for kind in (ReferenceList.services, ReferenceList.channels, ReferenceList.segments)}  # fmt: skip
    names = {kind: {entry.code: entry.name for entry in entries} for kind, entries in lists.items()}
    done = request.query_params.get("done", "")
    notice = None
    if done == "refreshed" and not errors:
        notice = "Every bound assumption is set from the counts as they stand; the model's history keeps each change."
    elif done == "bound" and not errors:
        named = request.query_params.get("assumption", "")[:60]
        found = next((row for row in bound if row.binding.assumption == named), None)
        if found is not None:  # read back from what is kept, not from the address
            notice = (f"{found.label} is bound to {FIGURE_WORDS[found.binding.figure]} and now takes "
                      f"{figure_value(found.binding.figure, found.binding.value)}.")  # fmt: skip
    if sent is None:
        asked = request.query_params.get("assumption", "")[:60] if done != "bound" else ""
        chosen = next((row.binding for row in bound if row.binding.assumption == asked), None)
        sent = {"months": "12", **{name: [] for name in LISTED}}
        if chosen is not None:  # re-binding: the form starts from the binding kept
            sent = {"assumption": chosen.assumption, "figure": chosen.figure.value, "months": str(chosen.months),
                    "until": chosen.until.isoformat() if chosen.until else "", "services": chosen.services,
                    "channels": chosen.channels, "segments": chosen.segments}  # fmt: skip
    assumptions = [(node.name, node.label or node.name) for node in model.nodes if node.kind is NodeKind.assumption]
    context = {
        "actor": actor, "initiative": initiative, "bound": bound, "lists": lists, "names": names,
        "assumptions": assumptions, "figures": FIGURE_CHOICES, "words": FIGURE_WORDS, "figure_value": figure_value,
        "with_unit": with_unit, "over": lambda binding: over(binding, names), "sent": sent, "errors": errors or {},
        "notice": notice,
        "may_edit": allowed(session=session, actor=actor, action=Action.edit_initiative, initiative_id=initiative_id),
        "definition": demand.AVOIDABLE_SHARE_DEFINITION,
    }  # fmt: skip
    return render(request, "demand_assumptions.html", context, status_code=status_code, block="content")


@router.get("/initiatives/{initiative_id}/demand", response_class=HTMLResponse)
def initiative_demand_page(
    initiative_id: ResourceId, request: Request, session: SessionDep, actor: PageActor
) -> Response:
    """The initiative's model assumptions bound to demand figures; for its editors, binding and refreshing them."""
    return _demand_page(request, session, actor, initiative_id)


@router.post("/initiatives/{initiative_id}/demand/assumptions", response_class=HTMLResponse)
def bind_assumption(
    initiative_id: ResourceId, request: Request, session: SessionDep, actor: PageActor, form: FormFields,
    picked: Picked,
) -> Response:  # fmt: skip
    """Bind a model assumption to a demand figure (or change its binding) and set it from the counts now."""
    check_csrf(request, form.get("csrf", ""))
    require(session=session, actor=actor, action=Action.edit_initiative, initiative_id=initiative_id)
    sent = _sent_of(form, picked)
    given = {name: value for name, value in sent.items() if value not in ("", [])}
    try:
        fields = DemandAssumptionIn.model_validate(given)
        with undone_on_refusal(session):
            bound = demand.bind_assumption(session=session, initiative_id=initiative_id, fields=fields, actor=actor)
    except (ValidationError, DomainError) as error:
        status = 422 if isinstance(error, ValidationError) else status_for(error)
        errors = _bind_errors(error)
        return _demand_page(request, session, actor, initiative_id, sent=sent, errors=errors, status_code=status)
    query = urlencode({"done": "bound", "assumption": bound.assumption})
    return RedirectResponse(f"{page_path(initiative_id)}?{query}#done", status_code=303)


@router.post("/initiatives/{initiative_id}/demand/refresh", response_class=HTMLResponse)
def refresh_assumptions(
    initiative_id: ResourceId, request: Request, session: SessionDep, actor: PageActor, form: FormFields
) -> Response:
    """Set every bound assumption from the counts as they stand; the benefits the model values follow."""
    check_csrf(request, form.get("csrf", ""))
    require(session=session, actor=actor, action=Action.edit_initiative, initiative_id=initiative_id)
    try:
        with undone_on_refusal(session):
            demand.refresh_assumptions(session=session, initiative_id=initiative_id, actor=actor)
    except DomainError as error:
        errors = {"refresh": refusal_words(error)}
        return _demand_page(request, session, actor, initiative_id, errors=errors, status_code=status_for(error))
    return RedirectResponse(f"{page_path(initiative_id)}?done=refreshed#done", status_code=303)
