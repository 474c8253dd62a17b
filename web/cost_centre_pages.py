"""The cost-centre list as a page: everyone reads it; finance and admins add cost centres and make them (in)active.

No handler here commits or rolls back: a refused form changes nothing before it is refused, so the request's own
unit of work (`api.deps.get_session`) ends every request.
"""

import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from api.deps import SessionDep
from api.problems import status_for
from benefits import cost_centres
from benefits.actors import Actor
from benefits.authz import Action, allowed, require
from benefits.errors import DomainError
from benefits.models.finance import CostCentreCreate, CostCentreUpdate
from web.forms import FormFields, about_the_form, field_errors, problem_fields
from web.render import problems_text, render
from web.session import PageActor, check_csrf

router = APIRouter(include_in_schema=False)
PAGE = "/finance/cost-centres"
FIELDS = ("code", "name", "budget_holder")


def _page(
    request: Request, session: Any, actor: Actor, *, errors: dict[str, str] | None = None,
    sent: dict[str, str] | None = None, error: str | None = None, status_code: int = 200,
) -> HTMLResponse:  # fmt: skip
    context = {
        "actor": actor, "centres": cost_centres.all_cost_centres(session=session),
        "may_manage": allowed(session=session, actor=actor, action=Action.manage_cost_centres),
        "errors": errors or {}, "sent": sent or {}, "error": error,
    }  # fmt: skip
    return render(request, "cost_centres.html", context, status_code=status_code, block="content")


@router.get(PAGE, response_class=HTMLResponse)
def cost_centres_page(request: Request, session: SessionDep, actor: PageActor) -> Response:
    """Every cost centre, by code; for finance and admins, the forms to add one and to make one (in)active."""
    return _page(request, session, actor)


@router.post(PAGE, response_class=HTMLResponse)
def add_cost_centre(request: Request, session: SessionDep, actor: PageActor, form: FormFields) -> Response:
    """Add a cost centre (finance, admin); a refused one is shown again with each error beside its field."""
    check_csrf(request, form.get("csrf", ""))
    require(session=session, actor=actor, action=Action.manage_cost_centres)
    sent = {name: form.get(name, "").strip() for name in FIELDS}
    try:
        fields = CostCentreCreate.model_validate({**sent, "budget_holder": sent["budget_holder"] or None})
        centre = cost_centres.create_cost_centre(session=session, fields=fields, actor=actor)
    except ValidationError as error:
        return _page(request, session, actor, errors=field_errors(error), sent=sent, status_code=422)
    except DomainError as error:
        errors = problem_fields(error, otherwise="code")
        return _page(request, session, actor, errors=errors, sent=sent, status_code=status_for(error))
    return RedirectResponse(f"{PAGE}#centre-{centre.code}", status_code=303)


@router.post(PAGE + "/{code:path}/active", response_class=HTMLResponse)
def set_active(code: str, request: Request, session: SessionDep, actor: PageActor, form: FormFields) -> Response:
    """Make a cost centre active (1) or inactive (0), from the version the page showed (finance, admin)."""
    check_csrf(request, form.get("csrf", ""))
    require(session=session, actor=actor, action=Action.manage_cost_centres)
    version = form.get("version", "")
    expected = frozenset({int(version)}) if re.fullmatch(r"[0-9]{1,9}", version) else None
    try:
        cost_centres.update_cost_centre(
            session=session,
            code=code[:40],
            changes=CostCentreUpdate(active=form.get("active") == "1"),
            expected_version=expected,
            actor=actor,
        )
    except DomainError as error:
        refused = about_the_form(error)  # no such cost centre, or not allowed: a refusal page
        return _page(request, session, actor, error=problems_text(refused), status_code=status_for(refused))
    return RedirectResponse(f"{PAGE}#centre-{code[:40].strip().upper()}", status_code=303)
