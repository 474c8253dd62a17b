"""The cost-centre list as a page: everyone reads it; finance and admins add cost centres, change their name and
budget holder, make them (in)active, and upload the list from a workbook.

No handler here commits or rolls back: a refused form changes nothing before it is refused (the workbook import
checks every row before it writes one), so the request's own unit of work (`api.deps.get_session`) ends every
request.
"""

import re
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from api.deps import SessionDep, undone_on_refusal
from api.problems import status_for
from benefits import cost_centres
from benefits.actors import Actor
from benefits.authz import Action, allowed, require
from benefits.errors import DomainError, Problem
from benefits.models.finance import CostCentreCreate, CostCentreUpdate
from benefits.workbooks.sheets import MAX_IMPORT_BYTES, CentreSheet
from web.forms import FormFields, about_the_form, field_errors, problem_fields
from web.render import problems_text, render
from web.session import SESSION_COOKIE, PageActor, SignInRequired, check_csrf

router = APIRouter(include_in_schema=False)
PAGE = "/finance/cost-centres"
FIELDS = ("code", "name", "budget_holder")
EDITED = ("name", "budget_holder")
# What the list says after each form (post/redirect/get): `?done=` names the form, `code` the cost centre.
DONE = {
    "added": "Cost centre {code} added to the list.",
    "edited": "Cost centre {code} saved.",
    "unchanged": "Cost centre {code} was already as sent: nothing changed.",
    "active": "Cost centre {code} is active again: new claims may name it.",
    "inactive": "Cost centre {code} is inactive: new claims can no longer name it.",
}


def _code(text: str) -> str:
    return text[:40].strip().upper()


def _version(text: str) -> frozenset[int] | None:
    return frozenset({int(text)}) if re.fullmatch(r"[0-9]{1,9}", text) else None


def _notice(done: str | None, code: str | None, created: int | None, updated: int | None) -> str | None:
    if done == "imported":
        return f"Workbook imported: {created or 0:,} cost centre(s) added, {updated or 0:,} changed."
    said = DONE.get(done or "")
    return said.format(code=_code(code or "")) if said else None


def _done(done: str, code: str = "", **counts: int) -> RedirectResponse:
    query = urlencode({"done": done, **({"code": code} if code else {}), **counts})
    anchor = f"#centre-{quote(code, safe='/')}" if code else "#done"
    return RedirectResponse(f"{PAGE}?{query}{anchor}", status_code=303)


def _page(
    request: Request, session: Any, actor: Actor, *, errors: dict[str, str] | None = None,
    sent: dict[str, str] | None = None, error: str | None = None, problems: list[Problem] | None = None,
    notice: str | None = None, status_code: int = 200,
) -> HTMLResponse:  # fmt: skip
    context = {
        "actor": actor, "centres": cost_centres.all_cost_centres(session=session),
        "may_manage": allowed(session=session, actor=actor, action=Action.manage_cost_centres),
        "may_set_budgets": allowed(session=session, actor=actor, action=Action.set_budgets),
        "errors": errors or {}, "sent": sent or {}, "error": error, "problems": problems or [], "notice": notice,
    }  # fmt: skip
    return render(request, "cost_centres.html", context, status_code=status_code, block="content")


@router.get(PAGE, response_class=HTMLResponse)
def cost_centres_page(
    request: Request, session: SessionDep, actor: PageActor, done: str | None = None, code: str | None = None,
    created: int | None = None, updated: int | None = None,
) -> Response:  # fmt: skip
    """Every cost centre, by code; for finance and admins, the forms to add, edit, (de)activate and upload them."""
    return _page(request, session, actor, notice=_notice(done, code, created, updated))


@router.post(PAGE, response_class=HTMLResponse)
def add_cost_centre(request: Request, session: SessionDep, actor: PageActor, form: FormFields) -> Response:
    """Add a cost centre (finance, admin); a refused one is shown again with each error beside its field."""
    check_csrf(request, form.get("csrf", ""))
    require(session=session, actor=actor, action=Action.manage_cost_centres)
    sent = {name: form.get(name, "").strip() for name in FIELDS}
    try:
        fields = CostCentreCreate.model_validate({**sent, "budget_holder": sent["budget_holder"] or None})
        with undone_on_refusal(session):
            centre = cost_centres.create_cost_centre(session=session, fields=fields, actor=actor)
    except ValidationError as error:
        return _page(request, session, actor, errors=field_errors(error), sent=sent, status_code=422)
    except DomainError as error:
        errors = problem_fields(error, otherwise="code")
        return _page(request, session, actor, errors=errors, sent=sent, status_code=status_for(error))
    return _done("added", centre.code)


def _uploaded_centres(
    request: Request,
    workbook: Annotated[UploadFile, File()],
    csrf: Annotated[str, Form(max_length=100)] = "",
) -> CentreSheet | DomainError | None:
    """The uploaded list, read under the import budget before the request's session is asked for (a long read
    holds no transaction); its refusal as a result, for the page to show; None when nobody is signed in."""
    # Imported here: the reader brings openpyxl, which loads with the first workbook read, not at start-up.
    from benefits.workbooks.cost_centres_import import read_cost_centres

    if SESSION_COOKIE not in request.cookies:
        return None  # the page's actor sends them to sign in; nothing is read
    check_csrf(request, csrf)
    try:
        return read_cost_centres(workbook.file.read(MAX_IMPORT_BYTES + 1), file_name=workbook.filename)
    except DomainError as error:
        return error


@router.post(PAGE + "/upload", response_class=HTMLResponse)
def upload_cost_centres(
    request: Request,
    sheet: Annotated[CentreSheet | DomainError | None, Depends(_uploaded_centres)],
    session: SessionDep,
    actor: PageActor,
) -> Response:
    """Add and change cost centres from a workbook (Code, Name, Budget holder, Active): all rows, or none and each
    bad cell named by its row."""
    require(session=session, actor=actor, action=Action.manage_cost_centres)
    if sheet is None:
        raise SignInRequired(request.url.path)  # the session ended between the read and the check
    refusal = sheet if isinstance(sheet, DomainError) else None
    if isinstance(sheet, CentreSheet):
        try:
            with undone_on_refusal(session):
                result = cost_centres.import_cost_centres(session=session, sheet=sheet, actor=actor)
        except DomainError as error:
            refusal = error
    if refusal is not None:
        refused = about_the_form(refusal)
        problems = refused.problems or [Problem(refused.code, refused.detail, "file")]
        return _page(request, session, actor, problems=problems, status_code=422)
    return _done("imported", created=result.created, updated=result.updated)


def _edit_page(
    request: Request, session: Any, actor: Actor, code: str, *, sent: dict[str, str] | None = None,
    errors: dict[str, str] | None = None, status_code: int = 200,
) -> HTMLResponse:  # fmt: skip
    centre = cost_centres.get_cost_centre(session=session, code=code)
    shown = sent or {"name": centre.name, "budget_holder": centre.budget_holder or "", "version": str(centre.version)}
    context = {"actor": actor, "centre": centre, "sent": shown, "errors": errors or {}, "editing": True}
    return render(request, "cost_centres.html", context, status_code=status_code, block="content")


@router.get(PAGE + "/{code:path}/edit", response_class=HTMLResponse)
def edit_cost_centre_page(code: str, request: Request, session: SessionDep, actor: PageActor) -> Response:
    """The form to change a cost centre's name and budget holder (finance, admin); the code stays."""
    require(session=session, actor=actor, action=Action.manage_cost_centres)
    return _edit_page(request, session, actor, code[:40])


@router.post(PAGE + "/{code:path}/edit", response_class=HTMLResponse)
def edit_cost_centre(code: str, request: Request, session: SessionDep, actor: PageActor, form: FormFields) -> Response:
    """Change a cost centre's name and budget holder from the version the form showed; a refusal keeps what was
    typed, each error beside its field."""
    check_csrf(request, form.get("csrf", ""))
    require(session=session, actor=actor, action=Action.manage_cost_centres)
    sent = {name: form.get(name, "").strip() for name in (*EDITED, "version")}
    try:
        changes = CostCentreUpdate.model_validate(
            {"name": sent["name"], "budget_holder": sent["budget_holder"] or None}
        )
        before = cost_centres.get_cost_centre(session=session, code=code[:40]).version
        with undone_on_refusal(session):
            centre = cost_centres.update_cost_centre(
                session=session,
                code=code[:40],
                changes=changes,
                expected_version=_version(sent["version"]),
                actor=actor,
            )
    except ValidationError as error:
        return _edit_page(request, session, actor, code[:40], sent=sent, errors=field_errors(error), status_code=422)
    except DomainError as error:
        errors = problem_fields(error, otherwise="form")
        return _edit_page(request, session, actor, code[:40], sent=sent, errors=errors, status_code=status_for(error))
    return _done("edited" if centre.version != before else "unchanged", centre.code)


@router.post(PAGE + "/{code:path}/active", response_class=HTMLResponse)
def set_active(code: str, request: Request, session: SessionDep, actor: PageActor, form: FormFields) -> Response:
    """Make a cost centre active (1) or inactive (0), from the version the page showed (finance, admin)."""
    check_csrf(request, form.get("csrf", ""))
    require(session=session, actor=actor, action=Action.manage_cost_centres)
    active = form.get("active") == "1"
    try:
        with undone_on_refusal(session):
            centre = cost_centres.update_cost_centre(
                session=session,
                code=code[:40],
                changes=CostCentreUpdate(active=active),
                expected_version=_version(form.get("version", "")),
                actor=actor,
            )
    except DomainError as error:
        refused = about_the_form(error)  # no such cost centre, or not allowed: a refusal page
        return _page(request, session, actor, error=problems_text(refused), status_code=status_for(refused))
    return _done("active" if active else "inactive", centre.code)
